//! Valid input outside the scope is declined with an error naming the function and the
//! operator or feature, never a panic (cases found in review).

use wasm2thumb::{compile, CompileError, CompileOptions};

fn declined(wat: &str) -> Vec<CompileError> {
    compile(&wat::parse_str(wat).unwrap(), &CompileOptions::default()).unwrap().declined
}

#[test]
fn frames_beyond_4_kib_are_declined() {
    let locals = "(local i32) ".repeat(1025);
    let d = declined(&format!(r#"(module (func (export "f") (result i32) {locals} (i32.const 1)))"#));
    assert_eq!(d.len(), 1);
    assert!(d[0].to_string().contains("function `f`: unsupported a frame of"), "{}", d[0]);
}

#[test]
fn unsupported_structured_operators_in_dead_code_are_declined() {
    let d = declined(r#"(module (func (export "f") (result i32) (block (br 0) (try_table)) (i32.const 7)))"#);
    assert_eq!(d.len(), 1);
    assert!(d[0].to_string().contains("operator try_table"), "{}", d[0]);
}

#[test]
fn unsupported_operators_are_named() {
    for (wat, what) in [
        (r#"(module (func (export "f") (param v128) (result v128) local.get 0))"#, "value type v128"),
        (
            r#"(module (func (export "f") (param i64) (result f64) local.get 0 f64.convert_i64_s))"#,
            "operator f64.convert_i64_s: the Cortex-M4's FPv4-SP has no double precision",
        ),
        (
            r#"(module (memory 1) (func (export "f") i32.const 0 i32.const 0 i32.const 1 memory.fill))"#,
            "operator memory.fill",
        ),
        (
            r#"(module (memory 2000) (func (export "f") (result i32) i32.const 0 i32.load))"#,
            "a memory of 2000 pages (at most 1024)",
        ),
        (
            r#"(module (memory 1) (memory 1) (func (export "f") (result i32) i32.const 0 i32.load))"#,
            "multiple memories",
        ),
        (r#"(module (memory i64 1) (func (export "f") memory.size drop))"#, "a 64-bit memory"),
        (
            &format!(
                r#"(module (func (export "f") (result {}) {}))"#,
                "i64 ".repeat(600),
                "(i64.const 1) ".repeat(600)
            ),
            "results taking 4800 bytes (at most 4096)",
        ),
        (
            &format!(r#"(module (func (export "f") (param {})))"#, "i64 ".repeat(600)),
            "parameters taking 4784 bytes of stack (at most 4095)",
        ),
    ] {
        let d = declined(wat);
        assert_eq!(d.len(), 1, "{wat}");
        assert!(d[0].to_string().contains("function `f`") && d[0].to_string().contains(what), "{}", d[0]);
    }
}

#[test]
fn callers_of_declined_functions_are_declined() {
    let d = declined(
        r#"(module
            (func $wide (result i64) (i64.trunc_f64_s (f64.const 1)))
            (func $mid (export "mid") (result i32) (i32.wrap_i64 (call $wide)))
            (func $mid2 (result i32) (i32.const 1))
            (func (export "top") (result i32) (call $mid))
            (func (export "fine") (result i32) (call $mid2)))"#,
    );
    let text: Vec<String> = d.iter().map(|e| e.to_string()).collect();
    assert_eq!(d.len(), 3, "{text:#?}");
    assert!(
        text.iter().any(|t| t.contains("function `top`") && t.contains("which is declined")),
        "{text:#?}"
    );
}

/// What a CPU cannot run is declined by name: the M3 has no FPU, the M4 no double precision.
/// Float bit operations, constants, loads and stores need no FPU and compile everywhere.
#[test]
fn float_arithmetic_beyond_the_fpu_is_declined_per_cpu() {
    use wasm2thumb::Cpu;
    let wat = r#"(module
        (func (export "f32") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
        (func (export "f64") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
        (func (export "bits") (param f64) (result f64) (f64.neg (local.get 0))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    for (cpu, declined, why) in [
        (Cpu::CortexM7, vec![], ""),
        (Cpu::CortexM4, vec!["f64"], "operator f64.mul: the Cortex-M4's FPv4-SP has no double precision"),
        (Cpu::CortexM3, vec!["f32", "f64"], "operator f32.add: the Cortex-M3 has no FPU"),
    ] {
        let c = compile(&wasm, &CompileOptions { cpu, ..CompileOptions::default() }).unwrap();
        let names: Vec<String> = c.declined.iter().map(|e| e.to_string()).collect();
        assert_eq!(names.len(), declined.len(), "{cpu:?}: {names:#?}");
        for name in declined {
            assert!(names.iter().any(|n| n.contains(&format!("function `{name}`"))), "{names:#?}");
        }
        assert!(why.is_empty() || names.iter().any(|n| n.contains(why)), "{cpu:?}: {names:#?}");
        assert!(c.function("bits").is_some(), "{cpu:?}: bit operations compile everywhere");
        // Only code that uses the FPU asks for it.
        assert_eq!(c.fpscr.is_some(), cpu != Cpu::CortexM3, "{cpu:?}");
    }
}
