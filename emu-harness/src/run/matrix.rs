//! N-version runs: the same inputs under several compile configurations, each against the
//! reference (`report::matrix` says which configurations disagree).

use super::{run_files_observed, FileReport, RunConfig};
use std::path::PathBuf;
use wasm2thumb::{CompileOptions, Cpu, Strategy};

/// One compile configuration of the matrix.
#[derive(Clone, Debug)]
pub struct MatrixConfig {
    pub label: String,
    pub compile: CompileOptions,
}

/// The pool allocator with pool sizes 5 down to 1 and the baseline strategy on the Cortex-M4,
/// then the pool allocator on the M3 and the M7. Pools 1 and 2 have as many float registers
/// as core ones (the float pool's eviction and its parallel-move cycles under pressure); the
/// others keep the float pool's 16.
pub fn configurations(base: &CompileOptions) -> Vec<MatrixConfig> {
    let mut out = Vec::new();
    for pool_size in (1..=5).rev() {
        let float_pool = if pool_size <= 2 { pool_size } else { base.float_pool };
        out.push(MatrixConfig {
            label: format!("pool={pool_size}"),
            compile: CompileOptions {
                pool_size,
                float_pool,
                strategy: Strategy::Pool,
                cpu: Cpu::CortexM4,
                ..*base
            },
        });
    }
    out.push(MatrixConfig {
        label: "baseline".into(),
        compile: CompileOptions { strategy: Strategy::Baseline, cpu: Cpu::CortexM4, ..*base },
    });
    for (label, cpu) in [("m3", Cpu::CortexM3), ("m7", Cpu::CortexM7)] {
        out.push(MatrixConfig {
            label: label.into(),
            compile: CompileOptions { pool_size: 5, strategy: Strategy::Pool, cpu, ..*base },
        });
    }
    out
}

/// One configuration's run: the files' reports under it.
pub struct ConfigurationRun {
    pub config: MatrixConfig,
    pub run: RunConfig,
    pub files: Vec<FileReport>,
}

/// Runs `inputs` under every configuration; `on_file` sees each file's report as it is done.
pub fn run_matrix(
    inputs: &[PathBuf],
    base: &RunConfig,
    jobs: usize,
    progress: &(dyn Fn(&FileReport) + Sync),
    mut on_file: impl FnMut(&MatrixConfig, &FileReport),
) -> Result<Vec<ConfigurationRun>, String> {
    let mut runs = Vec::new();
    for cfg in configurations(&base.compile) {
        let config = RunConfig { compile: cfg.compile, ..base.clone() };
        let files = run_files_observed(inputs, &config, jobs, progress)?;
        for f in &files {
            on_file(&cfg, f);
        }
        runs.push(ConfigurationRun { config: cfg, run: config, files });
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_covers_every_pool_size_the_baseline_and_each_cpu() {
        let labels: Vec<String> =
            configurations(&CompileOptions::default()).into_iter().map(|c| c.label).collect();
        assert_eq!(labels, ["pool=5", "pool=4", "pool=3", "pool=2", "pool=1", "baseline", "m3", "m7"]);
    }
}
