//! The differential run: every exported function of every input, on generated vectors and on
//! the input's own assertions, compiled code in the emulator against the reference.

use super::results::{empty_report, finish, new_report, record};
use super::wast::{parse_script, Assertion, Expect, Script, ScriptModule, Strictness};
use super::{FileReport, FunctionReport, InstructionCounts, ModuleRun, RunConfig, Status};
use crate::exec::emulator::{Emulator, BATCH_MAX};
use crate::exec::reference::{Reference, ReferenceInstance};
use crate::oracle::mismatch::Mismatch;
use crate::oracle::outcome::{inconclusive_reason, judge_with, Outcome, Value, Verdict};
use crate::oracle::state::ModuleFacts;
use crate::oracle::vectors::{function_seed, random_vectors, stored_vectors, vectors, StoredVectors};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::path::Path;
use wasm2thumb::{compile, parse_input, CompiledFunction, CompiledModule, MEMORY_SIZE_ADDR};

/// A function whose batches keep failing (it traps often, say) stops being batched: each failed
/// batch is run again call by call.
const MAX_FAILED_BATCHES: usize = 2;

/// Progress of one function's vectors.
struct VectorRun {
    hangs: usize,
    failed_batches: usize,
    /// The function reads no state (its re-run command can name one vector).
    stateless: bool,
}
/// Vectors stop after this many hangs (emulator out of budget where the reference finished).
const MAX_HANGS: usize = 3;

pub struct Runner {
    emu: Emulator,
    reference: Reference,
    pub config: RunConfig,
    /// Globals of the module being run that compiled code may use: index, name for messages,
    /// address in the emulator, type.
    watched: Vec<(u32, String, u32, wasm2thumb::ir::Ty)>,
    /// Whether the module being run has a linear memory in the emulator.
    has_memory: bool,
    facts: ModuleFacts,
    /// The vectors the module being run stores (`seeds`): a function listed there is called on
    /// those (the ones whose types fit) instead of generated ones.
    embedded_vectors: Option<StoredVectors>,
    /// `RunConfig::instructions_per_fuel` of the module being run.
    per_fuel: u64,
}

/// Why an assertion that reads state a call that could not be run may have changed is not run.
pub const SKIPPED_AFTER_STATE_CHANGE: &str = "reads state a skipped call may have changed";

impl Runner {
    pub fn new(config: RunConfig) -> Result<Runner, String> {
        let emu = Emulator::new(config.compile.cpu).map_err(|e| e.to_string())?;
        let reference = Reference::with_compiler(config.compile.max_memory_pages, config.reference);
        Ok(Runner {
            emu,
            reference,
            config,
            watched: Vec::new(),
            has_memory: false,
            facts: ModuleFacts::default(),
            embedded_vectors: None,
            per_fuel: 100,
        })
    }

