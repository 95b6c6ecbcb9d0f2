//! `emu-harness nightly`: one night's corpus differential report (or a shard of it), and
//! `nightly merge`, which joins the shards.

use super::{jobs_or_all_cores, parse_duration, CompileFlags};
use emu_harness::exit;
use emu_harness::nightly::merge::merge;
use emu_harness::nightly::{exit_code, finish, run_night, write_night, NightConfig, NightReport, Shard};
use emu_harness::run::collect_inputs;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct NightlyArgs {
    #[command(subcommand)]
    merge: Option<NightlyCommand>,
    /// Inputs (default: corpus/, repro/ and fuzz/seeds/ of the workspace).
    paths: Vec<PathBuf>,
    /// The night's folder (default: reports/<date>).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    finish: FinishFlags,
    /// Run only this part of the night (`I/N`); `nightly merge` joins the parts.
    #[arg(long, value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// The campaign's time box (`5m`; none: no campaign).
    #[arg(long, value_parser = parse_duration)]
    fuzz_time: Option<std::time::Duration>,
    /// The campaign's seed (default: from the date, so each night explores new programs).
    #[arg(long)]
    campaign_seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    #[arg(long, default_value_t = 1000)]
    vectors: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The night's date (default: today, UTC).
    #[arg(long)]
    date: Option<String>,
    #[command(flatten)]
    compile: CompileFlags,
}

/// How a whole night is finished (an unsharded run, or a merge): diff, history, exit code.
#[derive(clap::Args)]
struct FinishFlags {
    /// The night before: its `report.json` (or its folder).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Where each night's line of history goes, and the trends come from.
    #[arg(long, default_value = "reports/history")]
    history: PathBuf,
    /// Keep no history (and read none).
    #[arg(long)]
    no_history: bool,
    /// Also exit 1 for failures the baseline already had.
    #[arg(long)]
    fail_on_still_failing: bool,
}

#[derive(clap::Subcommand)]
enum NightlyCommand {
    /// Join shard reports (each shard's folder or `report.json`) into the night's report.
    Merge(MergeArgs),
}

#[derive(clap::Args)]
struct MergeArgs {
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    finish: FinishFlags,
}

/// `YYYY-MM-DD` of today (UTC).
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!("{y:04}-{m:02}-{d:02}")
}

fn report_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("report.json")
    } else {
        p.to_path_buf()
    }
}

fn read_baseline(p: &Option<PathBuf>) -> Result<Option<NightReport>, String> {
    p.as_ref().map(|p| NightReport::read(&report_path(p))).transpose()
}

/// The workspace root: the current directory if it has `corpus/`, else this build's.
fn workspace_root() -> PathBuf {
    if Path::new("corpus").is_dir() {
        PathBuf::from(".")
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }
}

fn finish_and_write(
    mut report: NightReport,
    baseline: Option<NightReport>,
    out: &Path,
    history: Option<&Path>,
    fail_on_still_failing: bool,
) -> i32 {
    finish(&mut report, baseline.as_ref());
    if let Err(e) = write_night(out, &report, history) {
        eprintln!("error: {e}");
        return exit::BAD_INPUT;
    }
    println!("{}", emu_harness::nightly::markdown::headline_line(&report));
    println!("{}", out.display());
    exit_code(&report, baseline.as_ref(), fail_on_still_failing)
}

impl NightlyArgs {
    pub fn execute(self) -> i32 {
        if let Some(NightlyCommand::Merge(m)) = self.merge {
            return m.execute();
        }
        let root = workspace_root();
        let paths = if self.paths.is_empty() {
            ["corpus", "repro", "fuzz/seeds"].iter().map(|p| root.join(p)).filter(|p| p.exists()).collect()
        } else {
            self.paths.clone()
        };
        let inputs = match collect_inputs(&paths) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        if inputs.is_empty() {
            eprintln!(
                "error: no inputs (.wat, .wasm, .wast) in {}",
                paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            );
            return exit::BAD_INPUT;
        }
        let baseline = match read_baseline(&self.finish.baseline) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        let date = self.date.clone().unwrap_or_else(today);
        let out = self.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&date));
        let shard = self.shard.unwrap_or(Shard::WHOLE);
        let config = NightConfig {
            root: if self.paths.is_empty() { root } else { PathBuf::from(".") },
            inputs,
            vectors: self.vectors,
            seed: self.seed,
            jobs: jobs_or_all_cores(self.jobs),
            shard,
            compile: self.compile.options(),
            fuzz_time: self.fuzz_time,
            campaign_seed: self
                .campaign_seed
                .unwrap_or_else(|| date.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))),
            scratch: out.join("work"),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map_or_else(|_| "unknown".into(), |h| h.trim().to_string()),
            date,
        };
        let report = match run_night(&config, &|line| eprintln!("{line}")) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        if shard.count > 1 {
            // A shard's part: `nightly merge` diffs and renders the whole night.
            if let Err(e) = std::fs::create_dir_all(&out).map_err(|e| e.to_string()).and_then(|_| {
                emu_harness::atomic_file::write_atomically(
                    &out.join("report.json"),
                    report.to_json().as_bytes(),
                )
                .map_err(|e| e.to_string())
            }) {
                eprintln!("error: {}: {e}", out.display());
                return exit::BAD_INPUT;
            }
            println!("{}", out.join("report.json").display());
            return exit::OK;
        }
        let history = (!self.finish.no_history).then_some(self.finish.history.as_path());
        finish_and_write(report, baseline, &out, history, self.finish.fail_on_still_failing)
    }
}

impl MergeArgs {
    fn execute(self) -> i32 {
        let mut shards = Vec::new();
        for p in &self.shards {
            match NightReport::read(&report_path(p)) {
                Ok(r) => shards.push((r.shard, r)),
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::BAD_INPUT;
                }
            }
        }
        let merged = match merge(shards) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        let baseline = match read_baseline(&self.finish.baseline) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        };
        let history = (!self.finish.no_history).then_some(self.finish.history.as_path());
        finish_and_write(merged, baseline, &self.out, history, self.finish.fail_on_still_failing)
    }
}
