//! One night's results as records: one per (file, function, configuration), with what the
//! reports show (status, code size, executed instructions, stack, spills, and for a failure
//! the exact commands and outcomes).

use crate::oracle::mismatch::{reduce_command, signature};
use crate::oracle::outcome::Outcome;
use crate::run::{compile_flags, FileReport, FunctionReport, Status};
use serde::{Deserialize, Serialize};
use wasm2thumb::CompileOptions;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Match,
    Mismatch,
    Declined,
    Inconclusive,
    /// The file could not be compiled or run in this configuration (a whole-file error).
    CompileError,
    /// The compiler failed as no compiler should (panic, internal error).
    InternalError,
    /// The emulator itself failed.
    EmulatorError,
}

impl RecordStatus {
    pub fn name(self) -> &'static str {
        match self {
            RecordStatus::Match => "match",
            RecordStatus::Mismatch => "mismatch",
            RecordStatus::Declined => "declined",
            RecordStatus::Inconclusive => "inconclusive",
            RecordStatus::CompileError => "compile error",
            RecordStatus::InternalError => "internal error",
            RecordStatus::EmulatorError => "emulator error",
        }
    }

    pub fn is_error(self) -> bool {
        matches!(self, RecordStatus::CompileError | RecordStatus::InternalError | RecordStatus::EmulatorError)
    }

    /// A mismatch or an error: what a night reports as failing.
    pub fn is_failing(self) -> bool {
        self == RecordStatus::Mismatch || self.is_error()
    }
}

/// Executed instructions over the calls that returned.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Executed {
    pub calls: u64,
    pub min: u64,
    /// `total / calls`, rounded to 0.01 (kept for the reader; `total` is exact).
    pub mean: f64,
    pub max: u64,
    pub total: u64,
}

impl Executed {
    pub fn mean(&self) -> f64 {
        self.total as f64 / self.calls.max(1) as f64
    }
}

/// What went wrong in a failing record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub signature: String,
    pub expected: String,
    pub actual: String,
    pub state: Option<String>,
    /// The command that repeats it; and, for a single call or a case, the one that reduces it.
    pub rerun: String,
    pub reduce: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub file: String,
    pub function: String,
    pub configuration: String,
    pub status: RecordStatus,
    /// Calls judged or attempted (vectors, assertions, sequence calls): a record with none did
    /// not run, whatever its status says.
    pub calls: usize,
    pub code_bytes: u32,
    pub executed: Option<Executed>,
    pub stack_bytes: u32,
    pub spills: u32,
    pub reloads: u32,
    pub failure: Option<Failure>,
    /// For a mismatch: whether running its function once more mismatched again (`false`:
    /// flaky).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeated: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disassembly: Vec<String>,
}

/// A record's identity across nights.
pub type Key = (String, String, String);

impl Record {
    pub fn key(&self) -> Key {
        (self.file.clone(), self.function.clone(), self.configuration.clone())
    }

    /// `file :: function [configuration]`, unique per night (JUnit names, report rows).
    pub fn name(&self) -> String {
        format!("{} :: {} [{}]", self.file, self.function, self.configuration)
    }
}

/// The records of one file's report under one configuration.
pub fn records_of(file: &FileReport, configuration: &str, compile: &CompileOptions) -> Vec<Record> {
    if let Some(error) = &file.error {
        return vec![Record {
            file: file.file.clone(),
            function: String::new(),
            configuration: configuration.to_string(),
            status: RecordStatus::CompileError,
            calls: 0,
            code_bytes: 0,
            executed: None,
            stack_bytes: 0,
            spills: 0,
            reloads: 0,
            failure: Some(Failure {
                signature: "compile-error".into(),
                expected: "the file compiles and runs".into(),
                actual: error.clone(),
                state: None,
                rerun: String::new(),
                reduce: None,
            }),
            repeated: None,
            disassembly: Vec::new(),
        }];
    }
    // A script may hold several modules exporting the same name: the second is `name#2`, in
    // module order, so that every record has its own identity.
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    file.functions
        .iter()
        .map(|f| {
            let mut r = record_of(f, configuration, compile);
            let n = seen.entry(f.function.as_str()).or_default();
            *n += 1;
            if *n > 1 {
                r.function = format!("{}#{n}", f.function);
            }
            r
        })
        .collect()
}

fn record_of(f: &FunctionReport, configuration: &str, compile: &CompileOptions) -> Record {
    let first = f.examples.first();
    let status = match f.status {
        Status::Match => RecordStatus::Match,
        Status::Declined => RecordStatus::Declined,
        Status::Inconclusive => RecordStatus::Inconclusive,
        Status::Mismatch => match first {
            Some(m) if m.is_compile_failure() => RecordStatus::InternalError,
            Some(m) if matches!(m.emulated, Outcome::EmulatorError { .. }) => RecordStatus::EmulatorError,
            _ => RecordStatus::Mismatch,
        },
    };
    let failure = first.filter(|_| status.is_failing()).map(|m| Failure {
        signature: signature(m, compile),
        expected: m.expected.clone(),
        actual: if m.is_compile_failure() { "not compiled".into() } else { m.emulated.to_string() },
        state: m.state.clone(),
        rerun: m.rerun.clone(),
        // A script's assertion re-runs with its whole file; it is reduced as the one call.
        reduce: reduce_command(&m.rerun).or_else(|| {
            (!m.is_compile_failure() && m.rerun.starts_with("emu-harness run ")).then(|| {
                let args: Vec<String> = m.args.iter().map(|a| a.typed_hex()).collect();
                format!(
                    "emu-harness reduce {} --function '{}' --args '{}' {}",
                    f.file,
                    f.function,
                    args.join(","),
                    compile_flags(compile)
                )
            })
        }),
    });
    Record {
        file: f.file.clone(),
        function: f.function.clone(),
        configuration: configuration.to_string(),
        status,
        calls: f.vectors + f.assertions + f.sequence_calls,
        code_bytes: f.code_bytes,
        executed: f.instructions.map(|i| Executed {
            calls: i.calls,
            min: i.min,
            mean: (i.mean() * 100.0).round() / 100.0,
            max: i.max,
            total: i.total,
        }),
        stack_bytes: f.max_stack_bytes,
        spills: f.spills,
        reloads: f.reloads,
        failure,
        repeated: None,
        disassembly: if status.is_failing() { f.disassembly.clone() } else { Vec::new() },
    }
}
