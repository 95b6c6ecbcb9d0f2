//! How a run is configured: vectors, seeds, fuel, the compile configuration, the reference.

use crate::exec::reference::ReferenceCompiler;
use crate::oracle::mismatch::cpu_name;
use crate::oracle::outcome::{NanComparison, Value};
use wasm2thumb::CompileOptions;

#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Vectors per function (at least; the boundary combinations may exceed it).
    pub vectors: usize,
    pub seed: u64,
    /// Reference fuel per call on a generated vector.
    pub fuel: u64,
    /// Reference fuel per call of a script's own assertion: scripts may run long loops on
    /// purpose, and their expected results must be reached.
    pub assertion_fuel: u64,
    pub compile: CompileOptions,
    /// Only run functions with this name.
    pub function: Option<String>,
    /// Only run functions with one of these names.
    pub functions: Option<Vec<String>>,
    /// Instead of generated vectors, call each function once with exactly these arguments
    /// (functions whose parameters differ in number or type get no vector).
    pub args: Option<Vec<Value>>,
    /// Calls of the interleaved sequence over a module's exports (see `run_sequence`).
    pub sequence_calls: usize,
    /// Batch the vectors of functions that read and write no state (`Emulator::call_batch`).
    pub batch: bool,
    /// Stop a function's vectors after this many mismatches (none: run them all). A broken
    /// compiler makes most calls of most functions mismatch, and each mismatching call runs
    /// alone; `bench-detect`, which only asks whether a fault is caught, stops at the first.
    pub mismatches_per_function: Option<usize>,
    /// Keep a mismatching function's disassembly in its report (`llvm-objdump`, one process per
    /// function: `bench-detect`, which only counts mismatches, turns it off).
    pub disassemble: bool,
    /// Exactly `vectors` random vectors per function, without the structured boundary part
    /// (which may be thousands for many parameters): for fuzzing.
    pub random_vectors: bool,
    /// The wasmtime compiler behind the reference.
    pub reference: ReferenceCompiler,
    /// How float NaN results are compared (bit for bit; `--nan-rule`: WebAssembly's NaN rule).
    pub nan: NanComparison,
}

impl RunConfig {
    /// The emulator's instruction budget: generous enough that code which finishes in the
    /// reference within `fuel` always finishes here, `per_fuel` being what one unit of fuel may
    /// cost in emulated instructions (`instructions_per_fuel`), so running out is a hang, not
    /// slowness.
    pub fn emulator_budget(fuel: u64, per_fuel: u64) -> u64 {
        fuel.saturating_mul(per_fuel).saturating_add(10_000)
    }

    /// The emulator's budget for a call the reference returned from using `fuel_used`: the run
    /// it did, with a wide margin (ten times `per_fuel`: the 64-bit division helper, ~850
    /// instructions, costs at least 2 units of fuel; a `br_table` compare chain 2–3 instructions
    /// per target for 1 unit), so that a compiled call that hangs is stopped in time
    /// proportional to the work it should have done rather than at the call's cap (a billion
    /// instructions for a script's assertion). Not for a call that trapped: its fuel count can
    /// miss the work of the innermost frame.
    pub fn hang_budget(fuel_used: u64, per_fuel: u64) -> u64 {
        fuel_used.saturating_mul(per_fuel.saturating_mul(10)).saturating_add(1_000_000)
    }

    /// Emulated instructions one unit of reference fuel may cost in `compiled`: a few dozen
    /// for inline code (100), but a software float routine is one WebAssembly operator of up to
    /// ~8,400 instructions (f64.sqrt, bit by bit, on the M3), so a module that calls them gets
    /// 10,000.
    pub fn instructions_per_fuel(compiled: &wasm2thumb::CompiledModule) -> u64 {
        if compiled.runtime.is_empty() {
            100
        } else {
            10_000
        }
    }
}

impl RunConfig {
    /// The `emu-harness run` command that repeats one case under this configuration: just the
    /// call with `args`, or (`None`) the function's whole run, which reproduces any call in it
    /// since vectors are seeded.
    pub fn rerun_command(&self, file: &str, function: Option<&str>, args: Option<&[Value]>) -> String {
        let only = function.map(|f| format!(" --function '{f}'")).unwrap_or_default();
        let mut cmd = format!("emu-harness run {file}{only} {}", compile_flags(&self.compile));
        if self.nan == NanComparison::Rule {
            cmd.push_str(" --nan-rule");
        }
        match args {
            Some(args) => {
                let typed: Vec<String> = args.iter().map(|a| a.typed_hex()).collect();
                cmd.push_str(&format!(
                    " --args {}",
                    if typed.is_empty() { "''".into() } else { typed.join(",") }
                ));
            }
            None => cmd.push_str(&format!(" --seed {} --vectors {}", self.seed, self.vectors)),
        }
        cmd
    }
}

/// The command-line flags that choose the compile configuration `c` (an injected fault too).
pub fn compile_flags(c: &CompileOptions) -> String {
    let strategy = match c.strategy {
        wasm2thumb::Strategy::Pool => "pool",
        wasm2thumb::Strategy::Baseline => "baseline",
    };
    let mut flags = format!(
        "--pool-size {} --float-pool {} --strategy {strategy} --cpu {} --max-memory-pages {}",
        c.pool_size,
        c.float_pool,
        cpu_name(c.cpu),
        c.max_memory_pages
    );
    if let Some(f) = c.inject {
        flags.push_str(&format!(" --inject-fault {}", f.name()));
    }
    flags
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            vectors: 1000,
            seed: 0,
            fuel: 200_000,
            assertion_fuel: 10_000_000,
            compile: CompileOptions::default(),
            function: None,
            functions: None,
            args: None,
            sequence_calls: 500,
            batch: true,
            disassemble: true,
            mismatches_per_function: None,
            random_vectors: false,
            reference: ReferenceCompiler::Cranelift,
            nan: NanComparison::Strict,
        }
    }
}
