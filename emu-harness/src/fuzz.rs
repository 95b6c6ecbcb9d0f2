//! The built-in fuzzing campaign (no libFuzzer): workers generate modules, compile them, run every
//! exported function against the reference on a few vectors with the same `Runner` the corpus
//! uses, and save each finding as a self-contained case, deduplicated by mismatch signature.
//! `replay` runs a saved case again.
//!
//! The reference is wasmtime with Winch by default (compiling the reference dominates the cost
//! of an execution, and Winch compiles about 3x faster than Cranelift); every mismatch is run
//! again against Cranelift, the reference everywhere else, before it counts as a finding. One
//! that Cranelift does not confirm is a disagreement between wasmtime's two compilers, kept
//! apart (`reference-disagreement-...`), never reported as a miscompile.

use crate::generate::{FunctionShape, Generator, POOL};
use crate::outcome::{AbiViolation, Outcome, Value};
use crate::reference::ReferenceCompiler;
use crate::report::write_atomically;
use crate::run::{Mismatch, RunConfig, Runner, Status};
use crate::wast::ScriptModule;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wasm2thumb::{compile, CompileOptions, Cpu, Strategy};

/// The file name generated modules run under (vector seeds mix it in).
const CAMPAIGN_FILE: &str = "generated";

/// Bytes of `arbitrary` input per generated module (more than our generator ever reads;
/// wasm-smith stops growing a module when its input runs out).
const INPUT_BYTES: usize = 48 * 1024;

/// Exported functions per module of the pressure generators in a campaign: compiling,
/// instantiating and loading a module has a fixed cost (about as much as one function's
/// whole run, measured), shared by its functions. 12..=16 runs 9% more executions per second
/// than 4..=8 (20..=24: 10%); a saved case's module stays small enough to read.
pub const CAMPAIGN_FUNCTIONS: std::ops::RangeInclusive<u32> = 12..=16;

pub struct CampaignConfig {
    /// Module `i` comes from `generators[i % len]`.
    pub generators: Vec<Generator>,
    pub seed: u64,
    /// Stop after this many generated modules, or this much time, whichever comes first.
    pub iterations: Option<u64>,
    pub time: Option<Duration>,
    pub jobs: usize,
    /// Vectors per function (an execution runs every function of its module on them).
    pub vectors: usize,
    pub compile: CompileOptions,
    /// The reference mismatches are found against (Winch: fast; findings are confirmed with
    /// Cranelift either way).
    pub reference: ReferenceCompiler,
    pub artifacts: PathBuf,
    /// Cases kept per signature.
    pub max_per_signature: usize,
}

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
            "execs {} ({rate:.0}/s) modules {} functions over the pool {:.0}% (i64 pair {:.0}%) declined {} findings {} signature(s), {} case(s) saved{disagreements}",
            self.executions,
            self.modules,
            pct(self.over_pool),
            pct(self.i64_over_pool),
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
        self.declined += other.declined;
    }
}

/// A finding, as saved in `case.json` beside `module.wasm` and `module.wat`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Case {
    pub generator: String,
    /// The reference `expected` came from (Cranelift for every confirmed finding).
    #[serde(default)]
    pub reference: ReferenceCompiler,
    pub campaign_seed: u64,
    pub iteration: u64,
    pub signature: String,
    pub function: String,
    pub args: Vec<Value>,
    /// Vectors per function in the run that found it (`replay` repeats that run).
    pub vectors: usize,
    pub pool_size: usize,
    pub strategy: String,
    pub cpu: String,
    pub max_memory_pages: u32,
    pub inject: Option<String>,
    pub expected: String,
    pub emulated: String,
    pub state: Option<String>,
    pub max_live: u32,
    pub constructs: Vec<String>,
}

