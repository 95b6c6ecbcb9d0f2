//! The nightly corpus differential report: one night's run (the corpus, `repro/` and the fuzz
//! seed corpora under every matrix configuration, and a time-boxed campaign whose findings are
//! reduced), split across shards if asked, merged, diffed against the night before, and written
//! as `report.json`, `summary.md`, `report.html` and `junit.xml`, with a line of history.
//!
//! `record` turns run reports into records, `diff` compares nights, `history` keeps the trends,
//! `markdown`, `html` and `junit` render, `merge` joins shards.

pub mod diff;
pub mod history;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod record;

use crate::campaign::{run_campaign, CampaignConfig};
use crate::reduce::{reduce_all, unique_names, Input, Options};
use crate::run::matrix::configurations;
use crate::run::{run_files, RunConfig, Runner};
use diff::{counts, Diff};
use record::{records_of, Record};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use wasm2thumb::CompileOptions;

/// The report's schema (`report.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// `I/N`: this run does the (file, configuration) pairs whose stable hash is `I - 1` mod `N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s.split_once('/').ok_or_else(|| format!("`{s}` is not a shard I/N"))?;
        let (index, count): (u32, u32) = (
            i.parse().map_err(|_| format!("`{s}`: bad I"))?,
            n.parse().map_err(|_| format!("`{s}`: bad N"))?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(format!("`{s}`: need 1 <= I <= N"));
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard runs `file` under `configuration` (a hash that does not change
    /// between machines, builds or nights).
    pub fn owns(self, file: &str, configuration: &str) -> bool {
        let digest = blake3::hash(format!("{file}\0{configuration}").as_bytes());
        let n = u64::from_le_bytes(digest.as_bytes()[..8].try_into().expect("8 bytes"));
        n % self.count as u64 == (self.index - 1) as u64
    }
}

/// What the night is run on and how.
#[derive(Clone, Debug)]
pub struct NightConfig {
    /// Corpus, `repro/` and seed inputs (files), named in the report relative to `root`.
    pub inputs: Vec<PathBuf>,
    pub root: PathBuf,
    pub vectors: usize,
    pub seed: u64,
    pub jobs: usize,
    pub shard: Shard,
    /// The compile configuration the matrix starts from (`inject` for tests and drills).
    pub compile: CompileOptions,
    /// The campaign's time box (none: no campaign).
    pub fuzz_time: Option<Duration>,
    pub campaign_seed: u64,
    /// Where the campaign's cases and the reduced reproducers go.
    pub scratch: PathBuf,
    pub date: String,
    pub host: String,
}

/// What only this run's circumstances decide: kept apart so that the rest of `report.json` is
/// byte-identical for identical inputs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub date: String,
    pub host: String,
    /// Seconds per stage (summed over shards when merged).
    pub stages: BTreeMap<String, f64>,
    pub campaign: Option<CampaignSummary>,
    pub shards: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub seconds: f64,
    pub executions: u64,
    pub executions_per_second: f64,
    pub findings: Vec<CampaignFinding>,
}

/// A campaign finding and its reduced reproducer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignFinding {
    pub signature: String,
    pub case: String,
    /// The reduced `.wast`, if the reduction worked; else why not.
    pub reproducer: Option<String>,
    pub reduce_error: Option<String>,
    pub reduced_instructions: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NightReport {
    pub schema_version: u32,
    pub header: Header,
    /// Digest of every input file (path and bytes) and of the configuration set: a baseline with
    /// other digests is not diffed.
    pub corpus_digest: String,
    pub configurations_digest: String,
    pub configurations: Vec<String>,
    /// Every input of the night (all shards'), relative to the root.
    pub inputs: Vec<String>,
    /// Which part of the night this is (`1/1`: all of it, unsharded or merged).
    pub shard: Shard,
    /// The (file, configuration) pairs this report covers: a shard's, or all after a merge.
    pub ran: Vec<(String, String)>,
    pub records: Vec<Record>,
    pub diff: Diff,
    /// Code size and executed instructions against the baseline (when it is comparable).
    pub deltas: Option<Deltas>,
}

/// Per configuration, totals on both nights and the geometric mean of the per-function ratios.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigurationDelta {
    pub configuration: String,
    pub code_bytes_before: u64,
    pub code_bytes_now: u64,
    pub code_geomean_ratio: f64,
    pub executed_before: u64,
    pub executed_now: u64,
    pub executed_geomean_ratio: f64,
}

