//! WebAssembly → IR. Validates with wasmparser, then walks each function body once, simulating
//! the operand stack: stack entries are constants, temporaries, or (lazily) locals, so
//! `local.get` costs nothing until the local is overwritten.

use crate::ir::*;
use crate::trap::TrapCode;
use crate::CompileError;
use wasmparser::{BlockType, FunctionBody, Operator, Parser, Payload, ValType, Validator};

/// Everything the backend needs from a module.
pub struct ModuleInfo {
    pub functions: Vec<FuncSource>,
    /// Every function's signature id (what `call_indirect` compares).
    pub func_sig_ids: Vec<u32>,
    pub globals: Vec<GlobalInfo>,
    /// The linear memory, if the module has one, or why it is out of scope.
    pub memory: Option<Result<MemoryInfo, String>>,
    /// The function table, if the module has one, or why it is out of scope.
    pub table: Option<Result<TableInfo, String>>,
}

/// The module's function table (one, fixed size: `table.grow` and `table.set` are out of
/// scope). It lives in the data area after the globals, 8 bytes per entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableInfo {
    pub addr: u32,
    /// Function index of every entry (`None`: null), after the active element segments.
    pub entries: Vec<Option<u32>>,
}

/// Most table entries supported (the table lives in the 64 KiB data area).
pub const MAX_TABLE_ENTRIES: u32 = 4096;

/// The module's linear memory (one, 32-bit, 64 KiB pages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryInfo {
    pub min_pages: u32,
    /// The most pages `memory.grow` may reach: the declared maximum, capped by the compile
    /// option (the embedder's limit; the harness gives wasmtime the same one).
    pub max_pages: u32,
    pub export: Option<String>,
    /// Active data segments: offset and bytes, in order (later ones overwrite earlier ones).
    pub data: Vec<(u32, Vec<u8>)>,
}

/// Bytes in a WebAssembly page.
pub const PAGE_BYTES: u32 = 0x1_0000;

/// A global of the module. Globals live in the data area, 8 bytes each (see `global_addr`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalInfo {
    pub index: u32,
    pub export: Option<String>,
    pub mutable: bool,
    pub ty: Ty,
    /// The initial value (an i32 sign-extended), or why the global is out of scope (its type or
    /// initializer).
    pub init: Result<i64, String>,
}

#[derive(Clone)]
pub struct FuncSource {
    pub index: u32,
    /// The export name, if exported (the first one if exported several times).
    pub export: Option<String>,
    pub ir: Result<IrFunction, CompileError>,
}

/// Most parameters a function may take: four in R0–R3, the rest on the stack (AAPCS). Each
/// stack word must be reachable by a 12-bit offset; a caller's frame holds its outgoing ones.
pub const MAX_PARAMS: usize = 1000;

pub fn translate_module(wasm: &[u8], max_memory_pages: u32) -> Result<ModuleInfo, CompileError> {
    Validator::new().validate_all(wasm).map_err(|e| CompileError::Invalid(e.to_string()))?;
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut exports: Vec<(u32, String)> = Vec::new();
    let mut global_exports: Vec<(u32, String)> = Vec::new();
    let mut bodies: Vec<FunctionBody> = Vec::new();
    let mut globals: Vec<GlobalInfo> = Vec::new();
    let mut memory: Option<Result<MemoryInfo, String>> = None;
    let mut memory_export: Option<String> = None;
    let mut table: Option<Result<TableInfo, String>> = None;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| CompileError::Invalid(e.to_string()))?;
        match payload {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(|e| CompileError::Invalid(e.to_string()))?);
                }
            }
            Payload::ImportSection(r) if r.count() > 0 => {
                return Err(CompileError::unsupported_module("imports"));
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    func_types.push(t.map_err(|e| CompileError::Invalid(e.to_string()))?);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.map_err(|e| CompileError::Invalid(e.to_string()))?;
                    match e.kind {
                        wasmparser::ExternalKind::Func => exports.push((e.index, e.name.to_string())),
                        wasmparser::ExternalKind::Global => {
                            global_exports.push((e.index, e.name.to_string()))
                        }
                        wasmparser::ExternalKind::Memory => {
                            memory_export.get_or_insert_with(|| e.name.to_string());
                        }
                        _ => {}
                    }
                }
            }
            Payload::GlobalSection(r) => {
                for g in r {
                    let g = g.map_err(|e| CompileError::Invalid(e.to_string()))?;
                    let ty = value_type(g.ty.content_type).unwrap_or(Ty::I32);
                    let init = if value_type(g.ty.content_type).is_none() {
                        Err(format!("global of type {}", g.ty.content_type))
                    } else {
                        let ops: Vec<Operator> = g
                            .init_expr
                            .get_operators_reader()
                            .into_iter()
                            .collect::<Result<_, _>>()
                            .map_err(|e| CompileError::Invalid(e.to_string()))?;
                        match ops.as_slice() {
                            [Operator::I32Const { value }, Operator::End] => Ok(*value as i64),
                            [Operator::I64Const { value }, Operator::End] => Ok(*value),
                            [Operator::F32Const { value }, Operator::End] => Ok(value.bits() as i64),
                            [Operator::F64Const { value }, Operator::End] => Ok(value.bits() as i64),
                            [Operator::GlobalGet { global_index }, Operator::End] => globals
                                .get(*global_index as usize)
                                .and_then(|g: &GlobalInfo| g.init.clone().ok())
                                .ok_or_else(|| "global with a computed initializer".to_string()),
                            _ => Err("global with a computed initializer".to_string()),
                        }
                    };
                    let index = globals.len() as u32;
                    globals.push(GlobalInfo { index, export: None, mutable: g.ty.mutable, ty, init });
                }
            }
            Payload::MemorySection(r) => {
                let mut types = Vec::new();
                for m in r {
                    types.push(m.map_err(|e| CompileError::Invalid(e.to_string()))?);
                }
                memory = types.first().map(|m| memory_type(m, types.len(), max_memory_pages));
            }
            Payload::TableSection(r) => {
                let mut tables = Vec::new();
                for t in r {
                    tables.push(t.map_err(|e| CompileError::Invalid(e.to_string()))?);
                }
                table = tables.first().map(|t| table_type(t, tables.len()));
            }
            Payload::ElementSection(r) => {
                for e in r {
                    let e = e.map_err(|e| CompileError::Invalid(e.to_string()))?;
                    if let Some(Ok(t)) = &mut table {
                        if let Err(why) = add_element_segment(t, &e, &globals) {
                            table = Some(Err(why));
                        }
                    }
                }
            }
            Payload::DataSection(r) => {
                for d in r {
                    let d = d.map_err(|e| CompileError::Invalid(e.to_string()))?;
                    if let Some(Ok(m)) = &mut memory {
                        if let Err(why) = add_data_segment(m, &d, &globals) {
                            memory = Some(Err(why));
                        }
                    }
                }
            }
            Payload::StartSection { .. } => return Err(CompileError::unsupported_module("a start function")),
            Payload::CodeSectionEntry(body) => bodies.push(body),
            _ => {}
        }
    }
    if let Some(Ok(t)) = &mut table {
        t.addr = crate::table_addr(globals.len() as u32);
    }
    let signatures: Vec<&wasmparser::FuncType> = func_types.iter().map(|t| &types[*t as usize]).collect();
    // Signature ids for `call_indirect`: structurally equal types share one (the first's
    // index + 1; 0 never matches, so a null entry cannot pass the check).
    let sig_ids: Vec<u32> =
        types.iter().map(|t| 1 + types.iter().position(|u| u == t).expect("t is in types") as u32).collect();
    let func_sig_ids: Vec<u32> = func_types.iter().map(|t| sig_ids[*t as usize]).collect();
    let functions = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let index = i as u32;
            let export = exports.iter().find(|(f, _)| *f == index).map(|(_, n)| n.clone());
            let name = export.clone().unwrap_or_else(|| format!("func[{index}]"));
            let module = ModuleScope {
                signatures: &signatures,
                sig_ids: &sig_ids,
                types: &types,
                globals: &globals,
                memory: memory.as_ref(),
                table: table.as_ref(),
            };
            let ir = translate_function(&name, signatures[i], &module, &body);
            FuncSource { index, export, ir }
        })
        .collect();
    for (index, name) in global_exports {
        if let Some(g) = globals.get_mut(index as usize) {
            g.export.get_or_insert(name);
        }
    }
    if let Some(Ok(m)) = &mut memory {
        m.export = memory_export;
    }
    Ok(ModuleInfo { functions, globals, memory, table, func_sig_ids })
}

