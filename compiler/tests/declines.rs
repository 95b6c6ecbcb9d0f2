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
            (func $wide (result i64) (local v128) (i64.const 1))
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

/// Float work a CPU has no instruction for is not declined: it calls the software routines
/// (every operator on the M3, f64 on the M4), each appended once, with the ones it calls.
/// Float bit operations, constants, loads and stores need neither.
#[test]
fn float_work_beyond_the_fpu_calls_software_routines() {
    use wasm2thumb::Cpu;
    let wat = r#"(module
        (func (export "f32") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
        (func (export "f64") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
        (func (export "f64b") (param f64 f64) (result f64) (f64.mul (local.get 1) (local.get 0)))
        (func (export "bits") (param f64) (result f64) (f64.neg (local.get 0))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    for (cpu, routines) in [
        (Cpu::CortexM7, vec![]),
        (Cpu::CortexM4, vec!["f64.mul"]),
        (Cpu::CortexM3, vec!["f32.add", "f64.mul"]),
    ] {
        let c = compile(&wasm, &CompileOptions { cpu, ..CompileOptions::default() }).unwrap();
        assert!(c.declined.is_empty(), "{cpu:?}: {:#?}", c.declined);
        assert_eq!(c.functions.len(), 4, "{cpu:?}");
        let names: Vec<&str> = c.runtime.iter().map(|r| r.name.as_str()).collect();
        for routine in ["f32.add", "f64.mul"] {
            let present = names.iter().filter(|n| **n == routine).count();
            assert_eq!(present, routines.contains(&routine) as usize, "{cpu:?}: {names:?}");
        }
        // Only what the called routines reach: no division, no conversion.
        assert!(!names.iter().any(|n| n.contains("div") || n.contains("convert")), "{cpu:?}: {names:?}");
        assert!(c.runtime.iter().all(|r| r.code_bytes > 0 && r.addr > c.functions[3].addr));
        // Only code that uses the FPU asks for it.
        assert_eq!(c.fpscr.is_some(), cpu != Cpu::CortexM3, "{cpu:?}");
    }
    let integers = wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 1)))"#).unwrap();
    let c = compile(&integers, &CompileOptions { cpu: Cpu::CortexM3, ..CompileOptions::default() }).unwrap();
    assert!(c.runtime.is_empty());
}
