//! The fuzz targets' seed corpora (`fuzz/seeds/<target>/*.wasm`, written by `emu-harness
//! fuzz-seeds`): every seed is a valid module carrying its vectors, and every function matches
//! the reference on exactly those vectors under the default configuration and a one-register
//! pool. They are regression inputs: a seed that fails is a regression.

use emu_harness::run::{collect_inputs, RunConfig, Runner, Status};
use emu_harness::{campaign::TARGETS, oracle::vectors::stored_vectors};
use std::path::PathBuf;
use wasm2thumb::CompileOptions;

#[test]
fn every_seed_matches_on_its_own_vectors() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
    let mut seeds = 0;
    for (target, _) in TARGETS {
        let files = collect_inputs(&[root.join(target)]).unwrap();
        assert!(files.len() >= 8, "{target}: {} seeds", files.len());
        for pool_size in [5, 1] {
            let compile = CompileOptions { pool_size, ..CompileOptions::default() };
            let mut runner =
                Runner::new(RunConfig { compile, sequence_calls: 0, ..RunConfig::default() }).unwrap();
            for file in &files {
                let wasm = std::fs::read(file).unwrap();
                wasmparser::validate(&wasm).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                let stored =
                    stored_vectors(&wasm).unwrap_or_else(|| panic!("{}: no vectors", file.display()));
                let report = runner.run_file(file);
                assert!(report.error.is_none(), "{}: {:?}", report.file, report.error);
                for f in &report.functions {
                    assert_eq!(
                        f.status,
                        Status::Match,
                        "{} :: {}: {:#?}",
                        report.file,
                        f.function,
                        f.examples
                    );
                    assert_eq!(f.vectors, stored[&f.function].len(), "{} :: {}", report.file, f.function);
                }
                seeds += 1;
            }
        }
    }
    assert!(seeds >= 48);
}

#[test]
fn stored_vectors_that_do_not_fit_give_way_to_generated_ones() {
    use emu_harness::oracle::outcome::Value;
    use emu_harness::oracle::vectors::{embed_vectors, StoredVectors};
    let wasm = wat::parse_str(
        "(module (func (export \"f\") (param i32) (result i32) local.get 0 i32.const 1 i32.add))",
    )
    .unwrap();
    // A mutated seed: the stored vector is for another signature.
    let mut vectors = StoredVectors::new();
    vectors.insert("f".into(), vec![vec![Value::I64(1)]]);
    let path = std::env::temp_dir().join(format!("emu-harness-misfit-{}.wasm", std::process::id()));
    std::fs::write(&path, embed_vectors(&wasm, &vectors)).unwrap();
    let mut runner =
        Runner::new(RunConfig { vectors: 20, sequence_calls: 0, ..RunConfig::default() }).unwrap();
    let report = runner.run_file(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(report.functions[0].status, Status::Match);
    assert!(report.functions[0].vectors >= 20, "generated vectors ran: {}", report.functions[0].vectors);
}

#[test]
fn a_module_the_reference_rejects_is_not_a_finding() {
    use emu_harness::campaign::{check_module, Checker};
    use emu_harness::exec::reference::ReferenceCompiler;
    // Tail calls: the compiler's validator accepts them (and declines the function); wasmtime
    // disables them for Winch. The fuzz targets must not report that as a crash.
    let wasm = wat::parse_str(
        "(module (func $f (export \"f\") (param i32) (result i32) local.get 0 return_call $f))",
    )
    .unwrap();
    let mut checker = Checker::new(8, CompileOptions::default(), ReferenceCompiler::Winch).unwrap();
    assert_eq!(check_module(&mut checker, &wasm), Ok(()));
}