/// The table of a module with `count` tables, or why it is out of scope.
fn table_type(t: &wasmparser::Table, count: usize) -> Result<TableInfo, String> {
    if count > 1 {
        return Err("multiple tables".into());
    }
    if t.ty.element_type != wasmparser::RefType::FUNCREF || t.ty.table64 || t.ty.shared {
        return Err(format!("a table of {}", t.ty.element_type));
    }
    if !matches!(t.init, wasmparser::TableInit::RefNull) {
        return Err("a table with an initializer expression".into());
    }
    if t.ty.initial > MAX_TABLE_ENTRIES as u64 {
        return Err(format!("a table of {} entries (at most {MAX_TABLE_ENTRIES})", t.ty.initial));
    }
    // The address is set once the globals (a later section) are known.
    Ok(TableInfo { addr: 0, entries: vec![None; t.ty.initial as usize] })
}

/// Applies an active element segment to the table's initial entries.
fn add_element_segment(
    t: &mut TableInfo,
    e: &wasmparser::Element,
    globals: &[GlobalInfo],
) -> Result<(), String> {
    let wasmparser::ElementKind::Active { offset_expr, .. } = &e.kind else { return Ok(()) };
    let offset =
        const_offset(offset_expr, globals).ok_or("an element segment whose offset is not a constant")?;
    let items: Vec<Option<u32>> = match &e.items {
        wasmparser::ElementItems::Functions(r) => {
            r.clone().into_iter().map(|f| f.map(Some)).collect::<Result<_, _>>().map_err(|e| e.to_string())?
        }
        wasmparser::ElementItems::Expressions(_, r) => {
            let mut items = Vec::new();
            for expr in r.clone() {
                let ops: Vec<Operator> = expr
                    .map_err(|e| e.to_string())?
                    .get_operators_reader()
                    .into_iter()
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())?;
                items.push(match ops.as_slice() {
                    [Operator::RefFunc { function_index }, Operator::End] => Some(*function_index),
                    [Operator::RefNull { .. }, Operator::End] => None,
                    _ => return Err("an element expression other than ref.func / ref.null".into()),
                });
            }
            items
        }
    };
    let end = offset as u64 + items.len() as u64;
    if end > t.entries.len() as u64 {
        return Err("an element segment out of bounds (instantiation traps)".into());
    }
    t.entries[offset as usize..end as usize].copy_from_slice(&items);
    Ok(())
}

/// The value of a constant offset expression (`i32.const`, or `global.get` of a constant global).
fn const_offset(expr: &wasmparser::ConstExpr, globals: &[GlobalInfo]) -> Option<u32> {
    let ops: Vec<Operator> = expr.get_operators_reader().into_iter().collect::<Result<_, _>>().ok()?;
    match ops.as_slice() {
        [Operator::I32Const { value }, Operator::End] => Some(*value as u32),
        [Operator::GlobalGet { global_index }, Operator::End] => {
            globals.get(*global_index as usize)?.init.clone().ok().map(|v| v as u32)
        }
        _ => None,
    }
}

/// The memory of a module with `count` memories, or why it is out of scope.
fn memory_type(m: &wasmparser::MemoryType, count: usize, cap: u32) -> Result<MemoryInfo, String> {
    if count > 1 {
        return Err("multiple memories".into());
    }
    if m.memory64 {
        return Err("a 64-bit memory".into());
    }
    if m.shared {
        return Err("a shared memory".into());
    }
    if m.page_size_log2.is_some() {
        return Err("a custom page size".into());
    }
    if m.initial > cap as u64 {
        return Err(format!("a memory of {} pages (at most {cap})", m.initial));
    }
    Ok(MemoryInfo {
        min_pages: m.initial as u32,
        max_pages: m.maximum.map_or(cap, |max| max.min(cap as u64) as u32),
        export: None,
        data: Vec::new(),
    })
}

/// Adds an active data segment to the memory's initial image; passive ones are only used by
/// `memory.init`, which is out of scope.
fn add_data_segment(m: &mut MemoryInfo, d: &wasmparser::Data, globals: &[GlobalInfo]) -> Result<(), String> {
    let wasmparser::DataKind::Active { offset_expr, .. } = &d.kind else { return Ok(()) };
    let offset = const_offset(offset_expr, globals).ok_or("a data segment whose offset is not a constant")?;
    let end = offset as u64 + d.data.len() as u64;
    if end > m.min_pages as u64 * PAGE_BYTES as u64 {
        return Err("a data segment out of bounds (instantiation traps)".into());
    }
    m.data.push((offset, d.data.to_vec()));
    Ok(())
}

/// What a function body may refer to in its module.
struct ModuleScope<'a> {
    /// Every function's type, by function index (for calls).
    signatures: &'a [&'a wasmparser::FuncType],
    /// Signature id of every type, by type index.
    sig_ids: &'a [u32],
    types: &'a [wasmparser::FuncType],
    globals: &'a [GlobalInfo],
    memory: Option<&'a Result<MemoryInfo, String>>,
    table: Option<&'a Result<TableInfo, String>>,
}

fn translate_function(
    name: &str,
    ty: &wasmparser::FuncType,
    module: &ModuleScope,
    body: &FunctionBody,
) -> Result<IrFunction, CompileError> {
    let ModuleScope { signatures, globals, memory, .. } = *module;
    let unsupported = |what: String| CompileError::Unsupported { function: name.to_string(), what };
    if ty.params().len() > MAX_PARAMS {
        return Err(unsupported(format!("{} parameters (at most {MAX_PARAMS})", ty.params().len())));
    }
    if let Some(t) = ty.params().iter().chain(ty.results()).find(|t| value_type(**t).is_none()) {
        return Err(unsupported(format!("value type {t}")));
    }
    let mut t = Translator {
        name,
        signatures,
        sig_ids: module.sig_ids,
        func_types: module.types,
        types: Vec::new(),
        table: module.table,
        globals,
        memory,
        vars: Vec::new(),
        insts: Vec::new(),
        stack: Vec::new(),
        frames: Vec::new(),
        labels: 0,
        skipping: None,
    };
    let params = ty.params().len() as u32;
    for (i, p) in ty.params().iter().enumerate() {
        t.vars.push(VarKind::Local(i as u32));
        t.types.push(value_type(*p).expect("checked above"));
    }
    let locals = body.get_locals_reader().map_err(|e| CompileError::Invalid(e.to_string()))?;
    for local in locals {
        let (count, vt) = local.map_err(|e| CompileError::Invalid(e.to_string()))?;
        let Some(local_ty) = value_type(vt) else {
            return Err(unsupported(format!("local of type {vt}")));
        };
        if t.vars.len() as u64 + count as u64 > 50_000 {
            return Err(unsupported("more than 50000 locals".into()));
        }
        for _ in 0..count {
            let idx = t.vars.len() as u32;
            t.vars.push(VarKind::Local(idx));
            t.types.push(local_ty);
        }
    }
    let results: Vec<Ty> = ty.results().iter().map(|r| value_type(*r).expect("checked above")).collect();
    // Several results go to a caller-provided area whose address arrives as a hidden argument:
    // a local of its own after the declared ones.
    let ret_ptr = (results.len() > 1).then(|| {
        let idx = t.vars.len() as u32;
        t.vars.push(VarKind::Local(idx));
        t.types.push(Ty::I32);
        Var(idx)
    });
    let num_locals = t.vars.len() as u32;
    let func_label = t.new_label();
    t.frames.push(Frame {
        kind: FrameKind::Func,
        label: func_label,
        results: results.clone(),
        result_vars: Vec::new(),
        param_vars: Vec::new(),
        if_params: Vec::new(),
        end_targeted: false,
        height: 0,
    });
    let mut reader = body.get_operators_reader().map_err(|e| CompileError::Invalid(e.to_string()))?;
    while !reader.eof() {
        let op = reader.read().map_err(|e| CompileError::Invalid(e.to_string()))?;
        t.operator(op)?;
    }
    Ok(IrFunction {
        name: name.to_string(),
        params,
        results,
        ret_ptr,
        vars: t.vars,
        types: t.types,
        num_locals,
        num_labels: t.labels,
        insts: t.insts,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Func,
    Block,
    Loop,
    If { else_label: LabelId },
    Else,
}

struct Frame {
    kind: FrameKind,
    /// Branch target: the end for blocks/ifs, the head for loops.
    label: LabelId,
    /// The types of the block's results.
    results: Vec<Ty>,
    /// Where branches to this frame's end leave the results (created on first use).
    result_vars: Vec<Var>,
    /// Loops: the variables holding the loop's parameters (set on entry and by branches to it).
    param_vars: Vec<Var>,
    /// `if`: its parameters, which the else arm starts with too.
    if_params: Vec<Operand>,
    end_targeted: bool,
    height: usize,
}

struct Translator<'a> {
    name: &'a str,
    /// Every function's type, by function index (for calls).
    signatures: &'a [&'a wasmparser::FuncType],
    sig_ids: &'a [u32],
    /// The module's types, by type index (for `call_indirect`).
    func_types: &'a [wasmparser::FuncType],
    /// Type of every variable, by `Var.0`.
    types: Vec<Ty>,
    table: Option<&'a Result<TableInfo, String>>,
    globals: &'a [GlobalInfo],
    memory: Option<&'a Result<MemoryInfo, String>>,
    vars: Vec<VarKind>,
    insts: Vec<IrInst>,
    stack: Vec<Operand>,
    frames: Vec<Frame>,
    labels: u32,
    /// `Some(depth)` while skipping dead code: `depth` counts blocks opened inside the dead region.
    skipping: Option<u32>,
}

