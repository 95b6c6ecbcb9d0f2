//! The built-in campaign: a seeded smoke run finds nothing on the compiler as it is, and with a
//! deliberate miscompile it finds it, saves self-contained cases atomically, keeps at most the
//! configured number per signature, and `replay` reproduces each one exactly.

use emu_harness::campaign::{replay, run_campaign, CampaignConfig};
use emu_harness::exec::reference::ReferenceCompiler;
use emu_harness::generate::Generator;
use emu_harness::run::Status;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use wasm2thumb::{CompileOptions, InjectedFault};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emu-harness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(iterations: u64, compile: CompileOptions, artifacts: PathBuf) -> CampaignConfig {
    CampaignConfig {
        generators: Generator::ALL.to_vec(),
        reference: ReferenceCompiler::Winch,
        seed: 1,
        iterations: Some(iterations),
        time: None,
        jobs: 2,
        vectors: 8,
        compile,
        artifacts,
        max_per_signature: 2,
        ..CampaignConfig::default()
    }
}

#[test]
fn smoke_campaign_finds_nothing() {
    let dir = scratch_dir("fuzz-smoke");
    let stats =
        run_campaign(&config(250, CompileOptions::default(), dir.clone()), &AtomicBool::new(false), &|_| {})
            .unwrap();
    assert_eq!(stats.modules, 250);
    assert!(stats.executions >= 1500, "{} executions", stats.executions);
    // Our generator's functions all exceed the pool; wasm-smith's some of the time.
    assert!(
        stats.over_pool * 2 > stats.functions,
        "{} of {} over the pool",
        stats.over_pool,
        stats.functions
    );
    assert!(stats.i64_over_pool > 0);
    // The only declines are modules whose instantiation traps (wasm-smith's segments), and
    // float work the M4 has no hardware or software routines for (f64, i64 <-> float).
    assert!(
        stats.declines.keys().all(|what| what.contains("instantiation traps")
            || what.contains("which is declined")
            || what.contains("software float routines")),
        "{:#?}",
        stats.declines
    );
    assert!(stats.findings.is_empty(), "{:#?}", stats.findings);
    assert!(stats.reference_disagreements.is_empty(), "{:#?}", stats.reference_disagreements);
    assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
}

#[test]
fn an_injected_miscompile_is_found_saved_deduplicated_and_replayed() {
    let dir = scratch_dir("fuzz-injected");
    let compile = CompileOptions {
        inject: Some(InjectedFault::SwapSubOperandsWhenPoolFull),
        ..CompileOptions::default()
    };
    let mut config = config(60, compile, dir.clone());
    config.generators = vec![Generator::Pressure];
    let stats = run_campaign(&config, &AtomicBool::new(false), &|_| {}).unwrap();
    assert!(!stats.findings.is_empty(), "the swapped sub under pressure is found");
    let total: u64 = stats.findings.values().sum();
    assert!(total > stats.saved.len() as u64, "duplicates are counted, not all saved");
    for sig in stats.findings.keys() {
        let kept = std::fs::read_dir(dir.join(sig))
            .unwrap()
            .filter(|e| !e.as_ref().unwrap().file_name().to_string_lossy().starts_with('.'))
            .count();
        assert!((1..=2).contains(&kept), "{sig}: {kept} cases kept");
    }
    for case in &stats.saved {
        for file in ["module.wasm", "module.wat", "case.json"] {
            assert!(case.join(file).is_file(), "{} lacks {file}", case.display());
        }
        let (saved, report) = replay(case).unwrap();
        assert_eq!(report.status, Status::Mismatch, "{} does not reproduce", case.display());
        assert_eq!(report.examples[0].args, saved.args, "the same vector fails first");
        assert!(report.examples[0].rerun.starts_with("emu-harness replay "), "{}", report.examples[0].rerun);
        assert_eq!(saved.reference, ReferenceCompiler::Cranelift, "a finding is confirmed against Cranelift");
        assert!(stats.reference_disagreements.is_empty());
    }
    // The case records its compile configuration: without the injected fault it passes.
    let case = &stats.saved[0];
    let json = std::fs::read_to_string(case.join("case.json")).unwrap();
    let fixed = json.replace("\"swap-sub-operands-when-pool-full\"", "null");
    assert_ne!(json, fixed);
    std::fs::write(case.join("case.json"), fixed).unwrap();
    assert_eq!(replay(case).unwrap().1.status, Status::Match);
    let _ = std::fs::remove_dir_all(&dir);
}
