//! wasm2thumb: a WebAssembly → Thumb-2 (ARMv7-M) compiler that writes ELF images.

pub mod thumb;