impl<'a> Translator<'a> {
    /// Global `index`, if in scope (an i32 with a constant initializer).
    fn global(&self, index: u32) -> Result<&'a GlobalInfo, CompileError> {
        let g = &self.globals[index as usize];
        match &g.init {
            Ok(_) => Ok(g),
            Err(why) => Err(CompileError::Unsupported { function: self.name.to_string(), what: why.clone() }),
        }
    }

    /// The linear memory, if in scope (validation guarantees there is one).
    fn memory(&self) -> Result<&'a MemoryInfo, CompileError> {
        match self.memory {
            Some(Ok(m)) => Ok(m),
            Some(Err(why)) => {
                Err(CompileError::Unsupported { function: self.name.to_string(), what: why.clone() })
            }
            None => Err(CompileError::Invalid("memory access without a memory".into())),
        }
    }

    fn load(&mut self, kind: MemLoad, memarg: wasmparser::MemArg) -> Result<(), CompileError> {
        self.load_as(kind, memarg, Ty::I32)
    }

    fn load_as(&mut self, kind: MemLoad, memarg: wasmparser::MemArg, ty: Ty) -> Result<(), CompileError> {
        self.memory()?;
        let addr = self.pop();
        let dst = self.temp(ty);
        let offset = memarg.offset as u32; // validated: 32-bit memories have 32-bit offsets
        self.emit(IrInst::Load { kind, dst, addr, offset });
        self.stack.push(Operand::Var(dst));
        Ok(())
    }

    fn load64(&mut self, kind: MemLoad64, memarg: wasmparser::MemArg) -> Result<(), CompileError> {
        self.memory()?;
        let addr = self.pop();
        let dst = self.temp(Ty::I64);
        self.emit(IrInst::Load64 { kind, dst, addr, offset: memarg.offset as u32 });
        self.stack.push(Operand::Var(dst));
        Ok(())
    }

    fn store64(&mut self, kind: MemStore, memarg: wasmparser::MemArg) -> Result<(), CompileError> {
        self.memory()?;
        let value = self.pop64();
        let addr = self.pop();
        self.emit(IrInst::Store64 { kind, addr, value, offset: memarg.offset as u32 });
        Ok(())
    }

    fn store(&mut self, kind: MemStore, memarg: wasmparser::MemArg) -> Result<(), CompileError> {
        self.memory()?;
        let value = self.pop();
        let addr = self.pop();
        self.emit(IrInst::Store { kind, addr, value, offset: memarg.offset as u32 });
        Ok(())
    }

    fn unsupported(&self, op: &Operator) -> CompileError {
        CompileError::Unsupported {
            function: self.name.to_string(),
            what: format!("operator {}", operator_name(op)),
        }
    }

    fn new_label(&mut self) -> LabelId {
        self.labels += 1;
        LabelId(self.labels - 1)
    }

    /// A call's arguments off the operand stack, each of the parameter's type: the hard-float
    /// convention passes floats apart from integers (`abi`), and a reinterpretation changes only
    /// the operand's type on the stack, not its variable's, so a float made by integer work (a
    /// constant, an immediate, `f32.reinterpret_i32`) or an integer made from a float
    /// (`i32.reinterpret_f32`) is copied into a variable of the right type first.
    fn call_arguments(&mut self, params: &[wasmparser::ValType]) -> Vec<Operand> {
        let mut args = self.stack.split_off(self.stack.len() - params.len());
        for (arg, ty) in args.iter_mut().zip(params) {
            let Some(ty) = value_type(*ty) else { continue };
            let typed = match *arg {
                Operand::Var(v) => self.types[v.0 as usize] == ty,
                Operand::Imm(_) => ty == Ty::I32,
            };
            if !typed {
                let dst = self.temp(ty);
                self.emit(IrInst::Copy { dst, src: *arg });
                *arg = Operand::Var(dst);
            }
        }
        args
    }

    fn temp(&mut self, ty: Ty) -> Var {
        self.vars.push(VarKind::Temp);
        self.types.push(ty);
        Var(self.vars.len() as u32 - 1)
    }

    fn loop_param(&mut self, ty: Ty) -> Var {
        self.vars.push(VarKind::LoopParam);
        self.types.push(ty);
        Var(self.vars.len() as u32 - 1)
    }

    fn ty(&self, op: Operand) -> Ty {
        match op {
            Operand::Imm(_) => Ty::I32,
            Operand::Var(v) => self.types[v.0 as usize],
        }
    }

    /// `dst = src`, either type.
    fn copy(&mut self, dst: Var, src: Operand) {
        self.emit(IrInst::Copy { dst, src });
    }

    /// Pops an i64 operand (always a variable: i64 constants are materialized by `i64.const`).
    fn pop64(&mut self) -> Var {
        match self.pop() {
            Operand::Var(v) => v,
            Operand::Imm(_) => unreachable!("validated: an i64 operand is never an i32 immediate"),
        }
    }

    fn pop(&mut self) -> Operand {
        self.stack.pop().expect("validated: operand stack underflow cannot happen")
    }

    fn emit(&mut self, inst: IrInst) {
        self.insts.push(inst);
    }

    fn is_local(&self, v: Var) -> bool {
        matches!(self.vars[v.0 as usize], VarKind::Local(_))
    }

    /// Replaces stack entries that lazily refer to a local with copies (all locals if `only` is
    /// `None`), so a later write to the local — or control flow — cannot change them.
    fn materialize_locals(&mut self, only: Option<Var>) {
        for i in 0..self.stack.len() {
            if let Operand::Var(v) = self.stack[i] {
                if self.is_local(v) && only.is_none_or(|o| o == v) {
                    let t = self.temp(self.types[v.0 as usize]);
                    self.copy(t, Operand::Var(v));
                    self.stack[i] = Operand::Var(t);
                }
            }
        }
    }

    /// The variables branches to frame `f`'s end leave its results in.
    fn result_vars(&mut self, f: usize) -> Vec<Var> {
        if self.frames[f].result_vars.len() != self.frames[f].results.len() {
            let vars = self.frames[f].results.clone().into_iter().map(|t| self.temp(t)).collect();
            self.frames[f].result_vars = vars;
        }
        self.frames[f].result_vars.clone()
    }

    /// The top `n` stack values (bottom first), left on the stack.
    fn top(&self, n: usize) -> Vec<Operand> {
        self.stack[self.stack.len() - n..].to_vec()
    }

    /// `dsts[i] = srcs[i]` for all `i` at once: through fresh temporaries when a source is also a
    /// destination (a loop parameter passed on in another position).
    fn copy_all(&mut self, dsts: &[Var], srcs: &[Operand]) {
        let overlap = srcs.iter().any(|s| s.var().is_some_and(|v| dsts.contains(&v)));
        let srcs: Vec<Operand> = if overlap {
            srcs.iter()
                .map(|s| {
                    let t = self.temp(self.ty(*s));
                    self.copy(t, *s);
                    Operand::Var(t)
                })
                .collect()
        } else {
            srcs.to_vec()
        };
        for (d, s) in dsts.iter().zip(srcs) {
            self.copy(*d, s);
        }
    }

    fn local_set(&mut self, local: u32, value: Operand) {
        let local = Var(local);
        self.materialize_locals(Some(local));
        // Retarget the instruction that just produced a temporary instead of copying it, when
        // the local has the temporary's type: after a reinterpretation (`f32.reinterpret_i32`)
        // the producer's result is where its own type says (a call's i32 result in R0, not S0),
        // and the copy is what moves it.
        if let Operand::Var(v) = value {
            if !self.is_local(v) && self.types[v.0 as usize] == self.types[local.0 as usize] {
                if let Some(last) = self.insts.last_mut() {
                    if last.def() == Some(v) && !self.stack.contains(&value) {
                        *last.def_mut().expect("def() is Some") = local;
                        return;
                    }
                }
            }
        }
        self.emit(IrInst::Copy { dst: local, src: value });
    }

    /// A block type's parameter and result types.
    fn block_type(&self, bt: BlockType, op: &str) -> Result<(Vec<Ty>, Vec<Ty>), CompileError> {
        let unsupported = |t: ValType| CompileError::Unsupported {
            function: self.name.to_string(),
            what: format!("{op} with a value of type {t}"),
        };
        let convert = |ts: &[ValType]| -> Result<Vec<Ty>, CompileError> {
            ts.iter().map(|t| value_type(*t).ok_or_else(|| unsupported(*t))).collect()
        };
        match bt {
            BlockType::Empty => Ok((Vec::new(), Vec::new())),
            BlockType::Type(t) => Ok((Vec::new(), vec![value_type(t).ok_or_else(|| unsupported(t))?])),
            BlockType::FuncType(i) => {
                let ft = &self.func_types[i as usize];
                Ok((convert(ft.params())?, convert(ft.results())?))
            }
        }
    }

    /// Handles a branch to `depth`: carries the values (a block's results, a loop's parameters)
    /// and jumps, or returns when the target is the function itself.
    fn branch_to(&mut self, depth: u32, cond: Option<Operand>) {
        let f = self.frames.len() - 1 - depth as usize;
        match self.frames[f].kind {
            FrameKind::Func => {
                let values = self.top(self.frames[f].results.len());
                match cond {
                    None => self.emit(IrInst::Return(values)),
                    Some(c) => {
                        // Conditional return: branch around an inline return.
                        let skip = self.new_label();
                        self.emit(IrInst::Branch { cond: c, if_zero: true, target: skip });
                        self.emit(IrInst::Return(values));
                        self.emit(IrInst::Label(skip));
                    }
                }
            }
            FrameKind::Loop if !self.frames[f].param_vars.is_empty() => {
                // The parameters may still be read on the stack if the branch is not taken:
                // they are set only on the taken path.
                let skip = cond.map(|c| {
                    let skip = self.new_label();
                    self.emit(IrInst::Branch { cond: c, if_zero: true, target: skip });
                    skip
                });
                self.loop_back(f);
                if let Some(skip) = skip {
                    self.emit(IrInst::Label(skip));
                }
            }
            kind => {
                let target = self.frames[f].label;
                if kind != FrameKind::Loop {
                    self.frames[f].end_targeted = true;
                    let vars = self.result_vars(f);
                    let values = self.top(vars.len());
                    self.copy_all(&vars, &values);
                }
                match cond {
                    None => self.emit(IrInst::Jump(target)),
                    Some(c) => self.emit(IrInst::Branch { cond: c, if_zero: false, target }),
                }
            }
        }
    }

    /// Sets loop `f`'s parameters from the top of the stack and jumps to its head.
    fn loop_back(&mut self, f: usize) {
        let vars = self.frames[f].param_vars.clone();
        let values = self.top(vars.len());
        self.copy_all(&vars, &values);
        self.emit(IrInst::Jump(self.frames[f].label));
    }

    /// `br_table`: the carried values go to every distinct block target's result variables, then
    /// one dispatch on the index. A loop target with parameters gets a trampoline after the
    /// dispatch that sets them (only on its own path).
    fn branch_table(&mut self, depths: &[u32], default: u32) {
        let index = self.pop();
        let mut labels = Vec::with_capacity(depths.len() + 1);
        let mut done: Vec<usize> = Vec::new();
        let mut trampolines: Vec<(LabelId, usize)> = Vec::new();
        for &depth in depths.iter().chain(std::iter::once(&default)) {
            let f = self.frames.len() - 1 - depth as usize;
            if self.frames[f].kind == FrameKind::Loop {
                if self.frames[f].param_vars.is_empty() {
                    labels.push(self.frames[f].label);
                } else {
                    let existing = trampolines.iter().find(|(_, g)| *g == f).map(|(l, _)| *l);
                    let l = existing.unwrap_or_else(|| {
                        let l = self.new_label();
                        trampolines.push((l, f));
                        l
                    });
                    labels.push(l);
                }
                continue;
            }
            labels.push(self.frames[f].label);
            if done.contains(&f) {
                continue;
            }
            done.push(f);
            self.frames[f].end_targeted = true;
            let vars = self.result_vars(f);
            let values = self.top(vars.len());
            self.copy_all(&vars, &values);
        }
        let default = labels.pop().expect("the default target");
        self.emit(IrInst::BranchTable { index, targets: labels, default });
        for (l, f) in trampolines {
            self.emit(IrInst::Label(l));
            self.loop_back(f);
        }
    }

    fn enter_dead_code(&mut self) {
        self.skipping = Some(0);
    }

    /// Opens a frame whose `params` values are on top of the stack.
    fn push_frame(&mut self, kind: FrameKind, label: LabelId, params: usize, results: Vec<Ty>) {
        let height = self.stack.len() - params;
        self.frames.push(Frame {
            kind,
            label,
            results,
            result_vars: Vec::new(),
            param_vars: Vec::new(),
            if_params: Vec::new(),
            end_targeted: false,
            height,
        });
    }

    /// The `end` of the innermost frame; `fall` says whether its end is reached by falling
    /// through.
    fn end_frame(&mut self, fall: bool) {
        let frame = self.frames.last().expect("validated: end matches a frame");
        if matches!(frame.kind, FrameKind::If { .. }) && !frame.results.is_empty() {
            // `if` with results but no `else` (then params == results): the false edge passes the
            // parameters through, like an else arm that does nothing.
            self.else_(fall);
            self.end_frame(true);
            return;
        }
        let frame = self.frames.pop().expect("validated");
        let values = if fall { self.top(frame.results.len()) } else { Vec::new() };
        self.stack.truncate(frame.height);
        if let FrameKind::If { else_label } = frame.kind {
            // `if` without `else` or results: the false edge lands here, so the end is reachable.
            self.emit(IrInst::Label(else_label));
            self.frame_join(frame, values, true);
            return;
        }
        if frame.kind == FrameKind::Func {
            if frame.end_targeted {
                // `br_table` entries that return land on the function's own label.
                if fall {
                    self.copy_all(&frame.result_vars, &values);
                }
                self.emit(IrInst::Label(frame.label));
                self.emit(IrInst::Return(frame.result_vars.iter().map(|v| Operand::Var(*v)).collect()));
            } else if fall {
                self.emit(IrInst::Return(values));
            }
            return;
        }
        self.frame_join(frame, values, fall);
    }

    /// Joins the fall-through edge (with `values`) and the branches to the end of `frame`.
    fn frame_join(&mut self, frame: Frame, values: Vec<Operand>, fall: bool) {
        let targeted = frame.end_targeted && frame.kind != FrameKind::Loop;
        if targeted {
            if fall {
                self.copy_all(&frame.result_vars, &values);
            }
            self.emit(IrInst::Label(frame.label));
            self.stack.extend(frame.result_vars.iter().map(|v| Operand::Var(*v)));
        } else if fall {
            self.stack.extend(values);
        } else {
            self.enter_dead_code();
        }
    }

    fn bin(&mut self, op: BinOp) {
        let b = self.pop();
        let a = self.pop();
        let dst = self.temp(Ty::I32);
        self.emit(IrInst::Bin { op, dst, a, b });
        self.stack.push(Operand::Var(dst));
    }

    fn bin64(&mut self, op: BinOp) {
        let b = self.pop64();
        let a = self.pop64();
        let dst = self.temp(Ty::I64);
        self.emit(IrInst::Bin64 { op, dst, a, b });
        self.stack.push(Operand::Var(dst));
    }

    fn cmp64(&mut self, op: BinOp) {
        let b = self.pop64();
        let a = self.pop64();
        let dst = self.temp(Ty::I32);
        self.emit(IrInst::Cmp64 { op, dst, a, b });
        self.stack.push(Operand::Var(dst));
    }

    fn un64(&mut self, op: UnOp64) {
        let a = self.pop64();
        let dst = self.temp(Ty::I64);
        self.emit(IrInst::Un64 { op, dst, a });
        self.stack.push(Operand::Var(dst));
    }

    fn un(&mut self, op: UnOp) {
        let a = self.pop();
        let dst = self.temp(Ty::I32);
        self.emit(IrInst::Un { op, dst, a });
        self.stack.push(Operand::Var(dst));
    }

    /// `i32.eqz` of a comparison just computed (its temporary on top of the stack, read by
    /// nothing yet) negates the comparison instead: one instruction instead of two.
    fn eqz(&mut self) {
        if let Some(&Operand::Var(t)) = self.stack.last() {
            // Only a temporary: a `local.tee` may have made the comparison write a local.
            let temp = matches!(self.vars[t.0 as usize], VarKind::Temp);
            if let Some(IrInst::Bin { op, dst, .. } | IrInst::Cmp64 { op, dst, .. }) = self.insts.last_mut() {
                if let (true, Some(negated)) = (*dst == t && temp, op.negated_compare()) {
                    *op = negated;
                    return;
                }
            }
        }
        self.un(UnOp::Eqz)
    }

    fn operator(&mut self, op: Operator) -> Result<(), CompileError> {
        if let Some(depth) = self.skipping {
            match op {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    self.skipping = Some(depth + 1)
                }
                Operator::End if depth > 0 => self.skipping = Some(depth - 1),
                Operator::End => {
                    self.skipping = None;
                    self.end_frame(false);
                }
                Operator::Else if depth == 0 => {
                    self.skipping = None;
                    self.else_(false);
                }
                Operator::Else => {}
                // Dead code is still checked against the supported subset: an unsupported
                // structured operator (`try_table`, ...) would otherwise unbalance the count.
                other if !is_plain_supported(&other) => return Err(self.unsupported(&other)),
                _ => {}
            }
            return Ok(());
        }
        match op {
            Operator::Nop => {}
            Operator::Unreachable => {
                self.emit(IrInst::Trap(TrapCode::Unreachable));
                self.enter_dead_code();
            }
            Operator::Block { blockty } => {
                let (params, results) = self.block_type(blockty, "block")?;
                self.materialize_locals(None);
                let l = self.new_label();
                self.push_frame(FrameKind::Block, l, params.len(), results);
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_type(blockty, "loop")?;
                self.materialize_locals(None);
                // Parameters move into loop variables, which branches back to the head set.
                let vars: Vec<Var> = params.iter().map(|t| self.loop_param(*t)).collect();
                let values = self.top(vars.len());
                self.copy_all(&vars, &values);
                let height = self.stack.len() - vars.len();
                self.stack.truncate(height);
                self.stack.extend(vars.iter().map(|v| Operand::Var(*v)));
                let l = self.new_label();
                self.emit(IrInst::Label(l));
                self.push_frame(FrameKind::Loop, l, params.len(), results);
                self.frames.last_mut().expect("pushed").param_vars = vars;
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_type(blockty, "if")?;
                let cond = self.pop();
                self.materialize_locals(None);
                let (else_label, end) = (self.new_label(), self.new_label());
                self.emit(IrInst::Branch { cond, if_zero: true, target: else_label });
                let if_params = self.top(params.len());
                self.push_frame(FrameKind::If { else_label }, end, params.len(), results);
                self.frames.last_mut().expect("pushed").if_params = if_params;
            }
            Operator::Else => self.else_(true),
            Operator::End => self.end_frame(true),
            Operator::Br { relative_depth } => {
                self.branch_to(relative_depth, None);
                self.enter_dead_code();
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                self.branch_to(relative_depth, Some(cond));
            }
            Operator::BrTable { targets } => {
                let depths = targets
                    .targets()
                    .collect::<Result<Vec<u32>, _>>()
                    .map_err(|e| CompileError::Invalid(e.to_string()))?;
                self.branch_table(&depths, targets.default());
                self.enter_dead_code();
            }
            Operator::Call { function_index } => {
                let sig = self.signatures[function_index as usize];
                let integers = sig.params().iter().chain(sig.results()).all(|t| value_type(*t).is_some());
                if !integers || sig.params().len() > MAX_PARAMS {
                    return Err(CompileError::Unsupported {
                        function: self.name.to_string(),
                        what: format!("call of func[{function_index}] with signature {sig}"),
                    });
                }
                // A lazily referenced local is read when the argument is set up, before the call:
                // the call cannot change the caller's locals, so no copy is needed.
                let call_args = self.call_arguments(sig.params());
                let dsts: Vec<Var> =
                    sig.results().iter().map(|r| self.temp(value_type(*r).expect("checked"))).collect();
                self.emit(IrInst::Call { func: function_index, args: call_args, dsts: dsts.clone() });
                self.stack.extend(dsts.into_iter().map(Operand::Var));
            }
            Operator::CallIndirect { type_index, table_index } => {
                let sig = &self.func_types[type_index as usize];
                let integers = sig.params().iter().chain(sig.results()).all(|t| value_type(*t).is_some());
                if !integers || sig.params().len() > MAX_PARAMS {
                    return Err(CompileError::Unsupported {
                        function: self.name.to_string(),
                        what: format!("call_indirect with signature {sig}"),
                    });
                }
                let table = match self.table {
                    Some(Ok(t)) if table_index == 0 => t,
                    Some(Err(why)) => {
                        return Err(CompileError::Unsupported {
                            function: self.name.to_string(),
                            what: why.clone(),
                        })
                    }
                    _ => return Err(CompileError::Invalid("call_indirect without a table".into())),
                };
                let index = self.pop();
                let args = self.call_arguments(sig.params());
                let dsts: Vec<Var> =
                    sig.results().iter().map(|r| self.temp(value_type(*r).expect("checked"))).collect();
                self.emit(IrInst::CallIndirect {
                    sig: self.sig_ids[type_index as usize],
                    table_addr: table.addr,
                    table_size: table.entries.len() as u32,
                    index,
                    args,
                    dsts: dsts.clone(),
                });
                self.stack.extend(dsts.into_iter().map(Operand::Var));
            }
            Operator::Return => {
                let depth = self.frames.len() as u32 - 1;
                self.branch_to(depth, None);
                self.enter_dead_code();
            }
            Operator::Drop => {
                self.pop();
            }
            Operator::Select
            | Operator::TypedSelect { ty: ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 } => {
                let cond = self.pop();
                let b = self.pop();
                let a = self.pop();
                let dst = self.temp(self.ty(a));
                self.emit(IrInst::Select { dst, a, b, cond });
                self.stack.push(Operand::Var(dst));
            }
            Operator::LocalGet { local_index } => self.stack.push(Operand::Var(Var(local_index))),
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.local_set(local_index, v);
            }
            Operator::LocalTee { local_index } => {
                let v = self.pop();
                self.local_set(local_index, v);
                self.stack.push(Operand::Var(Var(local_index)));
            }
            Operator::GlobalGet { global_index } => {
                let g = self.global(global_index)?;
                match (g.mutable, g.ty, g.init.clone()) {
                    // An immutable global is its initializer.
                    (false, Ty::I32 | Ty::F32, Ok(v)) => self.stack.push(Operand::Imm(v as i32)),
                    (false, ty @ (Ty::I64 | Ty::F64), Ok(value)) => {
                        let dst = self.temp(ty);
                        self.emit(IrInst::Const64 { dst, value });
                        self.stack.push(Operand::Var(dst));
                    }
                    _ => {
                        let dst = self.temp(g.ty);
                        self.emit(IrInst::GlobalGet { dst, global: global_index });
                        self.stack.push(Operand::Var(dst));
                    }
                }
            }
            Operator::GlobalSet { global_index } => {
                self.global(global_index)?;
                let src = self.pop();
                self.emit(IrInst::GlobalSet { global: global_index, src });
            }
            Operator::I32Load { memarg } => self.load(MemLoad::I32, memarg)?,
            Operator::I32Load8S { memarg } => self.load(MemLoad::I8S, memarg)?,
            Operator::I32Load8U { memarg } => self.load(MemLoad::I8U, memarg)?,
            Operator::I32Load16S { memarg } => self.load(MemLoad::I16S, memarg)?,
            Operator::I32Load16U { memarg } => self.load(MemLoad::I16U, memarg)?,
            Operator::I32Store { memarg } => self.store(MemStore::I32, memarg)?,
            Operator::I32Store8 { memarg } => self.store(MemStore::I8, memarg)?,
            Operator::I32Store16 { memarg } => self.store(MemStore::I16, memarg)?,
            Operator::MemorySize { .. } => {
                self.memory()?;
                let dst = self.temp(Ty::I32);
                self.emit(IrInst::MemorySize { dst });
                self.stack.push(Operand::Var(dst));
            }
            Operator::MemoryGrow { .. } => {
                let max_pages = self.memory()?.max_pages;
                let delta = self.pop();
                let dst = self.temp(Ty::I32);
                self.emit(IrInst::MemoryGrow { dst, delta, max_pages });
                self.stack.push(Operand::Var(dst));
            }
            Operator::I32Const { value } => self.stack.push(Operand::Imm(value)),
            Operator::I64Const { value } => {
                let dst = self.temp(Ty::I64);
                self.emit(IrInst::Const64 { dst, value });
                self.stack.push(Operand::Var(dst));
            }
            Operator::I64Add => self.bin64(BinOp::Add),
            Operator::I64Sub => self.bin64(BinOp::Sub),
            Operator::I64Mul => self.bin64(BinOp::Mul),
            Operator::I64DivS => self.bin64(BinOp::DivS),
            Operator::I64DivU => self.bin64(BinOp::DivU),
            Operator::I64RemS => self.bin64(BinOp::RemS),
            Operator::I64RemU => self.bin64(BinOp::RemU),
            Operator::I64And => self.bin64(BinOp::And),
            Operator::I64Or => self.bin64(BinOp::Or),
            Operator::I64Xor => self.bin64(BinOp::Xor),
            Operator::I64Shl => self.bin64(BinOp::Shl),
            Operator::I64ShrS => self.bin64(BinOp::ShrS),
            Operator::I64ShrU => self.bin64(BinOp::ShrU),
            Operator::I64Rotl => self.bin64(BinOp::Rotl),
            Operator::I64Rotr => self.bin64(BinOp::Rotr),
            Operator::I64Eq => self.cmp64(BinOp::Eq),
            Operator::I64Ne => self.cmp64(BinOp::Ne),
            Operator::I64LtS => self.cmp64(BinOp::LtS),
            Operator::I64LtU => self.cmp64(BinOp::LtU),
            Operator::I64GtS => self.cmp64(BinOp::GtS),
            Operator::I64GtU => self.cmp64(BinOp::GtU),
            Operator::I64LeS => self.cmp64(BinOp::LeS),
            Operator::I64LeU => self.cmp64(BinOp::LeU),
            Operator::I64GeS => self.cmp64(BinOp::GeS),
            Operator::I64GeU => self.cmp64(BinOp::GeU),
            Operator::I64Clz => self.un64(UnOp64::Clz),
            Operator::I64Ctz => self.un64(UnOp64::Ctz),
            Operator::I64Popcnt => self.un64(UnOp64::Popcnt),
            Operator::I64Extend8S => self.un64(UnOp64::Extend8S),
            Operator::I64Extend16S => self.un64(UnOp64::Extend16S),
            Operator::I64Extend32S => self.un64(UnOp64::Extend32S),
            Operator::I64Eqz => {
                let a = self.pop64();
                let dst = self.temp(Ty::I32);
                self.emit(IrInst::Eqz64 { dst, a });
                self.stack.push(Operand::Var(dst));
            }
            Operator::I32WrapI64 => {
                let a = self.pop64();
                let dst = self.temp(Ty::I32);
                self.emit(IrInst::Wrap { dst, a });
                self.stack.push(Operand::Var(dst));
            }
            Operator::I64ExtendI32S | Operator::I64ExtendI32U => {
                let a = self.pop();
                let dst = self.temp(Ty::I64);
                let signed = matches!(op, Operator::I64ExtendI32S);
                self.emit(IrInst::Extend { signed, dst, a });
                self.stack.push(Operand::Var(dst));
            }
            Operator::I64Load { memarg } => self.load64(MemLoad64::I64, memarg)?,
            Operator::I64Load8S { memarg } => self.load64(MemLoad64::I8S, memarg)?,
            Operator::I64Load8U { memarg } => self.load64(MemLoad64::I8U, memarg)?,
            Operator::I64Load16S { memarg } => self.load64(MemLoad64::I16S, memarg)?,
            Operator::I64Load16U { memarg } => self.load64(MemLoad64::I16U, memarg)?,
            Operator::I64Load32S { memarg } => self.load64(MemLoad64::I32S, memarg)?,
            Operator::I64Load32U { memarg } => self.load64(MemLoad64::I32U, memarg)?,
            Operator::I64Store { memarg } => self.store64(MemStore::I64, memarg)?,
            Operator::I64Store8 { memarg } => self.store64(MemStore::I8, memarg)?,
            Operator::I64Store16 { memarg } => self.store64(MemStore::I16, memarg)?,
            Operator::I64Store32 { memarg } => self.store64(MemStore::I32, memarg)?,
            Operator::I32Add => self.bin(BinOp::Add),
            Operator::I32Sub => self.bin(BinOp::Sub),
            Operator::I32Mul => self.bin(BinOp::Mul),
            Operator::I32DivS => self.bin(BinOp::DivS),
            Operator::I32DivU => self.bin(BinOp::DivU),
            Operator::I32RemS => self.bin(BinOp::RemS),
            Operator::I32RemU => self.bin(BinOp::RemU),
            Operator::I32And => self.bin(BinOp::And),
            Operator::I32Or => self.bin(BinOp::Or),
            Operator::I32Xor => self.bin(BinOp::Xor),
            Operator::I32Shl => self.bin(BinOp::Shl),
            Operator::I32ShrS => self.bin(BinOp::ShrS),
            Operator::I32ShrU => self.bin(BinOp::ShrU),
            Operator::I32Rotl => self.bin(BinOp::Rotl),
            Operator::I32Rotr => self.bin(BinOp::Rotr),
            Operator::I32Eq => self.bin(BinOp::Eq),
            Operator::I32Ne => self.bin(BinOp::Ne),
            Operator::I32LtS => self.bin(BinOp::LtS),
            Operator::I32LtU => self.bin(BinOp::LtU),
            Operator::I32GtS => self.bin(BinOp::GtS),
            Operator::I32GtU => self.bin(BinOp::GtU),
            Operator::I32LeS => self.bin(BinOp::LeS),
            Operator::I32LeU => self.bin(BinOp::LeU),
            Operator::I32GeS => self.bin(BinOp::GeS),
            Operator::I32GeU => self.bin(BinOp::GeU),
            Operator::I32Clz => self.un(UnOp::Clz),
            Operator::I32Ctz => self.un(UnOp::Ctz),
            Operator::I32Popcnt => self.un(UnOp::Popcnt),
            Operator::I32Eqz => self.eqz(),
            Operator::I32Extend8S => self.un(UnOp::Extend8S),
            Operator::I32Extend16S => self.un(UnOp::Extend16S),
            other => self.float_operator(other)?,
        }
        Ok(())
    }

    /// Float operators. abs, neg, copysign, constants, loads, stores and reinterpretations are
    /// integer work on the bit patterns; the rest are float instructions (`FloatBin`, ...), which
    /// `lib.rs` checks against what the CPU can do.
    fn float_operator(&mut self, op: Operator) -> Result<(), CompileError> {
        use Operator::*;
        const SIGN32: i32 = i32::MIN;
        match op {
            F32Const { value } => self.stack.push(Operand::Imm(value.bits() as i32)),
            F64Const { value } => {
                let dst = self.temp(Ty::F64);
                self.emit(IrInst::Const64 { dst, value: value.bits() as i64 });
                self.stack.push(Operand::Var(dst));
            }
            F32Load { memarg } => self.load_as(MemLoad::I32, memarg, Ty::F32)?,
            F64Load { memarg } => {
                self.load64(MemLoad64::I64, memarg)?;
                self.retype_top(Ty::F64);
            }
            F32Store { memarg } => self.store(MemStore::I32, memarg)?,
            F64Store { memarg } => self.store64(MemStore::I64, memarg)?,
            // Same bits, another type: only the operand's type changes, and only words matter below.
            I32ReinterpretF32 | F32ReinterpretI32 | I64ReinterpretF64 | F64ReinterpretI64 => {}
            F32Abs => self.bits32(BinOp::And, i32::MAX),
            F32Neg => self.bits32(BinOp::Xor, SIGN32),
            F32Copysign => {
                let sign = self.pop();
                self.bits32(BinOp::And, i32::MAX);
                self.stack.push(sign);
                self.bits32(BinOp::And, SIGN32);
                let b = self.pop();
                let a = self.pop();
                let dst = self.temp(Ty::F32);
                self.emit(IrInst::Bin { op: BinOp::Or, dst, a, b });
                self.stack.push(Operand::Var(dst));
            }
            F64Abs => self.bits64(BinOp::And, i64::MAX),
            F64Neg => self.bits64(BinOp::Xor, i64::MIN),
            F64Copysign => {
                let sign = self.pop();
                self.bits64(BinOp::And, i64::MAX);
                self.stack.push(sign);
                self.bits64(BinOp::And, i64::MIN);
                let b = self.pop64();
                let a = self.pop64();
                let dst = self.temp(Ty::F64);
                self.emit(IrInst::Bin64 { op: BinOp::Or, dst, a, b });
                self.stack.push(Operand::Var(dst));
            }
            F32Add | F32Sub | F32Mul | F32Div | F32Min | F32Max | F64Add | F64Sub | F64Mul | F64Div
            | F64Min | F64Max => {
                let prec = if matches!(op, F32Add | F32Sub | F32Mul | F32Div | F32Min | F32Max) {
                    Prec::F32
                } else {
                    Prec::F64
                };
                let fop = match op {
                    F32Add | F64Add => FBinOp::Add,
                    F32Sub | F64Sub => FBinOp::Sub,
                    F32Mul | F64Mul => FBinOp::Mul,
                    F32Div | F64Div => FBinOp::Div,
                    F32Min | F64Min => FBinOp::Min,
                    _ => FBinOp::Max,
                };
                let b = self.pop();
                let a = self.pop();
                let dst = self.temp(prec.ty());
                self.emit(IrInst::FloatBin { op: fop, prec, dst, a, b });
                self.stack.push(Operand::Var(dst));
            }
            F32Sqrt | F32Ceil | F32Floor | F32Trunc | F32Nearest | F64Sqrt | F64Ceil | F64Floor
            | F64Trunc | F64Nearest => {
                let prec = if matches!(op, F32Sqrt | F32Ceil | F32Floor | F32Trunc | F32Nearest) {
                    Prec::F32
                } else {
                    Prec::F64
                };
                let fop = match op {
                    F32Sqrt | F64Sqrt => FUnOp::Sqrt,
                    F32Ceil | F64Ceil => FUnOp::Ceil,
                    F32Floor | F64Floor => FUnOp::Floor,
                    F32Trunc | F64Trunc => FUnOp::Trunc,
                    _ => FUnOp::Nearest,
                };
                let a = self.pop();
                let dst = self.temp(prec.ty());
                self.emit(IrInst::FloatUn { op: fop, prec, dst, a });
                self.stack.push(Operand::Var(dst));
            }
            F32Eq | F32Ne | F32Lt | F32Gt | F32Le | F32Ge | F64Eq | F64Ne | F64Lt | F64Gt | F64Le | F64Ge => {
                let prec = if matches!(op, F32Eq | F32Ne | F32Lt | F32Gt | F32Le | F32Ge) {
                    Prec::F32
                } else {
                    Prec::F64
                };
                let fop = match op {
                    F32Eq | F64Eq => FCmpOp::Eq,
                    F32Ne | F64Ne => FCmpOp::Ne,
                    F32Lt | F64Lt => FCmpOp::Lt,
                    F32Gt | F64Gt => FCmpOp::Gt,
                    F32Le | F64Le => FCmpOp::Le,
                    _ => FCmpOp::Ge,
                };
                let b = self.pop();
                let a = self.pop();
                let dst = self.temp(Ty::I32);
                self.emit(IrInst::FloatCmp { op: fop, prec, dst, a, b });
                self.stack.push(Operand::Var(dst));
            }
            I32TruncF32S | I32TruncF32U | I32TruncF64S | I32TruncF64U | I32TruncSatF32S | I32TruncSatF32U
            | I32TruncSatF64S | I32TruncSatF64U => {
                let prec = if matches!(op, I32TruncF32S | I32TruncF32U | I32TruncSatF32S | I32TruncSatF32U) {
                    Prec::F32
                } else {
                    Prec::F64
                };
                let signed = matches!(op, I32TruncF32S | I32TruncF64S | I32TruncSatF32S | I32TruncSatF64S);
                let saturating =
                    matches!(op, I32TruncSatF32S | I32TruncSatF32U | I32TruncSatF64S | I32TruncSatF64U);
                let a = self.pop();
                let dst = self.temp(Ty::I32);
                self.emit(IrInst::FloatToInt { prec, signed, saturating, dst, a });
                self.stack.push(Operand::Var(dst));
            }
            F32ConvertI32S | F32ConvertI32U | F64ConvertI32S | F64ConvertI32U => {
                let prec = if matches!(op, F32ConvertI32S | F32ConvertI32U) { Prec::F32 } else { Prec::F64 };
                let signed = matches!(op, F32ConvertI32S | F64ConvertI32S);
                let a = self.pop();
                let dst = self.temp(prec.ty());
                self.emit(IrInst::IntToFloat { prec, signed, dst, a });
                self.stack.push(Operand::Var(dst));
            }
            F64PromoteF32 | F32DemoteF64 => {
                let to = if matches!(op, F64PromoteF32) { Prec::F64 } else { Prec::F32 };
                let a = self.pop();
                let dst = self.temp(to.ty());
                self.emit(IrInst::FloatResize { to, dst, a });
                self.stack.push(Operand::Var(dst));
            }
            I64TruncF32S | I64TruncF32U | I64TruncF64S | I64TruncF64U | I64TruncSatF32S | I64TruncSatF32U
            | I64TruncSatF64S | I64TruncSatF64U => {
                let prec = if matches!(op, I64TruncF32S | I64TruncF32U | I64TruncSatF32S | I64TruncSatF32U) {
                    Prec::F32
                } else {
                    Prec::F64
                };
                let signed = matches!(op, I64TruncF32S | I64TruncF64S | I64TruncSatF32S | I64TruncSatF64S);
                let saturating =
                    matches!(op, I64TruncSatF32S | I64TruncSatF32U | I64TruncSatF64S | I64TruncSatF64U);
                let a = self.pop();
                let dst = self.temp(Ty::I64);
                self.emit(IrInst::FloatToInt64 { prec, signed, saturating, dst, a });
                self.stack.push(Operand::Var(dst));
            }
            F32ConvertI64S | F32ConvertI64U | F64ConvertI64S | F64ConvertI64U => {
                let prec = if matches!(op, F32ConvertI64S | F32ConvertI64U) { Prec::F32 } else { Prec::F64 };
                let signed = matches!(op, F32ConvertI64S | F64ConvertI64S);
                let a = self.pop64();
                let dst = self.temp(prec.ty());
                self.emit(IrInst::Int64ToFloat { prec, signed, dst, a });
                self.stack.push(Operand::Var(dst));
            }
            other => return Err(self.unsupported(&other)),
        }
        Ok(())
    }

    /// `op` of the i32 on top of the stack (an f32's bits) with constant `mask`; an f32 result.
    fn bits32(&mut self, op: BinOp, mask: i32) {
        let a = self.pop();
        let dst = self.temp(Ty::F32);
        self.emit(IrInst::Bin { op, dst, a, b: Operand::Imm(mask) });
        self.stack.push(Operand::Var(dst));
    }

    /// `op` of the i64 on top of the stack (an f64's bits) with constant `mask`; an f64 result.
    fn bits64(&mut self, op: BinOp, mask: i64) {
        let a = self.pop64();
        let m = self.temp(Ty::I64);
        self.emit(IrInst::Const64 { dst: m, value: mask });
        let dst = self.temp(Ty::F64);
        self.emit(IrInst::Bin64 { op, dst, a, b: m });
        self.stack.push(Operand::Var(dst));
    }

    /// The variable on top of the stack (just defined by a load) is of type `ty`.
    fn retype_top(&mut self, ty: Ty) {
        if let Some(Operand::Var(v)) = self.stack.last() {
            self.types[v.0 as usize] = ty;
        }
    }

    /// `else`: close the then-arm (reached by fall-through if `fall`), open the else-arm with
    /// the `if`'s parameters.
    fn else_(&mut self, fall: bool) {
        let f = self.frames.len() - 1;
        let FrameKind::If { else_label } = self.frames[f].kind else {
            unreachable!("validated: else only inside if")
        };
        self.frames[f].kind = FrameKind::Else;
        let (label, height) = (self.frames[f].label, self.frames[f].height);
        if fall {
            let vars = self.result_vars(f);
            let values = self.top(vars.len());
            self.copy_all(&vars, &values);
            self.frames[f].end_targeted = true;
            self.emit(IrInst::Jump(label));
        }
        self.stack.truncate(height);
        let params = self.frames[f].if_params.clone();
        self.stack.extend(params);
        self.emit(IrInst::Label(else_label));
    }
}

