//! What a campaign runs: generators, seed, limits, compile configuration, reference.

use crate::exec::reference::ReferenceCompiler;
use crate::generate::{Generator, Knobs};
use crate::oracle::vectors::function_seed;
use crate::run::matrix::configurations;
use std::path::PathBuf;
use std::time::Duration;
use wasm2thumb::CompileOptions;

#[derive(Clone)]
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
    /// Rotate modules across the matrix's compile configurations (pool sizes 5..1, the
    /// baseline strategy, M3/M4/M7: the N-version lever), starting from `compile`; off: every
    /// module under `compile` as given.
    pub rotate_configurations: bool,
    /// How the generators draw programs (boundary tables, swarm testing).
    pub knobs: Knobs,
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
            rotate_configurations: true,
            knobs: Knobs::default(),
        }
    }
}

/// The generator of module `i`.
pub fn generator_of(config: &CampaignConfig, i: u64) -> Generator {
    config.generators[(i % config.generators.len() as u64) as usize]
}

/// How many times more often than each other matrix configuration the first one (the default:
/// pool 5 on the M4, what users ship) is chosen under rotation. Smaller pools and the baseline
/// strategy make slower code (pressure generator, one core: pool 5 1,215 executions/s, pool 3
/// 958, pool 1 868, baseline 770); weighted 3 of 10 the rotation keeps the campaign above
/// 1,000/s while every configuration still gets a tenth of the modules.
const DEFAULT_CONFIGURATION_WEIGHT: usize = 3;

/// The compile configuration of module `i`: under rotation one of the matrix's, chosen by a hash
/// of (seed, i) so it does not line up with the generator rotation or depend on `jobs`.
pub fn configuration_of(config: &CampaignConfig, i: u64) -> CompileOptions {
    if !config.rotate_configurations {
        return config.compile;
    }
    let all = configurations(&config.compile);
    let slots = all.len() + DEFAULT_CONFIGURATION_WEIGHT - 1;
    let k = (function_seed(config.seed, "configuration", &i.to_string()) % slots as u64) as usize;
    all[k.saturating_sub(DEFAULT_CONFIGURATION_WEIGHT - 1)].compile
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_reaches_every_matrix_configuration_and_depends_only_on_seed_and_module() {
        let config = CampaignConfig { seed: 9, ..CampaignConfig::default() };
        let chosen: Vec<CompileOptions> = (0..400).map(|i| configuration_of(&config, i)).collect();
        for c in configurations(&config.compile) {
            let n = chosen.iter().filter(|x| **x == c.compile).count();
            assert!(n >= 20, "{} chosen {n} times in 400", c.label);
        }
        assert_eq!(chosen, (0..400).map(|i| configuration_of(&config, i)).collect::<Vec<_>>());
        let fixed = CampaignConfig { rotate_configurations: false, ..CampaignConfig::default() };
        assert!((0..50).all(|i| configuration_of(&fixed, i) == fixed.compile));
    }
}
