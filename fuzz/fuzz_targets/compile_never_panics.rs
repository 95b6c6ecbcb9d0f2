//! Arbitrary bytes, and valid modules from our generator: the compiler returns a result or a
//! clean decline, never panics (a panic is the finding).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = wasm2thumb::CompileOptions::default();
    let _ = wasm2thumb::compile(data, &options);
    if let Ok(generated) = emu_harness::generate::pressure_module(&mut arbitrary::Unstructured::new(data)) {
        for pool_size in [5, 1] {
            let _ =
                wasm2thumb::compile(&generated.wasm, &wasm2thumb::CompileOptions { pool_size, ..options });
        }
    }
});
