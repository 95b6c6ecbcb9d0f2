//! The module being reduced, as data the passes can edit: every section the compiler accepts,
//! owned, with each function body a list of single instructions (`Op`, kept as their own
//! encoding so any operator round-trips unchanged). `encode` writes it back with wasm-encoder.

use std::borrow::Cow;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{ConstExpr, ExportKind, Instruction};
use wasmparser::{ExternalKind, Operator, Parser, Payload, ValType};

/// One instruction, as its binary encoding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Op(Box<[u8]>);

impl Op {
    pub fn new(instruction: &Instruction) -> Op {
        let mut bytes = Vec::new();
        wasm_encoder::Encode::encode(instruction, &mut bytes);
        Op(bytes.into_boxed_slice())
    }

    /// The operator (an `Op` is only ever made from one that parsed).
    pub fn operator(&self) -> Operator<'_> {
        // Alone, `else` and `end` have no block around them, which the reader checks.
        match &self.0[..] {
            [0x05] => return Operator::Else,
            [0x0b] => return Operator::End,
            _ => {}
        }
        let reader = wasmparser::BinaryReader::new(&self.0, 0);
        wasmparser::OperatorsReader::new(reader).read().expect("an Op holds one valid operator")
    }

    /// The same operator with its indices changed by `map` (`None`: unchanged).
    pub fn map(&self, map: impl FnOnce(Operator<'_>) -> Option<Instruction<'static>>) -> Op {
        match map(self.operator()) {
            Some(i) => Op::new(&i),
            None => self.clone(),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A zero of `ty` (`None` for types the reducer does not make constants of).
pub fn zero(ty: ValType) -> Option<Op> {
    constant(ty, 0)
}

/// The constant `value` of an integer type (floats: `value` converted).
pub fn constant(ty: ValType, value: i64) -> Option<Op> {
    Some(Op::new(&match ty {
        ValType::I32 => Instruction::I32Const(value as i32),
        ValType::I64 => Instruction::I64Const(value),
        ValType::F32 => Instruction::F32Const((value as f32).into()),
        ValType::F64 => Instruction::F64Const((value as f64).into()),
        _ => return None,
    }))
}

#[derive(Clone, Debug, PartialEq)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub ty: u32,
    /// Declared locals (not the parameters).
    pub locals: Vec<ValType>,
    /// The body without its final `end`.
    pub body: Vec<Op>,
}

#[derive(Clone, Debug)]
pub struct Global {
    pub ty: wasm_encoder::GlobalType,
    pub init: ConstExpr,
}

#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
    pub index: u32,
}

/// An active segment of function indices.
#[derive(Clone, Debug)]
pub struct ElementSegment {
    pub table: Option<u32>,
    pub offset: ConstExpr,
    pub functions: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct DataSegment {
    /// `None`: passive.
    pub offset: Option<(u32, ConstExpr)>,
    pub bytes: Vec<u8>,
}

/// A module without imports (the compiler accepts none).
#[derive(Clone, Debug)]
pub struct Module {
    pub types: Vec<FuncType>,
    pub functions: Vec<Function>,
    pub tables: Vec<wasm_encoder::TableType>,
    pub memories: Vec<wasm_encoder::MemoryType>,
    pub globals: Vec<Global>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elements: Vec<ElementSegment>,
    pub data: Vec<DataSegment>,
}

impl Module {
    /// Reads a module. Custom sections (names, stored vectors) are left out: the reduction
    /// carries its own arguments. Imports and non-MVP segment kinds are refused by name.
    pub fn parse(wasm: &[u8]) -> Result<Module, String> {
        let mut m = Module {
            types: Vec::new(),
            functions: Vec::new(),
            tables: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            exports: Vec::new(),
            start: None,
            elements: Vec::new(),
            data: Vec::new(),
        };
        let mut declared = Vec::new();
        let mut re = RoundtripReencoder;
        let err = |e: wasmparser::BinaryReaderError| e.to_string();
        let mut code = 0usize;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(err)? {
                Payload::TypeSection(r) => {
                    for ty in r.into_iter_err_on_gc_types() {
                        let ty = ty.map_err(err)?;
                        m.types
                            .push(FuncType { params: ty.params().to_vec(), results: ty.results().to_vec() });
                    }
                }
                Payload::ImportSection(r) if r.count() > 0 => {
                    return Err("the reducer does not take modules with imports".into())
                }
                Payload::FunctionSection(r) => {
                    for ty in r {
                        declared.push(ty.map_err(err)?);
                    }
                }
                Payload::TableSection(r) => {
                    for t in r {
                        let t = t.map_err(err)?;
                        if !matches!(t.init, wasmparser::TableInit::RefNull) {
                            return Err("a table with an initializer expression".into());
                        }
                        m.tables.push(re.table_type(t.ty).map_err(|e| e.to_string())?);
                    }
                }
                Payload::MemorySection(r) => {
                    for mem in r {
                        m.memories.push(re.memory_type(mem.map_err(err)?).map_err(|e| e.to_string())?);
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        let g = g.map_err(err)?;
                        m.globals.push(Global {
                            ty: re.global_type(g.ty).map_err(|e| e.to_string())?,
                            init: re.const_expr(g.init_expr).map_err(|e| e.to_string())?,
                        });
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e.map_err(err)?;
                        let kind = match e.kind {
                            ExternalKind::Func => ExportKind::Func,
                            ExternalKind::Table => ExportKind::Table,
                            ExternalKind::Memory => ExportKind::Memory,
                            ExternalKind::Global => ExportKind::Global,
                            other => return Err(format!("an export of kind {other:?}")),
                        };
                        m.exports.push(Export { name: e.name.to_string(), kind, index: e.index });
                    }
                }
                Payload::StartSection { func, .. } => m.start = Some(func),
                Payload::ElementSection(r) => {
                    for e in r {
                        let e = e.map_err(err)?;
                        let wasmparser::ElementKind::Active { table_index, offset_expr } = e.kind else {
                            return Err("a passive or declared element segment".into());
                        };
                        let wasmparser::ElementItems::Functions(items) = e.items else {
                            return Err("an element segment of expressions".into());
                        };
                        m.elements.push(ElementSegment {
                            table: table_index,
                            offset: re.const_expr(offset_expr).map_err(|e| e.to_string())?,
                            functions: items.into_iter().collect::<Result<_, _>>().map_err(err)?,
                        });
                    }
                }
                Payload::DataSection(r) => {
                    for d in r {
                        let d = d.map_err(err)?;
                        let offset = match d.kind {
                            wasmparser::DataKind::Passive => None,
                            wasmparser::DataKind::Active { memory_index, offset_expr } => {
                                Some((memory_index, re.const_expr(offset_expr).map_err(|e| e.to_string())?))
                            }
                        };
                        m.data.push(DataSegment { offset, bytes: d.data.to_vec() });
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let ty = *declared.get(code).ok_or("more bodies than functions")?;
                    code += 1;
                    let mut locals = Vec::new();
                    for l in body.get_locals_reader().map_err(err)? {
                        let (n, ty) = l.map_err(err)?;
                        if n > 50_000 {
                            return Err(format!("{n} locals of one type"));
                        }
                        locals.extend(std::iter::repeat_n(ty, n as usize));
                    }
                    let mut ops = body.get_operators_reader().map_err(err)?;
                    let mut list = Vec::new();
                    while !ops.eof() {
                        let start = ops.original_position() as usize;
                        ops.read().map_err(err)?;
                        let end = ops.original_position() as usize;
                        list.push(Op(wasm[start..end].into()));
                    }
                    // The function's own final `end`.
                    if list.pop().is_none_or(|end| !matches!(end.operator(), Operator::End)) {
                        return Err("a function body without its end".into());
                    }
                    m.functions.push(Function { ty, locals, body: list });
                }
                Payload::DataCountSection { .. }
                | Payload::CodeSectionStart { .. }
                | Payload::Version { .. }
                | Payload::CustomSection(_)
                | Payload::ImportSection(_)
                | Payload::End(_) => {}
                other => return Err(format!("a section the reducer does not take: {other:?}")),
            }
        }
        if code != declared.len() {
            return Err("fewer bodies than functions".into());
        }
        Ok(m)
    }

    pub fn encode(&self) -> Vec<u8> {
        use wasm_encoder::*;
        let mut module = wasm_encoder::Module::new();
        let mut types = TypeSection::new();
        for t in &self.types {
            let v = |ts: &[wasmparser::ValType]| -> Vec<wasm_encoder::ValType> {
                ts.iter().map(|t| RoundtripReencoder.val_type(*t).expect("MVP value type")).collect()
            };
            types.ty().function(v(&t.params), v(&t.results));
        }
        module.section(&types);
        let mut functions = FunctionSection::new();
        for f in &self.functions {
            functions.function(f.ty);
        }
        module.section(&functions);
        if !self.tables.is_empty() {
            let mut tables = TableSection::new();
            for t in &self.tables {
                tables.table(*t);
            }
            module.section(&tables);
        }
        if !self.memories.is_empty() {
            let mut memories = MemorySection::new();
            for m in &self.memories {
                memories.memory(*m);
            }
            module.section(&memories);
        }
        if !self.globals.is_empty() {
            let mut globals = GlobalSection::new();
            for g in &self.globals {
                globals.global(g.ty, &g.init);
            }
            module.section(&globals);
        }
        let mut exports = ExportSection::new();
        for e in &self.exports {
            exports.export(&e.name, e.kind, e.index);
        }
        module.section(&exports);
        if let Some(function_index) = self.start {
            module.section(&StartSection { function_index });
        }
        if !self.elements.is_empty() {
            let mut elements = ElementSection::new();
            for e in &self.elements {
                elements.active(e.table, &e.offset, Elements::Functions(Cow::Borrowed(&e.functions)));
            }
            module.section(&elements);
        }
        let mut code = CodeSection::new();
        for f in &self.functions {
            let locals = f.locals.iter().map(|t| RoundtripReencoder.val_type(*t).expect("MVP value type"));
            let mut func = Function::new_with_locals_types(locals);
            for op in &f.body {
                func.raw(op.bytes().iter().copied());
            }
            func.instruction(&Instruction::End);
            code.function(&func);
        }
        module.section(&code);
        if !self.data.is_empty() {
            let mut data = DataSection::new();
            for d in &self.data {
                match &d.offset {
                    Some((memory, offset)) => data.active(*memory, offset, d.bytes.iter().copied()),
                    None => data.passive(d.bytes.iter().copied()),
                };
            }
            module.section(&data);
        }
        module.finish()
    }

    /// WebAssembly instructions in every body (the measure of progress).
    pub fn instructions(&self) -> usize {
        self.functions.iter().map(|f| f.body.len()).sum()
    }

    pub fn function_type(&self, function: u32) -> &FuncType {
        &self.types[self.functions[function as usize].ty as usize]
    }

    /// The index of the function exported as `name`.
    pub fn exported_function(&self, name: &str) -> Option<u32> {
        self.exports.iter().find(|e| e.kind == ExportKind::Func && e.name == name).map(|e| e.index)
    }

    /// The type index of `ty`, added if the module has none equal.
    pub fn intern_type(&mut self, ty: FuncType) -> u32 {
        match self.types.iter().position(|t| *t == ty) {
            Some(i) => i as u32,
            None => {
                self.types.push(ty);
                self.types.len() as u32 - 1
            }
        }
    }
}
