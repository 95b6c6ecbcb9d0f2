//! A night against the night before: which failures are new, fixed, still there; which records
//! were added, removed or not run. A record that did not run is never "fixed", and a baseline
//! of another corpus or configuration set is not diffed at all.

use super::record::{Key, Record, RecordStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Failing now (a mismatch), not before (or not there before); repeated when run again.
    NewMismatch,
    /// Failing now with an error (compile, internal, emulator), not before.
    NewError,
    /// A new mismatch that did not repeat when run once more.
    Flaky,
    /// Failing before, passing now.
    Fixed,
    StillFailing,
    /// Not in the baseline, passing.
    Added,
    /// In the baseline, its file no longer an input.
    Removed,
    /// In the baseline, its file still an input, but no record tonight (its shard did not run,
    /// the function is gone from the module, ...).
    NotRun,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::NewMismatch => "new mismatch",
            Change::NewError => "new error",
            Change::Flaky => "flaky",
            Change::Fixed => "fixed",
            Change::StillFailing => "still failing",
            Change::Added => "added",
            Change::Removed => "removed",
            Change::NotRun => "not run",
        }
    }
}

/// One record's change, with its status on both nights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    pub file: String,
    pub function: String,
    pub configuration: String,
    pub change: Change,
    pub before: Option<RecordStatus>,
    pub now: Option<RecordStatus>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Diff {
    /// No baseline was given.
    None,
    /// The baseline ran another corpus or configuration set.
    Incompatible {
        reason: String,
    },
    Compared {
        changes: Vec<Changed>,
        counts: BTreeMap<String, usize>,
    },
}

/// `now` against `before`; `inputs` are tonight's input files (to tell removed from not run);
/// `repeats(record)` runs a new mismatch once more and says whether it failed again.
pub fn diff(
    now: &[Record],
    before: &[Record],
    inputs: &[String],
    mut repeats: impl FnMut(&Record) -> bool,
) -> Vec<Changed> {
    let before: BTreeMap<Key, &Record> = before.iter().map(|r| (r.key(), r)).collect();
    let now_keys: BTreeMap<Key, &Record> = now.iter().map(|r| (r.key(), r)).collect();
    let mut out = Vec::new();
    let change = |r: &Record, change: Change, b: Option<RecordStatus>, n: Option<RecordStatus>| Changed {
        file: r.file.clone(),
        function: r.function.clone(),
        configuration: r.configuration.clone(),
        change,
        before: b,
        now: n,
    };
    for (key, r) in &now_keys {
        let was = before.get(key).map(|b| b.status);
        let failing_before = was.is_some_and(RecordStatus::is_failing);
        let c = match (failing_before, r.status.is_failing()) {
            (false, true) if r.status.is_error() => Some(Change::NewError),
            (false, true) => Some(if repeats(r) { Change::NewMismatch } else { Change::Flaky }),
            (true, true) => Some(Change::StillFailing),
            (true, false) if r.status == RecordStatus::Match && r.calls > 0 => Some(Change::Fixed),
            // Failing before, declined or inconclusive now: it did not run to a verdict.
            (true, false) => Some(Change::NotRun),
            (false, false) if was.is_none() => Some(Change::Added),
            (false, false) => None,
        };
        if let Some(c) = c {
            out.push(change(r, c, was, Some(r.status)));
        }
    }
    for (key, r) in &before {
        if !now_keys.contains_key(key) {
            let c = if inputs.contains(&r.file) { Change::NotRun } else { Change::Removed };
            out.push(change(r, c, Some(r.status), None));
        }
    }
    out.sort_by(|a, b| {
        (a.change, &a.file, &a.function, &a.configuration).cmp(&(
            b.change,
            &b.file,
            &b.function,
            &b.configuration,
        ))
    });
    out
}

/// How many records changed each way.
pub fn counts(changes: &[Changed]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for c in changes {
        *counts.entry(c.change.name().to_string()).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(file: &str, function: &str, status: RecordStatus) -> Record {
        Record {
            file: file.into(),
            function: function.into(),
            configuration: "pool=5".into(),
            status,
            calls: 1,
            code_bytes: 0,
            executed: None,
            stack_bytes: 0,
            spills: 0,
            reloads: 0,
            failure: None,
            repeated: None,
            disassembly: Vec::new(),
        }
    }

    #[test]
    fn each_change_is_named_and_a_record_that_did_not_run_is_never_fixed() {
        use RecordStatus::*;
        let before = vec![
            rec("a", "still", Mismatch),
            rec("a", "fixed", Mismatch),
            rec("a", "gone", Mismatch),
            rec("a", "declined-now", Mismatch),
            rec("a", "new", Match),
            rec("a", "flaky", Match),
            rec("a", "error", Match),
            rec("old", "f", Match),
        ];
        let now = vec![
            rec("a", "still", Mismatch),
            rec("a", "fixed", Match),
            rec("a", "declined-now", Declined),
            rec("a", "new", Mismatch),
            rec("a", "flaky", Mismatch),
            rec("a", "error", InternalError),
            rec("b", "added", Match),
        ];
        let changes = diff(&now, &before, &["a".into(), "b".into()], |r| r.function != "flaky");
        let got: Vec<(&str, Change)> = changes.iter().map(|c| (c.function.as_str(), c.change)).collect();
        assert_eq!(
            got,
            [
                ("new", Change::NewMismatch),
                ("error", Change::NewError),
                ("flaky", Change::Flaky),
                ("fixed", Change::Fixed),
                ("still", Change::StillFailing),
                ("added", Change::Added),
                ("f", Change::Removed),
                ("declined-now", Change::NotRun),
                ("gone", Change::NotRun),
            ]
        );
    }
}
