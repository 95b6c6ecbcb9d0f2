//! The reducer: shrinks a failing module, its function and the call's arguments together, to
//! the fewest WebAssembly instructions and the simplest arguments that still fail *the same
//! way* (`predicate`), and writes the result as a `.wast` regression test (`output`).
//!
//! `module` is the editable module, `body` the structured control tree of a body (expressions
//! over the operand stack), `passes` the edits, coarse to fine; `reduce` runs them to a
//! fixpoint. Deterministic: the same input gives the same output, whatever runs beside it
//! (unless `time_limit` cuts it short, which the result says).

pub mod body;
mod input;
pub mod module;
pub mod output;
pub mod passes;
pub mod predicate;

pub use input::{largest_first, on_workers, reduce_all, unique_names};

use crate::oracle::mismatch::{same_outcomes, Mismatch};
use crate::oracle::outcome::Value;
use module::Module;
use passes::{apply, Size, State, PASSES};
use predicate::Predicate;
use serde::Serialize;
use std::time::{Duration, Instant};
use wasm2thumb::CompileOptions;

/// What to reduce.
#[derive(Clone, Debug)]
pub struct Input {
    /// Names the output directory.
    pub name: String,
    /// Where it came from (a case directory, a file), for the test's header.
    pub source: String,
    pub wasm: Vec<u8>,
    /// The function of the failing call; `None`: the compile fails.
    pub function: Option<String>,
    pub args: Vec<Value>,
    pub compile: CompileOptions,
    /// The signature the finding was saved with, which the original must show again.
    pub signature: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Stop reducing (keeping the smallest failing state so far) after this long.
    pub time_limit: Option<Duration>,
}

/// Why a case was not reduced.
#[derive(Debug, thiserror::Error)]
pub enum ReduceError {
    /// The original does not fail, or not as its case says.
    #[error("does not reproduce: {0}")]
    NotReproduced(String),
    /// The module has something the reducer does not take (imports, say).
    #[error("cannot be reduced: {0}")]
    Unsupported(String),
    #[error("harness: {0}")]
    Harness(String),
}

/// A reduced case.
#[derive(Clone, Debug, Serialize)]
pub struct Reduction {
    pub name: String,
    pub source: String,
    pub signature: String,
    #[serde(skip)]
    pub compile: CompileOptions,
    pub function: Option<String>,
    pub args: Vec<Value>,
    #[serde(skip)]
    pub wasm: Vec<u8>,
    pub before: Size,
    pub after: Size,
    /// Instructions of the target function (or of the largest, for a compile failure).
    pub target_before: usize,
    pub target_after: usize,
    /// Candidates run through the predicate (cache misses), and cache hits.
    pub candidates: usize,
    pub cache_hits: usize,
    /// Candidates an edit made invalid (the validator rejected them before any run): 0 if every
    /// pass keeps its promise.
    pub invalid: usize,
    pub rounds: usize,
    pub seconds: f64,
    pub timed_out: bool,
    /// Runs of the reduced case on a new runner, without the cache, that showed the same failure.
    pub reverified: usize,
    /// The written `.wast`, run as a test (its assertion, through the runner's script path),
    /// fails under the case's configuration (a compile failure: the file fails to compile).
    pub test_fails: bool,
    /// How the failure kept differs from the one the case was saved with, if it does.
    pub note: Option<String>,
    /// The reduced call's mismatch (what the test asserts comes from its reference side).
    #[serde(skip)]
    pub mismatch: Option<Mismatch>,
}

/// Fresh runs a reduced case must pass.
pub const REVERIFICATIONS: usize = 3;

