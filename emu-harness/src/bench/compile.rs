//! Compile-speed benchmark: our compiler against wasmtime's (Cranelift) on the same modules, in
//! the same run.

use crate::run::wast::{parse_script, Strictness};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wasm2thumb::{compile, parse_input, CompileOptions};

pub struct CompileBench {
    pub modules: usize,
    pub functions: usize,
    pub wasm_bytes: usize,
    pub rounds: u32,
    pub ours: Duration,
    pub cranelift: Duration,
}

impl CompileBench {
    fn per_second(&self, count: usize, time: Duration) -> f64 {
        count as f64 * self.rounds as f64 / time.as_secs_f64()
    }

    pub fn report(&self) -> String {
        let line = |who: &str, t: Duration| {
            format!(
                "{who:<22} {:>10.0} functions/s {:>12.0} wasm bytes/s {:>9.3} ms per round",
                self.per_second(self.functions, t),
                self.per_second(self.wasm_bytes, t),
                t.as_secs_f64() * 1000.0 / self.rounds as f64
            )
        };
        format!(
            "{} modules, {} functions, {} wasm bytes, {} rounds\n{}\n{}\nwasm2thumb is {:.1}x faster than Cranelift here",
            self.modules,
            self.functions,
            self.wasm_bytes,
            self.rounds,
            line("wasm2thumb", self.ours),
            line("wasmtime (Cranelift)", self.cranelift),
            self.cranelift.as_secs_f64() / self.ours.as_secs_f64()
        )
    }
}

/// Every module in `inputs` (`.wat`, `.wasm`, `.wast`).
pub fn load_modules(inputs: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for p in inputs {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if p.extension().is_some_and(|e| e == "wast") {
            let text = String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", p.display()))?;
            let script =
                parse_script(&text, Strictness::Strict).map_err(|e| format!("{}: {e}", p.display()))?;
            out.extend(script.modules.into_iter().filter_map(|m| m.wasm.ok()));
        } else {
            out.push(parse_input(&bytes).map_err(|e| format!("{}: {e}", p.display()))?);
        }
    }
    Ok(out)
}

pub fn bench_compile(modules: &[Vec<u8>], rounds: u32) -> Result<CompileBench, String> {
    let opts = CompileOptions::default();
    let mut functions = 0;
    for m in modules {
        functions += compile(m, &opts).map_err(|e| e.to_string())?.functions.len();
    }
    let start = Instant::now();
    for _ in 0..rounds {
        for m in modules {
            std::hint::black_box(compile(m, &opts).map_err(|e| e.to_string())?);
        }
    }
    let ours = start.elapsed();
    // The reference's engine as the harness configures it (fuel on, Cranelift, default opts),
    // one compilation thread per module as the harness uses it.
    let mut config = wasmtime::Config::new();
    config.consume_fuel(true);
    let engine = wasmtime::Engine::new(&config).map_err(|e| e.to_string())?;
    let start = Instant::now();
    for _ in 0..rounds {
        for m in modules {
            std::hint::black_box(wasmtime::Module::new(&engine, m).map_err(|e| e.to_string())?);
        }
    }
    let cranelift = start.elapsed();
    Ok(CompileBench {
        modules: modules.len(),
        functions,
        wasm_bytes: modules.iter().map(Vec::len).sum(),
        rounds,
        ours,
        cranelift,
    })
}
