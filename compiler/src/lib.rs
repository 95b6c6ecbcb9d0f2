//! wasm2thumb: a WebAssembly → Thumb-2 (ARMv7-M) compiler that writes ELF images.
//!
//! Pipeline: [`frontend`] (validate, WebAssembly → [`ir`]) → [`lower`] (pool register allocation
//! with Belady eviction, IR → [`thumb`] instructions) → [`thumb::Assembler`] (encoding, branch
//! relaxation) → [`elf`] (ELF32 ARM EABI5 image).

pub mod abi;
pub mod elf;
mod fault;
pub mod frontend;
pub mod ir;
pub mod lower;
pub mod softfloat;
pub mod thumb;
pub mod trap;

pub use fault::InjectedFault;
pub use lower::Strategy;
use std::collections::BTreeSet;

use thumb::{Assembler, Inst, Label, Reg};
pub use trap::TrapCode;

/// Where the image's `.text` is loaded: inside the ARMv7-M code region (0x0–0x1FFF_FFFF).
pub const TEXT_BASE: u32 = 0x0001_0000;

/// Where the image's `.data` is loaded (SRAM region): the linear memory's current size in bytes
/// (one word, then a pad word), then the globals, 8 bytes each by index (an i32 in the low word).
pub const DATA_BASE: u32 = 0x2001_0000;

/// Largest `.data`: 64 KiB.
pub const DATA_SIZE: u32 = 0x1_0000;

/// The word holding the linear memory's current size in bytes (`memory.grow` updates it).
pub const MEMORY_SIZE_ADDR: u32 = DATA_BASE;

/// The address of global `index`.
pub fn global_addr(index: u32) -> u32 {
    DATA_BASE + 8 + 8 * index
}

/// The address of the function table in a module with `globals` globals: after them, 8-aligned.
pub fn table_addr(globals: u32) -> u32 {
    (global_addr(globals) + 7) & !7
}

/// Where linear memory starts (external RAM region). The image reserves the memory's maximum
/// size there; byte `i` of linear memory is at `MEMORY_BASE + i`. A modified immediate, so one
/// instruction adds it.
pub const MEMORY_BASE: u32 = 0x6000_0000;

/// Default cap on linear memory, in 64 KiB pages: the maximum of memories that declare none
/// (or a larger one). 64 MiB.
pub const DEFAULT_MAX_MEMORY_PAGES: u32 = 1024;

pub use frontend::{GlobalInfo, MemoryInfo, TableInfo, PAGE_BYTES};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("invalid module: {0}")]
    Invalid(String),
    #[error("function `{function}`: unsupported {what}")]
    Unsupported { function: String, what: String },
    #[error("internal compiler error in `{function}`: {what}")]
    Internal { function: String, what: String },
}