/// One line that says what kind of mismatch this is: both outcomes' kinds, what state differed,
/// and the pool size — equal for the same bug hit by different programs.
pub fn signature(m: &Mismatch, pool_size: usize) -> String {
    let kind = |o: &Outcome| match o {
        Outcome::Returned { .. } => "returned".to_string(),
        Outcome::Trapped { trap } => format!("trap-{trap:?}"),
        Outcome::BudgetExhausted { .. } => "budget".into(),
        Outcome::MemoryFault { access, .. } => format!("fault-{}", access.replace(' ', "-")),
        Outcome::InvalidInstruction { .. } => "invalid-instruction".into(),
        Outcome::AbiViolation { what: AbiViolation::CalleeSaved { reg, .. } } => format!("clobbered-r{reg}"),
        Outcome::AbiViolation { what: AbiViolation::StackPointer { .. } } => "sp-unbalanced".into(),
        Outcome::AbiViolation { what: AbiViolation::StrayWrite(s) } => format!("stray-write-{:?}", s.region),
        Outcome::EmulatorError { .. } => "emulator-error".into(),
        Outcome::NotRun => "not-run".into(),
        Outcome::ReachedDeclined => "reached-declined".into(),
    };
    let values_differ = matches!((&m.emulated, &m.reference), (Outcome::Returned { values: a }, Outcome::Returned { values: b }) if a != b);
    let state = match &m.state {
        Some(s) if s.starts_with("memory") || s.contains("linear memory") => "-memory",
        Some(_) => "-global",
        None => "",
    };
    let what = if values_differ {
        "wrong-value".to_string()
    } else {
        format!("{}-vs-{}", kind(&m.emulated), kind(&m.reference))
    };
    format!("{what}{state}-pool{pool_size}")
}