pub fn reduce(input: &Input, options: &Options) -> Result<Reduction, ReduceError> {
    let started = Instant::now();
    let harness = ReduceError::Harness;
    let mut predicate = Predicate::new(input.compile).map_err(harness)?;
    let observed = predicate.observe(&input.wasm, input.function.as_deref(), &input.args).map_err(harness)?;
    let Some(failure) = observed.failure else {
        return Err(ReduceError::NotReproduced(match (&input.function, observed.ran) {
            (Some(f), true) => format!("`{f}` with these arguments matches the reference as a single call"),
            (Some(f), false) => {
                format!("no call of `{f}` ran (is it exported, and do the arguments fit its parameters?)")
            }
            (None, _) => "the module compiles".into(),
        }));
    };
    // The campaign ran the case's call after the module's other calls; here it runs alone on a
    // fresh instance, where a write the compiled code should not have made can show in state
    // that earlier calls had already set to the same bytes. Only that difference is accepted,
    // and said.
    let mut note = None;
    if let Some(wanted) = &input.signature {
        if failure.signature() != wanted {
            if !same_outcomes(failure.signature(), wanted) {
                return Err(ReduceError::NotReproduced(format!(
                    "the case says {wanted}, a single call shows {}",
                    failure.signature()
                )));
            }
            note = Some(format!(
                "saved as {wanted} (after the module's other calls); alone on a fresh instance the call shows {}, which this reduction keeps",
                failure.signature()
            ));
        }
    }
    let module = Module::parse(&input.wasm).map_err(ReduceError::Unsupported)?;
    let target = match &input.function {
        Some(f) => Some(
            module
                .exported_function(f)
                .ok_or_else(|| ReduceError::NotReproduced(format!("no exported function `{f}`")))?,
        ),
        None => None,
    };
    let mut state = State { module, target, args: input.args.clone() };
    let mut wasm = state.module.encode();
    let mut info = body::analyze(&wasm).map_err(|e| ReduceError::Unsupported(format!("re-encoded: {e}")))?;
    if !predicate.holds(&failure, &wasm, &state.args) {
        return Err(ReduceError::NotReproduced("not once re-encoded without its custom sections".into()));
    }
    let target_size = |s: &State| match s.target {
        Some(t) => s.module.functions[t as usize].body.len(),
        None => s.module.functions.iter().map(|f| f.body.len()).max().unwrap_or(0),
    };
    let (before, target_before) = (state.size(), target_size(&state));
    let (mut invalid, mut rounds, mut timed_out) = (0, 0, false);
    let out_of_time = |at: Instant| options.time_limit.is_some_and(|t| at.elapsed() >= t);
    'fixpoint: loop {
        rounds += 1;
        let mut progress = false;
        for pass in PASSES {
            let mut from = 0;
            loop {
                let edits = pass.edits(&state, &info);
                let size = state.size();
                let mut accepted = None;
                for (k, edit) in edits.iter().enumerate().skip(from) {
                    if out_of_time(started) {
                        timed_out = true;
                        break 'fixpoint;
                    }
                    let Some(candidate) = apply(&state, edit) else { continue };
                    if candidate.size() >= size {
                        continue;
                    }
                    let bytes = candidate.module.encode();
                    let Ok(candidate_info) = body::analyze(&bytes) else {
                        invalid += 1;
                        continue;
                    };
                    if predicate.holds(&failure, &bytes, &candidate.args) {
                        accepted = Some((k, candidate, bytes, candidate_info));
                        break;
                    }
                }
                let Some((k, candidate, bytes, candidate_info)) = accepted else { break };
                (state, wasm, info, from) = (candidate, bytes, candidate_info, k);
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    let mut reverified = 0;
    let mut mismatch = None;
    // A new runner (its own emulator and wasmtime engine), without the cache: each run compiles,
    // instantiates and calls again.
    let mut fresh = Predicate::new(input.compile).map_err(harness)?;
    for _ in 0..REVERIFICATIONS {
        let again = fresh.observe(&wasm, input.function.as_deref(), &state.args).map_err(harness)?;
        if again.failure.as_ref().is_some_and(|f| failure.matches(f)) {
            reverified += 1;
            mismatch = again.mismatch;
        }
    }
    let mut reduction = Reduction {
        name: input.name.clone(),
        source: input.source.clone(),
        signature: failure.signature().to_string(),
        compile: input.compile,
        function: input.function.clone(),
        args: state.args.clone(),
        after: state.size(),
        target_after: target_size(&state),
        wasm,
        before,
        target_before,
        candidates: predicate.runs,
        cache_hits: predicate.cache_hits,
        invalid,
        rounds,
        seconds: started.elapsed().as_secs_f64(),
        timed_out,
        reverified,
        test_fails: false,
        note,
        mismatch,
    };
    reduction.test_fails = output::test_fails(&reduction);
    Ok(reduction)
}

impl Reduction {
    /// Whether the reduction may be written as a test: it failed the same way on every fresh
    /// run, and the test written from it fails.
    pub fn trustworthy(&self) -> bool {
        self.reverified == REVERIFICATIONS && self.test_fails
    }
}