/// The IR type of a WebAssembly value type, if in scope.
fn value_type(t: ValType) -> Option<Ty> {
    match t {
        ValType::I32 => Some(Ty::I32),
        ValType::I64 => Some(Ty::I64),
        ValType::F32 => Some(Ty::F32),
        ValType::F64 => Some(Ty::F64),
        _ => None,
    }
}

/// The non-structured operators `operator` translates (checked in dead code too).
fn is_plain_supported(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        Nop | Unreachable
            | Br { .. }
            | BrIf { .. }
            | BrTable { .. }
            | Call { .. }
            | CallIndirect { .. }
            | GlobalGet { .. }
            | GlobalSet { .. }
            | Return
            | Drop
            | Select
            | TypedSelect { ty: ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 }
            | LocalGet { .. }
            | LocalSet { .. }
            | LocalTee { .. }
            | I32Load { .. }
            | I32Load8S { .. }
            | I32Load8U { .. }
            | I32Load16S { .. }
            | I32Load16U { .. }
            | I32Store { .. }
            | I32Store8 { .. }
            | I32Store16 { .. }
            | MemorySize { .. }
            | MemoryGrow { .. }
            | I32Const { .. }
            | I32Add
            | I32Sub
            | I32Mul
            | I32DivS
            | I32DivU
            | I32RemS
            | I32RemU
            | I32And
            | I32Or
            | I32Xor
            | I32Shl
            | I32ShrS
            | I32ShrU
            | I32Rotl
            | I32Rotr
            | I32Eq
            | I32Ne
            | I32LtS
            | I32LtU
            | I32GtS
            | I32GtU
            | I32LeS
            | I32LeU
            | I32GeS
            | I32GeU
            | I32Clz
            | I32Ctz
            | I32Popcnt
            | I32Eqz
            | I32Extend8S
            | I32Extend16S
            | I64Const { .. }
            | I64Add
            | I64Sub
            | I64Mul
            | I64DivS
            | I64DivU
            | I64RemS
            | I64RemU
            | I64And
            | I64Or
            | I64Xor
            | I64Shl
            | I64ShrS
            | I64ShrU
            | I64Rotl
            | I64Rotr
            | I64Eq
            | I64Ne
            | I64LtS
            | I64LtU
            | I64GtS
            | I64GtU
            | I64LeS
            | I64LeU
            | I64GeS
            | I64GeU
            | I64Clz
            | I64Ctz
            | I64Popcnt
            | I64Eqz
            | I64Extend8S
            | I64Extend16S
            | I64Extend32S
            | I32WrapI64
            | I64ExtendI32S
            | I64ExtendI32U
            | I64Load { .. }
            | I64Load8S { .. }
            | I64Load8U { .. }
            | I64Load16S { .. }
            | I64Load16U { .. }
            | I64Load32S { .. }
            | I64Load32U { .. }
            | I64Store { .. }
            | I64Store8 { .. }
            | I64Store16 { .. }
            | I64Store32 { .. }
    ) || is_float_supported(op)
}

