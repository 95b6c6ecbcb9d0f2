//! The fuzz targets' seed corpora (`fuzz/seeds/<target>/*.wasm`, written by `emu-harness
//! fuzz-seeds`): every seed is a valid module carrying its vectors, and every function matches
//! the reference on exactly those vectors under the default configuration and a one-register
//! pool. They are regression inputs: a seed that fails is a regression.

use emu_harness::run::{collect_inputs, RunConfig, Runner, Status};
use emu_harness::seeds::{stored_vectors, TARGETS};
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
