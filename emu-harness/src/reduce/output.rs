//! A reduction written out: `reduced.wasm`, `reduced.wat`, `reduced.wast` (the regression
//! test: the module and an assertion with what the reference does at the failing call, under a
//! header that says what fails, where, and how to run it again) and `reduction.json`; or the
//! `.wast` filed into `repro/`.

use super::Reduction;
use crate::atomic_file::{safe_file_name, write_atomically, write_directory_atomically};
use crate::oracle::outcome::{Outcome, Value};
use crate::run::wast::Strictness;
use crate::run::{compile_flags, RunConfig, Runner};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// A string as a `.wast` string literal.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for b in s.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:02x}");
            }
        }
    }
    out.push('"');
    out
}

/// An argument's constant, exactly (a NaN with its sign and payload).
fn constant(v: &Value) -> String {
    match *v {
        Value::I32(x) => format!("(i32.const {})", x as i32),
        Value::I64(x) => format!("(i64.const {})", x as i64),
        Value::F32(x) => format!("(f32.const {})", float_literal(x as u64, 23)),
        Value::F64(x) => format!("(f64.const {})", float_literal(x, 52)),
    }
}

/// An expected result: exactly the reference's bits, NaNs too (runs compare bit for bit by
/// default: the reference canonicalizes NaNs as compiled code does under FPSCR.DN, and a
/// `nan:canonical` pattern would let a NaN of the wrong sign pass).
fn expected_constant(v: &Value) -> String {
    constant(v)
}

/// The text-format literal of float bits with `mantissa` fraction bits (23 or 52): `nan:0x..`
/// with its sign and payload, or the shortest decimal that reads back to the same value.
fn float_literal(bits: u64, mantissa: u32) -> String {
    let f32_bits = mantissa == 23;
    let negative = if f32_bits { bits >> 31 & 1 == 1 } else { bits >> 63 == 1 };
    let sign = if negative { "-" } else { "" };
    let payload = bits & ((1 << mantissa) - 1);
    match f32_bits {
        true if f32::from_bits(bits as u32).is_nan() => format!("{sign}nan:{payload:#x}"),
        true => format!("{:?}", f32::from_bits(bits as u32)),
        false if f64::from_bits(bits).is_nan() => format!("{sign}nan:{payload:#x}"),
        false => format!("{:?}", f64::from_bits(bits)),
    }
}

/// The `.wast` regression test; `path` is where it will be, for the re-run command.
pub fn wast(r: &Reduction, path: &str) -> String {
    let mut out = String::new();
    let flags = compile_flags(&r.compile);
    let _ = writeln!(out, ";; Reduced by `emu-harness reduce` from {}.", r.source);
    let _ = writeln!(out, ";; Signature: {}", r.signature);
    if let Some(note) = &r.note {
        let _ = writeln!(out, ";; Note: {note}.");
    }
    if let Some(m) = &r.mismatch {
        let _ = writeln!(
            out,
            ";; Compiled code: {}; the reference (wasmtime, Cranelift): {}.",
            m.emulated, m.reference
        );
        if let Some(state) = &m.state {
            let _ = writeln!(out, ";; State that differed: {}", state.lines().next().unwrap_or(""));
        }
    } else {
        let _ = writeln!(out, ";; The compiler fails on this module (no call runs).");
    }
    let _ = writeln!(out, ";; Compile configuration: {flags}");
    let _ = writeln!(
        out,
        ";; Size: {} -> {} WebAssembly instructions, {} -> {} functions (the failing function: {} -> {}).",
        r.before.instructions,
        r.after.instructions,
        r.before.functions,
        r.after.functions,
        r.target_before,
        r.target_after
    );
    let _ = writeln!(out, ";; Re-run: emu-harness run {path} {flags}");
    let wat = wasmprinter::print_bytes(&r.wasm).unwrap_or_else(|e| format!(";; wasmprinter: {e}\n"));
    out.push_str(wat.trim_end());
    out.push('\n');
    if let (Some(function), Some(m)) = (&r.function, &r.mismatch) {
        let args: Vec<String> = r.args.iter().map(constant).collect();
        let invoke = format!(
            "(invoke {}{}{})",
            quoted(function),
            if args.is_empty() { "" } else { " " },
            args.join(" ")
        );
        match &m.reference {
            Outcome::Returned { values } => {
                let values: Vec<String> = values.iter().map(expected_constant).collect();
                let _ = writeln!(
                    out,
                    "(assert_return {invoke}{}{})",
                    if values.is_empty() { "" } else { " " },
                    values.join(" ")
                );
            }
            Outcome::Trapped { trap } => {
                let message = trap.message().unwrap_or("trap");
                let _ = writeln!(out, "(assert_trap {invoke} {})", quoted(message));
            }
            // The reference always returns or traps in a reduced case (the predicate requires
            // the original's kind); anything else is said, not asserted.
            other => {
                let _ = writeln!(out, ";; The reference: {other}");
            }
        }
    }
    out
}

