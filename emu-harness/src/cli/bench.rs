//! `emu-harness bench-compile` and `bench-throughput`.

use super::inputs;
use emu_harness::bench::compile::{bench_compile, load_modules};
use emu_harness::bench::throughput::{measure, python_oracle, straight_line_corpus, Throughput};
use emu_harness::exit;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct BenchCompileArgs {
    /// Inputs (default: the bundled corpus).
    paths: Vec<PathBuf>,
    #[arg(long, default_value_t = 20)]
    rounds: u32,
}

impl BenchCompileArgs {
    pub fn execute(self) -> i32 {
        let inputs = match inputs(self.paths) {
            Ok(i) => i,
            Err(code) => return code,
        };
        let result = load_modules(&inputs).and_then(|m| bench_compile(&m, self.rounds.max(1)));
        match result {
            Ok(b) => {
                if cfg!(debug_assertions) {
                    eprintln!(
                        "note: debug build; measure with `cargo run --release -p emu-harness -- bench-compile`"
                    );
                }
                println!("{}", b.report());
                exit::OK
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::BAD_INPUT
            }
        }
    }
}

#[derive(clap::Args)]
pub struct BenchThroughputArgs {
    /// Inputs for the straight-line set (default: the bundled corpus).
    paths: Vec<PathBuf>,
    /// Vectors per straight-line function.
    #[arg(long, default_value_t = 10_000)]
    vectors: usize,
    /// Vectors on `hp`.
    #[arg(long, default_value_t = 2_000_000)]
    hp_vectors: usize,
    /// Vectors for the Python loop (0: do not run it).
    #[arg(long, default_value_t = 20_000)]
    python_vectors: usize,
    /// Python interpreter with unicorn, wasmtime and pyelftools installed.
    #[arg(long, default_value = "python3")]
    python: String,
    /// The shared directory with `bench/hp.wat` and `bench/seed_style_oracle.py`.
    #[arg(long, default_value = "../shared")]
    shared: PathBuf,
}

impl BenchThroughputArgs {
    pub fn execute(self) -> i32 {
        let (vectors, hp_vectors, python_vectors) = (self.vectors, self.hp_vectors, self.python_vectors);
        let inputs = match inputs(self.paths) {
            Ok(i) => i,
            Err(code) => return code,
        };
        if cfg!(debug_assertions) {
            eprintln!(
                "note: debug build; measure with `cargo run --release -p emu-harness -- bench-throughput`"
            );
        }
        let hp = self.shared.join("bench/hp.wat");
        let result = straight_line_corpus(&inputs).and_then(|(pure, with_memory)| {
            let pure = measure(&pure, vectors, 0)?;
            let with_memory = measure(&with_memory, vectors, 0)?;
            let hp_run = measure(&[(hp.clone(), vec!["hp".to_string()])], hp_vectors, 0)?;
            Ok((pure, with_memory, hp_run))
        });
        let (pure, with_memory, hp_run) = match result {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        println!("differential vector executions per second on one core (both sides run and compared):");
        let line = |what: &str, t: &Throughput| {
            println!(
                "  {what:<34} {:>4} functions {:>10} calls {:>7.2} s {:>10.0} vectors/s",
                t.functions,
                t.calls,
                t.seconds,
                t.per_second()
            )
        };
        line("corpus straight-line, no memory", &pure);
        line("corpus straight-line, with memory", &with_memory);
        line("hp.wat :: hp", &hp_run);
        let mut code = exit::OK;
        for t in [&pure, &with_memory, &hp_run] {
            for f in &t.not_matching {
                eprintln!("error: {f} did not match; the figures above are not valid");
                code = exit::MISMATCH;
            }
        }
        if python_vectors > 0 {
            let script = self.shared.join("bench/seed_style_oracle.py");
            match python_oracle(&self.python, &script, &hp, python_vectors) {
                Ok(rate) => {
                    println!(
                        "  {:<34} {:>10.0} vectors/s ({python_vectors} vectors)",
                        "Python oracle loop on hp", rate
                    );
                    println!("  {:<34} {:>10.0}x", "hp: emu-harness / Python", hp_run.per_second() / rate);
                }
                Err(e) => {
                    eprintln!("error: the Python loop could not be run: {e}");
                    eprintln!(
                        "       (it needs `pip install unicorn wasmtime pyelftools`; see scripts/bench.sh)"
                    );
                    code = exit::BAD_INPUT;
                }
            }
        }
        code
    }
}
