//! `summary.md`: the night as a GitHub job summary. A headline of counts first; then new
//! failures with the commands that reproduce and reduce them, fixed ones, still-failing ones
//! folded by signature, code-size and instruction-count changes, coverage, the campaign and
//! the stages. Kept under `SUMMARY_LIMIT` bytes: what does not fit is counted and left to
//! `report.html`.

use super::diff::{Change, Diff};
use super::history::{failing_since, Night};
use super::record::{Record, RecordStatus};
use super::NightReport;
use std::collections::BTreeMap;
use std::fmt::Write;

/// GitHub drops a step summary over 1 MiB; this leaves room.
pub const SUMMARY_LIMIT: usize = 900 * 1024;

/// Text safe inside a table cell or inline code.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ").replace('`', "'")
}

/// Counts of the night's records by status, and of the diff's changes.
pub struct Headline {
    pub cases: usize,
    pub by_status: BTreeMap<RecordStatus, usize>,
    pub by_change: BTreeMap<Change, usize>,
}

pub fn headline(report: &NightReport) -> Headline {
    let mut by_status = BTreeMap::new();
    for r in &report.records {
        *by_status.entry(r.status).or_default() += 1;
    }
    let mut by_change = BTreeMap::new();
    if let Diff::Compared { changes, .. } = &report.diff {
        for c in changes {
            *by_change.entry(c.change).or_default() += 1;
        }
    }
    Headline { cases: report.records.len(), by_status, by_change }
}

/// The one line of counts that opens the summary.
pub fn headline_line(report: &NightReport) -> String {
    let h = headline(report);
    let s = |st: RecordStatus| h.by_status.get(&st).copied().unwrap_or(0);
    let c = |ch: Change| h.by_change.get(&ch).copied().unwrap_or(0);
    let errors: usize = h.by_status.iter().filter(|(k, _)| k.is_error()).map(|(_, v)| v).sum();
    let mut line = format!(
        "**{} cases: {} match, {} mismatch, {} errors, {} declined, {} inconclusive**",
        h.cases,
        s(RecordStatus::Match),
        s(RecordStatus::Mismatch),
        errors,
        s(RecordStatus::Declined),
        s(RecordStatus::Inconclusive)
    );
    match &report.diff {
        Diff::Compared { .. } => {
            let _ = write!(
                line,
                " — **{} new mismatches, {} new errors**, {} flaky, {} fixed, {} still failing, {} added, {} removed, {} not run",
                c(Change::NewMismatch),
                c(Change::NewError),
                c(Change::Flaky),
                c(Change::Fixed),
                c(Change::StillFailing),
                c(Change::Added),
                c(Change::Removed),
                c(Change::NotRun)
            );
        }
        Diff::Incompatible { reason } => {
            let _ = write!(line, " — not compared: {reason}");
        }
        Diff::None => line.push_str(" — no baseline"),
    }
    line
}

/// Appends sections while there is room; counts what had to be left out.
struct Budget {
    out: String,
    /// Entries (items and section headings) not added once the summary was full.
    left_out: usize,
}

impl Budget {
    /// Adds `text` if it fits (keeping room for the closing line); once something did not fit,
    /// nothing more is added, so no table row appears without its heading.
    fn push(&mut self, text: &str) -> bool {
        if self.left_out > 0 || self.out.len() + text.len() + 512 > SUMMARY_LIMIT {
            self.left_out += 1;
            false
        } else {
            self.out.push_str(text);
            true
        }
    }
}

/// A signature without its configuration (`wrong-value-pool2-m4` → `wrong-value`): the same bug
/// across configurations folds into one row.
fn without_configuration(signature: &str) -> &str {
    let mut cut = signature;
    for _ in 0..2 {
        cut = cut.rsplit_once('-').map_or(cut, |(head, _)| head);
    }
    cut
}

fn failure_block(r: &Record, history: &[Night], tonight: &str) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "- `{}` — {}", cell(&r.name()), r.status.name());
    if let Some(f) = &r.failure {
        let _ = writeln!(
            b,
            "  - signature `{}`; failing since {}",
            cell(&f.signature),
            failing_since(history, &r.name(), tonight)
        );
        let _ = writeln!(b, "  - expected: {}", cell(&f.expected));
        let _ = writeln!(b, "  - actual: {}", cell(&f.actual));
        if let Some(state) = &f.state {
            let _ = writeln!(b, "  - state: {}", cell(state.lines().next().unwrap_or("")));
        }
        if !f.rerun.is_empty() {
            let _ = writeln!(b, "  - re-run: `{}`", cell(&f.rerun));
        }
        if let Some(reduce) = &f.reduce {
            let _ = writeln!(b, "  - reduce: `{}`", cell(reduce));
        }
    }
    b
}