/// Runs the `.wast` written for `r` as the repro test does (strict script, its assertion, no
/// generated vectors) under `r`'s configuration: whether it fails.
pub fn test_fails(r: &Reduction) -> bool {
    let text = wast(r, "reduced.wast");
    let config = RunConfig {
        compile: r.compile,
        vectors: 0,
        random_vectors: true,
        sequence_calls: 0,
        disassemble: false,
        ..RunConfig::default()
    };
    let Ok(mut runner) = Runner::new(config) else { return false };
    let report = runner.run_script_text("reduced.wast", &text, Strictness::Strict);
    // A compile failure (an internal error in one function) has no assertion to fail: the
    // module's report says it (a mismatch by itself; the failing function may have lost the
    // index-based name the case gave it when functions before it were removed).
    let compile_failure =
        r.signature.starts_with("compile-") || r.mismatch.as_ref().is_some_and(|m| m.is_compile_failure());
    if compile_failure {
        return report.error.is_some()
            || report.functions.iter().any(|x| x.status == crate::run::Status::Mismatch);
    }
    match &r.function {
        None => report.error.is_some(),
        Some(f) => report.functions.iter().any(|x| &x.function == f && x.assertion_mismatches > 0),
    }
}

/// Writes `dir/<name>/` with the four files, atomically.
pub fn write_reduction(r: &Reduction, dir: &Path) -> Result<PathBuf, String> {
    let case_dir = dir.join(safe_file_name(&r.name));
    let wast_path = case_dir.join("reduced.wast");
    let test = wast(r, &wast_path.display().to_string());
    let wat = wasmprinter::print_bytes(&r.wasm).unwrap_or_else(|e| format!(";; wasmprinter: {e}\n"));
    let json = serde_json::to_string_pretty(r).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write_directory_atomically(
        &case_dir,
        &[
            ("reduced.wasm", &r.wasm),
            ("reduced.wat", wat.as_bytes()),
            ("reduced.wast", test.as_bytes()),
            ("reduction.json", json.as_bytes()),
        ],
    )?;
    Ok(case_dir)
}

/// Files the test into `repro` as `<signature>.wast` (`-2`, `-3`, ... if taken). The file
/// appears whole (written aside, then linked under a name nobody has, which fails rather than
/// replaces if another reducer took it meanwhile).
pub fn file_into(r: &Reduction, repro: &Path) -> Result<PathBuf, String> {
    file_test(&r.signature, |path| wast(r, path), repro)
}

/// `file_into` for a test already written under `written` (its header's re-run command is
/// moved to the filed path).
pub fn file_written(signature: &str, written: &Path, repro: &Path) -> Result<PathBuf, String> {
    let text = std::fs::read_to_string(written).map_err(|e| format!("{}: {e}", written.display()))?;
    let old = format!("emu-harness run {} ", written.display());
    file_test(signature, |path| text.replacen(&old, &format!("emu-harness run {path} "), 1), repro)
}

fn file_test(signature: &str, text_at: impl Fn(&str) -> String, repro: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(repro).map_err(|e| format!("{}: {e}", repro.display()))?;
    let base = safe_file_name(signature);
    for n in 1..10_000 {
        let path = repro.join(if n == 1 { format!("{base}.wast") } else { format!("{base}-{n}.wast") });
        if path.exists() {
            continue;
        }
        let tmp = repro.join(format!(".{base}.{}.tmp", std::process::id()));
        let test = text_at(&path.display().to_string());
        write_atomically(&tmp, test.as_bytes()).map_err(|e| format!("{}: {e}", tmp.display()))?;
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!("{}: no free name for {base}", repro.display()))
}
