//! The built-in fuzzing campaign (no libFuzzer): workers generate modules, compile them, run every
//! exported function against the reference on a few vectors with the same `Runner` the corpus
//! uses, and save each finding as a self-contained case, deduplicated by mismatch signature.
//! `replay` runs a saved case again.

use crate::generate::{pressure_module, FunctionShape, POOL};
use crate::outcome::{AbiViolation, Outcome, Value};
use crate::report::write_atomically;
use crate::run::{Mismatch, RunConfig, Runner, Status};
use crate::vectors::function_seed;
use crate::wast::ScriptModule;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wasm2thumb::{compile, CompileOptions, Cpu, Strategy};

/// The file name generated modules run under (vector seeds mix it in).
const CAMPAIGN_FILE: &str = "generated";

/// Bytes of `arbitrary` input per generated module (more than the generator ever reads).
const INPUT_BYTES: usize = 16 * 1024;

pub struct CampaignConfig {
    pub seed: u64,
    /// Stop after this many executions (modules), or this much time, whichever comes first.
    pub iterations: Option<u64>,
    pub time: Option<Duration>,
    pub jobs: usize,
    /// Vectors per function (an execution runs every function of its module on them).
    pub vectors: usize,
    pub compile: CompileOptions,
    pub artifacts: PathBuf,
    /// Cases kept per signature.
    pub max_per_signature: usize,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct CampaignStats {
    /// Modules generated, compiled and run on both sides.
    pub executions: u64,
    pub functions: u64,
    /// Functions holding more values (i64: more registers) live at once than the pool has.
    pub over_pool: u64,
    pub i64_over_pool: u64,
    /// Functions the compiler declined (a generator producing unsupported code is a bug too).
    pub declined: u64,
    /// Mismatching functions, by signature.
    pub findings: BTreeMap<String, u64>,
    /// Cases written.
    pub saved: Vec<PathBuf>,
    pub seconds: f64,
}

impl CampaignStats {
    pub fn status_line(&self) -> String {
        let rate = self.executions as f64 / self.seconds.max(1e-9);
        let pct = |n: u64| 100.0 * n as f64 / self.functions.max(1) as f64;
        format!(
            "execs {} ({rate:.0}/s) functions {} (over the pool {:.0}%, i64 over the pool {:.0}%) declined {} findings {} signature(s), {} case(s) saved",
            self.executions,
            self.functions,
            pct(self.over_pool),
            pct(self.i64_over_pool),
            self.declined,
            self.findings.len(),
            self.saved.len()
        )
    }
}

/// A finding, as saved in `case.json` beside `module.wasm` and `module.wat`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Case {
    pub generator: String,
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
/// `progress` gets the totals about once a second. Executions are numbered from 0 and handed
/// to the workers in turn: what a given (seed, iteration) generates never depends on `jobs`.
pub fn run_campaign(
    config: &CampaignConfig,
    stop: &AtomicBool,
    progress: &(dyn Fn(&CampaignStats) + Sync),
) -> Result<CampaignStats, String> {
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
                let run = RunConfig {
                    vectors: config.vectors,
                    compile: config.compile,
                    sequence_calls: 0,
                    random_vectors: true,
                    ..RunConfig::default()
                };
                let mut runner = Runner::new(run)?;
                let mut bytes = vec![0u8; INPUT_BYTES];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if done(i) {
                        return Ok(());
                    }
                    let mut local = CampaignStats::default();
                    execute(config, i, &mut bytes, &mut runner, &mut local, &totals)?;
                    let mut t = totals.lock().map_err(|_| "a worker panicked")?;
                    t.executions += 1;
                    t.functions += local.functions;
                    t.over_pool += local.over_pool;
                    t.i64_over_pool += local.i64_over_pool;
                    t.declined += local.declined;
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

/// Generator input for execution `i` of a campaign seeded `seed`.
pub fn input_bytes(seed: u64, i: u64, bytes: &mut [u8]) {
    ChaCha8Rng::seed_from_u64(function_seed(seed, "pressure", &i.to_string())).fill_bytes(bytes);
}

fn execute(
    config: &CampaignConfig,
    i: u64,
    bytes: &mut [u8],
    runner: &mut Runner,
    local: &mut CampaignStats,
    totals: &Mutex<CampaignStats>,
) -> Result<(), String> {
    input_bytes(config.seed, i, bytes);
    let generated = pressure_module(&mut arbitrary::Unstructured::new(bytes))
        .map_err(|e| format!("the pressure generator ran out of input at execution {i}: {e}"))?;
    local.functions += generated.functions.len() as u64;
    for f in &generated.functions {
        local.over_pool += (f.max_live_words > POOL) as u64;
        local.i64_over_pool += f.i64_over_pool as u64;
    }
    let compiled = match compile(&generated.wasm, &config.compile) {
        Ok(c) => c,
        Err(_) => {
            local.declined += generated.functions.len() as u64;
            return Ok(());
        }
    };
    local.declined += compiled.declined.len() as u64;
    let module = ScriptModule::new(0, Ok(generated.wasm.clone()));
    let run = runner.run_compiled(CAMPAIGN_FILE, &module, &compiled)?;
    for f in run.functions.iter().filter(|f| f.status == Status::Mismatch) {
        let Some(m) = f.examples.first() else { continue };
        let sig = signature(m, config.compile.pool_size);
        let shape = generated.functions.iter().find(|s| s.name == f.function);
        let keep = {
            let mut t = totals.lock().map_err(|_| "a worker panicked")?;
            let seen = t.findings.entry(sig.clone()).or_default();
            *seen += 1;
            *seen as usize <= config.max_per_signature
        };
        if keep {
            let dir = save_case(config, i, &sig, &f.function, m, shape, &generated.wasm)?;
            totals.lock().map_err(|_| "a worker panicked")?.saved.push(dir);
        }
    }
    Ok(())
}

/// Writes the case directory `artifacts/<signature>/<iteration>` atomically: everything goes
/// into a temporary directory first, which is then renamed into place.
fn save_case(
    config: &CampaignConfig,
    iteration: u64,
    sig: &str,
    function: &str,
    m: &Mismatch,
    shape: Option<&FunctionShape>,
    wasm: &[u8],
) -> Result<PathBuf, String> {
    let c = &config.compile;
    let case = Case {
        generator: "pressure".into(),
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
        emulated: m.emulated.to_string(),
        state: m.state.clone(),
        max_live: shape.map_or(0, |s| s.max_live),
        constructs: shape.map_or(Vec::new(), |s| s.constructs.iter().map(|c| format!("{c:?}")).collect()),
    };
    let parent = config.artifacts.join(sig);
    let dir = parent.join(format!("{iteration:08}-{function}"));
    let tmp = parent.join(format!(".{iteration:08}-{function}.{}.tmp", std::process::id()));
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
        ..RunConfig::default()
    };
    let mut runner = Runner::new(config)?;
    let run = runner.run_compiled(CAMPAIGN_FILE, &ScriptModule::new(0, Ok(wasm)), &compiled)?;
    let report = run
        .functions
        .into_iter()
        .find(|f| f.function == case.function)
        .ok_or_else(|| format!("no function `{}` in the case's module", case.function))?;
    Ok((case, report))
}

/// One differential check of a module, for fuzz targets: compile it, run every exported function
/// on `vectors` random vectors against the reference with the same comparison as everywhere
/// else. `Err` carries the one-line signature of the first mismatch (with the function and its
/// vector); a module the compiler declines is not an error.
pub fn check_module(
    runner: &mut Runner,
    wasm: &[u8],
    compile_options: &CompileOptions,
) -> Result<(), String> {
    let Ok(compiled) = compile(wasm, compile_options) else { return Ok(()) };
    let module = ScriptModule::new(0, Ok(wasm.to_vec()));
    let run = runner.run_compiled(CAMPAIGN_FILE, &module, &compiled).map_err(|e| format!("harness: {e}"))?;
    for f in run.functions.iter().filter(|f| f.status == Status::Mismatch) {
        if let Some(m) = f.examples.first() {
            let args: Vec<String> = m.args.iter().map(|a| a.typed_hex()).collect();
            return Err(format!(
                "mismatch {} in {} ({}): compiled {}, expected {}",
                signature(m, compile_options.pool_size),
                f.function,
                args.join(","),
                m.emulated,
                m.expected
            ));
        }
    }
    Ok(())
}

/// The runner fuzz targets use: the campaign's settings (random vectors, no sequences).
pub fn fuzz_runner(vectors: usize, compile_options: CompileOptions) -> Result<Runner, String> {
    Runner::new(RunConfig {
        vectors,
        compile: compile_options,
        sequence_calls: 0,
        random_vectors: true,
        ..RunConfig::default()
    })
}