/// Configurations a signature fails in, folded: `pool=2, pool=1 (2 of 8)`.
fn configurations_of(records: &[&Record], all: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for c in all {
        if records.iter().any(|r| &r.configuration == c) {
            seen.push(c);
        }
    }
    if seen.len() == all.len() {
        format!("every configuration ({} of {})", seen.len(), all.len())
    } else {
        format!("{} ({} of {})", seen.join(", "), seen.len(), all.len())
    }
}

pub fn summary(report: &NightReport, history: &[Night]) -> String {
    let tonight = report.header.date.as_str();
    let mut b = Budget { out: String::new(), left_out: 0 };
    // The headline comes first: it is what a job summary's reader sees.
    let _ = writeln!(
        b.out,
        "{}\n\n# Nightly differential report, {}\n",
        headline_line(report),
        report.header.date
    );
    let by_key: BTreeMap<(String, String, String), &Record> =
        report.records.iter().map(|r| (r.key(), r)).collect();
    let changes: &[super::diff::Changed] = match &report.diff {
        Diff::Compared { changes, .. } => changes,
        _ => &[],
    };
    let records_with = |change: Change| -> Vec<&Record> {
        changes
            .iter()
            .filter(|c| c.change == change)
            .filter_map(|c| {
                by_key.get(&(c.file.clone(), c.function.clone(), c.configuration.clone())).copied()
            })
            .collect()
    };
    // New failures: every one of them, with its commands (without a comparable baseline, every
    // failure is listed here).
    let new: Vec<&Record> = match &report.diff {
        Diff::Compared { .. } => {
            let mut v = records_with(Change::NewMismatch);
            v.extend(records_with(Change::NewError));
            v
        }
        _ => report.failing().collect(),
    };
    let title =
        if matches!(report.diff, Diff::Compared { .. }) { "New mismatches and errors" } else { "Failures" };
    b.push(&format!("## {title} ({})\n\n", new.len()));
    for r in &new {
        b.push(&failure_block(r, history, tonight));
    }
    let flaky = records_with(Change::Flaky);
    if !flaky.is_empty() {
        b.push(&format!("\n## Flaky ({}): failed once, not when run again\n\n", flaky.len()));
        for r in &flaky {
            b.push(&format!("- `{}`\n", cell(&r.name())));
        }
    }
    let fixed: Vec<&super::diff::Changed> = changes.iter().filter(|c| c.change == Change::Fixed).collect();
    if !fixed.is_empty() {
        b.push(&format!("\n## Fixed ({})\n\n", fixed.len()));
        for c in &fixed {
            b.push(&format!("- `{} :: {} [{}]`\n", cell(&c.file), cell(&c.function), cell(&c.configuration)));
        }
    }
    let still = records_with(Change::StillFailing);
    if !still.is_empty() {
        let mut by_signature: BTreeMap<String, Vec<&Record>> = BTreeMap::new();
        for r in &still {
            let sig = r.failure.as_ref().map_or("?", |f| without_configuration(&f.signature));
            by_signature.entry(sig.to_string()).or_default().push(r);
        }
        b.push(&format!("\n## Still failing ({}), by signature\n\n| signature (configuration aside) | cases | configurations | first case | failing since |\n|---|---|---|---|---|\n", still.len()));
        for (sig, rs) in &by_signature {
            b.push(&format!(
                "| `{}` | {} | {} | `{}` | {} |\n",
                cell(sig),
                rs.len(),
                configurations_of(rs, &report.configurations),
                cell(&rs[0].name()),
                failing_since(history, &rs[0].name(), tonight)
            ));
        }
    }
    let not_run: Vec<&super::diff::Changed> =
        changes.iter().filter(|c| matches!(c.change, Change::NotRun | Change::Removed)).collect();
    if !not_run.is_empty() {
        b.push(&format!("\n## Not run or removed ({})\n\n", not_run.len()));
        for c in &not_run {
            b.push(&format!(
                "- `{} :: {} [{}]` ({})\n",
                cell(&c.file),
                cell(&c.function),
                cell(&c.configuration),
                c.change.name()
            ));
        }
    }
    if let Some(d) = &report.deltas {
        b.push("\n## Code size and executed instructions against the baseline\n\n| configuration | code bytes | geomean ratio | executed instructions (sum of means) | geomean ratio |\n|---|---|---|---|---|\n");
        for c in &d.configurations {
            b.push(&format!(
                "| {} | {} → {} | {:.4} | {} → {} | {:.4} |\n",
                c.configuration,
                c.code_bytes_before,
                c.code_bytes_now,
                c.code_geomean_ratio,
                c.executed_before,
                c.executed_now,
                c.executed_geomean_ratio
            ));
        }
        let size = |f: &&super::FunctionDelta| f.code_bytes_now as i64 - f.code_bytes_before as i64;
        let mut grew: Vec<&super::FunctionDelta> = d.functions.iter().filter(|f| size(f) > 0).collect();
        let mut shrank: Vec<&super::FunctionDelta> = d.functions.iter().filter(|f| size(f) < 0).collect();
        grew.sort_by_key(|f| std::cmp::Reverse(size(f)));
        shrank.sort_by_key(size);
        let ran = |f: &&super::FunctionDelta| match (f.executed_before, f.executed_now) {
            (Some(b), Some(n)) => n - b,
            _ => 0.0,
        };
        let mut slower: Vec<&super::FunctionDelta> = d.functions.iter().filter(|f| ran(f) > 0.0).collect();
        let mut faster: Vec<&super::FunctionDelta> = d.functions.iter().filter(|f| ran(f) < 0.0).collect();
        slower.sort_by(|a, b| ran(b).total_cmp(&ran(a)));
        faster.sort_by(|a, b| ran(a).total_cmp(&ran(b)));
        for (title, list) in [
            ("Largest code-size regressions", grew),
            ("Largest code-size improvements", shrank),
            ("Largest executed-instruction regressions", slower),
            ("Largest executed-instruction improvements", faster),
        ] {
            if list.is_empty() {
                continue;
            }
            b.push(&format!(
                "\n### {title} ({} functions)\n\n| function | bytes | executed (mean) |\n|---|---|---|\n",
                list.len()
            ));
            for f in list.iter().take(10) {
                let x = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}"));
                b.push(&format!(
                    "| `{} :: {} [{}]` | {} → {} | {} → {} |\n",
                    cell(&f.file),
                    cell(&f.function),
                    f.configuration,
                    f.code_bytes_before,
                    f.code_bytes_now,
                    x(f.executed_before),
                    x(f.executed_now)
                ));
            }
        }
    }
    let mut coverage: BTreeMap<&str, BTreeMap<RecordStatus, usize>> = BTreeMap::new();
    for r in &report.records {
        *coverage.entry(&r.configuration).or_default().entry(r.status).or_default() += 1;
    }
    b.push("\n## Coverage\n\n| configuration | cases | match | mismatch | errors | declined | inconclusive |\n|---|---|---|---|---|---|---|\n");
    for c in &report.configurations {
        let m = coverage.get(c.as_str()).cloned().unwrap_or_default();
        let n = |s: RecordStatus| m.get(&s).copied().unwrap_or(0);
        let errors: usize = m.iter().filter(|(k, _)| k.is_error()).map(|(_, v)| v).sum();
        b.push(&format!(
            "| {c} | {} | {} | {} | {errors} | {} | {} |\n",
            m.values().sum::<usize>(),
            n(RecordStatus::Match),
            n(RecordStatus::Mismatch),
            n(RecordStatus::Declined),
            n(RecordStatus::Inconclusive)
        ));
    }
    if let Some(c) = &report.header.campaign {
        b.push(&format!(
            "\n## Campaign\n\n{} executions in {:.0} s ({:.0}/s), {} findings\n\n",
            c.executions,
            c.seconds,
            c.executions_per_second,
            c.findings.len()
        ));
        for f in &c.findings {
            let repro = match (&f.reproducer, &f.reduce_error) {
                (Some(p), _) => {
                    format!("reproducer `{}` ({} instructions)", cell(p), f.reduced_instructions.unwrap_or(0))
                }
                (None, Some(e)) => format!("not reduced: {}", cell(e)),
                _ => String::new(),
            };
            b.push(&format!("- `{}`: case `{}`; {repro}\n", cell(&f.signature), cell(&f.case)));
        }
    }
    b.push("\n## Stages\n\n| stage | seconds |\n|---|---|\n");
    for (stage, s) in &report.header.stages {
        b.push(&format!("| {stage} | {s:.1} |\n"));
    }
    if b.left_out > 0 {
        let _ = write!(b.out, "\n… and {} more in report.html\n", b.left_out);
    }
    b.out
}
