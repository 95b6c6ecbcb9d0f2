//! Output of a run: one line per function, details of mismatches, a summary; or JSON. Reads
//! what `run` produced; the nightly report will live beside it.

pub mod matrix;

use crate::exit;
use crate::run::{FileReport, FunctionReport, RunConfig, Status};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub bad_files: usize,
    pub functions: usize,
    pub matched: usize,
    pub mismatched: usize,
    pub declined: usize,
    pub inconclusive: usize,
    /// Calls that could not be judged, by reason, over every function.
    pub inconclusive_calls: BTreeMap<String, usize>,
    pub vectors: usize,
    pub assertions: usize,
    pub sequence_calls: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub seed: u64,
    pub vectors_per_function: usize,
    pub pool_size: usize,
    pub summary: Summary,
    pub files: Vec<FileReport>,
}

impl Report {
    pub fn new(config: &RunConfig, files: Vec<FileReport>) -> Report {
        let mut s = Summary { files: files.len(), ..Default::default() };
        for f in &files {
            s.bad_files += f.error.is_some() as usize;
            for func in &f.functions {
                s.functions += 1;
                s.vectors += func.vectors;
                s.assertions += func.assertions;
                s.sequence_calls += func.sequence_calls;
                for (reason, n) in &func.inconclusive_reasons {
                    *s.inconclusive_calls.entry(reason.clone()).or_default() += n;
                }
                match func.status {
                    Status::Match => s.matched += 1,
                    Status::Mismatch => s.mismatched += 1,
                    Status::Declined => s.declined += 1,
                    Status::Inconclusive => s.inconclusive += 1,
                }
            }
        }
        Report {
            schema_version: SCHEMA_VERSION,
            seed: config.seed,
            vectors_per_function: config.vectors,
            pool_size: config.compile.pool_size,
            summary: s,
            files,
        }
    }

    pub fn exit_code(&self) -> i32 {
        let s = &self.summary;
        if s.mismatched > 0 {
            exit::MISMATCH
        } else if s.bad_files > 0 || s.declined > 0 {
            exit::BAD_INPUT
        } else if s.inconclusive > 0 {
            exit::INCONCLUSIVE
        } else {
            exit::OK
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }
}

pub fn function_line(f: &FunctionReport) -> String {
    let status = match f.status {
        Status::Match => "match",
        Status::Mismatch => "MISMATCH",
        Status::Declined => "declined",
        Status::Inconclusive => "inconclusive",
    };
    if f.status == Status::Declined {
        return format!("{status:<12} {} :: {}  {}", f.file, f.function, f.decline.as_deref().unwrap_or(""));
    }
    let mut line = format!(
        "{status:<12} {} :: {}  vectors={} asserts={} code={}B max_live={} spills={} reloads={}",
        f.file, f.function, f.vectors, f.assertions, f.code_bytes, f.max_live, f.spills, f.reloads
    );
    if let Some(c) = f.instructions {
        line.push_str(&format!(
            " instrs={}..{} (mean {:.1}) stack={}B",
            c.min,
            c.max,
            c.mean(),
            f.max_stack_bytes
        ));
    }
    if f.mismatches > 0 {
        line.push_str(&format!(" mismatches={}", f.mismatches));
    }
    if f.inconclusive > 0 {
        line.push_str(&format!(" inconclusive={}", f.inconclusive));
        line.push_str(&inconclusive_calls(&f.inconclusive_reasons).replace("; inconclusive calls:", " ("));
        line.push(')');
    }
    line
}

/// The detail printed under a mismatching function: each example, how to re-run it, and the
/// disassembly.
pub fn mismatch_details(f: &FunctionReport) -> String {
    let mut out = String::new();
    for m in &f.examples {
        let args: Vec<String> = m.args.iter().map(|a| format!("{a:#x}")).collect();
        out.push_str(&format!("    {} ({}):\n", m.source, args.join(", ")));
        out.push_str(&format!("      expected:  {}\n", m.expected));
        out.push_str(&format!("      reference: {}\n", m.reference));
        out.push_str(&format!("      compiled:  {}\n", m.emulated));
        if let Some(state) = &m.state {
            out.push_str(&format!("      state:     {state}\n"));
        }
        out.push_str(&format!(
            "      used:      {} instructions, {} stack bytes\n",
            m.executed, m.stack_bytes
        ));
        out.push_str(&format!("      re-run:    {}\n", m.rerun));
        if let Some(reduce) = crate::oracle::mismatch::reduce_command(&m.rerun) {
            out.push_str(&format!("      reduce:    {reduce}\n"));
        }
    }
    out.push_str("    disassembly:\n");
    for l in &f.disassembly {
        out.push_str(&format!("      {l}\n"));
    }
    out
}

pub fn summary_line(r: &Report) -> String {
    let s = &r.summary;
    format!(
        "summary: {} functions in {} files: {} match, {} MISMATCH, {} declined, {} inconclusive; {} bad files; {} vectors, {} assertions, {} sequence calls",
        s.functions, s.files, s.matched, s.mismatched, s.declined, s.inconclusive, s.bad_files, s.vectors, s.assertions, s.sequence_calls
    ) + &inconclusive_calls(&s.inconclusive_calls)
}

/// `; inconclusive calls: reason N, ...` (empty when every call could be judged).
fn inconclusive_calls(by_reason: &BTreeMap<String, usize>) -> String {
    if by_reason.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = by_reason.iter().map(|(reason, n)| format!("{reason} {n}")).collect();
    format!("; inconclusive calls: {}", parts.join(", "))
}