impl CompileError {
    fn unsupported_module(what: &str) -> CompileError {
        CompileError::Unsupported { function: "<module>".into(), what: what.into() }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FunctionStats {
    /// Most values (live locals and operand-stack temporaries) live at one point.
    pub max_live: u32,
    /// Stores of a value evicted from the pool.
    pub spills: u32,
    /// Loads of a value that was not in a register at its use.
    pub reloads: u32,
    /// Code bytes of the function.
    pub code_bytes: u32,
    /// f32 values kept in the float pool (S16 upwards) instead of the core pool.
    pub float_pool_values: u32,
    /// Evictions from the float pool (stored or not): its values outnumbered its registers.
    pub float_evictions: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cpu {
    CortexM3,
    CortexM4,
    CortexM7,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    /// Pool registers (R4 upwards), 1..=5.
    pub pool_size: usize,
    /// Float-pool registers (S16 upwards) for f32 values, 0..=16, on the M4 and M7 with the
    /// pool strategy (the M3 has no FPU; the baseline keeps every value in memory).
    pub float_pool: usize,
    pub strategy: Strategy,
    pub cpu: Cpu,
    /// Lowest address SP may reach: functions that call check it on entry and trap with
    /// "call stack exhausted" below it. It must leave room below for the largest leaf frame
    /// (4 KiB) and the saved registers.
    pub stack_limit: u32,
    /// Most pages a linear memory may have (its `memory.grow` fails beyond), 0..=16384.
    pub max_memory_pages: u32,
    /// A deliberate miscompile, for measuring that the harness and the fuzzing campaign find,
    /// save and replay one. Always `None` without the `fault-injection` feature.
    pub inject: Option<InjectedFault>,
}

/// The default stack limit: emu-harness maps its stack at 0x4000_0000..0x4001_0000; leaves get
/// 4 KiB + 256 bytes of room below the limit.
pub const DEFAULT_STACK_LIMIT: u32 = 0x4000_0000 + 0x1100;

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            pool_size: 5,
            float_pool: 16,
            strategy: Strategy::Pool,
            cpu: Cpu::CortexM4,
            stack_limit: DEFAULT_STACK_LIMIT,
            max_memory_pages: DEFAULT_MAX_MEMORY_PAGES,
            inject: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct CompiledFunction {
    pub index: u32,
    /// Export name, or `func[N]`.
    pub name: String,
    pub exported: bool,
    pub params: u32,
    /// Parameter types (AAPCS placement: see `abi`).
    pub param_types: Vec<ir::Ty>,
    /// Every result's type; several are returned through a result area (see `abi`).
    pub results: Vec<ir::Ty>,
    /// Address of the first instruction (without the Thumb bit).
    pub addr: u32,
    pub stats: FunctionStats,
    /// Every instruction as assembled (offsets from `TEXT_BASE`); `listing` prints them.
    pub insts: Vec<thumb::Placed>,
    /// Spills and reloads, by the address of their instruction.
    pub notes: Vec<(u32, lower::Note)>,
}

impl CompiledFunction {
    /// Disassembly: address and UAL text of every instruction (spills and reloads noted).
    /// Printed on demand: formatting every instruction cost more than compiling it.
    pub fn listing(&self) -> Vec<(u32, String)> {
        self.insts
            .iter()
            .map(|p| {
                let addr = TEXT_BASE + p.offset;
                let mut text = p.asm_text();
                if let Some((_, note)) = self.notes.iter().find(|(at, _)| *at == addr) {
                    text = format!("{text:<28} ; {note}");
                }
                (addr, text)
            })
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct CompiledModule {
    pub cpu: Cpu,
    /// Initial contents of the data area at `data_addr` (memory size word, then the globals).
    pub data: Vec<u8>,
    pub data_addr: u32,
    pub globals: Vec<GlobalInfo>,
    /// The linear memory (at `MEMORY_BASE`), if the module has one in scope.
    pub memory: Option<MemoryInfo>,
    /// The function table (in the data area), if the module has one in scope.
    pub table: Option<TableInfo>,
    /// Every data-area address loaded by the code.
    pub data_addresses: Vec<DataAddress>,
    pub text: Vec<u8>,
    pub text_addr: u32,
    pub functions: Vec<CompiledFunction>,
    /// Functions that could not be compiled, with the reason (an `Internal` one is a compiler
    /// bug caught by a checker, not a decline: see `internal_error`).
    pub declined: Vec<CompileError>,
    /// The FPSCR the code requires (rounding mode, flush-to-zero, default NaN), if it uses the
    /// FPU: callers set it, and the FPU enabled, before each call, and S16–S31 are callee-saved.
    /// `Some(FPSCR_REQUIRED)` when any function has float instructions.
    pub fpscr: Option<u32>,
    /// The software float routines the functions call (see `softfloat`), after the functions.
    pub runtime: Vec<RuntimeRoutine>,
    /// How the exported functions take and return floats: in S0–S15 on a CPU with an FPU
    /// (AAPCS-VFP), like integers on the M3 (see `abi`).
    pub float_abi: abi::FloatAbi,
}

/// A software float routine as placed in `.text`.
#[derive(Clone, Debug)]
pub struct RuntimeRoutine {
    /// The operator it computes (`f64.add`), or the helper's name (`rt.pack64`).
    pub name: String,
    /// Address of the first instruction (without the Thumb bit).
    pub addr: u32,
    pub code_bytes: u32,
    /// Every instruction as assembled.
    pub insts: Vec<thumb::Placed>,
}

impl CompiledModule {
    /// The first function whose compilation hit an internal error (a broken invariant).
    pub fn internal_error(&self) -> Option<&CompileError> {
        self.declined.iter().find(|e| matches!(e, CompileError::Internal { .. }))
    }

    pub fn function(&self, name: &str) -> Option<&CompiledFunction> {
        self.functions.iter().find(|f| f.name == name)
    }

    pub fn to_elf(&self) -> Vec<u8> {
        elf::write_image(self)
    }

    /// An ELF relocatable object (ET_REL) with standard ARM relocations, for a linker: see
    /// [`elf::write_object`].
    pub fn to_object(&self) -> Result<Vec<u8>, CompileError> {
        elf::write_object(self)
    }
}

/// A MOVW/MOVT pair in `.text` that loads `DATA_BASE + offset` into `rd`: what the relocatable
/// object turns into a relocation pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataAddress {
    /// `.text` offset of the MOVW (the MOVT follows it).
    pub at: u32,
    pub rd: Reg,
    pub offset: u32,
}

/// Reads `.wat` text or `.wasm` binary.
pub fn parse_input(bytes: &[u8]) -> Result<Vec<u8>, CompileError> {
    wat::parse_bytes(bytes)
        .map(|b| b.into_owned())
        .map_err(|e| CompileError::Invalid(e.to_string().lines().next().unwrap_or("").to_string()))
}

/// Compiles every function it can; the others are listed in `declined`.
pub fn compile(wasm: &[u8], opts: &CompileOptions) -> Result<CompiledModule, CompileError> {
    if !(1..=5).contains(&opts.pool_size) {
        return Err(CompileError::Invalid(format!("pool size {} (must be 1..=5)", opts.pool_size)));
    }
    if opts.float_pool > 16 {
        return Err(CompileError::Invalid(format!("float pool size {} (must be 0..=16)", opts.float_pool)));
    }
    if opts.max_memory_pages > 16384 {
        return Err(CompileError::Invalid(format!(
            "memory cap of {} pages (at most 16384: 1 GiB)",
            opts.max_memory_pages
        )));
    }
    let module = frontend::translate_module(wasm, opts.max_memory_pages)?;
    if (module.globals.len() as u64 + 1) * 8 > DATA_SIZE as u64 {
        return Err(CompileError::unsupported_module("more than 8191 globals"));
    }
    let memory = module.memory.clone().and_then(Result::ok);
    let memory_bytes = memory.as_ref().map_or(0, |m| m.min_pages * PAGE_BYTES);
    // Globals out of scope keep 0 here: no compiled function can touch them.
    // The memory size word, a pad word, then 8 bytes per global (an i32 in the low word).
    let mut data: Vec<u8> = [memory_bytes, 0].iter().flat_map(|w| w.to_le_bytes()).collect();
    data.extend(module.globals.iter().flat_map(|g| g.init.clone().unwrap_or(0).to_le_bytes()));
    let globals = module.globals.clone();
    let table = module.table.clone().and_then(Result::ok);
    if let Some(t) = &table {
        if t.addr as u64 + 8 * t.entries.len() as u64 > DATA_BASE as u64 + DATA_SIZE as u64 {
            return Err(CompileError::unsupported_module("globals and table beyond the 64 KiB data area"));
        }
    }
    let func_sig_ids = module.func_sig_ids.clone();
    // Software float routines are functions `user_functions + r`, appended below; they take
    // the base convention, the module's functions the CPU's.
    let user_functions = module.functions.len() as u32;
    let float_abi = abi::FloatAbi::for_cpu(opts.cpu);
    let lower_ir = |ir: &ir::IrFunction, own: abi::FloatAbi| {
        let conventions = abi::Conventions { own, routines_from: user_functions };
        lower::lower(
            ir,
            opts.pool_size,
            opts.float_pool,
            opts.strategy,
            opts.cpu,
            opts.stack_limit,
            opts.inject,
            conventions,
        )
    };
    let mut routines_called = BTreeSet::new();
    let mut lowered: Vec<Result<(frontend::FuncSource, ir::IrFunction, lower::Lowered), CompileError>> =
        module
            .functions
            .into_iter()
            .map(|func| {
                let mut ir = func.ir.clone()?;
                routines_called.extend(softfloat::route(&mut ir, opts.cpu, user_functions)?);
                let l = lower_ir(&ir, float_abi)?;
                Ok((func, ir, l))
            })
            .collect();
    if !routines_called.is_empty() {
        let runtime = softfloat::Runtime::get()?;
        let needed = runtime.closure(&routines_called);
        for (r, routine) in runtime.functions.iter().enumerate() {
            let index = user_functions + r as u32;
            let name = runtime.names[r].clone();
            if !needed.contains(&(r as u32)) {
                lowered.push(Err(CompileError::Unsupported { function: name, what: "(not needed)".into() }));
                continue;
            }
            let mut ir = routine.clone();
            for inst in &mut ir.insts {
                if let ir::IrInst::Call { func, .. } = inst {
                    *func += user_functions;
                }
            }
            let l = lower_ir(&ir, abi::FloatAbi::Soft).map_err(|e| CompileError::Internal {
                function: format!("softfloat {name}"),
                what: format!("the routine does not compile: {e}"),
            })?;
            let source = frontend::FuncSource { index, export: Some(name), ir: Ok(ir.clone()) };
            lowered.push(Ok((source, ir, l)));
        }
    }
    // A function that calls a declined function is declined too (until nothing changes).
    loop {
        let ok: Vec<bool> = lowered.iter().map(Result::is_ok).collect();
        let mut changed = false;
        for entry in lowered.iter_mut() {
            let Ok((func, ir, _)) = entry else { continue };
            if let Some(bad) =
                ir.callees().into_iter().find(|c| !ok.get(*c as usize).copied().unwrap_or(false))
            {
                let name = func.export.clone().unwrap_or_else(|| format!("func[{}]", func.index));
                *entry = Err(CompileError::Unsupported {
                    function: name,
                    what: format!("call of func[{bad}], which is declined"),
                });
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut asm = Assembler::new();
    // One assembler for the module, so calls are branches between functions; each function's
    // local labels are shifted into a range of their own.
    let starts: Vec<Label> = lowered.iter().map(|_| asm.new_label()).collect();
    let helpers: Vec<Label> = lower::Helper::ALL.iter().map(|_| asm.new_label()).collect();
    let helper_label =
        |h: lower::Helper| helpers[lower::Helper::ALL.iter().position(|x| *x == h).expect("in ALL")];
    let mut helpers_used = Vec::new();
    // MOVW/MOVT pairs that load a data-area address: label, register, offset in the data area.
    let mut address_sites: Vec<(Label, Reg, u32)> = Vec::new();
    // Allocator notes for the listing, at the instruction that follows each.
    let mut notes: Vec<(Label, lower::Note)> = Vec::new();
    let mut declined = Vec::new();
    let mut pending = Vec::new();
    let mut fpscr = None;
    let mut routines_placed = Vec::new();
    for (k, entry) in lowered.into_iter().enumerate() {
        let is_routine = k as u32 >= user_functions;
        let (func, ir, lowered) = match entry {
            Ok(x) => x,
            Err(_) if is_routine => continue,
            Err(e) => {
                declined.push(e);
                continue;
            }
        };
        if lowered.code.iter().any(|e| matches!(e, lower::Emit::Inst(Inst::Vfp(_)))) {
            fpscr = Some(FPSCR_REQUIRED);
        }
        let start = starts[k];
        asm.bind(start);
        let base = label_base(&mut asm, &lowered.code);
        let saved_s = lowered.saved_s.map_or(0, |run| run.count() as u32);
        let pushed = 4 * (lowered.saved.len() as u32 + 1 + saved_s);
        for e in &lowered.code {
            match e {
                lower::Emit::Inst(i) => asm.emit(relabel(*i, base)),
                lower::Emit::Bind(l) => asm.bind(Label(l.0 + base)),
                lower::Emit::Prologue => {
                    let push: Vec<Reg> = lowered.saved.iter().copied().chain([Reg::Lr]).collect();
                    asm.emit(Inst::Push(thumb::RegList::new(&push)));
                    if let Some(run) = lowered.saved_s {
                        asm.emit(Inst::Vfp(thumb::vfp::Vfp::Push(run)));
                    }
                    frame_adjust(&mut asm, true, lowered.frame_bytes);
                }
                lower::Emit::Epilogue => {
                    frame_adjust(&mut asm, false, lowered.frame_bytes);
                    if let Some(run) = lowered.saved_s {
                        asm.emit(Inst::Vfp(thumb::vfp::Vfp::Pop(run)));
                    }
                    let pop: Vec<Reg> = lowered.saved.iter().copied().chain([Reg::Pc]).collect();
                    asm.emit(Inst::Pop(thumb::RegList::new(&pop)));
                }
                lower::Emit::Note(note) => {
                    let site = asm.new_label();
                    asm.bind(site);
                    notes.push((site, *note));
                }
                lower::Emit::Call(callee) => asm.emit(Inst::Bl { target: starts[*callee as usize] }),
                lower::Emit::DataAddress { rd, offset } => {
                    let site = asm.new_label();
                    asm.bind(site);
                    let addr = DATA_BASE + offset;
                    asm.emit(Inst::Movw { rd: *rd, imm: addr as u16 });
                    asm.emit(Inst::Movt { rd: *rd, imm: (addr >> 16) as u16 });
                    address_sites.push((site, *rd, *offset));
                }
                lower::Emit::CallHelper(h) => {
                    asm.emit(Inst::Bl { target: helper_label(*h) });
                    helpers_used.push(*h);
                }
                lower::Emit::IncomingArg { rt, index } => {
                    let ignore_frame = fault::injected!(opts.inject, IncomingStackArgsIgnoreFrame);
                    let frame = if ignore_frame { 0 } else { lowered.frame_bytes };
                    let off = frame + pushed + 4 * index;
                    let word = thumb::LoadKind::Word;
                    match thumb::MemOffset::new(off as i32) {
                        Some(offset) => asm.emit(Inst::Load { kind: word, rt: *rt, rn: Reg::Sp, offset }),
                        None => {
                            // Far up the caller's argument area: address its start first.
                            let base = thumb::Imm12::new(lowered.frame_bytes + pushed)
                                .expect("frame bounded by MAX_FRAME");
                            let offset =
                                thumb::MemOffset::new(4 * *index as i32).expect("at most 1,000 parameters");
                            asm.emit(Inst::AddW { rd: *rt, rn: Reg::Sp, imm: base });
                            asm.emit(Inst::Load { kind: word, rt: *rt, rn: *rt, offset });
                        }
                    }
                }
            }
        }
        if is_routine {
            routines_placed.push((func.export.unwrap_or_default(), start));
        } else {
            pending.push((func.index, func.export, ir, lowered.stats, start));
        }
    }
    // Runtime helpers the functions call (the signed division calls the unsigned one).
    if helpers_used.contains(&lower::Helper::DivMod64S) {
        helpers_used.push(lower::Helper::DivMod64U);
    }
    let helper_start = asm.new_label();
    asm.bind(helper_start);
    for h in lower::Helper::ALL {
        if helpers_used.contains(&h) {
            asm.bind(helper_label(h));
            lower::pairs_helper_body(h, &mut asm, helper_label(lower::Helper::DivMod64U));
        }
    }
    // Table entries of declined functions point here: a run that gets there is inconclusive.
    let declined_stub = asm.new_label();
    asm.bind(declined_stub);
    asm.emit(Inst::Udf { imm: TrapCode::DeclinedFunction.udf_imm() });
    let assembled = asm
        .finish()
        .map_err(|e| CompileError::Internal { function: "<module>".into(), what: e.to_string() })?;
    let mut functions = Vec::new();
    for (index, export, ir, stats, start) in pending {
        let begin = assembled.labels[start.0 as usize].expect("bound");
        let name = export.clone().unwrap_or_else(|| format!("func[{index}]"));
        functions.push(CompiledFunction {
            index,
            name,
            exported: export.is_some(),
            params: ir.params,
            param_types: ir.types[..ir.params as usize].to_vec(),
            results: ir.results.clone(),
            addr: TEXT_BASE + begin,
            stats,
            insts: Vec::new(),
            notes: Vec::new(),
        });
    }
    // Table entries: code address with the Thumb bit and signature id (null: zeros). A declined
    // function's entry has its signature and the stub's address.
    let stub = TEXT_BASE + assembled.labels[declined_stub.0 as usize].expect("bound");
    if let Some(t) = &table {
        data.resize((t.addr + 8 * t.entries.len() as u32 - DATA_BASE) as usize, 0);
        for (i, entry) in t.entries.iter().enumerate() {
            let Some(index) = *entry else { continue };
            let addr = functions.iter().find(|f| f.index == index).map_or(stub, |f| f.addr);
            let at = (t.addr - DATA_BASE) as usize + 8 * i;
            data[at..at + 4].copy_from_slice(&(addr | 1).to_le_bytes());
            data[at + 4..at + 8].copy_from_slice(&func_sig_ids[index as usize].to_le_bytes());
        }
    }
    // Function extents: each function runs to the next one's start (or the end of `.text`).
    let routine_starts: Vec<u32> =
        routines_placed.iter().map(|(_, l)| assembled.labels[l.0 as usize].expect("bound")).collect();
    let mut starts: Vec<u32> = functions.iter().map(|f| f.addr - TEXT_BASE).collect();
    starts.extend(&routine_starts);
    starts.push(assembled.labels[helper_start.0 as usize].expect("bound"));
    starts.sort();
    let extent_end =
        |begin: u32| *starts.iter().find(|s| **s > begin).unwrap_or(&(assembled.bytes.len() as u32));
    let runtime = routines_placed
        .iter()
        .zip(&routine_starts)
        .map(|((name, _), begin)| RuntimeRoutine {
            name: name.clone(),
            addr: TEXT_BASE + begin,
            code_bytes: extent_end(*begin) - begin,
            insts: assembled
                .insts
                .iter()
                .filter(|p| (*begin..extent_end(*begin)).contains(&p.offset))
                .cloned()
                .collect(),
        })
        .collect();
    for f in &mut functions {
        let begin = f.addr - TEXT_BASE;
        let end = extent_end(begin);
        f.stats.code_bytes = end - begin;
        f.notes = notes
            .iter()
            .map(|(site, note)| (assembled.labels[site.0 as usize].expect("bound"), *note))
            .filter(|(at, _)| (begin..end).contains(at))
            .map(|(at, note)| (TEXT_BASE + at, note))
            .collect();
        f.insts = assembled.insts.iter().filter(|p| p.offset >= begin && p.offset < end).cloned().collect();
    }
    let data_addresses = address_sites
        .into_iter()
        .map(|(site, rd, offset)| DataAddress {
            at: assembled.labels[site.0 as usize].expect("bound"),
            rd,
            offset,
        })
        .collect();
    Ok(CompiledModule {
        data_addresses,
        cpu: opts.cpu,
        data,
        data_addr: DATA_BASE,
        globals,
        memory,
        table,
        text: assembled.bytes,
        text_addr: TEXT_BASE,
        functions,
        declined,
        fpscr,
        runtime,
        float_abi,
    })
}

/// The FPSCR compiled float code requires: round to nearest (RMode 0), no flush to zero
/// (FZ = 0: WebAssembly keeps denormals), default NaN (DN, bit 25: every arithmetic NaN is the
/// canonical 0x7FC00000 / 0x7FF8000000000000, which WebAssembly always allows).
pub const FPSCR_REQUIRED: u32 = 1 << 25;

/// Reserves fresh assembler labels for one function's local labels and returns their base.
fn label_base(asm: &mut Assembler, code: &[lower::Emit]) -> u32 {
    let max = code
        .iter()
        .filter_map(|e| match e {
            lower::Emit::Bind(l) => Some(l.0),
            lower::Emit::Inst(Inst::B { target, .. }) | lower::Emit::Inst(Inst::Bl { target }) => {
                Some(target.0)
            }
            _ => None,
        })
        .max();
    let Some(max) = max else { return 0 };
    let base = asm.new_label().0;
    for _ in 0..max {
        asm.new_label();
    }
    base
}

fn relabel(i: Inst, base: u32) -> Inst {
    match i {
        Inst::B { cond, target } => Inst::B { cond, target: Label(target.0 + base) },
        Inst::Bl { target } => Inst::Bl { target: Label(target.0 + base) },
        other => other,
    }
}

fn frame_adjust(asm: &mut Assembler, setup: bool, bytes: u32) {
    if bytes == 0 {
        return;
    }
    if bytes <= 508 {
        asm.emit(Inst::AdjustSp { sub: setup, imm: bytes as u16 });
    } else {
        let imm = thumb::Imm12::new(bytes).expect("frame size checked by lower");
        asm.emit(if setup {
            Inst::SubW { rd: Reg::Sp, rn: Reg::Sp, imm }
        } else {
            Inst::AddW { rd: Reg::Sp, rn: Reg::Sp, imm }
        });
    }
}
