//! `emu-harness generator-quality`: what the generators make, against the corpus's operators.

use super::inputs;
use emu_harness::bench::compile::load_modules;
use emu_harness::exit;
use emu_harness::generate::{measure_quality, operator_histogram, operator_names, Generator, ALL_CONSTRUCTS};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct GeneratorQualityArgs {
    #[arg(long, default_value_t = 10_000)]
    functions: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Inputs whose operators are the reference set (default: the bundled corpus).
    paths: Vec<PathBuf>,
}

impl GeneratorQualityArgs {
    pub fn execute(self) -> i32 {
        let (functions, seed) = (self.functions, self.seed);
        let inputs = match inputs(self.paths) {
            Ok(i) => i,
            Err(code) => return code,
        };
        // The operators the corpus uses (and the compiler therefore accepts): the reference set.
        let mut corpus_ops = std::collections::BTreeSet::new();
        match load_modules(&inputs) {
            Ok(modules) => {
                for m in modules {
                    corpus_ops.extend(operator_names(&m));
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        }
        let q = measure_quality(functions.max(1), seed);
        let pct = |n: usize| 100.0 * n as f64 / q.functions as f64;
        println!("pressure generator, {} functions (seed {seed}):", q.functions);
        println!("  more than 5 values live at once   {:>6.1}%  (issue 5 asks >= 90%)", pct(q.over_5));
        println!("  more than 10 values live at once  {:>6.1}%  (asks >= 30%)", pct(q.over_10));
        println!("  an i64 pair live over the pool    {:>6.1}%  (asks >= 20%)", pct(q.i64_over_pool));
        for c in ALL_CONSTRUCTS {
            let n = q.constructs.get(&format!("{c:?}")).copied().unwrap_or(0);
            println!("  construct {:<22} {:>6.1}% of functions", format!("{c:?}"), pct(n));
        }
        println!("operator histogram (generated code):");
        for (op, n) in &q.operators {
            println!("  {op:<24} {n}");
        }
        let never: Vec<&String> = corpus_ops.iter().filter(|op| !q.operators.contains_key(*op)).collect();
        println!(
            "corpus operators the pressure generator never produces ({} of {}): {}",
            never.len(),
            corpus_ops.len(),
            never.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
        );
        // wasm-smith's configurations: their operators, and what no generator produces.
        let mut all = q.operators.clone();
        for generator in [Generator::SmithDifferential, Generator::SmithPressure] {
            let h = operator_histogram(generator, 2000, seed);
            println!("operator histogram, {} (2,000 modules):", generator.name());
            for (op, n) in &h {
                println!("  {op:<24} {n}");
                *all.entry(op.clone()).or_default() += n;
            }
        }
        let never: Vec<&String> = corpus_ops.iter().filter(|op| !all.contains_key(*op)).collect();
        println!(
            "corpus operators no generator produces ({} of {}): {}",
            never.len(),
            corpus_ops.len(),
            never.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
        );
        exit::OK
    }
}
