//! A finding saved as a self-contained case directory (`module.wasm`, `module.wat`,
//! `case.json`), written atomically, and `replay`, which runs it again.

use super::checker::{Finding, CAMPAIGN_FILE};
use super::config::CampaignConfig;
use crate::atomic_file::{safe_file_name, write_directory_atomically};
use crate::exec::reference::ReferenceCompiler;
use crate::generate::{FunctionShape, Generator};
use crate::oracle::mismatch::cpu_name;
use crate::oracle::outcome::Value;
use crate::run::wast::ScriptModule;
use crate::run::{FunctionReport, RunConfig, Runner};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use wasm2thumb::{compile, CompileOptions, Cpu, Strategy};

/// A finding, as saved in `case.json` beside `module.wasm` and `module.wat`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Case {
    pub generator: String,
    /// The reference `expected` came from (Cranelift for every confirmed finding).
    #[serde(default)]
    pub reference: ReferenceCompiler,
    pub campaign_seed: u64,
    pub iteration: u64,
    pub signature: String,
    pub function: String,
    pub args: Vec<Value>,
    /// Vectors per function in the run that found it (`replay` repeats that run).
    pub vectors: usize,
    pub pool_size: usize,
    /// Cases saved before the float pool existed have none: they get the default.
    #[serde(default = "default_float_pool")]
    pub float_pool: usize,
    pub strategy: String,
    pub cpu: String,
    pub max_memory_pages: u32,
    pub inject: Option<String>,
    pub expected: String,
    pub emulated: String,
    pub state: Option<String>,
    pub max_live: u32,
    pub constructs: Vec<String>,
}

impl Case {
    /// Reads a case directory's `case.json` and `module.wasm`.
    pub fn read(dir: &Path) -> Result<(Case, Vec<u8>), String> {
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
        };
        let case: Case =
            serde_json::from_slice(&read("case.json")?).map_err(|e| format!("case.json: {e}"))?;
        Ok((case, read("module.wasm")?))
    }

    /// The compile configuration the case was found under.
    pub fn compile_options(&self) -> Result<CompileOptions, String> {
        Ok(CompileOptions {
            pool_size: self.pool_size,
            float_pool: self.float_pool,
            strategy: if self.strategy == "baseline" { Strategy::Baseline } else { Strategy::Pool },
            cpu: match self.cpu.as_str() {
                "m3" => Cpu::CortexM3,
                "m7" => Cpu::CortexM7,
                _ => Cpu::CortexM4,
            },
            max_memory_pages: self.max_memory_pages,
            inject: match &self.inject {
                None => None,
                Some(name) => Some(
                    wasm2thumb::InjectedFault::from_name(name)
                        .ok_or_else(|| format!("unknown injected fault `{name}`"))?,
                ),
            },
            ..CompileOptions::default()
        })
    }

    /// Whether the finding is a compile failure (nothing ran).
    pub fn is_compile_failure(&self) -> bool {
        self.emulated == NOT_COMPILED
    }
}

fn default_float_pool() -> usize {
    CompileOptions::default().float_pool
}

/// `Case::emulated` of a compile failure.
const NOT_COMPILED: &str = "not compiled";

/// Writes the case directory `artifacts/<signature>/<iteration>-<function>` atomically:
/// everything goes into a temporary directory first, which is then renamed into place.
pub(super) fn save_case(
    config: &CampaignConfig,
    compile: &CompileOptions,
    generator: Generator,
    iteration: u64,
    finding: &Finding,
    shape: Option<&FunctionShape>,
    wasm: &[u8],
) -> Result<PathBuf, String> {
    let c = compile;
    let (sig, function, m) = (finding.signature.as_str(), finding.function.as_str(), &finding.mismatch);
    let case = Case {
        generator: generator.name().into(),
        reference: finding.reference,
        campaign_seed: config.seed,
        iteration,
        signature: sig.to_string(),
        function: function.to_string(),
        args: m.args.clone(),
        vectors: config.vectors,
        pool_size: c.pool_size,
        float_pool: c.float_pool,
        strategy: match c.strategy {
            Strategy::Pool => "pool".into(),
            Strategy::Baseline => "baseline".into(),
        },
        cpu: cpu_name(c.cpu).into(),
        max_memory_pages: c.max_memory_pages,
        inject: c.inject.map(|f| f.name().to_string()),
        expected: m.expected.clone(),
        // A compile-error finding has no emulated run: its error is in `state`.
        emulated: if m.is_compile_failure() { NOT_COMPILED.into() } else { m.emulated.to_string() },
        state: m.state.clone(),
        max_live: shape.map_or(0, |s| s.max_live),
        constructs: shape.map_or(Vec::new(), |s| s.constructs.iter().map(|c| format!("{c:?}")).collect()),
    };
    let (sig_dir, name) = (safe_file_name(sig), safe_file_name(function));
    let dir = config.artifacts.join(sig_dir).join(format!("{iteration:08}-{name}"));
    let wat = wasmprinter::print_bytes(wasm).unwrap_or_else(|e| format!(";; wasmprinter: {e}\n"));
    let json = serde_json::to_string_pretty(&case).map_err(|e| e.to_string())?;
    // A case left by an earlier campaign with the same seed is replaced.
    write_directory_atomically(
        &dir,
        &[("module.wasm", wasm), ("module.wat", wat.as_bytes()), ("case.json", json.as_bytes())],
    )?;
    Ok(dir)
}

/// Reads a saved case and runs its function on its vector again: the report of that one call.
pub fn replay(dir: &Path) -> Result<(Case, FunctionReport), String> {
    let (case, wasm) = Case::read(dir)?;
    let compile_options = case.compile_options()?;
    let compiled = compile(&wasm, &compile_options).map_err(|e| e.to_string())?;
    // The module's whole run as the campaign made it (same vectors, same order, one instance):
    // a mismatch that depends on state earlier calls left comes back too.
    let config = RunConfig {
        vectors: case.vectors,
        compile: compile_options,
        sequence_calls: 0,
        random_vectors: true,
        reference: case.reference,
        ..RunConfig::default()
    };
    let mut runner = Runner::new(config)?;
    let run = runner.run_compiled(CAMPAIGN_FILE, &ScriptModule::new(0, Ok(wasm)), &compiled)?;
    let mut report = run
        .functions
        .into_iter()
        .find(|f| f.function == case.function)
        .ok_or_else(|| format!("no function `{}` in the case's module", case.function))?;
    // The module exists only in the case directory: `replay` is how to run it again.
    for m in &mut report.examples {
        m.rerun = format!("emu-harness replay {}", dir.display());
    }
    Ok((case, report))
}