/// The float operators `float_operator` translates.
fn is_float_supported(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        F32Const { .. }
            | F64Const { .. }
            | F32Load { .. }
            | F64Load { .. }
            | F32Store { .. }
            | F64Store { .. }
            | I32ReinterpretF32
            | F32ReinterpretI32
            | I64ReinterpretF64
            | F64ReinterpretI64
            | F32Abs
            | F32Neg
            | F32Copysign
            | F64Abs
            | F64Neg
            | F64Copysign
            | F32Add
            | F32Sub
            | F32Mul
            | F32Div
            | F32Min
            | F32Max
            | F64Add
            | F64Sub
            | F64Mul
            | F64Div
            | F64Min
            | F64Max
            | F32Sqrt
            | F32Ceil
            | F32Floor
            | F32Trunc
            | F32Nearest
            | F64Sqrt
            | F64Ceil
            | F64Floor
            | F64Trunc
            | F64Nearest
            | F32Eq
            | F32Ne
            | F32Lt
            | F32Gt
            | F32Le
            | F32Ge
            | F64Eq
            | F64Ne
            | F64Lt
            | F64Gt
            | F64Le
            | F64Ge
            | I32TruncF32S
            | I32TruncF32U
            | I32TruncF64S
            | I32TruncF64U
            | I32TruncSatF32S
            | I32TruncSatF32U
            | I32TruncSatF64S
            | I32TruncSatF64U
            | F32ConvertI32S
            | F32ConvertI32U
            | F64ConvertI32S
            | F64ConvertI32U
            | F64PromoteF32
            | F32DemoteF64
            | I64TruncF32S
            | I64TruncF32U
            | I64TruncF64S
            | I64TruncF64U
            | I64TruncSatF32S
            | I64TruncSatF32U
            | I64TruncSatF64S
            | I64TruncSatF64U
            | F32ConvertI64S
            | F32ConvertI64U
            | F64ConvertI64S
            | F64ConvertI64U
    )
}

/// The leading identifier of a `Debug` rendering, in snake case: `AssertInvalid { .. }` →
/// `assert_invalid`.
pub fn snake_case_variant(debug: &str) -> String {
    let head: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
    let mut snake = String::new();
    for (i, c) in head.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

/// `I32WrapI64` → `i32.wrap_i64`, `MemoryGrow` → `memory.grow`: the text-format name.
pub fn operator_name(op: &Operator) -> String {
    let snake = snake_case_variant(&format!("{op:?}"));
    // After a type or family prefix the text format has a dot: `i32.add`, `local.get`.
    const PREFIXES: [&str; 13] = [
        "i32", "i64", "f32", "f64", "v128", "memory", "table", "local", "global", "ref", "data", "elem",
        "atomic",
    ];
    match snake.find('_') {
        Some(i) if PREFIXES.contains(&&snake[..i]) => {
            format!("{}.{}", &snake[..i], &snake[i + 1..])
        }
        _ => snake,
    }
}
