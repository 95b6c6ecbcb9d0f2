//! Bug-finding power, measured: for each deliberate miscompile of the family
//! (`wasm2thumb::InjectedFault`), whether the corpus main job (`run --matrix`) catches it, and
//! how long the built-in campaign — its defaults, one core — takes to its first confirmed
//! finding from each of several seeds (`emu-harness bench-detect`).

use crate::atomic_file::write_atomically;
use crate::campaign::{run_campaign, CampaignConfig};
use crate::run::matrix::{configurations, run_matrix};
use crate::run::{RunConfig, Status};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use wasm2thumb::{CompileOptions, InjectedFault};

pub struct DetectConfig {
    pub faults: Vec<InjectedFault>,
    pub seeds: Vec<u64>,
    /// Each campaign stops at its first confirmed finding or after this long.
    pub cap: Duration,
    /// The corpus the main job runs (none: the corpus part is skipped).
    pub corpus: Vec<PathBuf>,
    pub corpus_vectors: usize,
    /// Worker threads for the corpus part (the campaign part always runs on one core).
    pub jobs: usize,
    /// The campaign as run; its seed, fault, time limit and artifacts are set per run.
    pub campaign: CampaignConfig,
    /// Where the campaigns' cases go (a scratch directory).
    pub artifacts: PathBuf,
}

