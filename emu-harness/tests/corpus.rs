//! The bundled corpus, run differentially as the README's main command runs it: every function
//! matches on at least 1,000 vectors on every CPU, none is declined (float work without an FPU
//! for it runs through the software routines), and the pressure fixtures really spill.

use emu_harness::run::{collect_inputs, FileReport, RunConfig, Runner, Status};
use std::path::PathBuf;
use wasm2thumb::{CompileOptions, Strategy};

fn corpus() -> Vec<PathBuf> {
    collect_inputs(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")]).unwrap()
}

fn run_corpus(pool_size: usize) -> Vec<FileReport> {
    run_corpus_with(CompileOptions { pool_size, ..CompileOptions::default() })
}

fn run_corpus_with(compile: CompileOptions) -> Vec<FileReport> {
    let config = RunConfig { vectors: 1000, seed: 0, compile, ..RunConfig::default() };
    let mut runner = Runner::new(config).unwrap();
    corpus().iter().map(|p| runner.run_file(p)).collect()
}

fn assert_all_match(files: &[FileReport]) -> (usize, usize) {
    let (mut functions, mut vectors) = (0, 0);
    for f in files {
        assert!(f.error.is_none(), "{}: {:?}", f.file, f.error);
        assert!(!f.functions.is_empty(), "{}: no functions", f.file);
        for func in &f.functions {
            assert_eq!(func.status, Status::Match, "{} :: {}: {:#?}", f.file, func.function, func.examples);
            assert!(func.vectors >= 1000, "{} :: {}: only {} vectors", f.file, func.function, func.vectors);
            functions += 1;
            vectors += func.vectors + func.assertions;
        }
    }
    (functions, vectors)
}

#[test]
fn corpus_matches_with_the_full_pool() {
    let files = run_corpus(5);
    assert!(files.len() >= 12, "at least 12 fixtures");
    let (functions, vectors) = assert_all_match(&files);
    println!("pool 5: {functions} functions, {vectors} calls, all match");
    let hp = files.iter().find(|f| f.file.ends_with("hp10.wast")).expect("the 10-live fixture");
    for f in &hp.functions {
        assert!(f.max_live >= 10, "{}: max_live {}", f.function, f.max_live);
        assert!(f.spills > 0, "{}: the 10-live fixture must spill", f.function);
    }
    for (name, live) in [("live16.wast", 16), ("live32.wast", 32)] {
        let file = files.iter().find(|f| f.file.ends_with(name)).unwrap();
        assert!(file.functions.iter().any(|f| f.max_live >= live && f.spills > 0), "{name}");
    }
}

/// The M7 has the double-precision FPU: every function of the corpus compiles and matches.
#[test]
fn corpus_matches_on_the_m7() {
    let files =
        run_corpus_with(CompileOptions { cpu: wasm2thumb::Cpu::CortexM7, ..CompileOptions::default() });
    let (functions, vectors) = assert_all_match(&files);
    println!("M7: {functions} functions, {vectors} calls, all match");
}

/// The M3 has no FPU: its float work is all software routines, and matches bit for bit.
#[test]
fn corpus_matches_on_the_m3() {
    let files =
        run_corpus_with(CompileOptions { cpu: wasm2thumb::Cpu::CortexM3, ..CompileOptions::default() });
    let (functions, vectors) = assert_all_match(&files);
    println!("M3: {functions} functions, {vectors} calls, all match");
}

#[test]
fn corpus_matches_with_one_pool_register() {
    let (functions, vectors) = assert_all_match(&run_corpus(1));
    println!("pool 1: {functions} functions, {vectors} calls, all match");
}

#[test]
fn corpus_matches_with_the_baseline_strategy() {
    let (functions, vectors) = assert_all_match(&run_corpus_with(CompileOptions {
        strategy: Strategy::Baseline,
        ..CompileOptions::default()
    }));
    println!("baseline: {functions} functions, {vectors} calls, all match");
}

#[test]
fn reports_do_not_depend_on_the_number_of_jobs() {
    // A few files of different sizes, so two workers finish out of order.
    let inputs: Vec<PathBuf> = corpus()
        .into_iter()
        .filter(|p| {
            ["memory_grow", "i64", "arith", "calls", "globals"]
                .iter()
                .any(|n| p.ends_with(format!("{n}.wast")))
        })
        .collect();
    assert_eq!(inputs.len(), 5);
    let config = RunConfig { vectors: 200, ..RunConfig::default() };
    let json = |jobs| {
        let files = emu_harness::run::run_files(&inputs, &config, jobs).unwrap();
        serde_json::to_string(&files).unwrap()
    };
    let one = json(1);
    assert_eq!(one, json(2));
    assert_eq!(one, json(3));
}

#[test]
fn batched_and_single_calls_give_the_same_report() {
    // Batching (functions that read and write no state run many vectors per emulator entry) is
    // an optimization only: counts, instructions and stack bytes must not change.
    let files: Vec<_> = corpus()
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            ["arith.wast", "i64.wast", "hp10.wast", "select_flags.wast", "traps.wast"]
                .contains(&name.as_str())
        })
        .collect();
    assert_eq!(files.len(), 5);
    let run = |batch: bool| {
        let config = RunConfig { vectors: 300, batch, ..RunConfig::default() };
        let mut runner = Runner::new(config).unwrap();
        let reports: Vec<FileReport> = files.iter().map(|p| runner.run_file(p)).collect();
        serde_json::to_string(&reports).unwrap()
    };
    assert_eq!(run(true), run(false));
}
