//! The reference: wasmtime, with fuel so a non-terminating call ends, and the same memory cap as
//! the compiled code (an embedder limit: `memory.grow` fails beyond it on both sides).

use crate::outcome::{Outcome, TrapKind, Value};
use std::borrow::Cow;
use wasm2thumb::ir::Ty;
use wasmtime::{
    Config, Engine, Global, Instance, Memory, Module, Store, StoreLimits, StoreLimitsBuilder, Trap, Val,
};

/// The names under which the harness exports a memory or global the module does not export
/// itself, so the reference's whole state can be compared and copied.
pub const MEMORY_EXPORT: &str = "__emu_harness_memory";
pub const GLOBAL_EXPORT_PREFIX: &str = "__emu_harness_global_";

pub struct Reference {
    engine: Engine,
    max_memory_pages: u32,
}

pub struct ReferenceInstance {
    store: Store<StoreLimits>,
    instance: Instance,
    memory: Option<Memory>,
    /// Every global, by index.
    globals: Vec<Global>,
    /// Exports looked up so far, and argument/result buffers reused by every call.
    funcs: std::collections::HashMap<String, wasmtime::Func>,
    params: Vec<Val>,
    results: Vec<Val>,
}

impl Reference {
    pub fn new(max_memory_pages: u32) -> Reference {
        let mut config = Config::new();
        config.consume_fuel(true);
        Reference { engine: Engine::new(&config).expect("wasmtime configuration is valid"), max_memory_pages }
    }

    pub fn instantiate(&self, wasm: &[u8]) -> Result<ReferenceInstance, String> {
        let (wasm, names) = with_state_exports(wasm)?;
        let module = Module::new(&self.engine, &wasm).map_err(|e| format!("wasmtime: {e:#}"))?;
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.max_memory_pages as usize * wasm2thumb::PAGE_BYTES as usize)
            .build();
        let mut store = Store::new(&self.engine, limits);
        store.limiter(|limits| limits);
        store.set_fuel(u64::MAX).map_err(|e| e.to_string())?;
        let instance = Instance::new(&mut store, &module, &[]).map_err(|e| format!("wasmtime: {e:#}"))?;
        let memory = names.memory.and_then(|name| instance.get_memory(&mut store, &name));
        let globals = names
            .globals
            .iter()
            .map(|name| instance.get_global(&mut store, name).ok_or("wasmtime: a global export is missing"))
            .collect::<Result<_, _>>()?;
        Ok(ReferenceInstance {
            store,
            instance,
            memory,
            globals,
            funcs: Default::default(),
            params: Vec::new(),
            results: Vec::new(),
        })
    }
}

/// Export names of the module's state.
struct StateExports {
    memory: Option<String>,
    /// By global index.
    globals: Vec<String>,
}

/// The module with its memory and every global exported (under the harness's names where the
/// module does not export them itself), and the export names.
fn with_state_exports(wasm: &[u8]) -> Result<(Cow<'_, [u8]>, StateExports), String> {
    use wasmparser::{ExternalKind, Parser, Payload};
    let invalid = |e: wasmparser::BinaryReaderError| format!("invalid module: {e}");
    let (mut memories, mut globals) = (0u32, 0u32);
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(invalid)? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    match imp.map_err(invalid)?.ty {
                        wasmparser::TypeRef::Memory(_) => memories += 1,
                        wasmparser::TypeRef::Global(_) => globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::MemorySection(r) => memories += r.count(),
            Payload::GlobalSection(r) => globals += r.count(),
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(invalid)?;
                    exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            _ => {}
        }
    }
    let exported = |kind: ExternalKind, index: u32| {
        exports.iter().find(|(_, k, i)| *k == kind && *i == index).map(|(n, ..)| n.clone())
    };
    let mut added: Vec<(String, wasm_encoder::ExportKind, u32)> = Vec::new();
    let memory = (memories > 0).then(|| {
        exported(ExternalKind::Memory, 0).unwrap_or_else(|| {
            added.push((MEMORY_EXPORT.into(), wasm_encoder::ExportKind::Memory, 0));
            MEMORY_EXPORT.into()
        })
    });
    let global_names = (0..globals)
        .map(|i| {
            exported(ExternalKind::Global, i).unwrap_or_else(|| {
                let name = format!("{GLOBAL_EXPORT_PREFIX}{i}");
                added.push((name.clone(), wasm_encoder::ExportKind::Global, i));
                name
            })
        })
        .collect();
    let names = StateExports { memory, globals: global_names };
    if added.is_empty() {
        return Ok((Cow::Borrowed(wasm), names));
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
    for (name, kind, index) in &added {
        section.export(name, *kind, *index);
    }
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
    Ok((Cow::Owned(out.finish()), names))
}

impl ReferenceInstance {
    /// Linear memory, if the module has one.
    pub fn memory(&self) -> Option<&[u8]> {
        Some(self.memory?.data(&self.store))
    }

    /// The value of integer global `index` (`None` for other types).
    pub fn global(&mut self, index: u32) -> Option<Value> {
        let g = self.globals.get(index as usize)?;
        match g.get(&mut self.store) {
            Val::I32(v) => Some(Value::I32(v as u32)),
            Val::I64(v) => Some(Value::I64(v as u64)),
            _ => None,
        }
    }

    /// Calls export `name` with integer arguments and `fuel`.
    pub fn call(&mut self, name: &str, args: &[Value], results: &[Ty], fuel: u64) -> Outcome {
        let func = match self.funcs.get(name) {
            Some(f) => *f,
            None => {
                let Some(f) = self.instance.get_func(&mut self.store, name) else {
                    return Outcome::EmulatorError { message: "reference: no such export" };
                };
                self.funcs.insert(name.to_string(), f);
                f
            }
        };
        self.store.set_fuel(fuel).expect("fuel is enabled");
        self.params.clear();
        self.params.extend(args.iter().map(|a| match *a {
            Value::I32(v) => Val::I32(v as i32),
            Value::I64(v) => Val::I64(v as i64),
        }));
        let result_types = results;
        self.results.clear();
        self.results.extend(result_types.iter().map(|t| match t {
            Ty::I32 => Val::I32(0),
            Ty::I64 => Val::I64(0),
        }));
        match func.call(&mut self.store, &self.params, &mut self.results) {
            Ok(()) => Outcome::Returned {
                values: self
                    .results
                    .iter()
                    .filter_map(|v| match v {
                        Val::I32(x) => Some(Value::I32(*x as u32)),
                        Val::I64(x) => Some(Value::I64(*x as u64)),
                        _ => None,
                    })
                    .collect(),
            },
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
