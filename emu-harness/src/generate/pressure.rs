//! `pressure_module` is our own generator, driven by `arbitrary`: every module it makes is
//! valid by construction (nothing is thrown away) and every function holds K values live at
//! once (K from 6 to 40, so the five-register pool is always exceeded): it defines them early,
//! optionally does work in between (a loop, a call, a branch edge, a `br_table`, memory and
//! global traffic) and consumes them late in a non-commutative fold, so a value lost, swapped
//! or clobbered by the allocator changes the result.

use super::shape::{Construct, FunctionShape, Generated, POOL};
use arbitrary::{Result, Unstructured};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ExportKind, ExportSection, Function, FunctionSection, GlobalSection,
    GlobalType, Instruction as I, MemArg, MemorySection, MemoryType, Module, TypeSection, ValType,
};

const PARAM_CHOICES: [ValType; 2] = [ValType::I32, ValType::I64];

/// A module with one memory (1 page, at most 2), an i32 and an i64 mutable global, a helper
/// `mix` (called between definitions and uses) and 1–3 exported pressure functions.
pub fn pressure_module(u: &mut Unstructured) -> Result<Generated> {
    pressure_module_with(u, 1..=3)
}

/// `pressure_module` with a number of exported functions from `functions`.
pub fn pressure_module_with(
    u: &mut Unstructured,
    functions: std::ops::RangeInclusive<u32>,
) -> Result<Generated> {
    let mut types = TypeSection::new();
    let mut funcs = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut exports = ExportSection::new();
    // Type 0, function 0: mix(i32, i32) -> i32.
    types.ty().function([ValType::I32, ValType::I32], [ValType::I32]);
    funcs.function(0);
    let mut mix = Function::new([]);
    for i in [I::LocalGet(0), I::I32Const(5), I::I32Rotl, I::LocalGet(1), I::I32Sub, I::End] {
        mix.instruction(&i);
    }
    code.function(&mix);
    let count = u.int_in_range(functions)?;
    let mut shapes = Vec::new();
    for f in 0..count {
        let params: Vec<ValType> =
            (0..u.int_in_range(1..=6)?).map(|_| u.choose(&PARAM_CHOICES).copied()).collect::<Result<_>>()?;
        let result = *u.choose(&PARAM_CHOICES)?;
        types.ty().function(params.clone(), [result]);
        funcs.function(1 + f);
        let name = format!("p{f}");
        let (body, shape) = pressure_function(u, &name, &params, result)?;
        code.function(&body);
        exports.export(&name, ExportKind::Func, 1 + f);
        shapes.push(shape);
    }
    let mut memory = MemorySection::new();
    memory.memory(MemoryType {
        minimum: 1,
        maximum: Some(2),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType { val_type: ValType::I32, mutable: true, shared: false },
        &ConstExpr::i32_const(7),
    );
    globals.global(
        GlobalType { val_type: ValType::I64, mutable: true, shared: false },
        &ConstExpr::i64_const(-3),
    );
    exports.export("g32", ExportKind::Global, 0);
    exports.export("g64", ExportKind::Global, 1);
    exports.export("memory", ExportKind::Memory, 0);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&funcs)
        .section(&memory)
        .section(&globals)
        .section(&exports)
        .section(&code);
    Ok(Generated { wasm: module.finish(), functions: shapes })
}

/// Emits `local.get`s and operators that leave one value of type `want` built from `from`.
fn convert(body: &mut Function, have: ValType, want: ValType) {
    match (have, want) {
        (ValType::I64, ValType::I32) => {
            body.instruction(&I::I32WrapI64);
        }
        (ValType::I32, ValType::I64) => {
            body.instruction(&I::I64ExtendI32S);
        }
        _ => {}
    }
}

