//! The reference: wasmtime, with fuel so a non-terminating call ends, and the same memory cap as
//! the compiled code (an embedder limit: `memory.grow` fails beyond it on both sides).

use crate::oracle::outcome::{Outcome, TrapKind, Value};
use std::borrow::Cow;
use wasm2thumb::ir::Ty;
use wasmtime::{
    Config, Engine, Global, Instance, Memory, Module, Store, StoreLimits, StoreLimitsBuilder, Trap, Val,
    ValRaw,
};

/// The names under which the harness exports a memory or global the module does not export
/// itself, so the reference's whole state can be compared and copied.
pub const MEMORY_EXPORT: &str = "__emu_harness_memory";
pub const GLOBAL_EXPORT_PREFIX: &str = "__emu_harness_global_";

/// An export, and the parameter and result types its signature was checked against.
type CheckedFunc = (wasmtime::Func, Vec<Ty>, Vec<Ty>);

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
    /// Exports looked up so far, by function index, and argument/result buffers reused by
    /// every call.
    /// With each, the parameter and result types its signature was checked against.
    funcs: Vec<Option<CheckedFunc>>,
    raw: Vec<ValRaw>,
    /// Fuel the last call consumed.
    fuel_used: u64,
}

/// How an error from `instantiate` starts when instantiating the module trapped (a data or
/// element segment out of bounds, a start function that traps): a valid module that cannot
/// run, not a harness failure.
pub const INSTANTIATION_TRAPPED: &str = "instantiation trapped: ";

/// How an error from `instantiate` starts when wasmtime rejects the module or fails to
/// instantiate it otherwise (a proposal it leaves off, such as tail calls under Winch).
pub const REFERENCE_REJECTED: &str = "wasmtime: ";

/// Which of wasmtime's compilers runs the reference. Cranelift is the reference everywhere; the
/// fuzzing campaign runs Winch, wasmtime's baseline compiler, which compiles about 3x faster
/// (compiling dominates a generated module's cost), and confirms every finding with Cranelift
/// before reporting it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceCompiler {
    #[default]
    Cranelift,
    Winch,
}

impl Reference {
    pub fn new(max_memory_pages: u32) -> Reference {
        Reference::with_compiler(max_memory_pages, ReferenceCompiler::Cranelift)
    }

    pub fn with_compiler(max_memory_pages: u32, compiler: ReferenceCompiler) -> Reference {
        let mut config = Config::new();
        config.consume_fuel(true);
        // Traps are outcomes to compare here, often one per vector: no backtrace capture.
        config.wasm_backtrace_max_frames(None);
        // Nothing here reads native unwind tables or maps code back to wasm offsets.
        config.native_unwind_info(false);
        config.generate_address_map(false);
        config.memory_init_cow(false);
        // Every arithmetic NaN the reference makes is the canonical 0x7FC00000 (f64 likewise),
        // as the compiled code's are under FPSCR.DN. Without it x86 gives 0xFFC00000 for 0/0
        // and propagates payloads; results could be judged by the NaN rule anyway, but a NaN
        // stored to memory or a global is compared byte for byte, where no rule can apply.
        config.cranelift_nan_canonicalization(true);
        match compiler {
            ReferenceCompiler::Cranelift => {
                config.strategy(wasmtime::Strategy::Cranelift);
                // Explicit bounds checks instead of a signal per out-of-bounds access.
                config.signals_based_traps(false);
            }
            // Winch requires signal-based traps (a trap costs a signal, ~30 us: rare in
            // generated code, which is what Winch is for).
            ReferenceCompiler::Winch => {
                config.strategy(wasmtime::Strategy::Winch);
                // Cranelift still compiles the entry trampolines: unoptimized is enough there.
                config.cranelift_opt_level(wasmtime::OptLevel::None);
                config.cranelift_regalloc_algorithm(wasmtime::RegallocAlgorithm::SinglePass);
            }
        }
        Reference { engine: Engine::new(&config).expect("wasmtime configuration is valid"), max_memory_pages }
    }

