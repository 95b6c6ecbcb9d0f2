//! A call (or a compile) that went wrong, as the run records it, and its signature: the one
//! line that says what kind of mismatch it is, shared by the campaign's deduplication and
//! everything that must recognise the same bug again.

use crate::oracle::outcome::{AbiViolation, Outcome, Value};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Mismatch {
    /// `vector` or `assertion at line N`.
    pub source: String,
    pub args: Vec<Value>,
    /// What was expected: the reference's outcome or the assertion's.
    pub expected: String,
    pub emulated: Outcome,
    pub reference: Outcome,
    /// State that differed after the call (globals, memory), if any.
    pub state: Option<String>,
    /// The command that re-runs this case.
    pub rerun: String,
    /// What the compiled call used (instructions executed, stack bytes).
    pub executed: u64,
    pub stack_bytes: u32,
}

impl Mismatch {
    /// The compiler failed as no compiler should (a panic, an internal error, a valid module
    /// rejected): nothing ran.
    pub fn compile_failure(error: &wasm2thumb::CompileError) -> Mismatch {
        Mismatch {
            source: COMPILE_SOURCE.into(),
            args: Vec::new(),
            expected: "compiled code or a clean decline".into(),
            emulated: Outcome::NotRun,
            reference: Outcome::NotRun,
            state: Some(error.to_string()),
            rerun: String::new(),
            executed: 0,
            stack_bytes: 0,
        }
    }

    pub fn is_compile_failure(&self) -> bool {
        self.source == COMPILE_SOURCE
    }
}

/// `Mismatch::source` of a compile failure.
const COMPILE_SOURCE: &str = "compile";

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
