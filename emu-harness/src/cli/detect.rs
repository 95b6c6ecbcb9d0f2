//! `emu-harness bench-detect`: does the corpus main job catch each deliberate miscompile, and
//! how fast does the default campaign on one core find it?

use super::{inputs, jobs_or_all_cores, parse_duration, parse_fault};
use emu_harness::bench::detect::{run_detect, write_report, DetectConfig};
use emu_harness::campaign::CampaignConfig;
use emu_harness::exit;
use emu_harness::generate::Knobs;
use std::path::PathBuf;
use wasm2thumb::InjectedFault;

#[derive(clap::Args)]
pub struct BenchDetectArgs {
    /// Faults to measure (default: the whole family), comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = parse_fault)]
    faults: Vec<InjectedFault>,
    /// Campaign seeds, one campaign per fault and seed.
    #[arg(long, value_delimiter = ',', default_values_t = [1u64, 2, 3])]
    seeds: Vec<u64>,
    /// Each campaign stops at its first confirmed finding or after this long.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    cap: std::time::Duration,
    /// Campaign features to turn off, to measure what each adds: `rotation` (compile
    /// configurations rotated across modules), `boundary` (boundary-table constants, amounts and
    /// addresses), `swarm` (per-module subsets of constructs and operators), `shapes` (compare
    /// conditions, if/else, loop bodies under pressure, calls with i64 and stack arguments),
    /// `floats` (f32 and f64 values in our generator).
    #[arg(long, value_delimiter = ',', value_parser = ["rotation", "boundary", "swarm", "shapes", "floats"])]
    without: Vec<String>,
    /// Skip the corpus main job.
    #[arg(long)]
    no_corpus: bool,
    /// Skip the campaigns.
    #[arg(long)]
    no_campaign: bool,
    /// Vectors per function in the corpus main job.
    #[arg(long, default_value_t = 1000)]
    corpus_vectors: usize,
    /// Worker threads for the corpus main job (campaigns always run on one core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Also write the JSON report here (atomically).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Where the campaigns' cases go.
    #[arg(long, default_value = "target/bench-detect")]
    artifacts: PathBuf,
    /// Corpus inputs (default: the bundled corpus).
    paths: Vec<PathBuf>,
}

impl BenchDetectArgs {
    pub fn execute(self) -> i32 {
        let corpus = match inputs(self.paths) {
            Ok(i) => i,
            Err(code) => return code,
        };
        if cfg!(debug_assertions) {
            eprintln!("note: debug build; measure with `cargo run --release -p emu-harness -- bench-detect`");
        }
        let without = |what: &str| self.without.iter().any(|w| w == what);
        let config = DetectConfig {
            faults: if self.faults.is_empty() { InjectedFault::ALL.to_vec() } else { self.faults },
            seeds: self.seeds,
            cap: self.cap,
            corpus,
            corpus_vectors: self.corpus_vectors,
            jobs: jobs_or_all_cores(self.jobs),
            campaign: CampaignConfig {
                rotate_configurations: !without("rotation"),
                knobs: Knobs::without(&self.without),
                ..CampaignConfig::default()
            },
            artifacts: self.artifacts,
        };
        let report = run_detect(&config, !self.no_corpus, !self.no_campaign, |f| {
            let corpus = f.corpus.as_ref().map_or("-".to_string(), |c| {
                if c.caught {
                    format!("caught in {}", c.configurations.join(","))
                } else {
                    "MISSED".into()
                }
            });
            let runs: Vec<String> = f
                .campaign
                .iter()
                .map(|r| match &r.signature {
                    Some(sig) => format!("seed {}: {:.1}s {} ex {sig}", r.seed, r.seconds, r.executions),
                    None => format!("seed {}: MISSED ({:.0}s, {} ex)", r.seed, r.seconds, r.executions),
                })
                .collect();
            eprintln!("{}: corpus {corpus}; {}", f.fault, runs.join("; "));
        });
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        print!("{}", report.table());
        if let Some(path) = &self.json {
            if let Err(e) = write_report(path, &report) {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        }
        if report.all_found() {
            exit::OK
        } else {
            exit::MISMATCH
        }
    }
}
