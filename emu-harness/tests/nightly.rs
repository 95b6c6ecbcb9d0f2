//! The nightly report: a fault injected between two nights shows as exactly the new mismatches,
//! with commands that reproduce them, and as fixed the night after; four shards merge into the
//! unsharded report and a missing one fails the merge; the summary stays under its size limit
//! with 10,000 failures; a baseline of another corpus is not diffed.

use emu_harness::nightly::diff::{Change, Diff};
use emu_harness::nightly::markdown::{summary, SUMMARY_LIMIT};
use emu_harness::nightly::merge::merge;
use emu_harness::nightly::record::{Failure, Record, RecordStatus};
use emu_harness::nightly::{exit_code, finish, run_night, Header, NightConfig, NightReport, Shard};
use std::collections::BTreeSet;
use std::path::PathBuf;
use wasm2thumb::{CompileOptions, InjectedFault};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn config(shard: Shard, inject: Option<InjectedFault>, date: &str) -> NightConfig {
    let root = root();
    NightConfig {
        // memory_grow.wast has three modules that export `grow`: each is a record of its own.
        inputs: [
            "corpus/arith.wast",
            "corpus/control.wast",
            "corpus/globals.wast",
            "corpus/memory_grow.wast",
        ]
        .iter()
        .map(|p| root.join(p))
        .collect(),
        root: root.clone(),
        vectors: 30,
        seed: 0,
        jobs: 2,
        shard,
        compile: CompileOptions { inject, ..CompileOptions::default() },
        fuzz_time: None,
        campaign_seed: 1,
        scratch: std::env::temp_dir().join(format!("emu-harness-nightly-{}", std::process::id())),
        date: date.into(),
        host: "test".into(),
    }
}

fn night(inject: Option<InjectedFault>, date: &str) -> NightReport {
    run_night(&config(Shard::WHOLE, inject, date), &|_| {}).unwrap()
}

fn changes_of(report: &NightReport, change: Change) -> BTreeSet<(String, String, String)> {
    let Diff::Compared { changes, .. } = &report.diff else { panic!("not compared: {:?}", report.diff) };
    changes
        .iter()
        .filter(|c| c.change == change)
        .map(|c| (c.file.clone(), c.function.clone(), c.configuration.clone()))
        .collect()
}

#[test]
fn a_fault_between_two_nights_is_new_then_fixed() {
    let fault = InjectedFault::SwapSubOperandsWhenPoolFull;
    let mut first = night(None, "2026-12-01");
    finish(&mut first, None);
    assert_eq!(first.failing().count(), 0);
    let keys: BTreeSet<_> = first.records.iter().map(|r| r.key()).collect();
    assert_eq!(keys.len(), first.records.len(), "every record has its own identity");
    assert!(first.records.iter().any(|r| r.function == "grow#3"));
    assert_eq!(exit_code(&first, None, false), 0);

    let mut second = night(Some(fault), "2026-12-02");
    finish(&mut second, Some(&first));
    let failing: BTreeSet<_> = second.failing().map(|r| r.key()).collect();
    assert!(!failing.is_empty(), "the fault shows");
    assert_eq!(changes_of(&second, Change::NewMismatch), failing, "exactly the new mismatches");
    let Diff::Compared { changes, .. } = &second.diff else { unreachable!() };
    assert_eq!(changes.len(), failing.len(), "nothing else changed: {changes:#?}");
    assert_eq!(exit_code(&second, Some(&first), false), 1);
    // Each command reproduces its mismatch (exit 1).
    for r in second.failing().take(3) {
        let f = r.failure.as_ref().unwrap();
        assert!(f.rerun.contains(&format!("--inject-fault {}", fault.name())), "{}", f.rerun);
        assert!(f.rerun.starts_with(&format!("emu-harness run {} ", r.file)), "relative path: {}", f.rerun);
        let cmd = f.rerun.replacen("emu-harness", env!("CARGO_BIN_EXE_emu-harness"), 1);
        let status =
            std::process::Command::new("sh").arg("-c").arg(&cmd).current_dir(root()).output().unwrap();
        assert_eq!(status.status.code(), Some(1), "{cmd}: {}", String::from_utf8_lossy(&status.stdout));
    }
    let text = summary(&second, &[]);
    assert!(text.contains(&format!("{} new mismatches", failing.len())), "{text}");

    let mut third = night(None, "2026-12-03");
    finish(&mut third, Some(&second));
    assert_eq!(changes_of(&third, Change::Fixed), failing, "the same records, fixed");
    assert_eq!(exit_code(&third, Some(&second), false), 0);
}

