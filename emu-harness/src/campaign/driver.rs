//! The campaign loop: workers take module numbers in turn, generate, compile, check, count,
//! and save what they find.

use super::artifacts::save_case;
use super::checker::{Checker, Finding};
use super::config::{configuration_of, generator_of, CampaignConfig};
use crate::generate::{Generator, POOL};
use crate::oracle::mismatch::{compile_failure_signature, Mismatch};
use crate::run::{compile_guarded, Status};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wasm2thumb::CompileOptions;

/// Bytes of `arbitrary` input per generated module (more than our generator ever reads;
/// wasm-smith stops growing a module when its input runs out).
const INPUT_BYTES: usize = 48 * 1024;

/// Exported functions per module of the pressure generators in a campaign: compiling,
/// instantiating and loading a module has a fixed cost (about as much as one function's
/// whole run, measured), shared by its functions. 12..=16 runs 9% more executions per second
/// than 4..=8 (20..=24: 10%); a saved case's module stays small enough to read.
pub const CAMPAIGN_FUNCTIONS: std::ops::RangeInclusive<u32> = 12..=16;

#[derive(Clone, Debug, Default, Serialize)]
pub struct CampaignStats {
    /// Modules generated (and, unless the generator failed, compiled and run).
    pub modules: u64,
    /// Modules a generator could not make from its input (wasm-smith, rarely).
    pub generator_failures: u64,
    /// Valid modules the reference cannot run: instantiation traps, or wasmtime rejects them.
    pub uninstantiable: u64,
    /// Executions: functions generated, compiled, run on both sides and compared on every
    /// vector (functions the compiler declined are not executions).
    pub executions: u64,
    /// Generated functions, executed or declined.
    pub functions: u64,
    /// Functions holding more values (i64: more registers) live at once than the pool has.
    pub over_pool: u64,
    pub i64_over_pool: u64,
    /// Functions whose float pool (S16 upwards) evicted: more f32 values live than registers.
    pub over_float_pool: u64,
    /// Functions the compiler declined (a generator producing unsupported code is a bug too),
    /// and what they used that it declines.
    pub declined: u64,
    pub declines: BTreeMap<String, u64>,
    /// Mismatching functions, by signature (confirmed against Cranelift).
    pub findings: BTreeMap<String, u64>,
    /// Mismatches against Winch that Cranelift did not confirm, by signature.
    pub reference_disagreements: BTreeMap<String, u64>,
    /// Cases written.
    pub saved: Vec<PathBuf>,
    pub seconds: f64,
    /// When the first confirmed finding was made.
    pub first_finding: Option<FirstFinding>,
    /// A worker's module: the signature of its first confirmed finding.
    #[serde(skip)]
    found_in_module: Option<String>,
}

/// The campaign's first confirmed finding: how long it took and what it was.
#[derive(Clone, Debug, Serialize)]
pub struct FirstFinding {
    pub seconds: f64,
    /// Executions and modules up to and including the module that found it.
    pub executions: u64,
    pub modules: u64,
    pub signature: String,
}

impl CampaignStats {
    pub fn status_line(&self) -> String {
        let rate = self.executions as f64 / self.seconds.max(1e-9);
        let pct = |n: u64| 100.0 * n as f64 / self.functions.max(1) as f64;
        let disagreements = if self.reference_disagreements.is_empty() {
            String::new()
        } else {
            format!(", {} Winch/Cranelift disagreement(s)", self.reference_disagreements.len())
        };
        format!(
            "execs {} ({rate:.0}/s) modules {} functions over the pool {:.0}% (i64 pair {:.0}%, float pool {:.0}%) declined {} findings {} signature(s), {} case(s) saved{disagreements}",
            self.executions,
            self.modules,
            pct(self.over_pool),
            pct(self.i64_over_pool),
            pct(self.over_float_pool),
            self.declined,
            self.findings.len(),
            self.saved.len()
        )
    }

    /// Counts a decline by what was declined (without the function's name).
    fn note_decline(&mut self, e: &wasm2thumb::CompileError) {
        let what = match e {
            wasm2thumb::CompileError::Unsupported { what, .. } => what.clone(),
            other => other.to_string(),
        };
        *self.declines.entry(what).or_default() += 1;
    }