fn cpu_name(c: Cpu) -> &'static str {
    match c {
        Cpu::CortexM3 => "m3",
        Cpu::CortexM4 => "m4",
        Cpu::CortexM7 => "m7",
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
    let done = |i: u64| {
        config.iterations.is_some_and(|n| i >= n)
            || config.time.is_some_and(|t| start.elapsed() >= t)
            || stop.load(Ordering::Relaxed)
    };
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for _ in 0..config.jobs.max(1) {
            workers.push(scope.spawn(|| -> Result<(), String> {
                let mut checker = Checker::new(config.vectors, config.compile, config.reference)?;
                let mut bytes = vec![0u8; INPUT_BYTES];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if done(i) {
                        return Ok(());
                    }
                    let mut local = CampaignStats::default();
                    execute(config, i, &mut bytes, &mut checker, &mut local, &totals)?;
                    let mut t = totals.lock().map_err(|_| "a worker panicked")?;
                    t.add(&local);
                    t.seconds = start.elapsed().as_secs_f64();
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

/// Runs modules differentially and confirms what mismatches: a runner against the chosen
/// reference and, when that is not Cranelift, one against Cranelift (made on first use) that
/// runs the module again when the first saw a mismatch. Shared by the campaign and the fuzz
/// targets.
pub struct Checker {
    main: Runner,
    confirm: Option<Runner>,
    vectors: usize,
    compile: CompileOptions,
    reference: ReferenceCompiler,
}

/// A mismatching function, as confirmed.
#[derive(Clone, Debug)]
pub struct Finding {
    pub function: String,
    /// The first mismatching call, against `reference`.
    pub mismatch: Mismatch,
    pub reference: ReferenceCompiler,
    /// Cranelift did not confirm it: wasmtime's two compilers disagree (not a miscompile).
    pub disagreement: bool,
    pub signature: String,
}

/// What `Checker::check` saw.
pub struct Checked {
    pub run: crate::run::ModuleRun,
    pub findings: Vec<Finding>,
}

impl Checker {
    pub fn new(
        vectors: usize,
        compile: CompileOptions,
        reference: ReferenceCompiler,
    ) -> Result<Checker, String> {
        let main = Runner::new(fuzz_run_config(vectors, compile, reference))?;
        Ok(Checker { main, confirm: None, vectors, compile, reference })
    }

    /// Runs every exported function of `compiled` (made from `wasm`) on the vectors, on one
    /// instance in export order; mismatches against Winch are run again against Cranelift (the
    /// whole module, as state carries over between calls).
    /// `None`: the reference cannot run the module: instantiating it traps, or wasmtime rejects
    /// it (the compiler's validator accepts proposals wasmtime disables for Winch, such as tail
    /// calls, whose functions it then declines).
    pub fn check(
        &mut self,
        wasm: &[u8],
        compiled: &wasm2thumb::CompiledModule,
    ) -> Result<Option<Checked>, String> {
        let module = ScriptModule::new(0, Ok(wasm.to_vec()));
        let run = match self.main.run_compiled(CAMPAIGN_FILE, &module, compiled) {
            Ok(run) => run,
            Err(e)
                if e.starts_with(crate::reference::INSTANTIATION_TRAPPED)
                    || e.starts_with(crate::reference::REFERENCE_REJECTED) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let mut confirmed: Option<crate::run::ModuleRun> = None;
        let mut findings = Vec::new();
        for f in run.functions.iter().filter(|f| f.status == Status::Mismatch) {
            let Some(first) = f.examples.first() else { continue };
            // A function the compiler failed on (internal error) is the caller's finding
            // (`CompiledModule::internal_error`), found before anything runs.
            if first.is_compile_failure() {
                continue;
            }
            let (mismatch, reference, disagreement) = if self.reference == ReferenceCompiler::Cranelift {
                (first.clone(), ReferenceCompiler::Cranelift, false)
            } else {
                if confirmed.is_none() {
                    if self.confirm.is_none() {
                        let config =
                            fuzz_run_config(self.vectors, self.compile, ReferenceCompiler::Cranelift);
                        self.confirm = Some(Runner::new(config)?);
                    }
                    let confirm = self.confirm.as_mut().expect("just made");
                    confirmed = Some(confirm.run_compiled(CAMPAIGN_FILE, &module, compiled)?);
                }
                let again = confirmed.as_ref().expect("just run");
                match again
                    .functions
                    .iter()
                    .find(|g| g.function == f.function && g.status == Status::Mismatch)
                {
                    Some(g) => {
                        (g.examples.first().unwrap_or(first).clone(), ReferenceCompiler::Cranelift, false)
                    }
                    None => (first.clone(), self.reference, true),
                }
            };
            let mut signature = signature(&mismatch, self.compile.pool_size);
            if disagreement {
                signature = format!("reference-disagreement-{signature}");
            }
            findings.push(Finding {
                function: f.function.clone(),
                mismatch,
                reference,
                disagreement,
                signature,
            });
        }
        Ok(Some(Checked { run, findings }))
    }
}

/// How generated modules are run: `vectors` random vectors per function, no sequences.
fn fuzz_run_config(vectors: usize, compile: CompileOptions, reference: ReferenceCompiler) -> RunConfig {
    RunConfig { vectors, compile, sequence_calls: 0, random_vectors: true, reference, ..RunConfig::default() }
}

/// The generator of module `i`.
pub fn generator_of(config: &CampaignConfig, i: u64) -> Generator {
    config.generators[(i % config.generators.len() as u64) as usize]
}

fn execute(
    config: &CampaignConfig,
    i: u64,
    bytes: &mut [u8],
    checker: &mut Checker,
    local: &mut CampaignStats,
    totals: &Mutex<CampaignStats>,
) -> Result<(), String> {
    local.modules += 1;
    let generator = generator_of(config, i);
    crate::generate::seeded_input(config.seed, generator.name(), i, bytes);
    let Ok(mut generated) = generator.generate(&mut arbitrary::Unstructured::new(bytes), CAMPAIGN_FUNCTIONS)
    else {
        local.generator_failures += 1;
        return Ok(());
    };
    local.functions += generated.functions.len() as u64;
    // A panic in the compiler is a finding like any other (the campaign goes on).
    let compiled =
        std::panic::catch_unwind(|| compile(&generated.wasm, &config.compile)).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(wasm2thumb::CompileError::Internal {
                function: "<panic>".into(),
                what: format!("panicked: {message}"),
            })
        });
    let compiled = match compiled {
        Ok(c) => c,
        Err(e @ wasm2thumb::CompileError::Unsupported { .. }) => {
            local.declined += generated.functions.len() as u64;
            local.note_decline(&e);
            return Ok(());
        }
        // A valid module rejected, or an internal error: the compiler's bug, a finding.
        Err(e) => {
            let sig = match &e {
                wasm2thumb::CompileError::Internal { function, .. } if function == "<panic>" => {
                    "compile-panic"
                }
                wasm2thumb::CompileError::Internal { .. } => "compile-error-internal",
                _ => "compile-error-rejects-valid-module",
            };
            let finding = compile_finding(config, "<module>", &e, sig);
            keep_compile_finding(config, generator, i, &finding, &generated.wasm, totals)?;
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
    }
    for e in &compiled.declined {
        if let wasm2thumb::CompileError::Internal { function, .. } = e {
            // One function's internal error: a finding, the module's other functions still run.
            let finding = compile_finding(config, function, e, "compile-error-internal");
            keep_compile_finding(config, generator, i, &finding, &generated.wasm, totals)?;
            continue;
        }
        local.declined += 1;
        local.note_decline(e);
    }
    let Some(checked) = checker.check(&generated.wasm, &compiled)? else {
        local.uninstantiable += 1;
        return Ok(());
    };
    local.executions += checked.run.functions.iter().filter(|f| f.status != Status::Declined).count() as u64;
    for finding in &checked.findings {
        let shape = generated.functions.iter().find(|s| s.name == finding.function);
        let keep = {
            let mut t = totals.lock().map_err(|_| "a worker panicked")?;
            let map = if finding.disagreement { &mut t.reference_disagreements } else { &mut t.findings };
            let seen = map.entry(finding.signature.clone()).or_default();
            *seen += 1;
            *seen as usize <= config.max_per_signature
        };
        if keep {
            let dir = save_case(config, generator, i, finding, shape, &generated.wasm)?;
            totals.lock().map_err(|_| "a worker panicked")?.saved.push(dir);
        }
    }
    Ok(())
}

/// Writes the case directory `artifacts/<signature>/<iteration>-<function>` atomically:
/// everything goes into a temporary directory first, which is then renamed into place.
fn save_case(
    config: &CampaignConfig,
    generator: Generator,
    iteration: u64,
    finding: &Finding,
    shape: Option<&FunctionShape>,
    wasm: &[u8],
) -> Result<PathBuf, String> {
    let c = &config.compile;
    let (sig, function, m) = (finding.signature.as_str(), finding.function.as_str(), &finding.mismatch);
    let case = Case {
        generator: generator.name().into(),
        reference: finding.reference,
        campaign_seed: config.seed,
        iteration,
        signature: sig.to_string(),
        function: function.to_string(),
        args: m.args.clone(),
        vectors: config.vectors,
        pool_size: c.pool_size,
        strategy: match c.strategy {
            Strategy::Pool => "pool".into(),
            Strategy::Baseline => "baseline".into(),
        },
        cpu: cpu_name(c.cpu).into(),
        max_memory_pages: c.max_memory_pages,
        inject: c.inject.map(|f| f.name().to_string()),
        expected: m.expected.clone(),
        // A compile-error finding has no emulated run: its error is in `state`.
        emulated: if m.is_compile_failure() { "not compiled".into() } else { m.emulated.to_string() },
        state: m.state.clone(),
        max_live: shape.map_or(0, |s| s.max_live),
        constructs: shape.map_or(Vec::new(), |s| s.constructs.iter().map(|c| format!("{c:?}")).collect()),
    };
    // Export names are arbitrary strings (wasm-smith's are): only safe characters in paths.
    let safe = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
    };
    let (sig_dir, name) = (safe(sig), safe(function));
    let parent = config.artifacts.join(sig_dir);
    let dir = parent.join(format!("{iteration:08}-{name}"));
    let tmp = parent.join(format!(".{iteration:08}-{name}.{}.tmp", std::process::id()));
    let io = |e: std::io::Error| format!("{}: {e}", tmp.display());
    std::fs::create_dir_all(&tmp).map_err(io)?;
    std::fs::write(tmp.join("module.wasm"), wasm).map_err(io)?;
    let wat = wasmprinter::print_bytes(wasm).unwrap_or_else(|e| format!(";; wasmprinter: {e}\n"));
    std::fs::write(tmp.join("module.wat"), wat).map_err(io)?;
    let json = serde_json::to_string_pretty(&case).map_err(|e| e.to_string())?;
    write_atomically(&tmp.join("case.json"), json.as_bytes()).map_err(io)?;
    // A case left by an earlier campaign with the same seed is replaced.
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::rename(&tmp, &dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Reads a saved case and runs its function on its vector again: the report of that one call.
pub fn replay(dir: &Path) -> Result<(Case, crate::run::FunctionReport), String> {
    let read =
        |name: &str| std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()));
    let case: Case = serde_json::from_slice(&read("case.json")?).map_err(|e| format!("case.json: {e}"))?;
    let wasm = read("module.wasm")?;
    let compile_options = CompileOptions {
        pool_size: case.pool_size,
        strategy: if case.strategy == "baseline" { Strategy::Baseline } else { Strategy::Pool },
        cpu: match case.cpu.as_str() {
            "m3" => Cpu::CortexM3,
            "m7" => Cpu::CortexM7,
            _ => Cpu::CortexM4,
        },
        max_memory_pages: case.max_memory_pages,
        inject: match &case.inject {
            None => None,
            Some(name) => Some(
                wasm2thumb::InjectedFault::from_name(name)
                    .ok_or_else(|| format!("unknown injected fault `{name}`"))?,
            ),
        },
        ..CompileOptions::default()
    };
    let compiled = compile(&wasm, &compile_options).map_err(|e| e.to_string())?;
    // The module's whole run as the campaign made it (same vectors, same order, one instance):
    // a mismatch that depends on state earlier calls left comes back too.
    let config = RunConfig {
        vectors: case.vectors,
        compile: compile_options,
        sequence_calls: 0,
        random_vectors: true,
        reference: case.reference,
        ..RunConfig::default()
    };
    let mut runner = Runner::new(config)?;
    let run = runner.run_compiled(CAMPAIGN_FILE, &ScriptModule::new(0, Ok(wasm)), &compiled)?;
    let mut report = run
        .functions
        .into_iter()
        .find(|f| f.function == case.function)
        .ok_or_else(|| format!("no function `{}` in the case's module", case.function))?;
    // The module exists only in the case directory: `replay` is how to run it again.
    for m in &mut report.examples {
        m.rerun = format!("emu-harness replay {}", dir.display());
    }
    Ok((case, report))
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
        let dir = save_case(config, generator, i, finding, None, wasm)?;
        totals.lock().map_err(|_| "a worker panicked")?.saved.push(dir);
    }
    Ok(())
}

/// One differential check of a module, for fuzz targets: compile it, run every exported
/// function on the checker's vectors against the reference, confirm mismatches (as the campaign
/// does). `Err` carries the one-line signature of the first confirmed mismatch (with the
/// function and its vector); a module the compiler declines is not an error, and a Winch /
/// Cranelift disagreement is printed, not raised (it is wasmtime's, not the compiler's).
pub fn check_module(checker: &mut Checker, wasm: &[u8]) -> Result<(), String> {
    let compiled = match compile(wasm, &checker.compile) {
        Ok(c) => c,
        Err(e @ wasm2thumb::CompileError::Internal { .. }) => {
            return Err(format!("compile-error-internal: {e}"))
        }
        Err(_) => return Ok(()),
    };
    if let Some(e) = compiled.internal_error() {
        return Err(format!("compile-error-internal: {e}"));
    }
    let Some(checked) = checker.check(wasm, &compiled).map_err(|e| format!("harness: {e}"))? else {
        return Ok(());
    };
    for f in &checked.findings {
        let m = &f.mismatch;
        let args: Vec<String> = m.args.iter().map(|a| a.typed_hex()).collect();
        let line = format!(
            "mismatch {} in {} ({}): compiled {}, expected {}",
            f.signature,
            f.function,
            args.join(","),
            m.emulated,
            m.expected
        );
        if f.disagreement {
            eprintln!("not a compiler finding: {line}");
        } else {
            return Err(line);
        }
    }
    Ok(())
}

/// Vectors per function in the fuzz targets.
pub const FUZZ_TARGET_VECTORS: usize = 8;

thread_local! {
    static TARGET_CHECKER: std::cell::RefCell<Option<Checker>> = const { std::cell::RefCell::new(None) };
}

/// The body of the differential fuzz targets: `data` is a WebAssembly module (seed corpora
/// are stored as modules, so they survive generator changes) or input for one of
/// `generators`, chosen by its first byte. Panics with the one-line signature of a confirmed
/// mismatch — the fuzzer's crash.
pub fn fuzz_one(data: &[u8], generators: &[Generator]) {
    let wasm = if data.starts_with(b"\0asm") {
        data.to_vec()
    } else {
        let Some((first, rest)) = data.split_first() else { return };
        let generator = generators[*first as usize % generators.len()];
        match generator.generate(&mut arbitrary::Unstructured::new(rest), 1..=3) {
            Ok(g) => g.wasm,
            Err(_) => return,
        }
    };
    let result = TARGET_CHECKER.with(|cell| {
        let mut cell = cell.borrow_mut();
        let checker = match cell.as_mut() {
            Some(c) => c,
            None => cell.insert(
                Checker::new(FUZZ_TARGET_VECTORS, CompileOptions::default(), ReferenceCompiler::Winch)
                    .expect("the emulator and the reference start"),
            ),
        };
        check_module(checker, &wasm)
    });
    if let Err(signature) = result {
        panic!("{signature}");
    }
}

/// The body of `compile_never_panics`: `data` as a module, then as input for every generator,
/// compiled with the pool at 5 and at 1 register and with the baseline strategy. A panic, or an
/// internal compiler error (not a clean decline), is the finding.
pub fn compile_one(data: &[u8]) {
    let options = CompileOptions::default();
    let clean = |result: Result<wasm2thumb::CompiledModule, wasm2thumb::CompileError>| match result {
        Err(e @ wasm2thumb::CompileError::Internal { .. }) => panic!("compile-error-internal: {e}"),
        Ok(m) => {
            if let Some(e) = m.internal_error() {
                panic!("compile-error-internal: {e}");
            }
        }
        Err(_) => {}
    };
    clean(compile(data, &options));
    for generator in Generator::ALL {
        if let Ok(g) = generator.generate(&mut arbitrary::Unstructured::new(data), 1..=3) {
            for o in [
                options,
                CompileOptions { pool_size: 1, ..options },
                CompileOptions { strategy: Strategy::Baseline, ..options },
            ] {
                clean(compile(&g.wasm, &o));
            }
        }
    }
}