/// A function whose code size or executed instructions changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionDelta {
    pub file: String,
    pub function: String,
    pub configuration: String,
    pub code_bytes_before: u32,
    pub code_bytes_now: u32,
    pub executed_before: Option<f64>,
    pub executed_now: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deltas {
    pub configurations: Vec<ConfigurationDelta>,
    /// Every function that changed, largest code-size change first.
    pub functions: Vec<FunctionDelta>,
}

/// Running sums of one configuration's code bytes and executed instructions on both nights,
/// with the logs of the per-function ratios (for the geometric means).
#[derive(Default)]
struct Sums {
    code: (u64, u64, f64, u64),
    executed: (u64, u64, f64, u64),
}

fn deltas(now: &[Record], before: &[Record]) -> Deltas {
    let before: BTreeMap<record::Key, &Record> = before.iter().map(|r| (r.key(), r)).collect();
    let mut per: BTreeMap<String, Sums> = BTreeMap::new();
    let mut functions = Vec::new();
    for r in now {
        let Some(b) = before.get(&r.key()) else { continue };
        if r.code_bytes == 0 || b.code_bytes == 0 {
            continue;
        }
        let sums = per.entry(r.configuration.clone()).or_default();
        let e = &mut sums.code;
        e.0 += b.code_bytes as u64;
        e.1 += r.code_bytes as u64;
        e.2 += (r.code_bytes as f64 / b.code_bytes as f64).ln();
        e.3 += 1;
        let e = &mut sums.executed;
        let (xb, xn) = (b.executed.map(|x| x.mean()), r.executed.map(|x| x.mean()));
        if let (Some(xb), Some(xn)) = (xb, xn) {
            if xb > 0.0 && xn > 0.0 {
                e.0 += xb.round() as u64;
                e.1 += xn.round() as u64;
                e.2 += (xn / xb).ln();
                e.3 += 1;
            }
        }
        if r.code_bytes != b.code_bytes || xb != xn {
            functions.push(FunctionDelta {
                file: r.file.clone(),
                function: r.function.clone(),
                configuration: r.configuration.clone(),
                code_bytes_before: b.code_bytes,
                code_bytes_now: r.code_bytes,
                executed_before: xb,
                executed_now: xn,
            });
        }
    }
    functions
        .sort_by_key(|f| std::cmp::Reverse((f.code_bytes_now as i64 - f.code_bytes_before as i64).abs()));
    let configurations = per
        .into_iter()
        .map(|(configuration, Sums { code: (cb, cn, cl, ck), executed: (xb, xn, xl, xk) })| {
            ConfigurationDelta {
                configuration,
                code_bytes_before: cb,
                code_bytes_now: cn,
                code_geomean_ratio: (cl / ck.max(1) as f64).exp(),
                executed_before: xb,
                executed_now: xn,
                executed_geomean_ratio: (xl / xk.max(1) as f64).exp(),
            }
        })
        .collect();
    Deltas { configurations, functions }
}

