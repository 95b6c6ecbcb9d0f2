//! The reference: wasmtime, with fuel so a non-terminating call ends, and the same memory cap as
//! the compiled code (an embedder limit: `memory.grow` fails beyond it on both sides).

use crate::outcome::{Outcome, TrapKind};
use std::borrow::Cow;
use wasmtime::{Config, Engine, Instance, Memory, Module, Store, StoreLimits, StoreLimitsBuilder, Trap, Val};

/// The name under which the harness exports a memory the module does not export itself, so
/// the reference's memory can be compared too.
pub const MEMORY_EXPORT: &str = "__emu_harness_memory";

pub struct Reference {
    engine: Engine,
    max_memory_pages: u32,
}

pub struct ReferenceInstance {
    store: Store<StoreLimits>,
    instance: Instance,
    memory: Option<Memory>,
}

impl Reference {
    pub fn new(max_memory_pages: u32) -> Reference {
        let mut config = Config::new();
        config.consume_fuel(true);
        Reference { engine: Engine::new(&config).expect("wasmtime configuration is valid"), max_memory_pages }
    }

    pub fn instantiate(&self, wasm: &[u8]) -> Result<ReferenceInstance, String> {
        let (wasm, memory_name) = with_memory_export(wasm)?;
        let module = Module::new(&self.engine, &wasm).map_err(|e| format!("wasmtime: {e:#}"))?;
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.max_memory_pages as usize * wasm2thumb::PAGE_BYTES as usize)
            .build();
        let mut store = Store::new(&self.engine, limits);
        store.limiter(|limits| limits);
        store.set_fuel(u64::MAX).map_err(|e| e.to_string())?;
        let instance = Instance::new(&mut store, &module, &[]).map_err(|e| format!("wasmtime: {e:#}"))?;
        let memory = memory_name.and_then(|name| instance.get_memory(&mut store, &name));
        Ok(ReferenceInstance { store, instance, memory })
    }
}

/// The module with its memory exported (as `MEMORY_EXPORT` if it was not), and the export name.
fn with_memory_export(wasm: &[u8]) -> Result<(Cow<'_, [u8]>, Option<String>), String> {
    use wasmparser::{ExternalKind, Parser, Payload};
    let invalid = |e: wasmparser::BinaryReaderError| format!("invalid module: {e}");
    let mut has_memory = false;
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(invalid)? {
            Payload::MemorySection(r) => has_memory |= r.count() > 0,
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(invalid)?;
                    exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            _ => {}
        }
    }
    if !has_memory {
        return Ok((Cow::Borrowed(wasm), None));
    }
    if let Some((name, ..)) = exports.iter().find(|(_, k, i)| *k == ExternalKind::Memory && *i == 0) {
        return Ok((Cow::Borrowed(wasm), Some(name.clone())));
    }
    let mut section = wasm_encoder::ExportSection::new();
    for (name, kind, index) in &exports {
        let kind = match kind {
            ExternalKind::Func | ExternalKind::FuncExact => wasm_encoder::ExportKind::Func,
            ExternalKind::Table => wasm_encoder::ExportKind::Table,
            ExternalKind::Memory => wasm_encoder::ExportKind::Memory,
            ExternalKind::Global => wasm_encoder::ExportKind::Global,
            ExternalKind::Tag => wasm_encoder::ExportKind::Tag,
        };
        section.export(name, kind, *index);
    }
    section.export(MEMORY_EXPORT, wasm_encoder::ExportKind::Memory, 0);
    // Sections are copied as they are; the export section is replaced, or inserted before the
    // first section that must follow it (start, element, data count, code, data).
    let mut out = wasm_encoder::Module::new();
    let mut placed = false;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(invalid)?;
        let Some((id, range)) = payload.as_section() else { continue };
        let after_exports = matches!(id, 8..=12);
        if id == 7 || (after_exports && !placed) {
            out.section(&section);
            placed = true;
        }
        if id != 7 {
            out.section(&wasm_encoder::RawSection {
                id,
                data: &wasm[range.start as usize..range.end as usize],
            });
        }
    }
    if !placed {
        out.section(&section);
    }
    Ok((Cow::Owned(out.finish()), Some(MEMORY_EXPORT.to_string())))
}

impl ReferenceInstance {
    /// Linear memory, if the module has one.
    pub fn memory(&self) -> Option<&[u8]> {
        Some(self.memory?.data(&self.store))
    }

    /// The value of exported i32 global `name`.
    pub fn global(&mut self, name: &str) -> Option<u32> {
        let g = self.instance.get_global(&mut self.store, name)?;
        g.get(&mut self.store).i32().map(|v| v as u32)
    }

    /// Calls export `name` with i32 arguments and `fuel`.
    pub fn call(&mut self, name: &str, args: &[u32], has_result: bool, fuel: u64) -> Outcome {
        let Some(func) = self.instance.get_func(&mut self.store, name) else {
            return Outcome::EmulatorError { message: "reference: no such export" };
        };
        self.store.set_fuel(fuel).expect("fuel is enabled");
        let params: Vec<Val> = args.iter().map(|a| Val::I32(*a as i32)).collect();
        let mut results = vec![Val::I32(0); has_result as usize];
        match func.call(&mut self.store, &params, &mut results) {
            Ok(()) => Outcome::Returned { value: results.first().and_then(|v| v.i32()).map(|v| v as u32) },
            Err(e) => match e.downcast_ref::<Trap>() {
                Some(Trap::OutOfFuel) => Outcome::BudgetExhausted { budget: fuel },
                Some(t) => Outcome::Trapped { trap: trap_kind(*t) },
                None => Outcome::Trapped { trap: TrapKind::Other },
            },
        }
    }
}

fn trap_kind(t: Trap) -> TrapKind {
    match t {
        Trap::UnreachableCodeReached => TrapKind::Unreachable,
        Trap::IntegerDivisionByZero => TrapKind::IntegerDivideByZero,
        Trap::IntegerOverflow => TrapKind::IntegerOverflow,
        Trap::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        Trap::TableOutOfBounds => TrapKind::TableOutOfBounds,
        Trap::IndirectCallToNull => TrapKind::IndirectCallToNull,
        Trap::BadSignature => TrapKind::BadSignature,
        Trap::StackOverflow => TrapKind::StackOverflow,
        _ => TrapKind::Other,
    }
}
