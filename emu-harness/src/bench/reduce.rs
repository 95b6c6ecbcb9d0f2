//! `bench-reduce`: the reducer on real miscompiles — one campaign case per deliberate fault of
//! the family, found from a fixed seed — against the `wasm-shrink` crate given the same
//! predicate: sizes before and after, candidates run, seconds, the signature re-verified; and
//! the whole batch reduced with one worker and with several, which must give identical output.

use super::detect::{campaign_detection, median, DetectConfig};
use crate::campaign::CampaignConfig;
use crate::reduce::module::Module;
use crate::reduce::predicate::Predicate;
use crate::reduce::{on_workers, reduce_all, Input, Options, REVERIFICATIONS};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasm2thumb::InjectedFault;

pub struct ReduceBenchConfig {
    pub faults: Vec<InjectedFault>,
    /// The campaign seed each fault's case is found from.
    pub seed: u64,
    /// Each fault's campaign stops at its first confirmed finding or after this long.
    pub cap: Duration,
    pub campaign: CampaignConfig,
    /// Where the campaigns' cases go (a scratch directory).
    pub artifacts: PathBuf,
    /// Workers for the batch (and for wasm-shrink).
    pub jobs: usize,
    pub time_per_case: Duration,
    /// Also reduce with `wasm-shrink` (default settings: 1,000 failed attempts in a row, seed 1).
    pub shrink: bool,
    /// Also reduce the batch with one worker, for the speed-up and the identical-output check.
    pub compare_jobs: bool,
}

/// Sizes of a module: WebAssembly instructions, functions, the failing function's instructions.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Sizes {
    pub instructions: usize,
    pub functions: usize,
    pub target: usize,
}

fn sizes(wasm: &[u8], function: Option<&str>) -> Option<Sizes> {
    let m = Module::parse(wasm).ok()?;
    let target = match function {
        Some(f) => m.functions.get(m.exported_function(f)? as usize)?.body.len(),
        None => m.functions.iter().map(|f| f.body.len()).max().unwrap_or(0),
    };
    Some(Sizes { instructions: m.instructions(), functions: m.functions.len(), target })
}