impl NightReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }

    pub fn read(path: &Path) -> Result<NightReport, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let report: NightReport =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if report.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "{}: schema version {} (this build reads {SCHEMA_VERSION})",
                path.display(),
                report.schema_version
            ));
        }
        Ok(report)
    }

    /// Failing records (mismatches and errors).
    pub fn failing(&self) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(|r| r.status.is_failing())
    }
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// Digest of the inputs (their relative paths and bytes, in order).
fn corpus_digest(config: &NightConfig) -> Result<String, String> {
    let mut h = blake3::Hasher::new();
    for p in &config.inputs {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        h.update(relative(p, &config.root).as_bytes());
        h.update(&[0]);
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(h.finalize().to_hex()[..16].to_string())
}

/// The run configuration of one matrix configuration.
fn run_config(config: &NightConfig, compile: CompileOptions) -> RunConfig {
    RunConfig { vectors: config.vectors, seed: config.seed, compile, ..RunConfig::default() }
}

/// Digest of what decides a record besides the compiler and the inputs: the configurations,
/// vectors and seed.
fn configurations_digest(config: &NightConfig) -> String {
    let description: Vec<String> = configurations(&config.compile)
        .iter()
        // Every compile option but the injected fault (the compiler under test, not the set).
        .map(|c| format!("{}:{:?}", c.label, CompileOptions { inject: None, ..c.compile }))
        .collect();
    let text = format!("{}|vectors={}|seed={}", description.join(","), config.vectors, config.seed);
    blake3::hash(text.as_bytes()).to_hex()[..16].to_string()
}

/// Runs this shard's part of the night: every input under every configuration it owns, then
/// (if asked) the campaign and the reduction of its findings. The diff is left for `finish`.
pub fn run_night(config: &NightConfig, progress: &(dyn Fn(&str) + Sync)) -> Result<NightReport, String> {
    let mut stages = BTreeMap::new();
    let started = Instant::now();
    let inputs: Vec<String> = config.inputs.iter().map(|p| relative(p, &config.root)).collect();
    let mut records = Vec::new();
    let mut ran = Vec::new();
    let matrix = configurations(&config.compile);
    for m in &matrix {
        let mine: Vec<PathBuf> = config
            .inputs
            .iter()
            .filter(|p| config.shard.owns(&relative(p, &config.root), &m.label))
            .cloned()
            .collect();
        let run = run_config(config, m.compile);
        let files = run_files(&mine, &run, config.jobs)?;
        for (path, file) in mine.iter().zip(&files) {
            let mut file = file.clone();
            let name = relative(path, &config.root);
            // The report names inputs relative to the root, commands too (run from the root).
            let given = path.display().to_string();
            file.file = name.clone();
            for f in &mut file.functions {
                f.file = name.clone();
                for m in &mut f.examples {
                    m.rerun = m.rerun.replace(&given, &name);
                }
            }
            records.extend(records_of(&file, &m.label, &m.compile));
            ran.push((name, m.label.clone()));
        }
        progress(&format!("{}: {} files", m.label, mine.len()));
    }
    stages.insert("matrix".to_string(), started.elapsed().as_secs_f64());
    // Re-run each failing record's function once, to tell a flaky failure from a real one.
    let started = Instant::now();
    let matrix_by_label: BTreeMap<&str, &crate::run::matrix::MatrixConfig> =
        matrix.iter().map(|m| (m.label.as_str(), m)).collect();
    for r in records.iter_mut().filter(|r| r.status == record::RecordStatus::Mismatch) {
        let m = matrix_by_label[r.configuration.as_str()];
        let mut runner =
            Runner::new(RunConfig { function: Some(r.function.clone()), ..run_config(config, m.compile) })?;
        let again = runner.run_file(&config.root.join(&r.file));
        let repeated = again
            .functions
            .iter()
            .any(|f| f.function == r.function && f.status == crate::run::Status::Mismatch);
        r.repeated = Some(repeated);
    }
    stages.insert("re-run of failures".to_string(), started.elapsed().as_secs_f64());
    records.sort_by_key(|r| r.key());
    ran.sort();
    let campaign = match config.fuzz_time {
        Some(time) if !time.is_zero() => Some(campaign_stage(config, time, &mut stages, progress)?),
        _ => None,
    };
    Ok(NightReport {
        schema_version: SCHEMA_VERSION,
        header: Header {
            date: config.date.clone(),
            host: config.host.clone(),
            stages,
            campaign,
            shards: config.shard.count,
        },
        corpus_digest: corpus_digest(config)?,
        configurations_digest: configurations_digest(config),
        configurations: matrix.iter().map(|m| m.label.clone()).collect(),
        inputs,
        shard: config.shard,
        ran,
        records,
        diff: Diff::None,
        deltas: None,
    })
}

/// The time-boxed campaign (its own seed per shard) and the reduction of the first case of
/// each signature it found.
fn campaign_stage(
    config: &NightConfig,
    time: Duration,
    stages: &mut BTreeMap<String, f64>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<CampaignSummary, String> {
    let artifacts = config.scratch.join("campaign");
    let _ = std::fs::remove_dir_all(&artifacts);
    let campaign = CampaignConfig {
        seed: config.campaign_seed.wrapping_add(config.shard.index as u64 - 1),
        time: Some(time),
        iterations: None,
        jobs: config.jobs,
        compile: config.compile,
        artifacts: artifacts.clone(),
        max_per_signature: 1,
        ..CampaignConfig::default()
    };
    let stats = run_campaign(&campaign, &AtomicBool::new(false), &|_| {})?;
    stages.insert("campaign".to_string(), stats.seconds);
    progress(&format!("campaign: {} executions, {} findings", stats.executions, stats.findings.len()));
    let started = Instant::now();
    let mut saved = stats.saved.clone();
    saved.sort();
    let mut inputs = Vec::new();
    let mut findings = Vec::new();
    for dir in &saved {
        match Input::from_case(dir) {
            Ok(i) => inputs.push(i),
            Err(e) => findings.push(CampaignFinding {
                signature: String::new(),
                case: dir.display().to_string(),
                reproducer: None,
                reduce_error: Some(e),
                reduced_instructions: None,
            }),
        }
    }
    unique_names(&mut inputs);
    let options = Options { time_limit: Some(Duration::from_secs(300)) };
    let results = reduce_all(&inputs, &options, config.jobs, |_, _| {});
    for (input, result) in inputs.iter().zip(results) {
        let (reproducer, reduce_error, reduced_instructions) = match result {
            Ok(r) => match crate::reduce::output::write_reduction(&r, &config.scratch.join("reproducers")) {
                Ok(dir) => {
                    (Some(dir.join("reduced.wast").display().to_string()), None, Some(r.after.instructions))
                }
                Err(e) => (None, Some(e), None),
            },
            Err(e) => (None, Some(e.to_string()), None),
        };
        findings.push(CampaignFinding {
            signature: input.signature.clone().unwrap_or_default(),
            case: input.source.clone(),
            reproducer,
            reduce_error,
            reduced_instructions,
        });
    }
    stages.insert("reduction".to_string(), started.elapsed().as_secs_f64());
    Ok(CampaignSummary {
        seconds: stats.seconds,
        executions: stats.executions,
        executions_per_second: stats.executions as f64 / stats.seconds.max(1e-9),
        findings,
    })
}

/// Diffs a whole night (unsharded, or merged) against `baseline`.
pub fn finish(report: &mut NightReport, baseline: Option<&NightReport>) {
    report.deltas = None;
    report.diff = match baseline {
        None => Diff::None,
        Some(b) if b.corpus_digest != report.corpus_digest => Diff::Incompatible {
            reason: format!(
                "the baseline ran another corpus (digest {} against {})",
                b.corpus_digest, report.corpus_digest
            ),
        },
        Some(b) if b.configurations_digest != report.configurations_digest => Diff::Incompatible {
            reason: format!(
                "the baseline ran another configuration set (digest {} against {})",
                b.configurations_digest, report.configurations_digest
            ),
        },
        Some(b) => {
            let changes =
                diff::diff(&report.records, &b.records, &report.inputs, |r| r.repeated != Some(false));
            let counts = counts(&changes);
            report.deltas = Some(deltas(&report.records, &b.records));
            Diff::Compared { changes, counts }
        }
    };
}

/// Writes a whole night's folder: `report.json`, `summary.md`, `report.html`, `junit.xml`
/// (each atomically), and tonight's line of history.
pub fn write_night(out: &Path, report: &NightReport, history_dir: Option<&Path>) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let history = history_dir.map_or_else(Vec::new, |d| history::read(d, &report.header.date));
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        crate::atomic_file::write_atomically(&path, text.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    write("report.json", &report.to_json())?;
    write("summary.md", &markdown::summary(report, &history))?;
    write("report.html", &html::html(report, &history))?;
    write("junit.xml", &junit::junit(report)?)?;
    if let Some(d) = history_dir {
        history::append(d, &history::night_of(report))?;
    }
    Ok(())
}

/// The exit code of a night: 1 for new mismatches or new errors (and, if asked, for failures
/// that were there before); 0 otherwise.
pub fn exit_code(report: &NightReport, baseline: Option<&NightReport>, fail_on_still_failing: bool) -> i32 {
    let new = match &report.diff {
        Diff::Compared { changes, .. } => changes.iter().any(|c| {
            matches!(c.change, diff::Change::NewMismatch | diff::Change::NewError)
                || (fail_on_still_failing && c.change == diff::Change::StillFailing)
        }),
        // Without a comparable baseline, a failure is new unless the same record failed in the
        // baseline there is (an incompatible one still names what failed before).
        _ => {
            let known: std::collections::BTreeSet<record::Key> =
                baseline.map_or_else(Default::default, |b| b.failing().map(|r| r.key()).collect());
            report.records.iter().any(|r| {
                (r.status.is_error()
                    || (r.status == record::RecordStatus::Mismatch && r.repeated != Some(false)))
                    && (fail_on_still_failing || !known.contains(&r.key()))
            })
        }
    };
    if new {
        crate::exit::MISMATCH
    } else {
        crate::exit::OK
    }
}
