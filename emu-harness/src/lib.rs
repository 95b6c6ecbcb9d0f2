//! emu-harness: runs code compiled by `wasm2thumb` in unicorn (a Cortex-M model) against
//! wasmtime, the reference, and compares everything observable.
//!
//! - [`emu`]: the unicorn side (one engine reused for every call).
//! - [`reference`]: the wasmtime side.
//! - [`outcome`]: how a call ended, on either side, and the comparison of two outcomes.
//! - [`vectors`]: boundary and seeded random argument vectors.
//! - [`wast`]: `.wast` scripts as input (module + assertions).
//! - [`state`]: which functions may change memory; how two memories differ.
//! - [`run`]: the differential run over files; [`report`]: its text and JSON output.
//! - [`matrix`]: the same inputs under several compile configurations, and which disagree.
//! - [`sizes`]: code size of the pool allocator against the baseline strategy.
//! - [`bench`]: compile speed against wasmtime's Cranelift.

pub mod bench;
pub mod disasm;
pub mod emu;
pub mod fuzz;
pub mod generate;
pub mod matrix;
pub mod outcome;
pub mod reference;
pub mod report;
pub mod run;
pub mod seeds;
pub mod sizes;
pub mod state;
pub mod throughput;
pub mod vectors;
pub mod wast;

/// Exit codes of the `emu-harness` binary.
pub mod exit {
    /// Everything compared matched.
    pub const OK: i32 = 0;
    /// At least one mismatch.
    pub const MISMATCH: i32 = 1;
    /// Bad input or usage (unreadable, invalid or unsupported input, declined functions).
    pub const BAD_INPUT: i32 = 2;
    /// No mismatch, but some function had no call that could be judged.
    pub const INCONCLUSIVE: i32 = 3;
}
