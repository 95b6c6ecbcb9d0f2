//! Our pressure generator's modules, run differentially (emu-harness's comparison); a mismatch
//! panics with its one-line signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;

thread_local! {
    static RUNNER: RefCell<emu_harness::run::Runner> = RefCell::new(
        emu_harness::fuzz::fuzz_runner(8, wasm2thumb::CompileOptions::default()).expect("emulator and reference start"),
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(generated) = emu_harness::generate::pressure_module(&mut arbitrary::Unstructured::new(data))
    else {
        return;
    };
    RUNNER.with(|r| {
        if let Err(signature) = emu_harness::fuzz::check_module(
            &mut r.borrow_mut(),
            &generated.wasm,
            &wasm2thumb::CompileOptions::default(),
        ) {
            panic!("{signature}");
        }
    });
});
