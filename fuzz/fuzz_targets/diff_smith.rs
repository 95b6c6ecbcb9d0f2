//! wasm-smith modules in the differential configuration (whole modules: memory, table,
//! globals, several functions) run differentially with emu-harness's checker; a confirmed
//! mismatch panics with its one-line signature. Inputs that are WebAssembly modules (the seed
//! corpus) are checked as they are.
#![no_main]

use emu_harness::generate::Generator;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    emu_harness::campaign::fuzz_one(data, &[Generator::SmithDifferential]);
});
