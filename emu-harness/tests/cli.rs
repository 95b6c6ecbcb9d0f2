//! The binary's contract for bad input: a one-line error on stderr, exit code 2, no panic.

use std::process::Command;

fn harness(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_emu-harness")).args(args).output().unwrap();
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_temp(name: &str, contents: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("emu-harness-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p.to_string_lossy().into_owned()
}

fn assert_bad_input(args: &[&str]) {
    let (code, _stdout, stderr) = harness(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: one-line error expected, got {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
}

#[test]
fn broken_inputs_give_one_line_and_exit_2() {
    let valid =
        wat::parse_str(r#"(module (func (export "f") (param i32) (result i32) local.get 0))"#).unwrap();
    let truncated = write_temp("truncated.wasm", &valid[..valid.len() - 3]);
    let invalid_wat = write_temp("invalid.wat", b"(module (func (export \"f\") (result i32) i32.add))");
    let syntax = write_temp("syntax.wat", b"(module (func (export \"f\")");
    let unsupported = write_temp("v128.wat", b"(module (func (export \"f\") (param v128)))");
    let operator = write_temp(
        "op.wat",
        b"(module (memory 1) (func (export \"f\") i32.const 0 i32.const 0 i32.const 1 memory.fill))",
    );
    let out = std::env::temp_dir().join("emu-harness-cli-out.elf");
    let out = out.to_str().unwrap();
    for input in [&truncated, &invalid_wat, &syntax, &unsupported, &operator] {
        assert_bad_input(&["compile", input, "-o", out]);
    }
    assert_bad_input(&["compile", "/nonexistent/x.wat", "-o", out]);
    assert_bad_input(&["run", "/nonexistent/dir"]);
    for input in [&truncated, &invalid_wat, &syntax] {
        assert_bad_input(&["run", input]);
    }
    // A declined function in a run: one `error:` line, its `declined` line, exit 2.
    assert_bad_input(&["run", &operator]);
    let (_, stdout, stderr) = harness(&["run", &operator]);
    assert!(stdout.contains("declined") && stdout.contains("memory.fill"), "{stdout}");
    assert!(stderr.contains("function `f`: unsupported operator memory.fill"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, stderr) = harness(&["frobnicate"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = harness(&["run", "--pool-size", "9"]);
    assert_eq!(code, 2);
}

#[test]
fn compile_writes_an_elf_that_llvm_objdump_disassembles() {
    let input = write_temp("hp.wat", include_bytes!("../../../shared/bench/hp.wat"));
    let elf = std::env::temp_dir().join(format!("emu-harness-cli-{}.elf", std::process::id()));
    let (code, stdout, stderr) = harness(&["compile", &input, "-o", elf.to_str().unwrap(), "--disasm"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("spills="));
    let dump = Command::new("llvm-objdump").args(["-d", "-t"]).arg(&elf).output().unwrap();
    assert!(dump.status.success());
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(text.contains("file format elf32-littlearm"), "{text}");
    assert!(!text.contains("<unknown>"), "undecodable bytes:\n{text}");
    // Every exported function is a global function symbol with the Thumb bit set.
    let header = Command::new("llvm-readelf").args(["-h", "-s"]).arg(&elf).output().unwrap();
    let h = String::from_utf8_lossy(&header.stdout);
    assert!(
        h.contains("EXEC") && h.contains("Machine:                           ARM") && h.contains("0x5000000"),
        "{h}"
    );
    let funcs: Vec<&str> = h.lines().filter(|l| l.contains(" FUNC ") && l.contains("GLOBAL")).collect();
    assert!(!funcs.is_empty());
    for l in &funcs {
        let value = u32::from_str_radix(l.split_whitespace().nth(1).unwrap(), 16).unwrap();
        assert_eq!(value & 1, 1, "Thumb bit: {l}");
    }
    assert!(h.contains("$t"), "mapping symbol: {h}");
}

#[test]
fn reduce_files_a_regression_test_that_fails_only_with_the_fault() {
    // Found by the campaign with a deliberate fault (sub operands swapped when the pool is
    // full), already small: the reducer keeps it failing the same way and files it.
    let module = write_temp(
        "swap.wat",
        br#"(module (func (export "p1") (param i64) (result i32) (local i32)
              i32.const 1 local.get 1 i32.sub
              i32.const 6 i32.const 7 i32.mul drop))"#,
    );
    let dir = std::env::temp_dir().join(format!("emu-harness-cli-reduce-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (out, repro) = (dir.join("out"), dir.join("repro"));
    let fault = ["--pool-size", "1", "--inject-fault", "swap-sub-operands-when-pool-full"];
    let mut args = vec!["reduce", &module, "--function", "p1", "--args", "i64:0x77", "--jobs", "1"];
    args.extend(["-o", out.to_str().unwrap(), "--into", repro.to_str().unwrap()]);
    args.extend(fault);
    let (code, stdout, stderr) = harness(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("re-verified 3/3"), "{stderr}");
    let filed = repro.join("wrong-value-pool1-m4.wast");
    let test = std::fs::read_to_string(&filed).unwrap();
    // The unused parameter went with its argument, the dead multiply too.
    assert!(test.contains("(assert_return (invoke \"p1\") (i32.const 1))"), "{test}");
    assert!(!test.contains("i32.mul") && !test.contains("param"), "{test}");
    let filed = filed.to_str().unwrap();
    let mut with_fault = vec!["run", filed];
    with_fault.extend(fault);
    assert_eq!(harness(&with_fault).0, 1, "fails with the fault");
    assert_eq!(harness(&["run", filed, "--pool-size", "1"]).0, 0, "passes without it");
    // A call that does not fail is not reduced (exit 4); a missing case is bad input (exit 2).
    let (code, _, stderr) =
        harness(&["reduce", &module, "--function", "p1", "--args", "i64:0", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 4, "{stderr}");
    assert_bad_input(&["reduce", "/nonexistent/case"]);
    let _ = std::fs::remove_dir_all(&dir);
}
