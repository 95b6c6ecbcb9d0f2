//! A compact line per night in the history directory (`<date>.json`, one file per night,
//! written atomically): what the trend charts plot and where "failing since" comes from.

use super::record::RecordStatus;
use super::NightReport;
use crate::atomic_file::write_atomically;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Nights the trends show.
pub const TREND_NIGHTS: usize = 30;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Night {
    pub date: String,
    pub cases: usize,
    pub mismatches: usize,
    pub errors: usize,
    pub declined: usize,
    pub inconclusive: usize,
    /// Per configuration: total code bytes and executed instructions (sum of the means).
    pub code_bytes: BTreeMap<String, u64>,
    pub executed: BTreeMap<String, u64>,
    pub campaign_executions_per_second: Option<f64>,
    pub campaign_findings: Option<usize>,
    /// Names of the failing records.
    pub failing: Vec<String>,
}

pub fn night_of(report: &NightReport) -> Night {
    let mut n = Night { date: report.header.date.clone(), cases: report.records.len(), ..Night::default() };
    for r in &report.records {
        match r.status {
            RecordStatus::Mismatch => n.mismatches += 1,
            RecordStatus::Declined => n.declined += 1,
            RecordStatus::Inconclusive => n.inconclusive += 1,
            s if s.is_error() => n.errors += 1,
            _ => {}
        }
        *n.code_bytes.entry(r.configuration.clone()).or_default() += r.code_bytes as u64;
        *n.executed.entry(r.configuration.clone()).or_default() +=
            r.executed.map_or(0, |e| e.mean().round() as u64);
        if r.status.is_failing() {
            n.failing.push(r.name());
        }
    }
    if let Some(c) = &report.header.campaign {
        n.campaign_executions_per_second = Some(c.executions_per_second);
        n.campaign_findings = Some(c.findings.len());
    }
    n
}

/// Adds (or replaces) tonight's line.
pub fn append(dir: &Path, night: &Night) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{}.json", crate::atomic_file::safe_file_name(&night.date)));
    let json = serde_json::to_string(night).map_err(|e| e.to_string())?;
    write_atomically(&path, json.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}

/// The last `TREND_NIGHTS` nights before `before` (a date), oldest first. A directory that does
/// not exist is an empty history; an unreadable line is skipped.
pub fn read(dir: &Path, before: &str) -> Vec<Night> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut nights: Vec<Night> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .filter(|n: &Night| n.date.as_str() < before)
        .collect();
    nights.sort_by(|a, b| a.date.cmp(&b.date));
    let skip = nights.len().saturating_sub(TREND_NIGHTS);
    nights.split_off(skip)
}

/// The first night of the run of nights, ending tonight, in which `name` failed.
pub fn failing_since<'a>(history: &'a [Night], name: &str, tonight: &'a str) -> &'a str {
    let mut since = tonight;
    for n in history.iter().rev() {
        if n.failing.iter().any(|f| f == name) {
            since = &n.date;
        } else {
            break;
        }
    }
    since
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_since_is_the_start_of_the_unbroken_run() {
        let night = |date: &str, failing: &[&str]| Night {
            date: date.into(),
            failing: failing.iter().map(|s| s.to_string()).collect(),
            ..Night::default()
        };
        let h = [night("d1", &["a"]), night("d2", &[]), night("d3", &["a", "b"]), night("d4", &["a", "b"])];
        assert_eq!(failing_since(&h, "a", "d5"), "d3");
        assert_eq!(failing_since(&h, "c", "d5"), "d5");
    }
}
