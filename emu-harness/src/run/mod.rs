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

pub use config::RunConfig;
pub use files::{collect_inputs, run_files, run_files_observed};
#[cfg(test)]
pub(crate) use results::empty_report;
pub use results::{FileReport, FunctionReport, InstructionCounts, ModuleRun, Status};
pub use runner::{Runner, SKIPPED_AFTER_STATE_CHANGE};