#[test]
fn four_shards_merge_into_the_unsharded_report_and_a_missing_one_fails() {
    let whole = night(None, "2026-12-01");
    let shards: Vec<(Shard, NightReport)> = (1..=4)
        .map(|i| {
            let s = Shard { index: i, count: 4 };
            (s, run_night(&config(s, None, "2026-12-01"), &|_| {}).unwrap())
        })
        .collect();
    assert!(shards.iter().all(|(_, r)| r.ran.len() < whole.ran.len()), "the work is split");
    let mut merged = merge(shards.clone()).unwrap();
    let mut unsharded = whole.clone();
    merged.header = Header::default();
    unsharded.header = Header::default();
    assert_eq!(merged.to_json(), unsharded.to_json());

    let missing = merge(shards[..3].to_vec()).unwrap_err();
    assert!(missing.contains("missing shard"), "{missing}");
    let mut twice = shards.clone();
    twice[3] = twice[2].clone();
    assert!(merge(twice).unwrap_err().contains("twice"));
    // A shard whose records do not match what it ran.
    let mut short = shards.clone();
    short[1].1.ran.pop();
    assert!(merge(short).is_err());
}

#[test]
fn a_baseline_of_another_corpus_is_not_diffed() {
    let mut now = night(None, "2026-12-02");
    let mut before = now.clone();
    before.corpus_digest = "0000".into();
    finish(&mut now, Some(&before));
    assert!(matches!(now.diff, Diff::Incompatible { .. }), "{:?}", now.diff);
}

#[test]
fn the_summary_stays_under_its_limit_with_ten_thousand_new_mismatches() {
    let record = |i: usize, status| {
        Record {
        file: format!("corpus/generated_{:03}.wast", i / 100),
        function: format!("function_with_a_long_name_{i}"),
        configuration: "pool=2".into(),
        status,
        calls: 30,
        code_bytes: 100,
        executed: None,
        stack_bytes: 32,
        spills: 3,
        reloads: 3,
        failure: (status == RecordStatus::Mismatch).then(|| Failure {
            signature: "wrong-value-pool2-m4".into(),
            expected: "returned 0x00000007 (7)".into(),
            actual: "returned 0xfffffff9 (-7)".into(),
            state: Some("memory[0x10]: reference 1, compiled 2".into()),
            rerun: format!("emu-harness run corpus/generated_{:03}.wast --function 'function_with_a_long_name_{i}' --pool-size 2 --strategy pool --cpu m4 --max-memory-pages 1024 --args i32:0x7", i / 100),
            reduce: Some(format!("emu-harness reduce corpus/generated_{:03}.wast --function 'function_with_a_long_name_{i}' --pool-size 2 --args i32:0x7", i / 100)),
        }),
        repeated: Some(true),
        disassembly: Vec::new(),
    }
    };
    let base = night(None, "2026-12-01");
    let mut before = base.clone();
    before.records = (0..10_000).map(|i| record(i, RecordStatus::Match)).collect();
    let mut now = before.clone();
    now.records = (0..10_000).map(|i| record(i, RecordStatus::Mismatch)).collect();
    finish(&mut now, Some(&before));
    assert_eq!(changes_of(&now, Change::NewMismatch).len(), 10_000);
    let text = summary(&now, &[]);
    assert!(text.len() <= SUMMARY_LIMIT, "{} bytes", text.len());
    assert!(text.contains("more in report.html"));
    assert!(text.starts_with("**10000 cases"), "the headline first");
    assert!(text.contains("**10000 new mismatches"), "the headline counts them all");
}
