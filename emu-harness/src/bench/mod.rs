//! Benchmarks and measurements: differential throughput, compile speed against wasmtime, code
//! size of the pool allocator against the baseline strategy, and bug-finding power (`detect`).

pub mod compile;
pub mod detect;
pub mod sizes;
pub mod throughput;
