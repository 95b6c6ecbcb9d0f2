//! Whether a candidate still fails *the same way*: the finding's exact signature
//! (`oracle::mismatch::signature`, the campaign's), with the reference (Cranelift) returning or
//! trapping exactly as it did on the original, under the case's compile configuration. Runs
//! in process on one `Runner`, with a cache keyed by the candidate's content.

use crate::exec::reference::ReferenceCompiler;
use crate::oracle::mismatch::{compile_failure_signature, signature, Mismatch};
use crate::oracle::outcome::{Outcome, Value};
use crate::run::wast::ScriptModule;
use crate::run::{compile_guarded, RunConfig, Runner, Status};
use std::collections::HashMap;
use wasm2thumb::{CompileError, CompileOptions};

/// What the original did, which every accepted candidate must do again.
#[derive(Clone, Debug)]
pub enum Failure {
    /// A call of `function` mismatched.
    Call { function: String, signature: String, reference: Outcome },
    /// The compiler failed (a panic, an internal error, a valid module rejected); `error` is its
    /// message with numbers masked, so the same failure in a smaller function still counts.
    Compile { signature: String, error: String },
}

impl Failure {
    /// The same failure: the same function, signature and reference kind (returned, or the same
    /// trap), or the same compile failure.
    pub fn matches(&self, other: &Failure) -> bool {
        match (self, other) {
            (
                Failure::Call { function: f, signature: s, reference: r },
                Failure::Call { function: g, signature: t, reference: q },
            ) => f == g && s == t && same_reference_kind(r, q),
            (Failure::Compile { signature: s, error: e }, Failure::Compile { signature: t, error: d }) => {
                s == t && e == d
            }
            _ => false,
        }
    }

    pub fn signature(&self) -> &str {
        match self {
            Failure::Call { signature, .. } | Failure::Compile { signature, .. } => signature,
        }
    }
}

/// One candidate's run.
pub struct Observed {
    pub failure: Option<Failure>,
    /// Whether a call was made and judged (false: compiled only, or no call fit).
    pub ran: bool,
    /// The first mismatch of the target function, when there was one.
    pub mismatch: Option<Mismatch>,
}

pub struct Predicate {
    runner: Runner,
    pub compile: CompileOptions,
    cache: HashMap<(Vec<u8>, Vec<Value>), bool>,
    /// Candidates run (cache misses).
    pub runs: usize,
    pub cache_hits: usize,
}

/// The reference every reduction is judged by.
pub const REDUCTION_REFERENCE: ReferenceCompiler = ReferenceCompiler::Cranelift;

impl Predicate {
    pub fn new(compile: CompileOptions) -> Result<Predicate, String> {
        let config = RunConfig {
            compile,
            sequence_calls: 0,
            reference: REDUCTION_REFERENCE,
            disassemble: false,
            mismatches_per_function: Some(1),
            ..RunConfig::default()
        };
        Ok(Predicate { runner: Runner::new(config)?, compile, cache: HashMap::new(), runs: 0, cache_hits: 0 })
    }

    /// Compiles `wasm` and, if that works, calls `function` once with `args` on a fresh instance
    /// against the reference: the failure it shows, if any.
    /// `function: None`: only compile.
    pub fn observe(
        &mut self,
        wasm: &[u8],
        function: Option<&str>,
        args: &[Value],
    ) -> Result<Observed, String> {
        let compiled = match compile_guarded(wasm, &self.compile) {
            Ok(c) => c,
            Err(CompileError::Unsupported { .. }) => {
                return Ok(Observed { failure: None, ran: false, mismatch: None })
            }
            Err(e) => {
                return Ok(Observed { failure: Some(self.compile_failure(&e)), ran: false, mismatch: None })
            }
        };
        if let Some(e) = compiled.internal_error() {
            return Ok(Observed { failure: Some(self.compile_failure(e)), ran: false, mismatch: None });
        }
        let Some(function) = function else {
            return Ok(Observed { failure: None, ran: false, mismatch: None });
        };
        self.runner.config.function = Some(function.to_string());
        self.runner.config.args = Some(args.to_vec());
        let run = self.runner.run_compiled("reduced", &ScriptModule::new(0, Ok(wasm.to_vec())), &compiled)?;
        let Some(report) = run.functions.into_iter().find(|f| f.function == function) else {
            return Ok(Observed { failure: None, ran: false, mismatch: None });
        };
        let ran = report.vectors > 0;
        if report.status != Status::Mismatch {
            return Ok(Observed { failure: None, ran, mismatch: None });
        }
        let Some(m) = report.examples.into_iter().next() else {
            return Ok(Observed { failure: None, ran, mismatch: None });
        };
        let failure = Failure::Call {
            function: function.to_string(),
            signature: signature(&m, &self.compile),
            reference: m.reference.clone(),
        };
        Ok(Observed { failure: Some(failure), ran, mismatch: Some(m) })
    }

    fn compile_failure(&self, e: &CompileError) -> Failure {
        let message = match e {
            CompileError::Internal { what, .. } => what.clone(),
            other => other.to_string(),
        };
        // Each run of digits as one `#`: value numbers and offsets change as the module shrinks.
        let mut error = String::new();
        for c in message.chars() {
            if !c.is_ascii_digit() {
                error.push(c);
            } else if !error.ends_with('#') {
                error.push('#');
            }
        }
        Failure::Compile { signature: compile_failure_signature(e, &self.compile), error }
    }

    /// Whether the candidate fails exactly as `expected`. A candidate that is invalid, that the
    /// compiler declines, on which the reference runs out of fuel (inconclusive, never a
    /// mismatch) or returns or traps differently, does not.
    pub fn holds(&mut self, expected: &Failure, wasm: &[u8], args: &[Value]) -> bool {
        let key = (wasm.to_vec(), args.to_vec());
        if let Some(&known) = self.cache.get(&key) {
            self.cache_hits += 1;
            return known;
        }
        self.runs += 1;
        let function = match expected {
            Failure::Call { function, .. } => Some(function.as_str()),
            Failure::Compile { .. } => None,
        };
        let holds = match self.observe(wasm, function, args) {
            Ok(o) => o.failure.as_ref().is_some_and(|f| expected.matches(f)),
            Err(_) => false,
        };
        self.cache.insert(key, holds);
        holds
    }
}

/// Whether two reference outcomes are of one kind: both returned, or both the same trap.
pub fn same_reference_kind(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Returned { .. }, Outcome::Returned { .. }) => true,
        (Outcome::Trapped { trap: x }, Outcome::Trapped { trap: y }) => x == y,
        // A batch's state difference, which no single call's outcome shows.
        (Outcome::NotRun, Outcome::NotRun) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compile_failure_is_the_same_with_other_numbers_in_its_message_and_not_another() {
        let p = Predicate::new(CompileOptions::default()).unwrap();
        let error = |what: &str| CompileError::Internal { function: "f".into(), what: what.into() };
        let a = p.compile_failure(&error("v12 not resident at 40"));
        assert!(a.matches(&p.compile_failure(&error("v7 not resident at 3"))));
        assert!(!a.matches(&p.compile_failure(&error("label 3 has no state"))));
        assert_eq!(a.signature(), "compile-error-internal-pool5-m4");
        let panic = CompileError::Internal { function: "<panic>".into(), what: "panicked: boom".into() };
        assert_eq!(p.compile_failure(&panic).signature(), "compile-panic-pool5-m4");
    }
}
