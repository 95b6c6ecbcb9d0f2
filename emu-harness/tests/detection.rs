//! The campaign keeps its bug-finding power: a sample of the deliberate miscompiles
//! (`wasm2thumb::InjectedFault`, one per class it covers) is each found by the default campaign
//! — configurations rotated, boundary tables, swarm testing — from a fixed seed within a bounded
//! number of generated modules, as a wrong answer (never a compile failure: the faults are
//! silent). `emu-harness bench-detect` measures the whole family.

use emu_harness::campaign::{run_campaign, CampaignConfig};
use std::sync::atomic::AtomicBool;
use wasm2thumb::{CompileOptions, InjectedFault};

/// Modules per fault before the test gives up (the campaign stops at its first finding).
const MODULES: u64 = 120;

fn first_finding(fault: InjectedFault) -> Option<(String, u64)> {
    let dir =
        std::env::temp_dir().join(format!("emu-harness-detection-{}-{}", fault.name(), std::process::id()));
    let config = CampaignConfig {
        seed: 1,
        iterations: Some(MODULES),
        time: None,
        jobs: 1,
        compile: CompileOptions { inject: Some(fault), ..CompileOptions::default() },
        artifacts: dir.clone(),
        stop_at_first_finding: true,
        ..CampaignConfig::default()
    };
    let stats = run_campaign(&config, &AtomicBool::new(false), &|_| {}).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    stats.first_finding.map(|f| (f.signature, f.modules))
}

#[test]
fn a_sample_of_the_fault_family_is_found_within_a_bounded_campaign() {
    let sample = [
        InjectedFault::SpillStoreDroppedOnEviction,
        InjectedFault::I64AddCarryDroppedInPoolPair,
        InjectedFault::R8NotSavedInPrologue,
        InjectedFault::LtURegisterCompareSigned,
        InjectedFault::BoundsCheckLastByteOffByOne,
        InjectedFault::IncomingStackArgsIgnoreFrame,
    ];
    let mut missed = Vec::new();
    for fault in sample {
        match first_finding(fault) {
            Some((signature, modules)) => {
                assert!(!signature.starts_with("compile-"), "{}: not silent: {signature}", fault.name());
                eprintln!("{}: {signature} after {modules} module(s)", fault.name());
            }
            None => missed.push(fault.name()),
        }
    }
    assert!(missed.is_empty(), "not found within {MODULES} modules: {missed:?}");
}
