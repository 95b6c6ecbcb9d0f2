//! Throughput benchmark: differential vector executions per second on one core (both sides run
//! and compared, exactly as `run` does them), on the corpus's straight-line functions and on the
//! shared `hp.wat`, beside the hand-written Python oracle loop measured in the same run.

use crate::run::wast::{parse_script, Strictness};
use crate::run::{RunConfig, Runner, Status};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Calls made and seconds taken by one measured set of functions.
#[derive(Clone, Debug, Default)]
pub struct Throughput {
    pub functions: usize,
    pub calls: usize,
    pub seconds: f64,
    /// Functions that did not match (the benchmark only counts clean runs).
    pub not_matching: Vec<String>,
}

impl Throughput {
    pub fn per_second(&self) -> f64 {
        self.calls as f64 / self.seconds.max(1e-9)
    }
}

/// Exported functions of `wasm` whose bodies have no control flow at all (no block, loop, if,
/// branch, call, return or unreachable): one basic block of WebAssembly. With each, whether it
/// accesses linear memory (then every call also compares the whole memory).
pub fn straight_line_exports(wasm: &[u8]) -> Vec<(String, bool)> {
    use wasmparser::{ExternalKind, Operator, Parser, Payload};
    let mut imported = 0u32;
    let mut exports = Vec::new();
    let mut straight = Vec::new();
    let mut index = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { return Vec::new() };
        match payload {
            Payload::ImportSection(r) => {
                for imp in r.into_imports().flatten() {
                    imported += matches!(imp.ty, wasmparser::TypeRef::Func(_)) as u32;
                }
                index = imported;
            }
            Payload::ExportSection(r) => {
                for e in r.into_iter().flatten() {
                    if e.kind == ExternalKind::Func {
                        exports.push((e.index, e.name.to_string()));
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let Ok(ops) = body.get_operators_reader() else { return Vec::new() };
                let (mut control, mut memory) = (false, false);
                for op in ops.into_iter() {
                    let Ok(op) = op else { return Vec::new() };
                    let name = wasm2thumb::frontend::operator_name(&op);
                    memory |= name.contains("load") || name.contains("store") || name.starts_with("memory.");
                    control |= matches!(
                        op,
                        Operator::Block { .. }
                            | Operator::Loop { .. }
                            | Operator::If { .. }
                            | Operator::Br { .. }
                            | Operator::BrIf { .. }
                            | Operator::BrTable { .. }
                            | Operator::Call { .. }
                            | Operator::CallIndirect { .. }
                            | Operator::Return
                            | Operator::Unreachable
                    );
                }
                if !control {
                    straight.push((index, memory));
                }
                index += 1;
            }
            _ => {}
        }
    }
    exports
        .into_iter()
        .filter_map(|(i, name)| straight.iter().find(|(s, _)| *s == i).map(|(_, memory)| (name, *memory)))
        .collect()
}

/// Runs `vectors` vectors of each chosen function of each input on one `Runner` (one core),
/// timing whole file runs (compiling both sides and the script's assertions included: they are
/// part of a real run).
pub fn measure(inputs: &[(PathBuf, Vec<String>)], vectors: usize, seed: u64) -> Result<Throughput, String> {
    // Vectors only: no interleaved sequence (it is not a per-function vector).
    let config = RunConfig { vectors, seed, sequence_calls: 0, ..RunConfig::default() };
    let mut runner = Runner::new(config)?;
    let mut t = Throughput::default();
    for (path, functions) in inputs {
        runner.config.functions = Some(functions.clone());
        let start = Instant::now();
        let report = runner.run_file(path);
        t.seconds += start.elapsed().as_secs_f64();
        for f in &report.functions {
            t.functions += 1;
            t.calls += f.vectors + f.assertions;
            if f.status != Status::Match {
                t.not_matching.push(format!("{} :: {}", report.file, f.function));
            }
        }
        if let Some(e) = report.error {
            return Err(format!("{}: {e}", path.display()));
        }
    }
    Ok(t)
}

/// Functions to measure, per file.
pub type FunctionSet = Vec<(PathBuf, Vec<String>)>;

/// The corpus's straight-line exported functions, per file: those that do not access memory,
/// and those that do.
pub fn straight_line_corpus(inputs: &[PathBuf]) -> Result<(FunctionSet, FunctionSet), String> {
    let (mut pure, mut with_memory) = (Vec::new(), Vec::new());
    for p in inputs {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let mut names = Vec::new();
        if p.extension().is_some_and(|e| e == "wast") {
            let text = String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", p.display()))?;
            let script =
                parse_script(&text, Strictness::Strict).map_err(|e| format!("{}: {e}", p.display()))?;
            for m in script.modules.iter().filter_map(|m| m.wasm.as_ref().ok()) {
                names.extend(straight_line_exports(m));
            }
        } else {
            let wasm = wasm2thumb::parse_input(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
            names.extend(straight_line_exports(&wasm));
        }
        names.sort();
        names.dedup();
        for (set, memory) in [(&mut pure, false), (&mut with_memory, true)] {
            let chosen: Vec<String> =
                names.iter().filter(|(_, m)| *m == memory).map(|(n, _)| n.clone()).collect();
            if !chosen.is_empty() {
                set.push((p.clone(), chosen));
            }
        }
    }
    Ok((pure, with_memory))
}

/// The Python oracle loop's vectors per second on `hp_wat`'s `hp` (its ELF compiled here), or
/// why it could not be run.
pub fn python_oracle(python: &str, script: &Path, hp_wat: &Path, vectors: usize) -> Result<f64, String> {
    let wat = std::fs::read(hp_wat).map_err(|e| format!("{}: {e}", hp_wat.display()))?;
    let wasm = wasm2thumb::parse_input(&wat).map_err(|e| e.to_string())?;
    let compiled =
        wasm2thumb::compile(&wasm, &wasm2thumb::CompileOptions::default()).map_err(|e| e.to_string())?;
    let elf = std::env::temp_dir().join(format!("emu-harness-hp-{}.elf", std::process::id()));
    std::fs::write(&elf, compiled.to_elf()).map_err(|e| format!("{}: {e}", elf.display()))?;
    let output =
        Command::new(python).arg(script).arg(&elf).arg(hp_wat).arg("hp").arg(vectors.to_string()).output();
    let _ = std::fs::remove_file(&elf);
    let output = output.map_err(|e| format!("{python}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{} failed: {}", script.display(), stderr.lines().last().unwrap_or("").trim()));
    }
    // `vectors=N mismatches=M seconds=S vectors_per_sec=R`
    let field = |key: &str| {
        stdout.split_whitespace().find_map(|w| w.strip_prefix(key)).and_then(|v| v.parse::<f64>().ok())
    };
    if field("mismatches=") != Some(0.0) {
        return Err(format!("the Python loop reported mismatches: {}", stdout.trim()));
    }
    field("vectors_per_sec=").ok_or_else(|| format!("unexpected output: {}", stdout.trim()))
}
