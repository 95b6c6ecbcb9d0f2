//! `emu-harness bench-reduce`: the reducer on one campaign case per deliberate fault, against
//! wasm-shrink with the same predicate.

use super::{jobs_or_all_cores, parse_duration, parse_fault, write_report};
use emu_harness::bench::reduce::{run_bench_reduce, ReduceBenchConfig};
use emu_harness::campaign::CampaignConfig;
use emu_harness::exit;
use std::path::PathBuf;
use wasm2thumb::InjectedFault;

#[derive(clap::Args)]
pub struct BenchReduceArgs {
    /// Faults whose cases are reduced (default: the whole family), comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = parse_fault)]
    faults: Vec<InjectedFault>,
    /// The campaign seed each fault's case is found from.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Each fault's campaign stops at its first confirmed finding or after this long.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    cap: std::time::Duration,
    /// Workers for the batch of reductions (and for wasm-shrink).
    #[arg(long)]
    jobs: Option<usize>,
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    time_per_case: std::time::Duration,
    /// Skip the wasm-shrink baseline.
    #[arg(long)]
    no_shrink: bool,
    /// Also reduce the batch with one worker: the speed-up, and whether the outputs are identical.
    #[arg(long)]
    compare_jobs: bool,
    /// Also write the JSON report here (atomically).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Where the campaigns' cases go.
    #[arg(long, default_value = "target/bench-reduce")]
    artifacts: PathBuf,
}

impl BenchReduceArgs {
    pub fn execute(self) -> i32 {
        if cfg!(debug_assertions) {
            eprintln!("note: debug build; measure with `cargo run --release -p emu-harness -- bench-reduce`");
        }
        let config = ReduceBenchConfig {
            faults: if self.faults.is_empty() { InjectedFault::ALL.to_vec() } else { self.faults },
            seed: self.seed,
            cap: self.cap,
            campaign: CampaignConfig::default(),
            artifacts: self.artifacts,
            jobs: jobs_or_all_cores(self.jobs),
            time_per_case: self.time_per_case,
            shrink: !self.no_shrink,
            compare_jobs: self.compare_jobs,
        };
        let report = match run_bench_reduce(&config, |line| eprintln!("{line}")) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        print!("{}", report.table());
        if !write_report(&self.json, &report.to_json()) {
            return exit::BAD_INPUT;
        }
        let s = &report.summary;
        if s.reverified_all < s.reduced || s.identical_across_jobs == Some(false) {
            exit::MISMATCH
        } else {
            exit::OK
        }
    }
}
