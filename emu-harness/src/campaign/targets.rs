//! The fuzz targets' bodies (`fuzz/fuzz_targets/*.rs` are one line each over these): the same
//! generators and `Checker` as the campaign.

use super::checker::Checker;
use crate::exec::reference::ReferenceCompiler;
use crate::generate::Generator;
use wasm2thumb::{compile, CompileOptions, Strategy};

/// One differential check of a module, for fuzz targets: compile it, run every exported
/// function on the checker's vectors against the reference, confirm mismatches (as the campaign
/// does). `Err` carries the one-line signature of the first confirmed mismatch (with the
/// function and its vector); a module the compiler declines is not an error, and a Winch /
/// Cranelift disagreement is printed, not raised (it is wasmtime's, not the compiler's).
pub fn check_module(checker: &mut Checker, wasm: &[u8]) -> Result<(), String> {
    let compiled = match compile(wasm, &checker.compile) {
        Ok(c) => c,
        Err(e @ wasm2thumb::CompileError::Internal { .. }) => {
            return Err(format!("compile-error-internal: {e}"))
        }
        Err(_) => return Ok(()),
    };
    if let Some(e) = compiled.internal_error() {
        return Err(format!("compile-error-internal: {e}"));
    }
    let Some(checked) = checker.check(wasm, &compiled).map_err(|e| format!("harness: {e}"))? else {
        return Ok(());
    };
    for f in &checked.findings {
        let m = &f.mismatch;
        let args: Vec<String> = m.args.iter().map(|a| a.typed_hex()).collect();
        let line = format!(
            "mismatch {} in {} ({}): compiled {}, expected {}",
            f.signature,
            f.function,
            args.join(","),
            m.emulated,
            m.expected
        );
        if f.disagreement {
            eprintln!("not a compiler finding: {line}");
        } else {
            return Err(line);
        }
    }
    Ok(())
}

/// Vectors per function in the fuzz targets.
pub const FUZZ_TARGET_VECTORS: usize = 8;

thread_local! {
    static TARGET_CHECKER: std::cell::RefCell<Option<Checker>> = const { std::cell::RefCell::new(None) };
}

/// The body of the differential fuzz targets: `data` is a WebAssembly module (seed corpora
/// are stored as modules, so they survive generator changes) or input for one of
/// `generators`, chosen by its first byte. Panics with the one-line signature of a confirmed
/// mismatch — the fuzzer's crash.
pub fn fuzz_one(data: &[u8], generators: &[Generator]) {
    let wasm = if data.starts_with(b"\0asm") {
        data.to_vec()
    } else {
        let Some((first, rest)) = data.split_first() else { return };
        let generator = generators[*first as usize % generators.len()];
        match generator.generate(&mut arbitrary::Unstructured::new(rest), 1..=3) {
            Ok(g) => g.wasm,
            Err(_) => return,
        }
    };
    let result = TARGET_CHECKER.with(|cell| {
        let mut cell = cell.borrow_mut();
        let checker = match cell.as_mut() {
            Some(c) => c,
            None => cell.insert(
                Checker::new(FUZZ_TARGET_VECTORS, CompileOptions::default(), ReferenceCompiler::Winch)
                    .expect("the emulator and the reference start"),
            ),
        };
        check_module(checker, &wasm)
    });
    if let Err(signature) = result {
        panic!("{signature}");
    }
}

/// The body of `compile_never_panics`: `data` as a module, then as input for every generator,
/// compiled with the pool at 5 and at 1 register and with the baseline strategy. A panic, or an
/// internal compiler error (not a clean decline), is the finding.
pub fn compile_one(data: &[u8]) {
    let options = CompileOptions::default();
    let clean = |result: Result<wasm2thumb::CompiledModule, wasm2thumb::CompileError>| match result {
        Err(e @ wasm2thumb::CompileError::Internal { .. }) => panic!("compile-error-internal: {e}"),
        Ok(m) => {
            if let Some(e) = m.internal_error() {
                panic!("compile-error-internal: {e}");
            }
        }
        Err(_) => {}
    };
    clean(compile(data, &options));
    for generator in Generator::ALL {
        if let Ok(g) = generator.generate(&mut arbitrary::Unstructured::new(data), 1..=3) {
            for o in [
                options,
                CompileOptions { pool_size: 1, float_pool: 1, ..options },
                CompileOptions { strategy: Strategy::Baseline, ..options },
            ] {
                clean(compile(&g.wasm, &o));
            }
        }
    }
}
