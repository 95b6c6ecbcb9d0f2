//! What a campaign runs: generators, seed, limits, compile configuration, reference.

use crate::exec::reference::ReferenceCompiler;
use crate::generate::Generator;
use std::path::PathBuf;
use std::time::Duration;
use wasm2thumb::CompileOptions;

pub struct CampaignConfig {
    /// Module `i` comes from `generators[i % len]`.
    pub generators: Vec<Generator>,
    pub seed: u64,
    /// Stop after this many generated modules, or this much time, whichever comes first.
    pub iterations: Option<u64>,
    pub time: Option<Duration>,
    pub jobs: usize,
    /// Vectors per function (an execution runs every function of its module on them).
    pub vectors: usize,
    pub compile: CompileOptions,
    /// The reference mismatches are found against (Winch: fast; findings are confirmed with
    /// Cranelift either way).
    pub reference: ReferenceCompiler,
    pub artifacts: PathBuf,
    /// Cases kept per signature.
    pub max_per_signature: usize,
}

/// The generator of module `i`.
pub fn generator_of(config: &CampaignConfig, i: u64) -> Generator {
    config.generators[(i % config.generators.len() as u64) as usize]
}