    fn add(&mut self, other: &CampaignStats) {
        for (what, n) in &other.declines {
            *self.declines.entry(what.clone()).or_default() += n;
        }
        self.modules += other.modules;
        self.generator_failures += other.generator_failures;
        self.uninstantiable += other.uninstantiable;
        self.executions += other.executions;
        self.functions += other.functions;
        self.over_pool += other.over_pool;
        self.i64_over_pool += other.i64_over_pool;
        self.over_float_pool += other.over_float_pool;
        self.declined += other.declined;
    }
}

/// Runs the campaign until the iteration count or the time is reached, or `stop` is set;
/// `progress` gets the totals about once a second. Modules are numbered from 0 and handed to
/// the workers in turn: what a given (seed, module) generates never depends on `jobs`.
pub fn run_campaign(
    config: &CampaignConfig,
    stop: &AtomicBool,
    progress: &(dyn Fn(&CampaignStats) + Sync),
) -> Result<CampaignStats, String> {
    if config.generators.is_empty() {
        return Err("no generator selected".into());
    }
    let start = Instant::now();
    let next = AtomicU64::new(0);
    let totals = Mutex::new(CampaignStats::default());
    let last_report = Mutex::new(Instant::now());
    let found = AtomicBool::new(false);
    let done = |i: u64| {
        config.iterations.is_some_and(|n| i >= n)
            || config.time.is_some_and(|t| start.elapsed() >= t)
            || stop.load(Ordering::Relaxed)
            || (config.stop_at_first_finding && found.load(Ordering::Relaxed))
    };
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for _ in 0..config.jobs.max(1) {
            workers.push(scope.spawn(|| -> Result<(), String> {
                let mut checkers = Checkers::default();
                let mut bytes = vec![0u8; INPUT_BYTES];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if done(i) {
                        return Ok(());
                    }
                    let mut local = CampaignStats::default();
                    execute(config, i, &mut bytes, &mut checkers, &mut local, &totals)?;
                    let mut t = totals.lock().map_err(|_| "a worker panicked")?;
                    t.add(&local);
                    t.seconds = start.elapsed().as_secs_f64();
                    if t.first_finding.is_none() {
                        if let Some(signature) = &local.found_in_module {
                            t.first_finding = Some(FirstFinding {
                                seconds: t.seconds,
                                executions: t.executions,
                                modules: t.modules,
                                signature: signature.clone(),
                            });
                            found.store(true, Ordering::Relaxed);
                        }
                    }
                    let mut last = last_report.lock().map_err(|_| "a worker panicked")?;
                    if last.elapsed() >= Duration::from_secs(1) {
                        *last = Instant::now();
                        progress(&t);
                    }
                }
            }));
        }
        for w in workers {
            w.join().map_err(|_| "a campaign worker panicked".to_string())??;
        }
        Ok::<(), String>(())
    })?;
    let mut t = totals.into_inner().map_err(|_| "a worker panicked")?;
    t.seconds = start.elapsed().as_secs_f64();
    Ok(t)
}

/// A worker's checkers, one per compile configuration it has met (each has its own emulator
/// for the configuration's CPU).
#[derive(Default)]
struct Checkers(Vec<(CompileOptions, Checker)>);

impl Checkers {
    fn get(&mut self, config: &CampaignConfig, compile: CompileOptions) -> Result<&mut Checker, String> {
        let at = match self.0.iter().position(|(c, _)| *c == compile) {
            Some(at) => at,
            None => {
                self.0.push((compile, Checker::new(config.vectors, compile, config.reference)?));
                self.0.len() - 1
            }
        };
        Ok(&mut self.0[at].1)
    }
}

