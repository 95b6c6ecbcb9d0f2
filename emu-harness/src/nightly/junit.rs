//! `junit.xml`: one test case per (file, function, configuration), named uniquely, so any CI
//! shows the night as tests (failures with their expected and actual outcome and commands).

use super::record::RecordStatus;
use super::NightReport;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;

pub fn junit(report: &NightReport) -> Result<String, String> {
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for r in &report.records {
        let status = match r.status {
            RecordStatus::Match => TestCaseStatus::success(),
            RecordStatus::Declined | RecordStatus::Inconclusive => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(r.status.name());
                s
            }
            failing => {
                let kind = if failing.is_error() { NonSuccessKind::Error } else { NonSuccessKind::Failure };
                let mut s = TestCaseStatus::non_success(kind);
                if let Some(f) = &r.failure {
                    s.set_message(format!("{}: expected {}, got {}", f.signature, f.expected, f.actual));
                    s.set_type(failing.name());
                    let mut text = format!("expected: {}\nactual: {}\n", f.expected, f.actual);
                    if let Some(state) = &f.state {
                        text.push_str(&format!("state: {state}\n"));
                    }
                    if !f.rerun.is_empty() {
                        text.push_str(&format!("re-run: {}\n", f.rerun));
                    }
                    if let Some(reduce) = &f.reduce {
                        text.push_str(&format!("reduce: {reduce}\n"));
                    }
                    s.set_description(text);
                }
                s
            }
        };
        let mut case = TestCase::new(r.name(), status);
        case.set_classname(format!("{}.{}", r.configuration, r.file));
        suites
            .entry(r.configuration.as_str())
            .or_insert_with(|| TestSuite::new(format!("nightly {}", r.configuration)))
            .add_test_case(case);
    }
    let mut out = Report::new(format!("emu-harness nightly {}", report.header.date));
    out.add_test_suites(suites.into_values());
    out.to_string().map_err(|e| e.to_string())
}
