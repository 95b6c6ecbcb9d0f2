//! The built-in fuzzing campaign (no libFuzzer): workers generate modules, compile them, run every
//! exported function against the reference on a few vectors with the same `Runner` the corpus
//! uses, and save each finding as a self-contained case, deduplicated by mismatch signature.
//! `replay` runs a saved case again.
//!
//! The reference is wasmtime with Winch by default (compiling the reference dominates the cost
//! of an execution, and Winch compiles about 3x faster than Cranelift); every mismatch is run
//! again against Cranelift, the reference everywhere else, before it counts as a finding. One
//! that Cranelift does not confirm is a disagreement between wasmtime's two compilers, kept
//! apart (`reference-disagreement-...`), never reported as a miscompile.

mod artifacts;
mod checker;
mod config;
mod driver;
mod seeds;
mod targets;

pub use artifacts::{replay, Case};
pub use checker::{Checked, Checker, Finding};
pub use config::{generator_of, CampaignConfig, DEFAULT_MAX_PER_SIGNATURE, DEFAULT_VECTORS};
pub use driver::{run_campaign, CampaignStats, FirstFinding, CAMPAIGN_FUNCTIONS};
pub use seeds::{write_seeds, TARGETS};
pub use targets::{check_module, compile_one, fuzz_one, FUZZ_TARGET_VECTORS};
