//! Arbitrary bytes, and valid modules from every generator: the compiler returns a result or a
//! clean decline, never panics (a panic is the finding).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    emu_harness::campaign::compile_one(data);
});