fn execute(
    config: &CampaignConfig,
    i: u64,
    bytes: &mut [u8],
    checkers: &mut Checkers,
    local: &mut CampaignStats,
    totals: &Mutex<CampaignStats>,
) -> Result<(), String> {
    local.modules += 1;
    let generator = generator_of(config, i);
    let compile_options = configuration_of(config, i);
    crate::generate::seeded_input(config.seed, generator.name(), i, bytes);
    let Ok(mut generated) =
        generator.generate_with(&mut arbitrary::Unstructured::new(bytes), CAMPAIGN_FUNCTIONS, config.knobs)
    else {
        local.generator_failures += 1;
        return Ok(());
    };
    local.functions += generated.functions.len() as u64;
    // A panic in the compiler is a finding like any other (the campaign goes on).
    let compiled = compile_guarded(&generated.wasm, &compile_options);
    let compiled = match compiled {
        Ok(c) => c,
        Err(e @ wasm2thumb::CompileError::Unsupported { .. }) => {
            local.declined += generated.functions.len() as u64;
            local.note_decline(&e);
            return Ok(());
        }
        // A valid module rejected, or an internal error: the compiler's bug, a finding.
        Err(e) => {
            let sig = compile_failure_signature(&e, &compile_options);
            let finding = compile_finding(config, "<module>", &e, &sig);
            keep_compile_finding(config, &compile_options, generator, i, &finding, &generated.wasm, totals)?;
            local.found_in_module.get_or_insert(finding.signature);
            return Ok(());
        }
    };
    for shape in generated.functions.iter_mut().filter(|s| !s.counted_by_generator) {
        if let Some(f) = compiled.function(&shape.name) {
            shape.max_live = f.stats.max_live;
            shape.max_live_words = f.stats.max_live;
        }
    }
    for f in &generated.functions {
        local.over_pool += (f.max_live_words > POOL) as u64;
        local.i64_over_pool += f.i64_over_pool as u64;
        local.over_float_pool +=
            compiled.function(&f.name).is_some_and(|c| c.stats.float_evictions > 0) as u64;
    }
    for e in &compiled.declined {
        if let wasm2thumb::CompileError::Internal { function, .. } = e {
            // One function's internal error: a finding, the module's other functions still run.
            let sig = compile_failure_signature(e, &compile_options);
            let finding = compile_finding(config, function, e, &sig);
            keep_compile_finding(config, &compile_options, generator, i, &finding, &generated.wasm, totals)?;
            local.found_in_module.get_or_insert(finding.signature);
            continue;
        }
        local.declined += 1;
        local.note_decline(e);
    }
    let checker = checkers.get(config, compile_options)?;
    let Some(checked) = checker.check(&generated.wasm, &compiled)? else {
        local.uninstantiable += 1;
        return Ok(());
    };
    local.executions += checked.run.functions.iter().filter(|f| f.status != Status::Declined).count() as u64;
    for finding in &checked.findings {
        if !finding.disagreement {
            local.found_in_module.get_or_insert(finding.signature.clone());
        }
        let shape = generated.functions.iter().find(|s| s.name == finding.function);
        let keep = {
            let mut t = totals.lock().map_err(|_| "a worker panicked")?;
            let map = if finding.disagreement { &mut t.reference_disagreements } else { &mut t.findings };
            let seen = map.entry(finding.signature.clone()).or_default();
            *seen += 1;
            *seen as usize <= config.max_per_signature
        };
        if keep {
            let dir = save_case(config, &compile_options, generator, i, finding, shape, &generated.wasm)?;
            totals.lock().map_err(|_| "a worker panicked")?.saved.push(dir);
        }
    }
    Ok(())
}

/// A compile that failed as no compiler should (a panic, an internal error, a valid module
/// rejected), as a finding.
fn compile_finding(
    config: &CampaignConfig,
    function: &str,
    e: &wasm2thumb::CompileError,
    sig: &str,
) -> Finding {
    Finding {
        function: function.to_string(),
        mismatch: Mismatch::compile_failure(e),
        reference: config.reference,
        disagreement: false,
        signature: sig.to_string(),
    }
}

/// Counts a compile finding under its signature and saves it while the signature has room.
fn keep_compile_finding(
    config: &CampaignConfig,
    compile_options: &CompileOptions,
    generator: Generator,
    i: u64,
    finding: &Finding,
    wasm: &[u8],
    totals: &Mutex<CampaignStats>,
) -> Result<(), String> {
    let keep = {
        let mut t = totals.lock().map_err(|_| "a worker panicked")?;
        let seen = t.findings.entry(finding.signature.clone()).or_default();
        *seen += 1;
        *seen as usize <= config.max_per_signature
    };
    if keep {
        let dir = save_case(config, compile_options, generator, i, finding, None, wasm)?;
        totals.lock().map_err(|_| "a worker panicked")?.saved.push(dir);
    }
    Ok(())
}
