//! wasm-smith modules with floats (f32/f64 arithmetic, conversions, float memory) run
//! differentially with emu-harness's checker; a confirmed mismatch panics with its one-line
//! signature.
#![no_main]

use emu_harness::generate::Generator;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    emu_harness::campaign::fuzz_one(data, &[Generator::SmithFloats]);
});
