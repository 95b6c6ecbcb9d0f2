//! What a run found, per function and per file: the data the reports are made from.

use crate::oracle::mismatch::Mismatch;
use crate::oracle::outcome::Verdict;
use serde::Serialize;
use std::collections::BTreeMap;
use wasm2thumb::{CompiledFunction, CompiledModule, FunctionStats};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No call mismatched and at least one matched (calls that could not be judged are counted
    /// in `inconclusive`).
    Match,
    Mismatch,
    Declined,
    /// No call could be judged.
    Inconclusive,
}

#[derive(Clone, Debug, Serialize)]
pub struct FunctionReport {
    pub file: String,
    pub function: String,
    pub status: Status,
    pub vectors: usize,
    pub assertions: usize,
    /// Calls made in the interleaved sequence over the module's exports.
    pub sequence_calls: usize,
    pub mismatches: usize,
    /// Of `mismatches`, those on the script's own assertions.
    pub assertion_mismatches: usize,
    pub inconclusive: usize,
    /// Calls that could not be judged, by reason.
    pub inconclusive_reasons: BTreeMap<String, usize>,
    pub code_bytes: u32,
    /// Executed instructions over the vectors whose call returned normally.
    pub instructions: Option<InstructionCounts>,
    /// Most stack any call used (bytes below the entry SP, from the lowest SP seen).
    pub max_stack_bytes: u32,
    pub max_live: u32,
    pub spills: u32,
    pub reloads: u32,
    /// Why the compiler declined, for `declined`.
    pub decline: Option<String>,
    /// The first few mismatches.
    pub examples: Vec<Mismatch>,
    /// Disassembly, kept for mismatches.
    pub disassembly: Vec<String>,
}

/// Executed instructions over a function's calls that returned normally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InstructionCounts {
    pub calls: u64,
    pub min: u64,
    pub max: u64,
    pub total: u64,
}

impl InstructionCounts {
    pub(super) fn add(counts: &mut Option<InstructionCounts>, n: u64) {
        let c = counts.get_or_insert(InstructionCounts { calls: 0, min: u64::MAX, max: 0, total: 0 });
        c.calls += 1;
        c.total += n;
        c.min = c.min.min(n);
        c.max = c.max.max(n);
    }

    pub fn mean(&self) -> f64 {
        self.total as f64 / self.calls.max(1) as f64
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    /// The whole input could not be used (unreadable, invalid, unsupported module).
    pub error: Option<String>,
    pub functions: Vec<FunctionReport>,
    /// Script directives not run, by reason (lenient mode only; always empty for fixtures).
    pub skipped: BTreeMap<String, usize>,
}

impl FileReport {
    pub fn failed(file: &str, error: String) -> FileReport {
        FileReport {
            file: file.to_string(),
            error: Some(error),
            functions: Vec::new(),
            skipped: BTreeMap::new(),
        }
    }
}

/// The result of running one compiled module.
#[derive(Clone, Debug, Default)]
pub struct ModuleRun {
    pub functions: Vec<FunctionReport>,
    /// Assertions not run, by reason.
    pub skipped: BTreeMap<String, usize>,
}

/// Mismatches kept per function as examples.
pub(super) const MAX_EXAMPLES: usize = 3;

pub(super) fn new_report(file: &str, func: &CompiledFunction) -> FunctionReport {
    let FunctionStats { max_live, spills, reloads, code_bytes, .. } = func.stats;
    FunctionReport {
        file: file.to_string(),
        function: func.name.clone(),
        code_bytes,
        max_live,
        spills,
        reloads,
        ..empty_report()
    }
}

/// Sets the status from the counts; keeps the disassembly of a mismatching function.
pub(super) fn finish(report: &mut FunctionReport, compiled: &CompiledModule, disassemble: bool) {
    report.status = if report.mismatches > 0 {
        Status::Mismatch
    } else if report.inconclusive > 0
        && report.inconclusive == report.vectors + report.assertions + report.sequence_calls
    {
        // Nothing could be judged. Otherwise the calls that could not be are counted apart
        // (`inconclusive`, by reason), never as matches.
        Status::Inconclusive
    } else {
        Status::Match
    };
    if report.status == Status::Mismatch && disassemble {
        if let Some(f) = compiled.function(&report.function) {
            report.disassembly = super::disasm::annotated(compiled, f);
        }
    }
}

pub(super) fn record(
    report: &mut FunctionReport,
    verdict: Verdict,
    reason: &'static str,
    // Given the report's file: built only for a mismatch that is kept, so the call path
    // allocates nothing.
    detail: impl FnOnce(&str) -> Mismatch,
) {
    match verdict {
        Verdict::Match => {}
        Verdict::Inconclusive => {
            report.inconclusive += 1;
            *report.inconclusive_reasons.entry(reason.into()).or_default() += 1;
        }
        Verdict::Mismatch => {
            report.mismatches += 1;
            if report.examples.len() < MAX_EXAMPLES {
                let example = detail(&report.file);
                report.examples.push(example);
            }
        }
    }
}

pub(crate) fn empty_report() -> FunctionReport {
    FunctionReport {
        file: String::new(),
        function: String::new(),
        status: Status::Match,
        vectors: 0,
        assertions: 0,
        sequence_calls: 0,
        mismatches: 0,
        assertion_mismatches: 0,
        inconclusive: 0,
        inconclusive_reasons: BTreeMap::new(),
        code_bytes: 0,
        instructions: None,
        max_stack_bytes: 0,
        max_live: 0,
        spills: 0,
        reloads: 0,
        decline: None,
        examples: Vec::new(),
        disassembly: Vec::new(),
    }
}
