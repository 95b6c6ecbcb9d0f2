//! The report of a matrix run (`run --matrix`): one report per compile configuration, and
//! which functions disagree between them. A function that matches with a large pool and
//! mismatches with a small one points at the allocator's spill path; one that mismatches only
//! on one CPU points at an encoding that CPU treats differently.

use super::{Report, SCHEMA_VERSION};
use crate::run::matrix::ConfigurationRun;
use crate::run::Status;
use serde::Serialize;
use std::collections::BTreeMap;

/// A function whose status is not `match` in every configuration.
#[derive(Clone, Debug, Serialize)]
pub struct Disagreement {
    pub file: String,
    pub function: String,
    /// Status per configuration label, in matrix order.
    pub statuses: Vec<(String, Status)>,
}

impl Disagreement {
    /// Labels of the configurations with the given status.
    pub fn with(&self, status: Status) -> Vec<&str> {
        self.statuses.iter().filter(|(_, s)| *s == status).map(|(l, _)| l.as_str()).collect()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MatrixRun {
    pub label: String,
    pub report: Report,
}

#[derive(Clone, Debug, Serialize)]
pub struct MatrixReport {
    pub schema_version: u32,
    pub runs: Vec<MatrixRun>,
    pub disagreements: Vec<Disagreement>,
}

impl MatrixReport {
    /// The report of a matrix run: one `Report` per configuration, and the functions whose
    /// status differs between them.
    pub fn new(runs: Vec<ConfigurationRun>) -> MatrixReport {
        let runs: Vec<MatrixRun> = runs
            .into_iter()
            .map(|r| MatrixRun { label: r.config.label, report: Report::new(&r.run, r.files) })
            .collect();
        MatrixReport { schema_version: SCHEMA_VERSION, disagreements: disagreements(&runs), runs }
    }

    /// The most severe exit code of any configuration, except that a function declined only
    /// in some configurations (float arithmetic on a CPU without the FPU for it) is not bad
    /// input: the matrix compared it where it compiles. Declined in every one, it is.
    pub fn exit_code(&self) -> i32 {
        let summaries = || self.runs.iter().map(|r| &r.report.summary);
        let declined_everywhere = self.disagreements.iter().any(|d| {
            d.statuses.len() == self.runs.len() && d.statuses.iter().all(|(_, s)| *s == Status::Declined)
        });
        if summaries().any(|s| s.mismatched > 0) {
            crate::exit::MISMATCH
        } else if summaries().any(|s| s.bad_files > 0) || declined_everywhere {
            crate::exit::BAD_INPUT
        } else if summaries().any(|s| s.inconclusive > 0) {
            crate::exit::INCONCLUSIVE
        } else {
            crate::exit::OK
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }
}

fn disagreements(runs: &[MatrixRun]) -> Vec<Disagreement> {
    // A script may define the same name in several modules: the n-th occurrence of a name in a
    // file is the same function in every run (files are run in the same order).
    type Key = (String, String, usize);
    let mut by_function: BTreeMap<Key, Vec<(String, Status)>> = BTreeMap::new();
    for run in runs {
        for file in &run.report.files {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for f in &file.functions {
                let n = seen.entry(f.function.as_str()).or_default();
                by_function
                    .entry((f.file.clone(), f.function.clone(), *n))
                    .or_default()
                    .push((run.label.clone(), f.status));
                *n += 1;
            }
        }
    }
    by_function
        .into_iter()
        .filter(|(_, statuses)| {
            statuses.iter().any(|(_, s)| *s != Status::Match) || statuses.len() != runs.len()
        })
        .map(|((file, function, _), statuses)| Disagreement { file, function, statuses })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{FileReport, FunctionReport, RunConfig};

    fn run(label: &str, statuses: &[(&str, Status)]) -> MatrixRun {
        let functions: Vec<FunctionReport> = statuses
            .iter()
            .map(|(name, status)| FunctionReport {
                file: "f.wast".into(),
                function: name.to_string(),
                status: *status,
                ..crate::run::empty_report()
            })
            .collect();
        let file = FileReport { file: "f.wast".into(), error: None, functions, skipped: Default::default() };
        MatrixRun { label: label.into(), report: Report::new(&RunConfig::default(), vec![file]) }
    }

    #[test]
    fn a_mismatch_in_small_pools_only_is_localized() {
        let runs = vec![
            run("pool=5", &[("a", Status::Match), ("b", Status::Match), ("b", Status::Match)]),
            run("pool=1", &[("a", Status::Mismatch), ("b", Status::Match), ("b", Status::Match)]),
            run("baseline", &[("a", Status::Match), ("b", Status::Match), ("b", Status::Inconclusive)]),
        ];
        let d = disagreements(&runs);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].function, "a");
        assert_eq!(d[0].with(Status::Mismatch), vec!["pool=1"]);
        assert_eq!(d[0].with(Status::Match), vec!["pool=5", "baseline"]);
        // The second `b` (another module in the same script) is told apart from the first.
        assert_eq!(d[1].function, "b");
        assert_eq!(d[1].with(Status::Inconclusive), vec!["baseline"]);
        let report = MatrixReport { schema_version: SCHEMA_VERSION, runs, disagreements: d };
        assert_eq!(report.exit_code(), crate::exit::MISMATCH);
    }
}
