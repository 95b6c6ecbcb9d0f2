//! The differential run: inputs (`.wat`, `.wasm`, `.wast` scripts) compiled, every exported
//! function called on both sides, each call judged, the results collected per function and
//! file; the same under every compile configuration (`matrix`). Uses `exec` and `oracle`.

mod config;
pub mod disasm;
mod files;
pub mod matrix;
mod results;
mod runner;
pub mod wast;

pub use config::{compile_flags, RunConfig};
pub use files::{collect_inputs, run_files, run_files_observed};
#[cfg(test)]
pub(crate) use results::empty_report;
pub use results::{FileReport, FunctionReport, InstructionCounts, ModuleRun, Status};
pub use runner::{Runner, SKIPPED_AFTER_STATE_CHANGE};

/// `wasm2thumb::compile` with a panic turned into an internal error of function `<panic>` (its
/// message kept): a panicking compiler is a finding, not the end of the campaign or reduction.
pub fn compile_guarded(
    wasm: &[u8],
    options: &wasm2thumb::CompileOptions,
) -> Result<wasm2thumb::CompiledModule, wasm2thumb::CompileError> {
    std::panic::catch_unwind(|| wasm2thumb::compile(wasm, options)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(wasm2thumb::CompileError::Internal {
            function: crate::oracle::mismatch::PANIC_FUNCTION.into(),
            what: format!("panicked: {message}"),
        })
    })
}
