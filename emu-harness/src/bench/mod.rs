//! Benchmarks and measurements: differential throughput, compile speed against wasmtime, and
//! code size of the pool allocator against the baseline strategy.

pub mod compile;
pub mod sizes;
pub mod throughput;