    pub fn run_file(&mut self, path: &Path) -> FileReport {
        let file = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return FileReport::failed(&file, format!("cannot read: {e}")),
        };
        if path.extension().is_some_and(|e| e == "wast") {
            match String::from_utf8(bytes) {
                Ok(text) => self.run_script_text(&file, &text, Strictness::Strict),
                Err(_) => FileReport::failed(&file, "not UTF-8 text".into()),
            }
        } else {
            match parse_input(&bytes) {
                Ok(wasm) => {
                    let module = ScriptModule::new(1, Ok(wasm));
                    self.run_script(
                        &file,
                        &Script { modules: vec![module], skipped: Vec::new() },
                        Strictness::Strict,
                    )
                }
                Err(e) => FileReport::failed(&file, e.to_string()),
            }
        }
    }

    /// Runs a `.wast` script given as text (`file` names it in reports).
    pub fn run_script_text(&mut self, file: &str, text: &str, strictness: Strictness) -> FileReport {
        match parse_script(text, strictness) {
            Ok(script) => self.run_script(file, &script, strictness),
            Err(e) => FileReport::failed(file, e),
        }
    }

    /// Runs every module of `script`. Strict: a module that cannot be compiled or instantiated
    /// fails the file. Lenient: its assertions are counted as skipped, with the reason.
    pub fn run_script(&mut self, file: &str, script: &Script, strictness: Strictness) -> FileReport {
        let mut report = FileReport {
            file: file.to_string(),
            error: None,
            functions: Vec::new(),
            skipped: Default::default(),
        };
        for s in &script.skipped {
            *report.skipped.entry(s.reason.clone()).or_default() += 1;
        }
        for module in &script.modules {
            let result = module
                .wasm
                .as_ref()
                .map_err(|e| ("module not encodable", e.clone()))
                .and_then(|wasm| {
                    compile(wasm, &self.config.compile).map_err(|e| ("module declined", e.to_string()))
                })
                .and_then(|compiled| {
                    self.run_compiled(file, module, &compiled).map_err(|e| ("reference rejects module", e))
                });
            match (result, strictness) {
                (Ok(mut run), _) => {
                    for func in &run.functions {
                        if func.status == Status::Declined {
                            let n = module.assertions.iter().filter(|a| a.function == func.function).count();
                            *report.skipped.entry("declined".into()).or_default() += n;
                        }
                    }
                    for (reason, n) in run.skipped {
                        *report.skipped.entry(reason).or_default() += n;
                    }
                    report.functions.append(&mut run.functions);
                }
                (Err((_, e)), Strictness::Strict) => return FileReport::failed(file, e),
                (Err((kind, _)), Strictness::Lenient) => {
                    *report.skipped.entry(kind.into()).or_default() += module.assertions.len();
                }
            }
        }
        report
    }

    /// Runs an already compiled module against the reference: its assertions in script order on
    /// one instance, then the vectors of every exported function. Public so tests can hand it a
    /// deliberately broken image and check that the harness notices.
    pub fn run_compiled(
        &mut self,
        file: &str,
        module: &ScriptModule,
        compiled: &CompiledModule,
    ) -> Result<ModuleRun, String> {
        let wasm = module.wasm.as_ref().map_err(|e| e.clone())?;
        let mut reference = self.reference.instantiate(wasm)?;
        // The data-area bytes a call may change: the memory size word and the globals' values.
        let state: Vec<std::ops::Range<u32>> = std::iter::once(MEMORY_SIZE_ADDR..MEMORY_SIZE_ADDR + 4)
            .chain(compiled.globals.iter().map(|g| {
                let at = wasm2thumb::global_addr(g.index);
                at..at + 4 * g.ty.words()
            }))
            .collect();
        self.emu
            .load(&compiled.text, &compiled.data, compiled.memory.as_ref(), &state)
            .map_err(|e| e.to_string())?;
        self.emu.set_fpu(compiled.fpscr);
        self.emu.set_float_abi(compiled.float_abi);
        self.per_fuel = RunConfig::instructions_per_fuel(compiled);
        self.has_memory = compiled.memory.is_some();
        self.facts = ModuleFacts::of(wasm);
        self.embedded_vectors = stored_vectors(wasm);
        self.watched = compiled
            .globals
            .iter()
            .filter(|g| g.init.is_ok())
            .map(|g| {
                let name =
                    g.export.as_ref().map_or(format!("global[{}]", g.index), |n| format!("global `{n}`"));
                (g.index, name, wasm2thumb::global_addr(g.index), g.ty)
            })
            .collect();
        let wanted = |name: &str| {
            self.config.function.as_ref().is_none_or(|f| f == name)
                && self.config.functions.as_ref().is_none_or(|set| set.iter().any(|f| f == name))
        };
        let mut reports = Vec::new();
        for d in &compiled.declined {
            let name = match d {
                wasm2thumb::CompileError::Unsupported { function, .. }
                | wasm2thumb::CompileError::Internal { function, .. } => function.clone(),
                _ => "<module>".into(),
            };
            if !wanted(&name) {
                continue;
            }
            // An internal error is the compiler's bug, not a decline: it fails the run.
            let report = match d {
                wasm2thumb::CompileError::Internal { .. } => FunctionReport {
                    file: file.to_string(),
                    function: name,
                    status: Status::Mismatch,
                    mismatches: 1,
                    examples: vec![Mismatch::compile_failure(d)],
                    ..empty_report()
                },
                _ => FunctionReport {
                    file: file.to_string(),
                    function: name,
                    status: Status::Declined,
                    decline: Some(d.to_string()),
                    ..empty_report()
                },
            };
            reports.push(report);
        }
        let funcs: Vec<&CompiledFunction> =
            compiled.functions.iter().filter(|f| f.exported && wanted(&f.name)).collect();
        let first = reports.len();
        for func in &funcs {
            reports.push(new_report(file, func));
        }
        // Assertions in script order, until a call that cannot be run here (skipped by the
        // script reader, declined, or filtered out) may have changed the state they expect.
        // An assertion that reads state such a call may have written is not run.
        let mut skipped = BTreeMap::new();
        let mut unknown = crate::oracle::state::Effects::default();
        for (i, a) in module.assertions.iter().enumerate() {
            for c in module.skipped_calls.iter().filter(|c| c.before == i) {
                unknown.extend(&self.facts.export_writes(&c.function));
            }
            match funcs.iter().position(|f| f.name == a.function) {
                Some(_) if unknown.overlaps(&self.facts.export_reads(&a.function)) => {
                    *skipped.entry(SKIPPED_AFTER_STATE_CHANGE.to_string()).or_default() += 1;
                }
                Some(k) => self.run_assertion(&mut reports[first + k], funcs[k], a, &mut reference),
                None => unknown.extend(&self.facts.export_writes(&a.function)),
            }
        }
        for (k, func) in funcs.iter().enumerate() {
            self.run_vectors(&mut reports[first + k], func, &mut reference);
        }
        self.run_sequence(file, &mut reports[first..], &funcs, &mut reference);
        for r in &mut reports[first..] {
            finish(r, compiled, self.config.disassemble);
        }
        Ok(ModuleRun { functions: reports, skipped })
    }

    fn run_vectors(
        &mut self,
        report: &mut FunctionReport,
        func: &CompiledFunction,
        reference: &mut ReferenceInstance,
    ) {
        let seed = function_seed(self.config.seed, &report.file, &func.name);
        let only = self.config.args.clone().map(|args| {
            let fits = args.iter().map(|a| a.ty()).eq(func.param_types.iter().copied());
            fits.then_some(args).into_iter()
        });
        // Stored vectors none of which fit (a mutated seed's changed signature) are ignored:
        // the function gets generated ones rather than none.
        let stored = self
            .embedded_vectors
            .as_ref()
            .and_then(|s| s.get(&func.name))
            .map(|vs| {
                let fits = |v: &Vec<Value>| v.iter().map(|a| a.ty()).eq(func.param_types.iter().copied());
                vs.iter().filter(|v| fits(v)).cloned().collect::<Vec<_>>()
            })
            .filter(|vs| !vs.is_empty());
        let all: Option<Box<dyn Iterator<Item = Vec<Value>>>> = match (&only, self.config.random_vectors) {
            (Some(_), _) => None,
            (None, _) if stored.is_some() => Some(Box::new(stored.into_iter().flatten())),
            (None, false) => Some(Box::new(vectors(&func.param_types, self.config.vectors, seed))),
            (None, true) => Some(Box::new(random_vectors(&func.param_types, self.config.vectors, seed))),
        };
        // A call that reads no mutable state is re-run alone; otherwise the calls before it
        // (which set that state) are part of the case.
        let stateless = self.facts.export_reads(&func.name).is_empty();
        // Calls that neither read nor write state may be batched (see `Emulator::call_batch`).
        let batched = stateless
            && self.facts.export_writes(&func.name).is_empty()
            && self.emu.batchable(&func.param_types, &func.results)
            && self.config.batch;
        let mut run = VectorRun { hangs: 0, failed_batches: 0, stateless };
        let mut pending = Vec::new();
        for args in only.into_iter().flatten().chain(all.into_iter().flatten()) {
            if batched && run.failed_batches < MAX_FAILED_BATCHES {
                pending.push(args);
                if pending.len() == BATCH_MAX {
                    self.run_batch(report, func, std::mem::take(&mut pending), reference, &mut run);
                    if self.enough_mismatches(report) {
                        return;
                    }
                }
                continue;
            }
            self.run_vector(report, func, args, reference, &mut run);
            // Each hang burns the whole budget; a few are proof enough.
            if run.hangs >= MAX_HANGS || self.enough_mismatches(report) {
                return;
            }
        }
        if !pending.is_empty() {
            self.run_batch(report, func, pending, reference, &mut run);
        }
    }

    /// A batch of vectors of a function that reads and writes no state: the reference call by
    /// call, the compiled code in one `call_batch`. When every call returned the same values on
    /// both sides and no state changed, they are matches; otherwise the batch is run again one
    /// call at a time (`run_vector`), which classifies and reports whatever happened.
    fn run_batch(
        &mut self,
        report: &mut FunctionReport,
        func: &CompiledFunction,
        batch: Vec<Vec<Value>>,
        reference: &mut ReferenceInstance,
        run: &mut VectorRun,
    ) {
        let fuel = self.config.fuel;
        let mut most_fuel = 0;
        let expected: Vec<Outcome> = batch
            .iter()
            .map(|args| {
                let outcome = reference.call(func.index, &func.name, args, &func.results, fuel);
                most_fuel = most_fuel.max(reference.fuel_used());
                outcome
            })
            .collect();
        // Batched only when every call returned, so the fuel counts are exact.
        let budget = RunConfig::emulator_budget(fuel, self.per_fuel)
            .min(RunConfig::hang_budget(most_fuel, self.per_fuel));
        let all_returned = expected.iter().all(|o| matches!(o, Outcome::Returned { .. }));
        let emulated =
            if all_returned { self.emu.call_batch(func.addr, &batch, &func.results, budget) } else { None };
        let agree = emulated.as_ref().is_some_and(|calls| {
            calls
                .iter()
                .zip(&expected)
                .all(|((values, _), e)| matches!(e, Outcome::Returned { values: v } if v == values))
        }) && !self.state_differs(reference);
        match emulated {
            Some(calls) if agree => {
                for (_, used) in calls {
                    report.vectors += 1;
                    InstructionCounts::add(&mut report.instructions, used.executed);
                    report.max_stack_bytes = report.max_stack_bytes.max(used.stack_bytes);
                }
            }
            _ => {
                run.failed_batches += 1;
                // The single calls below compare only the memory's size for a function that
                // may not write it: a write the batch made is reported here, then undone.
                if let Some(diff) = self.full_state_diff(reference) {
                    report.vectors += 1;
                    let args = batch[0].clone();
                    record(report, Verdict::Mismatch, "", |file| Mismatch {
                        source: format!("batch of {} calls", batch.len()),
                        rerun: self.config.rerun_command(file, Some(&func.name), None),
                        args,
                        expected: "no state changed (the function writes no global and no memory)".into(),
                        emulated: Outcome::NotRun,
                        reference: Outcome::NotRun,
                        state: Some(diff),
                        executed: 0,
                        stack_bytes: 0,
                    });
                }
                for args in batch {
                    self.run_vector(report, func, args, reference, run);
                    if run.hangs >= MAX_HANGS || self.enough_mismatches(report) {
                        return;
                    }
                }
            }
        }
    }

    /// Whether the function has mismatched as often as the run cares to know.
    fn enough_mismatches(&self, report: &FunctionReport) -> bool {
        self.config.mismatches_per_function.is_some_and(|n| report.mismatches >= n)
    }

    /// One vector, one call on each side, compared and recorded.
    fn run_vector(
        &mut self,
        report: &mut FunctionReport,
        func: &CompiledFunction,
        args: Vec<Value>,
        reference: &mut ReferenceInstance,
        run: &mut VectorRun,
    ) {
        let fuel = self.config.fuel;
        let budget = RunConfig::emulator_budget(fuel, self.per_fuel);
        let (expected, emulated, state) = self.call_both(func, &args, reference, fuel, budget);
        report.vectors += 1;
        let used = self.emu.last_call();
        if matches!(emulated, Outcome::Returned { .. }) {
            InstructionCounts::add(&mut report.instructions, used.executed);
            report.max_stack_bytes = report.max_stack_bytes.max(used.stack_bytes);
        }
        let verdict = if state.is_some() {
            Verdict::Mismatch
        } else {
            judge_with(&expected, &emulated, self.config.nan)
        };
        run.hangs +=
            (verdict == Verdict::Mismatch && matches!(emulated, Outcome::BudgetExhausted { .. })) as usize;
        record(report, verdict, inconclusive_reason(&expected, &emulated), |file| Mismatch {
            source: "vector".into(),
            rerun: self.config.rerun_command(file, Some(&func.name), run.stateless.then_some(&args[..])),
            args: args.clone(),
            expected: expected.to_string(),
            emulated,
            reference: expected,
            state,
            executed: used.executed,
            stack_bytes: used.stack_bytes,
        });
    }

    /// Calls the exports in a seeded random interleaving on the one instance, as a program
    /// using the module would, comparing the state after every call: a value one export leaves
    /// in a global or in memory is what the next one reads. Only for modules with at least two
    /// exports, one of which may change state.
    fn run_sequence(
        &mut self,
        file: &str,
        reports: &mut [FunctionReport],
        funcs: &[&CompiledFunction],
        reference: &mut ReferenceInstance,
    ) {
        let calls = self.config.sequence_calls;
        let changes_state = funcs.iter().any(|f| !self.facts.export_writes(&f.name).is_empty());
        if funcs.len() < 2 || calls == 0 || !changes_state || self.config.args.is_some() {
            return;
        }
        let fuel = self.config.fuel;
        let budget = RunConfig::emulator_budget(fuel, self.per_fuel);
        let mut order = ChaCha8Rng::seed_from_u64(function_seed(self.config.seed, file, "<sequence>"));
        let mut argument_streams: Vec<_> = funcs
            .iter()
            .map(|f| {
                let seed = function_seed(self.config.seed, file, &format!("{}#sequence", f.name));
                vectors(&f.param_types, calls, seed)
            })
            .collect();
        for step in 0..calls {
            let k = order.random_range(0..funcs.len());
            let Some(args) = argument_streams[k].next() else { continue };
            let func = funcs[k];
            let (expected, emulated, state) = self.call_both(func, &args, reference, fuel, budget);
            let report = &mut reports[k];
            report.sequence_calls += 1;
            let used = self.emu.last_call();
            let verdict = if state.is_some() {
                Verdict::Mismatch
            } else {
                judge_with(&expected, &emulated, self.config.nan)
            };
            record(report, verdict, inconclusive_reason(&expected, &emulated), |_| Mismatch {
                source: format!("sequence call {step}"),
                rerun: self.config.rerun_command(file, None, None),
                args: args.clone(),
                expected: expected.to_string(),
                emulated,
                reference: expected,
                state,
                executed: used.executed,
                stack_bytes: used.stack_bytes,
            });
        }
    }

    fn run_assertion(
        &mut self,
        report: &mut FunctionReport,
        func: &CompiledFunction,
        a: &Assertion,
        reference: &mut ReferenceInstance,
    ) {
        let fuel = self.config.assertion_fuel.max(self.config.fuel);
        let budget = RunConfig::emulator_budget(fuel, self.per_fuel);
        let (expected, emulated, state) = self.call_both(func, &a.args, reference, fuel, budget);
        // A call that reached a declined function (through `call_indirect`) proves nothing
        // either way: inconclusive, and not counted as an assertion run.
        let reached_declined = matches!(emulated, Outcome::ReachedDeclined);
        report.assertions += (!reached_declined) as usize;
        let used = self.emu.last_call();
        let verdict = match &a.expect {
            _ if reached_declined => Verdict::Inconclusive,
            _ if state.is_some() => Verdict::Mismatch,
            Expect::Nothing => judge_with(&expected, &emulated, self.config.nan),
            // Both sides must satisfy the assertion (a reference failure means the fixture itself
            // is wrong, which must not pass unnoticed either).
            expect if satisfies(&emulated, expect) && satisfies(&expected, expect) => Verdict::Match,
            _ => Verdict::Mismatch,
        };
        let wanted = match &a.expect {
            Expect::Nothing => expected.to_string(),
            Expect::Return(values) => {
                let values: Vec<String> = values.iter().map(ToString::to_string).collect();
                match values.as_slice() {
                    [] => "assertion: returned".to_string(),
                    [v] => format!("assertion: returned {v}"),
                    vs => format!("assertion: returned ({})", vs.join(", ")),
                }
            }
            Expect::Trap(m) => format!("assertion: traps \"{m}\""),
        };
        report.assertion_mismatches += (verdict == Verdict::Mismatch) as usize;
        record(report, verdict, inconclusive_reason(&expected, &emulated), |file| Mismatch {
            source: format!("assertion at line {}", a.line),
            // The script's assertions run in order on one instance: the file is the case.
            rerun: self.config.rerun_command(file, None, None),
            args: a.args.clone(),
            expected: wanted,
            emulated,
            reference: expected,
            state,
            executed: used.executed,
            stack_bytes: used.stack_bytes,
        });
    }

    /// One call on both sides, then every global and linear memory compared (its contents only
    /// after functions that may write it; its size always). On a difference the emulator's state
    /// is reset to the reference's, so one wrong store is reported once instead of poisoning
    /// every later call. When nothing can be judged (the reference did not finish, or one side
    /// ran out of stack) the states are not compared but made equal, and if the reference did
    /// not finish the emulator is not run at all.
    fn call_both(
        &mut self,
        func: &CompiledFunction,
        args: &[Value],
        reference: &mut ReferenceInstance,
        fuel: u64,
        budget: u64,
    ) -> (Outcome, Outcome, Option<String>) {
        let expected = reference.call(func.index, &func.name, args, &func.results, fuel);
        // Only a call that returned has an exact fuel count: Cranelift's code writes the fuel it
        // used back at calls, returns and exits, not at a trap in the middle of a frame.
        let budget = match expected {
            Outcome::Returned { .. } => {
                budget.min(RunConfig::hang_budget(reference.fuel_used(), self.per_fuel))
            }
            _ => budget,
        };
        let emulated = match expected {
            Outcome::BudgetExhausted { .. } => Outcome::NotRun,
            _ => self.emu.call(func.addr, args, &func.results, budget),
        };
        if judge_with(&expected, &emulated, self.config.nan) == Verdict::Inconclusive {
            self.copy_state(reference);
            return (expected, emulated, None);
        }
        let mut diffs = Vec::new();
        for (index, name, addr, ty) in &self.watched {
            let want = reference.global(*index);
            let found = self.emu.read_value(*addr, *ty);
            if let (Some(want), Some(found)) = (want, found) {
                if want != found {
                    diffs.push(format!("{name}: reference {want}, compiled {found}"));
                    self.emu.write_value(*addr, want);
                }
            }
        }
        if let (true, Some(want)) = (self.has_memory, reference.memory()) {
            let found = self.emu.memory();
            let diff = if self.facts.writes_memory_contents(func.index) {
                crate::oracle::state::memory_diff(want, found)
            } else {
                (want.len() != found.len()).then(|| crate::oracle::state::memory_diff(want, found)).flatten()
            };
            if let Some(d) = diff {
                diffs.push(d);
                let want = want.to_vec();
                self.emu.set_memory(&want);
            }
            if self.facts.writes_memory(func.index) {
                if let Some(stray) = self.emu.memory_guard_violation() {
                    diffs.push(format!("compiled code {stray}"));
                }
            }
        }
        (expected, emulated, (!diffs.is_empty()).then(|| diffs.join("; ")))
    }

    /// Every global and the whole memory compared with the reference's; differences are
    /// described and undone.
    fn full_state_diff(&mut self, reference: &mut ReferenceInstance) -> Option<String> {
        let mut diffs = Vec::new();
        for (index, name, addr, ty) in &self.watched {
            if let (Some(want), Some(found)) = (reference.global(*index), self.emu.read_value(*addr, *ty)) {
                if want != found {
                    diffs.push(format!("{name}: reference {want}, compiled {found}"));
                }
            }
        }
        if let (true, Some(want)) = (self.has_memory, reference.memory()) {
            if let Some(d) = crate::oracle::state::memory_diff(want, self.emu.memory()) {
                diffs.push(d);
            }
        }
        if diffs.is_empty() {
            return None;
        }
        self.copy_state(reference);
        Some(diffs.join("; "))
    }

    /// Whether any global or linear memory (contents or size) differs from the reference's.
    /// Changes nothing: a later call's comparison reports and resyncs the difference.
    fn state_differs(&self, reference: &mut ReferenceInstance) -> bool {
        let globals = self.watched.iter().any(|(index, _, addr, ty)| {
            matches!((reference.global(*index), self.emu.read_value(*addr, *ty)), (Some(w), Some(f)) if w != f)
        });
        let memory = self.has_memory && reference.memory().is_some_and(|want| want != self.emu.memory());
        globals || memory
    }

    /// Makes the emulator's globals and memory equal the reference's.
    fn copy_state(&mut self, reference: &mut ReferenceInstance) {
        for (index, _, addr, _) in &self.watched {
            if let Some(v) = reference.global(*index) {
                self.emu.write_value(*addr, v);
            }
        }
        if let (true, Some(m)) = (self.has_memory, reference.memory()) {
            let m = m.to_vec();
            self.emu.set_memory(&m);
        }
    }
}

fn satisfies(outcome: &Outcome, expect: &Expect) -> bool {
    match (expect, outcome) {
        (Expect::Return(v), Outcome::Returned { values }) => {
            v.len() == values.len() && v.iter().zip(values).all(|(e, v)| e.admits(*v))
        }
        (Expect::Trap(msg), Outcome::Trapped { trap }) => trap.matches_message(msg),
        _ => false,
    }
}
