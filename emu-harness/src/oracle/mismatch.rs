//! A call (or a compile) that went wrong, as the run records it, and its signature: the one
//! line that says what kind of mismatch it is, shared by the campaign's deduplication and
//! everything that must recognise the same bug again.

use crate::oracle::outcome::{AbiViolation, Outcome, Value};
use serde::Serialize;
use wasm2thumb::{CompileOptions, Cpu, Strategy};

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

/// A CPU as `--cpu` names it, and as signatures, cases and re-run commands say it.
pub fn cpu_name(cpu: Cpu) -> &'static str {
    match cpu {
        Cpu::CortexM3 => "m3",
        Cpu::CortexM4 => "m4",
        Cpu::CortexM7 => "m7",
    }
}

/// The compile configuration in a signature: `pool5-m4`, `baseline-m3`.
pub fn configuration_label(c: &CompileOptions) -> String {
    let cpu = cpu_name(c.cpu);
    match c.strategy {
        Strategy::Pool => format!("pool{}-{cpu}", c.pool_size),
        Strategy::Baseline => format!("baseline-{cpu}"),
    }
}

/// The `emu-harness reduce` twin of a re-run command, when it names one call (`run ... --args`)
/// or a saved case (`replay DIR`): the same case, reduced to a regression test.
pub fn reduce_command(rerun: &str) -> Option<String> {
    if let Some(rest) = rerun.strip_prefix("emu-harness run ") {
        return rest.contains(" --args ").then(|| format!("emu-harness reduce {rest}"));
    }
    rerun.strip_prefix("emu-harness replay ").map(|dir| format!("emu-harness reduce {dir}"))
}

/// The signature of a compile that failed as no compile should: a panic (`compile_guarded`
/// reports it as an internal error of function `<panic>`), an internal error, or a valid module
/// rejected.
pub fn compile_failure_signature(error: &wasm2thumb::CompileError, compile: &CompileOptions) -> String {
    let what = match error {
        wasm2thumb::CompileError::Internal { function, .. } if function == PANIC_FUNCTION => "compile-panic",
        wasm2thumb::CompileError::Internal { .. } => "compile-error-internal",
        _ => "compile-error-rejects-valid-module",
    };
    format!("{what}-{}", configuration_label(compile))
}

/// The function an internal error made of a compiler panic names.
pub const PANIC_FUNCTION: &str = "<panic>";

/// Whether two signatures differ at most in that one names differing state (`-memory`,
/// `-global`) and the other none: the same outcomes under the same configuration, with state
/// that differed in one run and not in another (state earlier calls left can hide or show a
/// write). Memory in one and a global in the other is not the same.
pub fn same_outcomes(a: &str, b: &str) -> bool {
    let outcomes = |s: &str| s.replace("-memory-", "-").replace("-global-", "-");
    let names_state = |s: &str| s.contains("-memory-") || s.contains("-global-");
    a == b || (outcomes(a) == outcomes(b) && !(names_state(a) && names_state(b)))
}

/// One line that says what kind of mismatch this is: both outcomes' kinds, what state differed,
/// and the compile configuration — equal for the same bug hit by different programs.
pub fn signature(m: &Mismatch, compile: &CompileOptions) -> String {
    let kind = |o: &Outcome| match o {
        Outcome::Returned { .. } => "returned".to_string(),
        Outcome::Trapped { trap } => format!("trap-{trap:?}"),
        Outcome::BudgetExhausted { .. } => "budget".into(),
        Outcome::MemoryFault { access, .. } => format!("fault-{}", access.replace(' ', "-")),
        Outcome::InvalidInstruction { .. } => "invalid-instruction".into(),
        Outcome::AbiViolation { what: AbiViolation::CalleeSaved { reg, .. } } => format!("clobbered-r{reg}"),
        Outcome::AbiViolation { what: AbiViolation::CalleeSavedFloat { reg, .. } } => {
            format!("clobbered-s{reg}")
        }
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
    format!("{what}{state}-{}", configuration_label(compile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_names_the_outcomes_the_state_and_the_configuration() {
        let m = Mismatch {
            source: "vector".into(),
            args: vec![],
            expected: String::new(),
            emulated: Outcome::Returned { values: vec![Value::I32(1)] },
            reference: Outcome::Returned { values: vec![Value::I32(2)] },
            state: Some("memory[0x10]: reference 1, compiled 2".into()),
            rerun: String::new(),
            executed: 0,
            stack_bytes: 0,
        };
        let pool2 = CompileOptions { pool_size: 2, ..CompileOptions::default() };
        assert_eq!(signature(&m, &pool2), "wrong-value-memory-pool2-m4");
        let baseline_m3 = CompileOptions { strategy: Strategy::Baseline, cpu: Cpu::CortexM3, ..pool2 };
        assert_eq!(signature(&m, &baseline_m3), "wrong-value-memory-baseline-m3");
        assert!(same_outcomes("wrong-value-memory-pool2-m4", "wrong-value-pool2-m4"));
        assert!(!same_outcomes("wrong-value-memory-pool2-m4", "wrong-value-pool1-m4"));
        assert!(!same_outcomes(
            "returned-vs-returned-memory-pool2-m4",
            "returned-vs-returned-global-pool2-m4"
        ));
    }

    #[test]
    fn a_re_run_of_one_call_or_of_a_case_has_a_reduce_twin() {
        assert_eq!(
            reduce_command("emu-harness run a.wat --function 'f' --pool-size 2 --args i32:0x1").as_deref(),
            Some("emu-harness reduce a.wat --function 'f' --pool-size 2 --args i32:0x1")
        );
        assert_eq!(reduce_command("emu-harness replay dir/x").as_deref(), Some("emu-harness reduce dir/x"));
        // A whole run (state from earlier calls) is not a single call to reduce.
        assert_eq!(reduce_command("emu-harness run a.wast --pool-size 2 --seed 0 --vectors 10"), None);
    }
}