/// Combines the two values of type `ty` on the stack into one: a binary operator, a comparison
/// (0 or 1, widened back), a division by the second operand forced odd (so only `MIN / -1` can
/// trap, rarely), a `select` on the local `condition`, or a unary operator on the first with the
/// second dropped.
fn binary(u: &mut Unstructured, body: &mut Function, ty: ValType, condition: (u32, ValType)) -> Result<()> {
    let wide = ty == ValType::I64;
    let plain: &[I] = if wide {
        &[
            I::I64Sub,
            I::I64Shl,
            I::I64Rotr,
            I::I64Rotl,
            I::I64Mul,
            I::I64ShrU,
            I::I64ShrS,
            I::I64Xor,
            I::I64Or,
            I::I64And,
            I::I64Add,
        ]
    } else {
        &[
            I::I32Sub,
            I::I32Shl,
            I::I32Rotl,
            I::I32Rotr,
            I::I32Mul,
            I::I32ShrS,
            I::I32ShrU,
            I::I32Xor,
            I::I32Or,
            I::I32And,
            I::I32Add,
        ]
    };
    let compare: &[I] = if wide {
        &[
            I::I64Eq,
            I::I64Ne,
            I::I64LtS,
            I::I64LtU,
            I::I64GtS,
            I::I64GtU,
            I::I64LeS,
            I::I64LeU,
            I::I64GeS,
            I::I64GeU,
        ]
    } else {
        &[
            I::I32Eq,
            I::I32Ne,
            I::I32LtS,
            I::I32LtU,
            I::I32GtS,
            I::I32GtU,
            I::I32LeS,
            I::I32LeU,
            I::I32GeS,
            I::I32GeU,
        ]
    };
    let divide: &[I] = if wide {
        &[I::I64DivU, I::I64DivS, I::I64RemU, I::I64RemS]
    } else {
        &[I::I32DivU, I::I32DivS, I::I32RemU, I::I32RemS]
    };
    let unary: &[I] = if wide {
        &[I::I64Clz, I::I64Ctz, I::I64Popcnt, I::I64Extend8S, I::I64Extend16S, I::I64Extend32S]
    } else {
        &[I::I32Clz, I::I32Ctz, I::I32Popcnt, I::I32Extend8S, I::I32Extend16S]
    };
    match u.int_in_range(0..=9)? {
        0..=4 => {
            body.instruction(u.choose(plain)?);
        }
        5 => {
            body.instruction(u.choose(compare)?);
            if wide {
                body.instruction(&I::I64ExtendI32U);
            }
        }
        6 => {
            if wide {
                body.instruction(&I::I64Const(1)).instruction(&I::I64Or);
            } else {
                body.instruction(&I::I32Const(1)).instruction(&I::I32Or);
            }
            body.instruction(u.choose(divide)?);
        }
        7 => {
            // select(first, second, condition): the condition another live value.
            body.instruction(&I::LocalGet(condition.0));
            convert(body, condition.1, ValType::I32);
            body.instruction(&I::Select);
        }
        _ => {
            body.instruction(&I::Drop);
            body.instruction(u.choose(unary)?);
        }
    }
    Ok(())
}

