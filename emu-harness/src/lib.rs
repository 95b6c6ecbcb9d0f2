//! emu-harness: runs code compiled by `wasm2thumb` in unicorn (a Cortex-M model) against
//! wasmtime, the reference, and compares everything observable.
//!
//! The folders follow the data flow (see `ARCHITECTURE.md`):
//! generate → compile (`wasm2thumb`) → [`exec`] (emulator | reference) → [`oracle`] (judge) →
//! [`run`] → [`campaign`] (find) → [`report`]; [`bench`] measures. Imports point only down
//! this list ([`oracle`] depends on nothing here; [`atomic_file`] on nothing at all).

pub mod atomic_file;
pub mod bench;
pub mod campaign;
pub mod exec;
pub mod generate;
pub mod nightly;
pub mod oracle;
pub mod reduce;
pub mod report;
pub mod run;

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
    /// `reduce`: a case did not fail as it says (or its reduced form not every time).
    pub const NOT_REPRODUCED: i32 = 4;
}
