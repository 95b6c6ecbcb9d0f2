//! The reproducers in `repro/`: every file, under every configuration of the matrix, matches
//! the reference on its assertions and on generated vectors. A reproducer that fails again is
//! a regression of a bug already found once.

use emu_harness::run::matrix::configurations;
use emu_harness::run::{collect_inputs, RunConfig, Runner, Status};
use std::path::PathBuf;
use wasm2thumb::CompileOptions;

#[test]
fn every_reproducer_matches_in_every_configuration() {
    let files = collect_inputs(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../repro")]).unwrap();
    assert!(!files.is_empty(), "repro/ has reproducers");
    for config in configurations(&CompileOptions::default()) {
        let mut runner =
            Runner::new(RunConfig { vectors: 200, compile: config.compile, ..RunConfig::default() }).unwrap();
        for file in &files {
            let report = runner.run_file(file);
            assert!(report.error.is_none(), "[{}] {}: {:?}", config.label, report.file, report.error);
            assert!(!report.functions.is_empty(), "{}: no functions", report.file);
            for f in &report.functions {
                assert_eq!(
                    f.status,
                    Status::Match,
                    "[{}] {} :: {}: {:#?}",
                    config.label,
                    report.file,
                    f.function,
                    f.examples
                );
                assert!(f.assertions > 0 || f.vectors > 0);
            }
        }
    }
}