fn pressure_function(
    u: &mut Unstructured,
    name: &str,
    params: &[ValType],
    result: ValType,
) -> Result<(Function, FunctionShape)> {
    let k: u32 = u.int_in_range(6..=40)?;
    let values: Vec<ValType> = (0..k)
        .map(|_| Ok(if u.ratio(1, 4)? { ValType::I64 } else { ValType::I32 }))
        .collect::<Result<_>>()?;
    // Locals: the K values, then the accumulator (of the result type), then a loop counter.
    let first = params.len() as u32;
    let acc = first + k;
    let counter = acc + 1;
    let mut locals: Vec<(u32, ValType)> = values.iter().map(|t| (1, *t)).collect();
    locals.push((1, result));
    locals.push((1, ValType::I32));
    let mut body = Function::new(locals);
    let mut constructs = Vec::new();
    // Definitions: each value from a parameter or an earlier value, through a non-commutative
    // operator with a constant or another source.
    let sources = |i: u32| -> Vec<(u32, ValType)> {
        let mut s: Vec<(u32, ValType)> = params.iter().enumerate().map(|(p, t)| (p as u32, *t)).collect();
        s.extend((0..i).map(|j| (first + j, values[j as usize])));
        s
    };
    for i in 0..k {
        let ty = values[i as usize];
        let srcs = sources(i);
        let (a, at) = *u.choose(&srcs)?;
        let (b, bt) = *u.choose(&srcs)?;
        body.instruction(&I::LocalGet(a));
        convert(&mut body, at, ty);
        body.instruction(&I::LocalGet(b));
        convert(&mut body, bt, ty);
        let condition = *u.choose(&srcs)?;
        binary(u, &mut body, ty, condition)?;
        let konst: i32 = u.arbitrary()?;
        if ty == ValType::I64 {
            body.instruction(&I::I64Const(konst as i64 * 0x1_0001)).instruction(&I::I64Add);
        } else {
            body.instruction(&I::I32Const(konst)).instruction(&I::I32Sub);
        }
        body.instruction(&I::LocalSet(first + i));
    }
    if values.contains(&ValType::I64) {
        constructs.push(Construct::I64Values);
    }
    // Work while every value is live: the constructs in a random order, each at most once.
    let pick = |v: u32| -> (u32, ValType) { (first + v, values[v as usize]) };
    let i32_value = |u: &mut Unstructured, body: &mut Function| -> Result<()> {
        let (l, t) = pick(u.int_in_range(0..=k - 1)?);
        body.instruction(&I::LocalGet(l));
        convert(body, t, ValType::I32);
        Ok(())
    };
    for c in [
        Construct::Loop,
        Construct::Call,
        Construct::BrIfEdge,
        Construct::BrTable,
        Construct::MemoryStore,
        Construct::GlobalSet,
    ] {
        if !u.ratio(1, 2)? {
            continue;
        }
        constructs.push(c);
        match c {
            Construct::Loop => {
                // counter = (value & 7) + 1; do { acc-free work on a value; } while (--counter)
                i32_value(u, &mut body)?;
                body.instruction(&I::I32Const(7)).instruction(&I::I32And).instruction(&I::I32Const(1));
                body.instruction(&I::I32Add).instruction(&I::LocalSet(counter));
                let (l, t) = pick(u.int_in_range(0..=k - 1)?);
                body.instruction(&I::Loop(BlockType::Empty));
                body.instruction(&I::LocalGet(l));
                if t == ValType::I64 {
                    body.instruction(&I::I64Const(3)).instruction(&I::I64Rotl);
                } else {
                    body.instruction(&I::I32Const(3)).instruction(&I::I32Rotl);
                }
                body.instruction(&I::LocalSet(l));
                body.instruction(&I::LocalGet(counter)).instruction(&I::I32Const(1)).instruction(&I::I32Sub);
                body.instruction(&I::LocalTee(counter)).instruction(&I::BrIf(0)).instruction(&I::End);
            }
            Construct::Call => {
                let (l, t) = pick(u.int_in_range(0..=k - 1)?);
                i32_value(u, &mut body)?;
                i32_value(u, &mut body)?;
                body.instruction(&I::Call(0));
                convert(&mut body, ValType::I32, t);
                body.instruction(&I::LocalGet(l));
                if t == ValType::I64 {
                    body.instruction(&I::I64Xor);
                } else {
                    body.instruction(&I::I32Xor);
                }
                body.instruction(&I::LocalSet(l));
            }
            Construct::BrIfEdge => {
                // block { br_if out (a value's low bit); value <<= 1 }: live values cross the edge.
                let (l, t) = pick(u.int_in_range(0..=k - 1)?);
                body.instruction(&I::Block(BlockType::Empty));
                i32_value(u, &mut body)?;
                body.instruction(&I::I32Const(1)).instruction(&I::I32And).instruction(&I::BrIf(0));
                body.instruction(&I::LocalGet(l));
                if t == ValType::I64 {
                    body.instruction(&I::I64Const(1)).instruction(&I::I64Shl);
                } else {
                    body.instruction(&I::I32Const(1)).instruction(&I::I32Shl);
                }
                body.instruction(&I::LocalSet(l)).instruction(&I::End);
            }
            Construct::BrTable => {
                // br_table on a value mod 4 into nested blocks: entering at depth d runs the arms
                // from d outward (index 0 runs all three, 3 none), each changing a value.
                let arms: Vec<(u32, ValType)> =
                    (0..3).map(|_| Ok(pick(u.int_in_range(0..=k - 1)?))).collect::<Result<_>>()?;
                for _ in 0..4 {
                    body.instruction(&I::Block(BlockType::Empty));
                }
                i32_value(u, &mut body)?;
                body.instruction(&I::I32Const(3)).instruction(&I::I32And);
                body.instruction(&I::BrTable(vec![0, 1, 2].into(), 3));
                for (depth, (l, t)) in arms.iter().enumerate() {
                    body.instruction(&I::End);
                    body.instruction(&I::LocalGet(*l));
                    if *t == ValType::I64 {
                        body.instruction(&I::I64Const(depth as i64 + 2)).instruction(&I::I64Sub);
                    } else {
                        body.instruction(&I::I32Const(depth as i32 + 2)).instruction(&I::I32Sub);
                    }
                    body.instruction(&I::LocalSet(*l));
                }
                body.instruction(&I::End);
            }
            Construct::MemoryStore => {
                // Store a value at a masked address (in bounds: below 32 KiB + 64 + 8), then read
                // one back into another value.
                let (src, st) = pick(u.int_in_range(0..=k - 1)?);
                let (dst, dt) = pick(u.int_in_range(0..=k - 1)?);
                let offset = u.int_in_range(0..=64u64)?;
                let mem = MemArg {
                    offset,
                    align: 0,
                    target: wasm_encoder::MemArgTarget::Memory(0),
                    ordering: None,
                };
                i32_value(u, &mut body)?;
                body.instruction(&I::I32Const(0x7FF8)).instruction(&I::I32And);
                body.instruction(&I::LocalGet(src));
                if st == ValType::I64 {
                    body.instruction(&I::I64Store(mem));
                } else {
                    body.instruction(&I::I32Store(mem));
                }
                i32_value(u, &mut body)?;
                body.instruction(&I::I32Const(0x7FF8)).instruction(&I::I32And);
                if dt == ValType::I64 {
                    body.instruction(&I::I64Load(mem));
                } else {
                    body.instruction(&I::I32Load(mem));
                }
                body.instruction(&I::LocalGet(dst));
                if dt == ValType::I64 {
                    body.instruction(&I::I64Sub);
                } else {
                    body.instruction(&I::I32Sub);
                }
                body.instruction(&I::LocalSet(dst));
            }
            Construct::GlobalSet => {
                let (l, t) = pick(u.int_in_range(0..=k - 1)?);
                body.instruction(&I::LocalGet(l));
                if t == ValType::I64 {
                    body.instruction(&I::GlobalGet(1)).instruction(&I::I64Sub).instruction(&I::GlobalSet(1));
                } else {
                    body.instruction(&I::GlobalGet(0)).instruction(&I::I32Sub).instruction(&I::GlobalSet(0));
                }
            }
            Construct::I64Values => {}
        }
    }
    // Uses: acc = rotl(acc, 1) - v for every value in order (non-commutative), then return.
    for (i, t) in values.iter().enumerate() {
        body.instruction(&I::LocalGet(acc));
        if result == ValType::I64 {
            body.instruction(&I::I64Const(1)).instruction(&I::I64Rotl);
        } else {
            body.instruction(&I::I32Const(1)).instruction(&I::I32Rotl);
        }
        body.instruction(&I::LocalGet(first + i as u32));
        convert(&mut body, *t, result);
        if result == ValType::I64 {
            body.instruction(&I::I64Sub);
        } else {
            body.instruction(&I::I32Sub);
        }
        body.instruction(&I::LocalSet(acc));
    }
    body.instruction(&I::LocalGet(acc)).instruction(&I::End);
    // Widest point: all K values live across the middle, plus the accumulator and an operand.
    let words: u32 = values.iter().map(|t| if *t == ValType::I64 { 2 } else { 1 }).sum();
    let acc_words = if result == ValType::I64 { 2 } else { 1 };
    let shape = FunctionShape {
        name: name.to_string(),
        counted_by_generator: true,
        max_live: k + 1,
        max_live_words: words + acc_words,
        i64_over_pool: values.contains(&ValType::I64) && words + acc_words > POOL,
        constructs,
    };
    Ok((body, shape))
}
