//! `emu-harness sizes`: code size per function, the pool allocator against the baseline.

use super::inputs;
use emu_harness::bench::sizes::{by_file, median_ratio, size_rows};
use emu_harness::exit;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct SizesArgs {
    /// Inputs (default: the bundled corpus).
    paths: Vec<PathBuf>,
    /// Print every function, not only the summary.
    #[arg(long)]
    all: bool,
    /// Print the pool allocator's listing of every function (implies `--all`).
    #[arg(long)]
    listing: bool,
}

impl SizesArgs {
    pub fn execute(self) -> i32 {
        let (all, listing) = (self.all || self.listing, self.listing);
        let inputs = match inputs(self.paths) {
            Ok(i) => i,
            Err(code) => return code,
        };
        let mut rows = Vec::new();
        for input in &inputs {
            match size_rows(input) {
                Ok(mut r) => rows.append(&mut r),
                Err(e) => {
                    eprintln!("error: {}: {e}", input.display());
                    return exit::BAD_INPUT;
                }
            }
        }
        if !all {
            println!("{:<44} {:>9} {:>8} {:>9} {:>7}", "file", "functions", "pool", "baseline", "median");
            for f in by_file(&rows) {
                println!(
                    "{:<44} {:>9} {:>8} {:>9} {:>7.3}",
                    f.file, f.functions, f.pool, f.baseline, f.median
                );
            }
        }
        if all {
            println!("{:<60} {:>6} {:>9} {:>6}", "function", "pool", "baseline", "ratio");
            for r in &rows {
                println!("{:<60} {:>6} {:>9} {:>6.2}", r.function, r.pool, r.baseline, r.ratio());
                if listing {
                    for (addr, line) in &r.pool_listing {
                        println!("  {addr:08x}  {line}");
                    }
                }
            }
        }
        let (pool, base): (u64, u64) =
            rows.iter().fold((0, 0), |(p, b), r| (p + r.pool as u64, b + r.baseline as u64));
        let median = median_ratio(&rows).unwrap_or(f64::NAN);
        println!(
            "{} functions: pool {} bytes, baseline {} bytes (total ratio {:.3}); median per-function ratio {:.3}",
            rows.len(),
            pool,
            base,
            pool as f64 / base as f64,
            median
        );
        exit::OK
    }
}
