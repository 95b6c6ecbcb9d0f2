//! Benchmarks and measurements: differential throughput, compile speed against wasmtime, code
//! size of the pool allocator against the baseline strategy, bug-finding power (`detect`) and the
//! reducer against wasm-shrink (`reduce`).

pub mod compile;
pub mod detect;
pub mod reduce;
pub mod sizes;
pub mod throughput;