#[derive(Clone, Debug, Serialize)]
pub struct Ours {
    pub after: Sizes,
    pub candidates: usize,
    pub invalid: usize,
    pub seconds: f64,
    pub timed_out: bool,
    pub reverified: usize,
    /// The `.wast` written from it fails under the case's configuration.
    pub test_fails: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Shrunk {
    pub after: Option<Sizes>,
    pub predicate_calls: usize,
    pub seconds: f64,
    /// Its output still fails the same way (run once more, fresh).
    pub holds: bool,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseRow {
    pub fault: String,
    pub case: Option<String>,
    pub signature: Option<String>,
    pub before: Option<Sizes>,
    pub ours: Option<Ours>,
    pub shrink: Option<Shrunk>,
    /// Why there is no reduction (no finding within the cap, not reproduced, ...).
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReduceBenchSummary {
    pub cases: usize,
    pub reduced: usize,
    /// Re-verified every time, and their test fails.
    pub reverified_all: usize,
    pub median_target_after: f64,
    pub median_functions_after: f64,
    /// Median share of the instructions removed.
    pub median_reduction: f64,
    pub median_seconds: f64,
    pub max_seconds: f64,
    /// The batch's wall time: in process with `batch_jobs` threads, or (with `--compare-jobs`)
    /// as the `reduce` command with `--jobs batch_jobs` (worker processes).
    pub batch_seconds: f64,
    pub batch_jobs: usize,
    pub batch_seconds_one_job: Option<f64>,
    pub speedup: Option<f64>,
    /// The batch's outputs with one worker equal those with `batch_jobs`.
    pub identical_across_jobs: Option<bool>,
    /// Cases where ours has fewer instructions than wasm-shrink's output, and where it ran fewer
    /// candidates, of those both reduced.
    pub compared_with_shrink: usize,
    pub smaller_than_shrink: usize,
    pub fewer_calls_than_shrink: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReduceBenchReport {
    pub schema_version: u32,
    pub seed: u64,
    pub rows: Vec<CaseRow>,
    pub summary: ReduceBenchSummary,
}

/// The case directory the campaign saved for its first finding.
fn first_case(dir: &Path, signature: &str) -> Option<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir.join(crate::atomic_file::safe_file_name(signature)))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").exists())
        .collect();
    cases.sort();
    cases.into_iter().next()
}

/// `wasm-shrink` on the input, with the reducer's own predicate (same signature, same
/// arguments; it cannot change them).
pub fn shrink(input: &Input) -> Shrunk {
    let started = Instant::now();
    let run = || -> Result<(Vec<u8>, usize), String> {
        let mut predicate = Predicate::new(input.compile)?;
        let failure = predicate
            .observe(&input.wasm, input.function.as_deref(), &input.args)?
            .failure
            .ok_or("the original does not fail")?;
        let info = wasm_shrink::WasmShrink::default()
            .seed(1)
            .run(input.wasm.clone(), |wasm| Ok(predicate.holds(&failure, wasm, &input.args)))
            .map_err(|e| e.to_string())?;
        // Its run count includes the check of the original and of the empty module.
        Ok((info.output, predicate.runs))
    };
    match run() {
        Ok((output, predicate_calls)) => {
            let holds = Predicate::new(input.compile).ok().is_some_and(|mut p| {
                let failure = p
                    .observe(&input.wasm, input.function.as_deref(), &input.args)
                    .ok()
                    .and_then(|o| o.failure);
                let again =
                    p.observe(&output, input.function.as_deref(), &input.args).ok().and_then(|o| o.failure);
                matches!((failure, again), (Some(a), Some(b)) if a.matches(&b))
            });
            Shrunk {
                after: sizes(&output, input.function.as_deref()),
                predicate_calls,
                seconds: started.elapsed().as_secs_f64(),
                holds,
                error: None,
            }
        }
        Err(e) => Shrunk {
            after: None,
            predicate_calls: 0,
            seconds: started.elapsed().as_secs_f64(),
            holds: false,
            error: Some(e),
        },
    }
}

/// Runs `emu-harness reduce CASES --jobs N` in `dir` (output `dir/reduced`): its seconds.
fn reduce_command(
    cases: &[PathBuf],
    jobs: usize,
    dir: &Path,
    time_per_case: Duration,
) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let absolute: Vec<PathBuf> =
        cases.iter().map(|c| std::fs::canonicalize(c).unwrap_or_else(|_| c.clone())).collect();
    let started = Instant::now();
    let status = std::process::Command::new(exe)
        .current_dir(dir)
        .arg("reduce")
        .args(&absolute)
        .args([
            "--jobs",
            &jobs.to_string(),
            "--time-per-case",
            &format!("{}s", time_per_case.as_secs().max(1)),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("emu-harness reduce: {e}"))?;
    // Exit 4 (a case not reproduced) still times the batch; anything else is a failure.
    if !status.success() && status.code() != Some(crate::exit::NOT_REPRODUCED) {
        return Err(format!("emu-harness reduce --jobs {jobs} in {}: {status}", dir.display()));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Whether two output trees hold the same files with the same bytes (`reduction.json`, which
/// records seconds, aside).
fn same_files(a: &Path, b: &Path) -> Result<bool, String> {
    fn list(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                list(root, &path, out)?;
            } else if path.file_name().is_some_and(|n| n != "reduction.json") {
                out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            }
        }
        Ok(())
    }
    let (mut x, mut y) = (Vec::new(), Vec::new());
    list(a, a, &mut x).map_err(|e| format!("{}: {e}", a.display()))?;
    list(b, b, &mut y).map_err(|e| format!("{}: {e}", b.display()))?;
    x.sort();
    y.sort();
    Ok(x == y
        && !x.is_empty()
        && x.iter().all(|f| std::fs::read(a.join(f)).ok() == std::fs::read(b.join(f)).ok()))
}

pub fn run_bench_reduce(
    config: &ReduceBenchConfig,
    on_case: impl Fn(&str) + Sync,
) -> Result<ReduceBenchReport, String> {
    // One case per fault: the default campaign's first confirmed finding from the seed.
    let detect = DetectConfig {
        faults: config.faults.clone(),
        seeds: vec![config.seed],
        cap: config.cap,
        corpus: Vec::new(),
        corpus_vectors: 0,
        jobs: 1,
        campaign: config.campaign.clone(),
        artifacts: config.artifacts.clone(),
    };
    let mut rows = Vec::new();
    let mut inputs = Vec::new();
    for &fault in &config.faults {
        let found = campaign_detection(&detect, fault, config.seed)?;
        let dir = config.artifacts.join(fault.name()).join(config.seed.to_string());
        let case = found.signature.as_deref().and_then(|s| first_case(&dir, s));
        let mut row = CaseRow {
            fault: fault.name().to_string(),
            case: case.as_ref().map(|c| c.display().to_string()),
            signature: found.signature.clone(),
            before: None,
            ours: None,
            shrink: None,
            error: None,
        };
        match case.map(|c| Input::from_case(&c)) {
            None => row.error = Some(format!("no finding within {} s", config.cap.as_secs())),
            Some(Err(e)) => row.error = Some(e),
            Some(Ok(input)) => {
                row.before = sizes(&input.wasm, input.function.as_deref());
                inputs.push((rows.len(), input));
            }
        }
        on_case(&format!("{}: {}", row.fault, row.case.as_deref().or(row.error.as_deref()).unwrap_or("")));
        rows.push(row);
    }
    let batch: Vec<Input> = inputs.iter().map(|(_, i)| i.clone()).collect();
    let options = Options { time_limit: Some(config.time_per_case) };
    let started = Instant::now();
    let results = reduce_all(&batch, &options, config.jobs, |input, r| match r {
        Ok(r) => on_case(&format!(
            "reduced {}: {} -> {} instructions in {:.1} s ({} candidates)",
            input.name, r.before.instructions, r.after.instructions, r.seconds, r.candidates
        )),
        Err(e) => on_case(&format!("{}: {e}", input.name)),
    });
    let mut batch_seconds = started.elapsed().as_secs_f64();
    let (batch_seconds_one_job, identical_across_jobs) = if config.compare_jobs && config.jobs > 1 {
        // The command users run, in worker processes: `--jobs N`, then `--jobs 1`, each in its
        // own directory with the same relative output path, so their files can be compared.
        let cases: Vec<PathBuf> = batch.iter().map(|i| PathBuf::from(&i.source)).collect();
        let many = config.artifacts.join(format!("batch-jobs{}", config.jobs));
        let one = config.artifacts.join("batch-jobs1");
        batch_seconds = reduce_command(&cases, config.jobs, &many, config.time_per_case)?;
        let seconds = reduce_command(&cases, 1, &one, config.time_per_case)?;
        (Some(seconds), Some(same_files(&many.join("reduced"), &one.join("reduced"))?))
    } else {
        (None, None)
    };
    for ((row_index, _), result) in inputs.iter().zip(&results) {
        let row = &mut rows[*row_index];
        match result {
            Ok(r) => {
                row.ours = Some(Ours {
                    after: Sizes {
                        instructions: r.after.instructions,
                        functions: r.after.functions,
                        target: r.target_after,
                    },
                    candidates: r.candidates,
                    invalid: r.invalid,
                    seconds: r.seconds,
                    timed_out: r.timed_out,
                    reverified: r.reverified,
                    test_fails: r.test_fails,
                });
            }
            Err(e) => row.error = Some(e.to_string()),
        }
    }
    if config.shrink {
        let order: Vec<usize> = (0..inputs.len()).collect();
        let shrunk = on_workers(&order, config.jobs, |i| {
            let (_, input) = &inputs[i];
            let s = shrink(input);
            on_case(&format!(
                "wasm-shrink {}: {} instructions, {} predicate calls, {:.1} s",
                input.name,
                s.after.map_or("?".into(), |a| a.instructions.to_string()),
                s.predicate_calls,
                s.seconds
            ));
            s
        });
        for ((row_index, _), s) in inputs.iter().zip(shrunk) {
            rows[*row_index].shrink = Some(s);
        }
    }
    let reduced: Vec<(&CaseRow, &Ours)> =
        rows.iter().filter_map(|r| r.ours.as_ref().map(|o| (r, o))).collect();
    let compared: Vec<(&Ours, &Shrunk, Sizes)> = rows
        .iter()
        .filter_map(|r| match (&r.ours, &r.shrink) {
            (Some(o), Some(s)) => s.after.map(|a| (o, s, a)),
            _ => None,
        })
        .collect();
    let max_seconds = reduced.iter().map(|(_, o)| o.seconds).fold(0.0, f64::max);
    let summary = ReduceBenchSummary {
        cases: rows.len(),
        reduced: reduced.len(),
        reverified_all: reduced
            .iter()
            .filter(|(_, o)| o.reverified == REVERIFICATIONS && o.test_fails)
            .count(),
        median_target_after: median(reduced.iter().map(|(_, o)| o.after.target as f64).collect()),
        median_functions_after: median(reduced.iter().map(|(_, o)| o.after.functions as f64).collect()),
        median_reduction: median(
            reduced
                .iter()
                .filter_map(|(r, o)| {
                    r.before.map(|b| 1.0 - o.after.instructions as f64 / b.instructions.max(1) as f64)
                })
                .collect(),
        ),
        median_seconds: median(reduced.iter().map(|(_, o)| o.seconds).collect()),
        max_seconds,
        batch_seconds,
        batch_jobs: config.jobs,
        batch_seconds_one_job,
        speedup: batch_seconds_one_job.map(|one| one / batch_seconds),
        identical_across_jobs,
        compared_with_shrink: compared.len(),
        smaller_than_shrink: compared
            .iter()
            .filter(|(o, _, a)| o.after.instructions < a.instructions)
            .count(),
        fewer_calls_than_shrink: compared.iter().filter(|(o, s, _)| o.candidates < s.predicate_calls).count(),
    };
    Ok(ReduceBenchReport { schema_version: 1, seed: config.seed, rows, summary })
}

impl ReduceBenchReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }

    /// A Markdown table, one row per fault, then the summary.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| fault | signature | before (instrs / fns / target) | ours after | candidates | s | re-verified | wasm-shrink after | its calls | its s |\n|---|---|---|---|---|---|---|---|---|---|\n",
        );
        let s3 = |s: Option<Sizes>| {
            s.map_or("-".into(), |s| format!("{} / {} / {}", s.instructions, s.functions, s.target))
        };
        for r in &self.rows {
            let (after, cands, secs, ver) = match &r.ours {
                Some(o) => (
                    s3(Some(o.after)),
                    o.candidates.to_string(),
                    format!("{:.1}{}", o.seconds, if o.timed_out { " (cut)" } else { "" }),
                    format!("{}/{REVERIFICATIONS}", o.reverified),
                ),
                None => (r.error.clone().unwrap_or_default(), "-".into(), "-".into(), "-".into()),
            };
            let (sa, sc, ss) = match &r.shrink {
                Some(s) => (
                    match (&s.error, s.after) {
                        (Some(e), _) => e.clone(),
                        (None, a) => {
                            format!("{}{}", s3(a), if s.holds { "" } else { " (lost the signature)" })
                        }
                    },
                    s.predicate_calls.to_string(),
                    format!("{:.1}", s.seconds),
                ),
                None => ("-".into(), "-".into(), "-".into()),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {after} | {cands} | {secs} | {ver} | {sa} | {sc} | {ss} |\n",
                r.fault,
                r.signature.as_deref().unwrap_or("-"),
                s3(r.before)
            ));
        }
        let s = &self.summary;
        out.push_str(&format!(
            "\n{} cases, {} reduced, {} re-verified {REVERIFICATIONS} times with a failing test; median target function {:.1} instructions, median {:.1} functions, median reduction {:.1}%; median {:.1} s per case, slowest {:.1} s\n",
            s.cases, s.reduced, s.reverified_all, s.median_target_after, s.median_functions_after,
            s.median_reduction * 100.0, s.median_seconds, s.max_seconds
        ));
        out.push_str(&format!("batch: {:.1} s with {} jobs", s.batch_seconds, s.batch_jobs));
        if let (Some(one), Some(speedup)) = (s.batch_seconds_one_job, s.speedup) {
            out.push_str(&format!(
                ", {one:.1} s with 1 job: {speedup:.2}x; outputs identical: {}",
                s.identical_across_jobs.unwrap_or(false)
            ));
        }
        out.push('\n');
        if s.compared_with_shrink > 0 {
            out.push_str(&format!(
                "against wasm-shrink: smaller on {} of {}, fewer candidates run on {} of {}\n",
                s.smaller_than_shrink,
                s.compared_with_shrink,
                s.fewer_calls_than_shrink,
                s.compared_with_shrink
            ));
        }
        out
    }
}
