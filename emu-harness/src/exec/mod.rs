//! Execution: the compiled code in unicorn (`emulator`) and the WebAssembly in wasmtime
//! (`reference`). Each side turns a call into an `oracle::outcome::Outcome`; neither judges.

pub mod emulator;
pub mod reference;
