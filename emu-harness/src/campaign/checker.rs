//! Judges whole modules: a runner against the chosen reference and, when that is Winch, a
//! second one against Cranelift that confirms each mismatch before it is a finding.

use crate::exec::reference::{ReferenceCompiler, INSTANTIATION_TRAPPED, REFERENCE_REJECTED};
use crate::oracle::mismatch::{signature, Mismatch};
use crate::run::wast::ScriptModule;
use crate::run::{ModuleRun, RunConfig, Runner, Status};
use wasm2thumb::CompileOptions;

/// The file name generated modules run under (vector seeds mix it in).
pub(super) const CAMPAIGN_FILE: &str = "generated";

/// Runs modules differentially and confirms what mismatches: a runner against the chosen
/// reference and, when that is not Cranelift, one against Cranelift (made on first use) that
/// runs the module again when the first saw a mismatch. Shared by the campaign and the fuzz
/// targets.
pub struct Checker {
    main: Runner,
    confirm: Option<Runner>,
    vectors: usize,
    pub(super) compile: CompileOptions,
    reference: ReferenceCompiler,
}

/// A mismatching function, as confirmed.
#[derive(Clone, Debug)]
pub struct Finding {
    pub function: String,
    /// The first mismatching call, against `reference`.
    pub mismatch: Mismatch,
    pub reference: ReferenceCompiler,
    /// Cranelift did not confirm it: wasmtime's two compilers disagree (not a miscompile).
    pub disagreement: bool,
    pub signature: String,
}

/// What `Checker::check` saw.
pub struct Checked {
    pub run: ModuleRun,
    pub findings: Vec<Finding>,
}

impl Checker {
    pub fn new(
        vectors: usize,
        compile: CompileOptions,
        reference: ReferenceCompiler,
    ) -> Result<Checker, String> {
        let main = Runner::new(fuzz_run_config(vectors, compile, reference))?;
        Ok(Checker { main, confirm: None, vectors, compile, reference })
    }

    /// Runs every exported function of `compiled` (made from `wasm`) on the vectors, on one
    /// instance in export order; mismatches against Winch are run again against Cranelift (the
    /// whole module, as state carries over between calls).
    /// `None`: the reference cannot run the module: instantiating it traps, or wasmtime rejects
    /// it (the compiler's validator accepts proposals wasmtime disables for Winch, such as tail
    /// calls, whose functions it then declines).
    pub fn check(
        &mut self,
        wasm: &[u8],
        compiled: &wasm2thumb::CompiledModule,
    ) -> Result<Option<Checked>, String> {
        let module = ScriptModule::new(0, Ok(wasm.to_vec()));
        let run = match self.main.run_compiled(CAMPAIGN_FILE, &module, compiled) {
            Ok(run) => run,
            Err(e) if e.starts_with(INSTANTIATION_TRAPPED) || e.starts_with(REFERENCE_REJECTED) => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let mut confirmed: Option<ModuleRun> = None;
        let mut findings = Vec::new();
        for f in run.functions.iter().filter(|f| f.status == Status::Mismatch) {
            let Some(first) = f.examples.first() else { continue };
            // A function the compiler failed on (internal error) is the caller's finding
            // (`CompiledModule::internal_error`), found before anything runs.
            if first.is_compile_failure() {
                continue;
            }
            let (mismatch, reference, disagreement) = if self.reference == ReferenceCompiler::Cranelift {
                (first.clone(), ReferenceCompiler::Cranelift, false)
            } else {
                if confirmed.is_none() {
                    if self.confirm.is_none() {
                        let config =
                            fuzz_run_config(self.vectors, self.compile, ReferenceCompiler::Cranelift);
                        self.confirm = Some(Runner::new(config)?);
                    }
                    let confirm = self.confirm.as_mut().expect("just made");
                    confirmed = Some(confirm.run_compiled(CAMPAIGN_FILE, &module, compiled)?);
                }
                let again = confirmed.as_ref().expect("just run");
                match again
                    .functions
                    .iter()
                    .find(|g| g.function == f.function && g.status == Status::Mismatch)
                {
                    Some(g) => {
                        (g.examples.first().unwrap_or(first).clone(), ReferenceCompiler::Cranelift, false)
                    }
                    None => (first.clone(), self.reference, true),
                }
            };
            let mut signature = signature(&mismatch, &self.compile);
            if disagreement {
                signature = format!("reference-disagreement-{signature}");
            }
            findings.push(Finding {
                function: f.function.clone(),
                mismatch,
                reference,
                disagreement,
                signature,
            });
        }
        Ok(Some(Checked { run, findings }))
    }
}

/// How generated modules are run: `vectors` random vectors per function, no sequences.
pub(super) fn fuzz_run_config(
    vectors: usize,
    compile: CompileOptions,
    reference: ReferenceCompiler,
) -> RunConfig {
    RunConfig { vectors, compile, sequence_calls: 0, random_vectors: true, reference, ..RunConfig::default() }
}
