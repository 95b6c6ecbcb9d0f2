//! The reducer end to end: campaign cases of deliberate miscompiles are reduced, unattended, to
//! a few instructions that still fail the same way, and the `.wast` regression test written for
//! each fails with the fault compiled in and passes without it.

use emu_harness::campaign::{run_campaign, CampaignConfig};
use emu_harness::reduce::output::write_reduction;
use emu_harness::reduce::predicate::same_reference_kind;
use emu_harness::reduce::{reduce, Input, Options, ReduceError, REVERIFICATIONS};
use emu_harness::run::{RunConfig, Runner, Status};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use wasm2thumb::{CompileOptions, InjectedFault};

fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emu-harness-reduce-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The first case the default campaign saves with `fault` injected, from seed 1.
fn first_case(fault: InjectedFault, artifacts: &Path) -> PathBuf {
    let config = CampaignConfig {
        seed: 1,
        iterations: Some(120),
        time: None,
        jobs: 1,
        compile: CompileOptions { inject: Some(fault), ..CompileOptions::default() },
        artifacts: artifacts.to_path_buf(),
        stop_at_first_finding: true,
        max_per_signature: 1,
        ..CampaignConfig::default()
    };
    let stats = run_campaign(&config, &AtomicBool::new(false), &|_| {}).unwrap();
    let first = stats.first_finding.expect("the campaign finds the fault");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(artifacts.join(&first.signature))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").exists())
        .collect();
    cases.sort();
    cases.remove(0)
}

/// Runs a `.wast` file under `compile` (every function, its assertion and generated vectors):
/// the status of each function.
fn run_test(path: &Path, compile: CompileOptions) -> Vec<Status> {
    let mut runner = Runner::new(RunConfig { vectors: 100, compile, ..RunConfig::default() }).unwrap();
    let report = runner.run_file(path);
    assert!(report.error.is_none(), "{}: {:?}", path.display(), report.error);
    report.functions.iter().map(|f| f.status).collect()
}

#[test]
fn an_injected_faults_case_reduces_to_a_test_that_fails_with_the_fault_and_passes_without() {
    for fault in [InjectedFault::SwapSubOperandsWhenPoolFull, InjectedFault::BoundsCheckLastByteOffByOne] {
        let dir = scratch(fault.name());
        let case = first_case(fault, &dir.join("artifacts"));
        let input = Input::from_case(&case).unwrap();
        let original_instructions =
            emu_harness::reduce::module::Module::parse(&input.wasm).unwrap().instructions();
        let r = reduce(&input, &Options::default()).unwrap();
        eprintln!(
            "{}: {} -> {} instructions, {} candidates, {}",
            fault.name(),
            r.before.instructions,
            r.after.instructions,
            r.candidates,
            r.signature
        );
        assert_eq!(r.before.instructions, original_instructions);
        assert_eq!(r.reverified, REVERIFICATIONS, "the reduced case fails the same way every time");
        assert_eq!(&r.signature, input.signature.as_ref().unwrap());
        assert_eq!(r.invalid, 0, "every edit made a valid module");
        assert!(r.test_fails && r.trustworthy(), "the test written from it fails");
        // Which case the campaign saves depends on the generators (these bounds are per case;
        // `bench-reduce` measures the medians): today's sub-swap case needs a full pool, which
        // an i64 pair and a loop provide (23 instructions); the bounds-check case's compiled
        // side ends in `unreachable` one round of a mutual recursion later, and the signature
        // keeps that outcome (3 functions, 3 instructions in the target).
        assert!(r.after.functions <= 3 && r.target_after <= 25, "{} instructions left", r.target_after);
        assert!(r.after.instructions * 20 <= r.before.instructions, "at least 95% removed");
        // The reference returns or traps as it did on the original.
        let original = emu_harness::reduce::predicate::Predicate::new(input.compile)
            .unwrap()
            .observe(&input.wasm, input.function.as_deref(), &input.args)
            .unwrap()
            .mismatch
            .unwrap();
        assert!(same_reference_kind(&original.reference, &r.mismatch.as_ref().unwrap().reference));

        let written = write_reduction(&r, &dir.join("reduced")).unwrap();
        let test = written.join("reduced.wast");
        let text = std::fs::read_to_string(&test).unwrap();
        assert!(text.contains(&format!(";; Signature: {}", r.signature)), "{text}");
        assert!(text.contains("(assert_return") || text.contains("(assert_trap"), "{text}");
        assert!(run_test(&test, input.compile).contains(&Status::Mismatch), "fails with {}", fault.name());
        let healthy = CompileOptions { inject: None, ..input.compile };
        assert!(run_test(&test, healthy).iter().all(|s| *s == Status::Match), "passes without the fault");

        // Deterministic: the same input reduces to the same bytes.
        let again = reduce(&input, &Options::default()).unwrap();
        assert_eq!(again.wasm, r.wasm);
        assert_eq!(again.args, r.args);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_call_that_does_not_fail_is_not_reduced() {
    let wasm = wat::parse_str(
        r#"(module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#,
    )
    .unwrap();
    let input = Input {
        name: "f".into(),
        source: "inline".into(),
        wasm,
        function: Some("f".into()),
        args: vec![emu_harness::oracle::outcome::Value::I32(5)],
        compile: CompileOptions::default(),
        signature: None,
    };
    assert!(matches!(reduce(&input, &Options::default()), Err(ReduceError::NotReproduced(_))));
}