#[derive(Clone, Debug, Serialize)]
pub struct CorpusDetection {
    pub caught: bool,
    /// Matrix configurations in which some function mismatched.
    pub configurations: Vec<String>,
    /// Mismatching (function, configuration) pairs.
    pub mismatches: usize,
    /// Of those, compile failures (an internal error: the fault was not silent).
    pub compile_failures: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct CampaignDetection {
    pub seed: u64,
    pub found: bool,
    /// To the first confirmed finding, or the whole run when nothing was found.
    pub seconds: f64,
    pub executions: u64,
    pub modules: u64,
    pub signature: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FaultDetection {
    pub fault: String,
    pub corpus: Option<CorpusDetection>,
    pub campaign: Vec<CampaignDetection>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DetectSummary {
    pub faults: usize,
    pub campaign_runs: usize,
    pub campaign_found: usize,
    /// `fault@seed` of every campaign run that found nothing within the cap.
    pub campaign_misses: Vec<String>,
    /// Median over every run; a miss counts as the cap (so the figure is a lower bound when
    /// there are misses).
    pub median_seconds: f64,
    pub median_executions: f64,
    pub corpus_caught: usize,
    pub corpus_misses: Vec<String>,
    /// Faults that showed up as a compile failure somewhere: not silent.
    pub not_silent: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DetectReport {
    pub schema_version: u32,
    /// Compile configurations of the corpus matrix.
    pub configurations: usize,
    pub cap_seconds: f64,
    pub seeds: Vec<u64>,
    pub faults: Vec<FaultDetection>,
    pub summary: DetectSummary,
}

impl DetectReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }

    /// Whether every fault was caught everywhere it was looked for.
    pub fn all_found(&self) -> bool {
        self.summary.campaign_misses.is_empty() && self.summary.corpus_misses.is_empty()
    }

    /// One line per fault, then the summary.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let seeds: Vec<String> = self.seeds.iter().map(|s| format!("{:>28}", format!("seed {s}"))).collect();
        out += &format!("{:<48} {:>9} {}\n", "fault", "corpus", seeds.join(" "));
        for f in &self.faults {
            let corpus = match &f.corpus {
                None => "-".to_string(),
                Some(c) if c.caught => format!("{}/{} cfg", c.configurations.len(), self.configurations),
                Some(_) => "MISSED".to_string(),
            };
            let runs: Vec<String> = f
                .campaign
                .iter()
                .map(|r| {
                    let cell = if r.found {
                        format!("{:.1}s {} ex", r.seconds, r.executions)
                    } else {
                        format!("MISSED ({:.0}s)", r.seconds)
                    };
                    format!("{cell:>28}")
                })
                .collect();
            out += &format!("{:<48} {:>9} {}\n", f.fault, corpus, runs.join(" "));
        }
        let s = &self.summary;
        let mut parts = vec![format!("{} faults", s.faults)];
        if s.campaign_runs > 0 {
            parts.push(format!(
                "campaign: found in {} of {} runs, median {:.1} s / {:.0} executions to the first finding (cap {:.0} s){}",
                s.campaign_found,
                s.campaign_runs,
                s.median_seconds,
                s.median_executions,
                self.cap_seconds,
                if s.campaign_misses.is_empty() { String::new() } else { format!(", missed: {}", s.campaign_misses.join(" ")) },
            ));
        }
        if self.faults.iter().any(|f| f.corpus.is_some()) {
            parts.push(format!(
                "corpus matrix: caught {} of {}{}",
                s.corpus_caught,
                s.faults,
                if s.corpus_misses.is_empty() {
                    String::new()
                } else {
                    format!(", missed: {}", s.corpus_misses.join(" "))
                },
            ));
        }
        out += &parts.join("; ");
        out.push('\n');
        if !s.not_silent.is_empty() {
            out += &format!("not silent (a compile failure somewhere): {}\n", s.not_silent.join(" "));
        }
        out
    }
}

/// The corpus main job with `fault` injected: every matrix configuration against the reference.
pub fn corpus_detection(config: &DetectConfig, fault: InjectedFault) -> Result<CorpusDetection, String> {
    let run = RunConfig {
        vectors: config.corpus_vectors,
        compile: CompileOptions { inject: Some(fault), ..config.campaign.compile },
        disassemble: false,
        mismatches_per_function: Some(1),
        ..RunConfig::default()
    };
    let runs = run_matrix(&config.corpus, &run, config.jobs, &|_| {}, |_, _| {})?;
    let mut out =
        CorpusDetection { caught: false, configurations: Vec::new(), mismatches: 0, compile_failures: 0 };
    for r in &runs {
        let bad: Vec<_> =
            r.files.iter().flat_map(|f| &f.functions).filter(|f| f.status == Status::Mismatch).collect();
        out.mismatches += bad.len();
        out.compile_failures +=
            bad.iter().filter(|f| f.examples.iter().any(|m| m.is_compile_failure())).count();
        if !bad.is_empty() {
            out.configurations.push(r.config.label.clone());
        }
    }
    out.caught = out.mismatches > 0;
    Ok(out)
}

/// The campaign with `fault` injected, from `seed`, until its first confirmed finding or the cap.
pub fn campaign_detection(
    config: &DetectConfig,
    fault: InjectedFault,
    seed: u64,
) -> Result<CampaignDetection, String> {
    let artifacts = config.artifacts.join(fault.name()).join(seed.to_string());
    let _ = std::fs::remove_dir_all(&artifacts);
    let campaign = CampaignConfig {
        seed,
        compile: CompileOptions { inject: Some(fault), ..config.campaign.compile },
        iterations: None,
        time: Some(config.cap),
        jobs: 1,
        artifacts,
        stop_at_first_finding: true,
        generators: config.campaign.generators.clone(),
        ..config.campaign
    };
    let stats = run_campaign(&campaign, &AtomicBool::new(false), &|_| {})?;
    Ok(match stats.first_finding {
        Some(first) => CampaignDetection {
            seed,
            found: true,
            seconds: first.seconds,
            executions: first.executions,
            modules: first.modules,
            signature: Some(first.signature),
        },
        None => CampaignDetection {
            seed,
            found: false,
            seconds: stats.seconds,
            executions: stats.executions,
            modules: stats.modules,
            signature: None,
        },
    })
}

pub(crate) fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Runs the whole measurement; `on_fault` sees each fault's results as they are done.
pub fn run_detect(
    config: &DetectConfig,
    run_corpus: bool,
    run_campaigns: bool,
    mut on_fault: impl FnMut(&FaultDetection),
) -> Result<DetectReport, String> {
    let mut faults = Vec::new();
    for &fault in &config.faults {
        let corpus = if run_corpus { Some(corpus_detection(config, fault)?) } else { None };
        let mut campaign = Vec::new();
        if run_campaigns {
            for &seed in &config.seeds {
                campaign.push(campaign_detection(config, fault, seed)?);
            }
        }
        let f = FaultDetection { fault: fault.name().to_string(), corpus, campaign };
        on_fault(&f);
        faults.push(f);
    }
    let runs: Vec<(&FaultDetection, &CampaignDetection)> =
        faults.iter().flat_map(|f| f.campaign.iter().map(move |r| (f, r))).collect();
    let cap = config.cap.as_secs_f64();
    let summary = DetectSummary {
        faults: faults.len(),
        campaign_runs: runs.len(),
        campaign_found: runs.iter().filter(|(_, r)| r.found).count(),
        campaign_misses: runs
            .iter()
            .filter(|(_, r)| !r.found)
            .map(|(f, r)| format!("{}@{}", f.fault, r.seed))
            .collect(),
        median_seconds: median(runs.iter().map(|(_, r)| if r.found { r.seconds } else { cap }).collect()),
        median_executions: median(runs.iter().map(|(_, r)| r.executions as f64).collect()),
        corpus_caught: faults.iter().filter(|f| f.corpus.as_ref().is_some_and(|c| c.caught)).count(),
        corpus_misses: faults
            .iter()
            .filter(|f| f.corpus.as_ref().is_some_and(|c| !c.caught))
            .map(|f| f.fault.clone())
            .collect(),
        not_silent: faults
            .iter()
            .filter(|f| {
                f.corpus.as_ref().is_some_and(|c| c.compile_failures > 0)
                    || f.campaign
                        .iter()
                        .any(|r| r.signature.as_deref().is_some_and(|s| s.starts_with("compile-")))
            })
            .map(|f| f.fault.clone())
            .collect(),
    };
    let configurations = configurations(&config.campaign.compile).len();
    Ok(DetectReport {
        schema_version: 1,
        configurations,
        cap_seconds: cap,
        seeds: config.seeds.clone(),
        faults,
        summary,
    })
}

/// Writes the JSON report to `path` atomically.
pub fn write_report(path: &std::path::Path, report: &DetectReport) -> Result<(), String> {
    write_atomically(path, report.to_json().as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}