    pub fn instantiate(&self, wasm: &[u8]) -> Result<ReferenceInstance, String> {
        let (wasm, names) = with_state_exports(wasm)?;
        let module = Module::new(&self.engine, &wasm).map_err(|e| format!("{REFERENCE_REJECTED}{e:#}"))?;
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.max_memory_pages as usize * wasm2thumb::PAGE_BYTES as usize)
            .build();
        let mut store = Store::new(&self.engine, limits);
        store.limiter(|limits| limits);
        store.set_fuel(u64::MAX).map_err(|e| e.to_string())?;
        let instance = Instance::new(&mut store, &module, &[]).map_err(|e| {
            if e.downcast_ref::<wasmtime::Trap>().is_some() {
                format!("{INSTANTIATION_TRAPPED}{e:#}")
            } else {
                format!("{REFERENCE_REJECTED}{e:#}")
            }
        })?;
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
            raw: Vec::new(),
            fuel_used: 0,
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
            Val::F32(v) => Some(Value::F32(v)),
            Val::F64(v) => Some(Value::F64(v)),
            _ => None,
        }
    }

    /// Fuel the last `call` consumed (about one unit per WebAssembly operator executed). Exact
    /// only when the call returned: compiled code writes the fuel it used back at calls, returns
    /// and exits, not at a trap inside a frame.
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// Calls export `name` (function `index`) with integer arguments and `fuel`.
    pub fn call(&mut self, index: u32, name: &str, args: &[Value], results: &[Ty], fuel: u64) -> Outcome {
        let at = index as usize;
        let func = match &self.funcs.get(at).and_then(Option::as_ref) {
            Some((f, params, returns))
                if params.len() == args.len()
                    && params.iter().zip(args).all(|(t, a)| *t == a.ty())
                    && returns.as_slice() == results =>
            {
                *f
            }
            Some(_) => return Outcome::EmulatorError { message: "reference: arguments of the wrong types" },
            None => {
                let Some(f) = self.instance.get_func(&mut self.store, name) else {
                    return Outcome::EmulatorError { message: "reference: no such export" };
                };
                let ty = f.ty(&self.store);
                let integer = |t: &Ty| match t {
                    Ty::I32 => wasmtime::ValType::I32,
                    Ty::I64 => wasmtime::ValType::I64,
                    Ty::F32 => wasmtime::ValType::F32,
                    Ty::F64 => wasmtime::ValType::F64,
                };
                // The unchecked call below relies on this signature.
                let same =
                    |want: Vec<wasmtime::ValType>,
                     have: &mut dyn ExactSizeIterator<Item = wasmtime::ValType>| {
                        want.len() == have.len()
                            && want.iter().zip(have).all(|(a, b)| wasmtime::ValType::eq(a, &b))
                    };
                let params: Vec<_> = args.iter().map(|a| integer(&a.ty())).collect();
                if !same(params, &mut ty.params())
                    || !same(results.iter().map(integer).collect(), &mut ty.results())
                {
                    return Outcome::EmulatorError { message: "reference: the export's signature differs" };
                }
                if self.funcs.len() <= at {
                    self.funcs.resize(at + 1, None);
                }
                self.funcs[at] = Some((f, args.iter().map(|a| a.ty()).collect(), results.to_vec()));
                f
            }
        };
        self.store.set_fuel(fuel).expect("fuel is enabled");
        self.raw.clear();
        self.raw.resize(args.len().max(results.len()), ValRaw::i64(0));
        for (slot, a) in self.raw.iter_mut().zip(args) {
            *slot = match *a {
                Value::I32(v) => ValRaw::i32(v as i32),
                Value::I64(v) => ValRaw::i64(v as i64),
                Value::F32(v) => ValRaw::f32(v),
                Value::F64(v) => ValRaw::f64(v),
            };
        }
        // SAFETY: the function's signature was checked against these integer types when it was
        // looked up, and the arguments against them above; integers have no validity invariants; the buffer holds params and results.
        let result = unsafe { func.call_unchecked(&mut self.store, &mut self.raw[..] as *mut [ValRaw]) };
        self.fuel_used = fuel - self.store.get_fuel().unwrap_or(0).min(fuel);
        match result {
            Ok(()) => Outcome::Returned {
                values: results
                    .iter()
                    .zip(&self.raw)
                    .map(|(t, raw)| match t {
                        Ty::I32 => Value::I32(raw.get_i32() as u32),
                        Ty::I64 => Value::I64(raw.get_i64() as u64),
                        Ty::F32 => Value::F32(raw.get_f32()),
                        Ty::F64 => Value::F64(raw.get_f64()),
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
        Trap::BadConversionToInteger => TrapKind::InvalidConversionToInteger,
        _ => TrapKind::Other,
    }
}
