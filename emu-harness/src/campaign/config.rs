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
    /// Stop once the first finding is confirmed (`bench-detect`).
    pub stop_at_first_finding: bool,
}

/// Vectors per generated function, unless told otherwise.
pub const DEFAULT_VECTORS: usize = 16;
/// Cases kept per signature, unless told otherwise.
pub const DEFAULT_MAX_PER_SIGNATURE: usize = 3;

impl Default for CampaignConfig {
    /// The campaign as `emu-harness fuzz` runs it with no options but `--jobs 1`.
    fn default() -> Self {
        CampaignConfig {
            generators: Generator::ALL.to_vec(),
            seed: 0,
            iterations: None,
            time: Some(Duration::from_secs(60)),
            jobs: 1,
            vectors: DEFAULT_VECTORS,
            compile: CompileOptions::default(),
            reference: ReferenceCompiler::Winch,
            artifacts: PathBuf::from("fuzz/artifacts"),
            max_per_signature: DEFAULT_MAX_PER_SIGNATURE,
            stop_at_first_finding: false,
        }
    }
}

/// The generator of module `i`.
pub fn generator_of(config: &CampaignConfig, i: u64) -> Generator {
    config.generators[(i % config.generators.len() as u64) as usize]
}
