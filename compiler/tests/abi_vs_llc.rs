//! The calling convention checked against LLVM's (`llc`, LLVM 14 here, an external oracle, as `llvm-mc` is
//! for the encoder): for seeded random signatures of i32, i64, f32 and f64 parameters, LLVM
//! compiles one function per parameter that returns that parameter's bits, and the register or
//! stack slot it reads the parameter from must be where `abi::arg_locations` puts it — in the
//! hard-float variant (AAPCS-VFP, the M4 and M7) and the base one (the M3). Float results: S0 /
//! D0 with hard-float.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use wasm2thumb::abi::{arg_locations, result_location, ArgLoc, FloatAbi};
use wasm2thumb::ir::Ty;

fn llc(ir: &str, abi: FloatAbi) -> String {
    let float_abi = match abi {
        FloatAbi::Hard => "-float-abi=hard",
        FloatAbi::Soft => "-float-abi=soft",
    };
    let mut child = Command::new("llc")
        .args(["-mtriple=thumbv7em-none-eabihf", "-mattr=+fp-armv8d16", float_abi, "-O2", "-o", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("llc (LLVM) must be installed: scripts/setup.sh");
    child.stdin.take().unwrap().write_all(ir.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "llc failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Each function's instructions (label → lines), directives and comments dropped.
fn bodies(asm: &str) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    let mut current = None;
    for line in asm.lines() {
        let line = line.split('@').next().unwrap().trim();
        if line.is_empty() || line.starts_with('.') {
            continue;
        }
        if let Some(label) = line.strip_suffix(':') {
            current = Some(label.to_string());
            map.entry(label.to_string()).or_default();
        } else if let Some(c) = &current {
            map.get_mut(c).unwrap().push(line.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    map
}

fn reg(name: &str) -> u32 {
    name.trim_start_matches(['r', 's', 'd']).parse().unwrap()
}

/// Where LLVM's code read the parameter it returns (in R0 / R0:R1) from.
fn location_read(body: &[String], ty: Ty) -> String {
    let stack = |line: &str| -> Option<u32> {
        let off = line.split("[sp").nth(1)?;
        let off = off.trim_start_matches([',', ' ']).trim_start_matches('#');
        Some(off.trim_end_matches(']').parse::<u32>().unwrap_or(0) / 4)
    };
    let first = body.first().map(String::as_str).unwrap_or("bx lr");
    match ty {
        Ty::I32 | Ty::F32 => {
            if let Some(w) = body.iter().find_map(|l| l.starts_with("ldr r0").then(|| stack(l)).flatten()) {
                format!("stack {w}")
            } else if let Some(rest) = first.strip_prefix("vmov r0, ") {
                format!("s{}", reg(rest))
            } else if let Some(rest) = first.strip_prefix("mov r0, ") {
                format!("r{}", reg(rest))
            } else {
                assert_eq!(first, "bx lr", "{body:?}");
                "r0".into()
            }
        }
        Ty::I64 | Ty::F64 => {
            if let Some(w) =
                body.iter().find_map(|l| l.starts_with("ldrd r0, r1").then(|| stack(l)).flatten())
            {
                format!("stack pair {w}")
            } else if let Some(rest) = first.strip_prefix("vmov r0, r1, ") {
                format!("d{}", reg(rest))
            } else if let Some(lo) = body.iter().find_map(|l| l.strip_prefix("mov r0, ")) {
                format!("r{}:r{}", reg(lo), reg(lo) + 1)
            } else {
                assert_eq!(first, "bx lr", "{body:?}");
                "r0:r1".into()
            }
        }
    }
}

fn ours(loc: ArgLoc) -> String {
    let n = |r: wasm2thumb::thumb::Reg| r.num();
    match loc {
        ArgLoc::Reg(r) => format!("r{}", n(r)),
        ArgLoc::Pair(lo, hi) => format!("r{}:r{}", n(lo), n(hi)),
        ArgLoc::Stack(w) => format!("stack {w}"),
        ArgLoc::StackPair(w) => format!("stack pair {w}"),
        ArgLoc::S(s) => format!("s{}", s.num()),
        ArgLoc::D(d) => format!("d{}", d.num()),
    }
}

fn llvm_type(ty: Ty) -> &'static str {
    match ty {
        Ty::I32 => "i32",
        Ty::I64 => "i64",
        Ty::F32 => "float",
        Ty::F64 => "double",
    }
}

/// Seeded signatures: mostly floats (where the conventions differ), up to 14 parameters, so some
/// overflow the 16 S registers and R0-R3.
fn signatures() -> Vec<Vec<Ty>> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    (0..300)
        .map(|_| {
            let len = 1 + next(14) as usize;
            (0..len)
                .map(|_| [Ty::F32, Ty::F64, Ty::F64, Ty::F32, Ty::I32, Ty::I64][next(6) as usize])
                .collect()
        })
        .collect()
}

#[test]
fn argument_locations_match_llvm() {
    let sigs = signatures();
    for abi in [FloatAbi::Hard, FloatAbi::Soft] {
        let mut ir = String::new();
        for (i, sig) in sigs.iter().enumerate() {
            let params: Vec<String> =
                sig.iter().enumerate().map(|(k, t)| format!("{} %p{k}", llvm_type(*t))).collect();
            for (k, ty) in sig.iter().enumerate() {
                let ret = if ty.is_pair() { "i64" } else { "i32" };
                let body = match ty {
                    Ty::F32 | Ty::F64 => {
                        format!("%x = bitcast {} %p{k} to {ret}\n  ret {ret} %x", llvm_type(*ty))
                    }
                    _ => format!("ret {ret} %p{k}"),
                };
                ir += &format!("define {ret} @f{i}_{k}({}) {{\n  {body}\n}}\n", params.join(", "));
            }
        }
        let asm = bodies(&llc(&ir, abi));
        let mut checked = 0;
        let mut kinds = std::collections::BTreeSet::new();
        for (i, sig) in sigs.iter().enumerate() {
            let (locs, _) = arg_locations(sig, abi);
            for (k, ty) in sig.iter().enumerate() {
                let body = &asm[&format!("f{i}_{k}")];
                assert_eq!(
                    ours(locs[k]),
                    location_read(body, *ty),
                    "{abi:?}, parameter {k} of {sig:?}: LLVM's code is {body:?}"
                );
                checked += 1;
                kinds.insert(ours(locs[k]).trim_end_matches(|c: char| c.is_ascii_digit()).to_string());
            }
        }
        // Every kind of location occurs (so the parser's fallbacks are not all that matched).
        let expected: &[&str] = match abi {
            FloatAbi::Hard => &["d", "r", "r0:r", "r2:r", "s", "stack ", "stack pair "],
            FloatAbi::Soft => &["r", "r0:r", "r2:r", "stack ", "stack pair "],
        };
        assert_eq!(kinds.iter().map(String::as_str).collect::<Vec<_>>(), expected, "{abi:?}");
        println!("{abi:?}: {checked} parameter locations of {} signatures identical to llc", sigs.len());
    }
}

#[test]
fn float_results_match_llvm() {
    let ir = "define float @r32(i32 %a) {\n  %x = bitcast i32 %a to float\n  ret float %x\n}\n\
              define double @r64(i64 %a) {\n  %x = bitcast i64 %a to double\n  ret double %x\n}\n";
    for abi in [FloatAbi::Hard, FloatAbi::Soft] {
        let asm = bodies(&llc(ir, abi));
        let (r32, r64) = (&asm["r32"], &asm["r64"]);
        let expect32 = match result_location(Ty::F32, abi) {
            ArgLoc::S(s) => format!("vmov s{}, r0", s.num()),
            _ => "bx lr".into(),
        };
        let expect64 = match result_location(Ty::F64, abi) {
            ArgLoc::D(d) => format!("vmov d{}, r0, r1", d.num()),
            _ => "bx lr".into(),
        };
        assert_eq!(r32[0], expect32, "{abi:?}");
        assert_eq!(r64[0], expect64, "{abi:?}");
    }
}
