//! `pressure_module` is our own generator, driven by `arbitrary`: every module it makes is
//! valid by construction (nothing is thrown away) and every function holds K values live at
//! once (K from 6 to 40, so the five-register pool is always exceeded): it defines them early,
//! optionally does work in between (a loop, a call, a branch edge, a `br_table`, memory and
//! global traffic) and consumes them late in a non-commutative fold, so a value lost, swapped
//! or clobbered by the allocator changes the result. With the `floats` knob some of the values
//! are floats — f32 among the 32-bit ones, f64 among the 64-bit ones (float arithmetic,
//! comparisons, rounding, promotion and demotion; converted from the integer values, truncated
//! into them, and folded in by their bits) — so float values share the pool with integer ones,
//! and on CPUs without the FPU for them the software float routines run under that pressure.

use super::knobs::{boundary_constants, boundary_constants64, Knobs, Swarm};
use super::shape::{Construct, FunctionShape, Generated, ALL_CONSTRUCTS, POOL};
use crate::oracle::vectors::{boundary_values_f32, boundary_values_f64};
use arbitrary::{Result, Unstructured};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ExportKind, ExportSection, Function, FunctionSection, GlobalSection,
    GlobalType, Instruction as I, MemArg, MemorySection, MemoryType, Module, TypeSection, ValType,
};

const PARAM_CHOICES: [ValType; 2] = [ValType::I32, ValType::I64];
/// With floats, `mixn` also takes f32 and f64 parameters: under the hard-float convention they
/// go to S and D registers apart from the integer ones, back-filling, and overflow to the stack.
const PARAM_CHOICES_WITH_FLOATS: [ValType; 4] = [ValType::I32, ValType::I64, ValType::F32, ValType::F64];

/// A module with one memory (1 page, at most 2), an i32 and an i64 mutable global, a helper
/// `mix` (called between definitions and uses) and 1–3 exported pressure functions.
pub fn pressure_module(u: &mut Unstructured) -> Result<Generated> {
    pressure_module_with(u, 1..=3, Knobs::default())
}

/// `pressure_module` with a number of exported functions from `functions`.
pub fn pressure_module_with(
    u: &mut Unstructured,
    functions: std::ops::RangeInclusive<u32>,
    knobs: Knobs,
) -> Result<Generated> {
    let swarm = if knobs.swarm { Swarm::draw(u, knobs.floats)? } else { Swarm::everything() };
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
    // With richer shapes, `mixn` (a drawn signature of 3 to 6 i32/i64 parameters, and f32/f64
    // with floats: i64 pairs in R0:R1 or R2:R3 or on the stack, stack arguments, padding, floats
    // in S/D registers) follows the exported functions.
    let choices: &[ValType] = if knobs.floats { &PARAM_CHOICES_WITH_FLOATS } else { &PARAM_CHOICES };
    let mixn = match knobs.shapes {
        true => {
            let params = (0..u.int_in_range(3..=6)?)
                .map(|_| u.choose(choices).copied())
                .collect::<Result<Vec<ValType>>>()?;
            Some((1 + count, params))
        }
        false => None,
    };
    let draw = Draw { knobs, swarm, mixn };
    let mut shapes = Vec::new();
    for f in 0..count {
        let params: Vec<ValType> =
            (0..u.int_in_range(1..=6)?).map(|_| u.choose(&PARAM_CHOICES).copied()).collect::<Result<_>>()?;
        let result = *u.choose(&PARAM_CHOICES)?;
        types.ty().function(params.clone(), [result]);
        funcs.function(1 + f);
        let name = format!("p{f}");
        let (body, shape) = pressure_function(u, &draw, &name, &params, result)?;
        code.function(&body);
        exports.export(&name, ExportKind::Func, 1 + f);
        shapes.push(shape);
    }
    if let Some((index, params)) = &draw.mixn {
        types.ty().function(params.iter().copied(), [ValType::I64]);
        funcs.function(*index);
        code.function(&mixn_body(params));
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

/// How one module is drawn: the knobs, the module's subset under swarm testing, and `mixn`'s
/// index and parameters when there is one.
struct Draw {
    knobs: Knobs,
    swarm: Swarm,
    mixn: Option<(u32, Vec<ValType>)>,
}

/// `mixn`: every argument changes the i64 result, non-commutatively.
fn mixn_body(params: &[ValType]) -> Function {
    let mut f = Function::new([]);
    f.instruction(&I::I64Const(0));
    for (p, ty) in params.iter().enumerate() {
        f.instruction(&I::I64Const(7 + p as i64)).instruction(&I::I64Rotl);
        f.instruction(&I::LocalGet(p as u32));
        match *ty {
            ValType::I32 => {
                f.instruction(&I::I64ExtendI32U);
            }
            ValType::F32 => {
                f.instruction(&I::I32ReinterpretF32).instruction(&I::I64ExtendI32U);
            }
            ValType::F64 => {
                f.instruction(&I::I64ReinterpretF64);
            }
            _ => {}
        }
        f.instruction(&I::I64Sub);
    }
    f.instruction(&I::End);
    f
}

/// The comparisons of values of type `ty` (each leaves an i32).
fn compare_ops(ty: ValType) -> &'static [I<'static>] {
    const I64: [I<'static>; 10] = [
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
    ];
    const I32: [I<'static>; 10] = [
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
    ];
    const F32: [I<'static>; 6] = [I::F32Eq, I::F32Ne, I::F32Lt, I::F32Gt, I::F32Le, I::F32Ge];
    const F64: [I<'static>; 6] = [I::F64Eq, I::F64Ne, I::F64Lt, I::F64Gt, I::F64Le, I::F64Ge];
    match ty {
        ValType::I64 => &I64,
        ValType::F32 => &F32,
        ValType::F64 => &F64,
        _ => &I32,
    }
}

/// A comparison of two values (of the first one's type), leaving an i32.
fn compare_values(
    u: &mut Unstructured,
    body: &mut Function,
    x: (u32, ValType),
    y: (u32, ValType),
) -> Result<()> {
    body.instruction(&I::LocalGet(x.0));
    body.instruction(&I::LocalGet(y.0));
    convert(body, y.1, x.1);
    body.instruction(u.choose(compare_ops(x.1))?);
    Ok(())
}

impl Draw {
    /// A constant of type `ty`: from the boundary tables part of the time (with `boundary`),
    /// else arbitrary (an i64 from an arbitrary i32, as the generator first drew them).
    fn constant(&self, u: &mut Unstructured, ty: ValType) -> Result<I<'static>> {
        if self.knobs.boundary && u.ratio(1, 3)? {
            return self.table_constant(u, ty);
        }
        Ok(match ty {
            ValType::I64 => I::I64Const(u.arbitrary::<i32>()? as i64 * 0x1_0001),
            ValType::F32 | ValType::F64 => return self.table_constant(u, ty),
            _ => I::I32Const(u.arbitrary()?),
        })
    }

    /// A constant of type `ty` from the boundary tables: half of the time one of the core
    /// edges (0, ±1, MIN, MAX, the width and the width - 1), which a table of hundreds would
    /// otherwise rarely draw.
    fn table_constant(&self, u: &mut Unstructured, ty: ValType) -> Result<I<'static>> {
        const CORE: [i32; 8] = [0, 1, -1, i32::MIN, i32::MAX, 31, 32, 33];
        const CORE64: [i64; 10] = [0, 1, -1, i64::MIN, i64::MAX, i32::MIN as i64, 0xFFFF_FFFF, 63, 64, 32];
        // Half of the time a core edge: both zeros (min/max, signs through rounding), ties
        // (nearest), ±1, the infinities and a NaN, the truncation bounds 2^31 and 2^32.
        const CORE_F32: [f32; 14] = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            1.0,
            -1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            2_147_483_648.0,
            4_294_967_296.0,
        ];
        let core = u.arbitrary::<bool>()?;
        if ty == ValType::F32 {
            // Else the whole float table: zeros, infinities, NaNs with payloads, denormals,
            // ties, 2^23, the integer conversion bounds.
            let bits = if core { u.choose(&CORE_F32)?.to_bits() } else { *u.choose(float_constants())? };
            return Ok(I::F32Const(f32::from_bits(bits).into()));
        }
        if ty == ValType::F64 {
            // The same core (every one exact in f64, with 2^63 and 2^64), else the f64 table.
            let bits = match core {
                true if u.ratio(1, 8)? => u.choose(&[2f64.powi(63), 2f64.powi(64)])?.to_bits(),
                true => (*u.choose(&CORE_F32)? as f64).to_bits(),
                false => *u.choose(double_constants())?,
            };
            return Ok(I::F64Const(f64::from_bits(bits).into()));
        }
        Ok(match (ty, core) {
            (ValType::I64, true) => I::I64Const(*u.choose(&CORE64)?),
            (ValType::I64, false) => I::I64Const(*u.choose(boundary_constants64())? as i64),
            (_, true) => I::I32Const(*u.choose(&CORE)?),
            (_, false) => I::I32Const(*u.choose(boundary_constants())? as i32),
        })
    }

    /// Whether a memory access goes to the last bytes of memory (or just past them) instead of
    /// a masked address in its first half.
    fn at_memory_end(&self, u: &mut Unstructured) -> Result<bool> {
        Ok(self.knobs.boundary && u.ratio(1, 4)?)
    }
}

/// The address of an access of `width` bytes at static `offset` near the end of a one-page
/// memory: its last in-bounds position, or one byte before or past it (which traps).
fn memory_end_address(u: &mut Unstructured, width: u64, offset: u64) -> Result<i32> {
    let last = 65536 - width - offset;
    Ok((last as i64 + u.int_in_range(-1..=1)?) as i32)
}

/// The f32 constants the generator draws (as bits).
fn float_constants() -> &'static [u32] {
    static TABLE: std::sync::LazyLock<Vec<u32>> = std::sync::LazyLock::new(boundary_values_f32);
    &TABLE
}

/// The f64 constants the generator draws (as bits).
fn double_constants() -> &'static [u64] {
    static TABLE: std::sync::LazyLock<Vec<u64>> = std::sync::LazyLock::new(boundary_values_f64);
    &TABLE
}

fn is_float(ty: ValType) -> bool {
    matches!(ty, ValType::F32 | ValType::F64)
}

/// `convert`, except that a float becoming an integer operand goes through a truncation half of
/// the time: saturating or trapping, signed or unsigned (the trapping ones trap on NaN and
/// out of range, as their bounds are meant to be tested).
fn convert_drawn(
    u: &mut Unstructured,
    draw: &Draw,
    body: &mut Function,
    have: ValType,
    want: ValType,
) -> Result<()> {
    if draw.knobs.floats && is_float(have) && !is_float(want) && u.arbitrary()? {
        let truncations: [I<'static>; 4] = match (have, want) {
            (ValType::F32, ValType::I32) => {
                [I::I32TruncSatF32S, I::I32TruncSatF32U, I::I32TruncF32S, I::I32TruncF32U]
            }
            (ValType::F64, ValType::I32) => {
                [I::I32TruncSatF64S, I::I32TruncSatF64U, I::I32TruncF64S, I::I32TruncF64U]
            }
            (ValType::F32, _) => [I::I64TruncSatF32S, I::I64TruncSatF32U, I::I64TruncF32S, I::I64TruncF32U],
            _ => [I::I64TruncSatF64S, I::I64TruncSatF64U, I::I64TruncF64S, I::I64TruncF64U],
        };
        body.instruction(u.choose(&truncations)?);
        return Ok(());
    }
    if draw.knobs.floats && !is_float(have) && is_float(want) && u.arbitrary()? {
        // Every integer-to-float conversion, signed and unsigned (the i64 ones are the routines
        // with the hardest rounding), and the reinterpretation that makes any bits a float.
        let conversions: &[I<'static>] = match (have, want) {
            (ValType::I32, ValType::F32) => &[I::F32ConvertI32U, I::F32ReinterpretI32],
            (ValType::I32, _) => &[I::F64ConvertI32U],
            (_, ValType::F32) => &[I::F32ConvertI64S, I::F32ConvertI64U],
            _ => &[I::F64ConvertI64U, I::F64ReinterpretI64],
        };
        body.instruction(u.choose(conversions)?);
        return Ok(());
    }
    convert(body, have, want);
    Ok(())
}

/// Emits operators that turn the value of type `have` on the stack into one of type `want`. A
/// float becomes an integer by its bits (every bit of it reaches the result: an f64 into an i32
/// through the high word of a multiplicative hash), an integer a float by conversion, and floats
/// each other by promotion and demotion.
fn convert(body: &mut Function, have: ValType, want: ValType) {
    match (have, want) {
        (ValType::F64, ValType::I64) => {
            body.instruction(&I::I64ReinterpretF64);
        }
        (ValType::F64, ValType::I32) => {
            body.instruction(&I::I64ReinterpretF64)
                .instruction(&I::I64Const(0x9E37_79B9_7F4A_7C15u64 as i64));
            body.instruction(&I::I64Mul).instruction(&I::I64Const(32)).instruction(&I::I64ShrU);
            body.instruction(&I::I32WrapI64);
        }
        (ValType::F64, ValType::F32) => {
            body.instruction(&I::F32DemoteF64);
        }
        (ValType::F32, ValType::F64) => {
            body.instruction(&I::F64PromoteF32);
        }
        (ValType::I32, ValType::F64) => {
            body.instruction(&I::F64ConvertI32S);
        }
        (ValType::I64, ValType::F64) => {
            body.instruction(&I::F64ConvertI64S);
        }
        (ValType::I64, ValType::I32) => {
            body.instruction(&I::I32WrapI64);
        }
        (ValType::I32, ValType::I64) => {
            body.instruction(&I::I64ExtendI32S);
        }
        (ValType::F32, ValType::I32) => {
            body.instruction(&I::I32ReinterpretF32);
        }
        (ValType::F32, ValType::I64) => {
            body.instruction(&I::I32ReinterpretF32).instruction(&I::I64ExtendI32U);
        }
        (ValType::I32, ValType::F32) => {
            body.instruction(&I::F32ConvertI32S);
        }
        (ValType::I64, ValType::F32) => {
            body.instruction(&I::I32WrapI64).instruction(&I::F32ConvertI32S);
        }
        _ => {}
    }
}

/// Combines the two values of type `ty` on the stack into one: a binary operator, a comparison
/// (0 or 1, widened back), a division by the second operand forced odd (so only `MIN / -1` can
/// trap, rarely), a `select` on the local `condition`, or a unary operator on the first with the
/// second dropped.
fn binary(
    u: &mut Unstructured,
    draw: &Draw,
    body: &mut Function,
    ty: ValType,
    condition: (u32, ValType),
    other: (u32, ValType),
    nonzero_constant_divisor: bool,
) -> Result<()> {
    if is_float(ty) {
        return float_binary(u, draw, body, ty, condition, other);
    }
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
    let compare = compare_ops(ty);
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
    // Operator classes weighted 5 plain : 1 compare : 1 divide : 1 select : 2 unary, over the
    // classes the module enables (all without swarm testing).
    let class = if draw.knobs.swarm {
        const WEIGHTS: [(u32, std::ops::RangeInclusive<u32>); 5] =
            [(5, 0..=4), (1, 5..=5), (1, 6..=6), (1, 7..=7), (2, 8..=9)];
        let enabled: Vec<&(u32, std::ops::RangeInclusive<u32>)> =
            WEIGHTS.iter().zip(draw.swarm.classes).filter(|(_, on)| *on).map(|(w, _)| w).collect();
        let total: u32 = enabled.iter().map(|(w, _)| w).sum();
        let mut x = u.int_in_range(0..=total - 1)?;
        let mut class = 0;
        for (w, range) in enabled {
            if x < *w {
                class = range.start() + x;
                break;
            }
            x -= w;
        }
        class
    } else {
        u.int_in_range(0..=9)?
    };
    match class {
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
            // A divisor that is a non-zero constant is divided by as it is (the compiler drops
            // checks a constant settles); any other is forced odd (only `MIN / -1` traps),
            // except a quarter of the time with the boundary tables (zero may come, and trap).
            let may_be_zero = draw.knobs.boundary && u.ratio(1, 4)?;
            if !nonzero_constant_divisor && !may_be_zero {
                if wide {
                    body.instruction(&I::I64Const(1)).instruction(&I::I64Or);
                } else {
                    body.instruction(&I::I32Const(1)).instruction(&I::I32Or);
                }
            }
            body.instruction(u.choose(divide)?);
        }
        7 => {
            // select(first, second, condition): the condition another live value, or (richer
            // shapes) a comparison of two.
            select_on(u, draw, body, condition, other)?;
        }
        _ => {
            body.instruction(&I::Drop);
            body.instruction(u.choose(unary)?);
        }
    }
    Ok(())
}

/// `select` of the two values on the stack: on the local `condition`, or (richer shapes) on a
/// comparison of `condition` and `other`.
fn select_on(
    u: &mut Unstructured,
    draw: &Draw,
    body: &mut Function,
    condition: (u32, ValType),
    other: (u32, ValType),
) -> Result<()> {
    if draw.knobs.shapes && u.ratio(1, 2)? {
        compare_values(u, body, condition, other)?;
    } else {
        body.instruction(&I::LocalGet(condition.0));
        convert(body, condition.1, ValType::I32);
    }
    body.instruction(&I::Select);
    Ok(())
}

/// `binary` for two float values (f32 or f64): arithmetic (sub, add, mul, div, min, max,
/// copysign), a comparison converted back to 0.0/1.0, a `select`, or a rounding or sign operation.
fn float_binary(
    u: &mut Unstructured,
    draw: &Draw,
    body: &mut Function,
    ty: ValType,
    condition: (u32, ValType),
    other: (u32, ValType),
) -> Result<()> {
    const PLAIN: [I<'static>; 7] =
        [I::F32Sub, I::F32Add, I::F32Mul, I::F32Div, I::F32Min, I::F32Max, I::F32Copysign];
    const UNARY: [I<'static>; 7] =
        [I::F32Sqrt, I::F32Ceil, I::F32Floor, I::F32Trunc, I::F32Nearest, I::F32Abs, I::F32Neg];
    const PLAIN64: [I<'static>; 7] =
        [I::F64Sub, I::F64Add, I::F64Mul, I::F64Div, I::F64Min, I::F64Max, I::F64Copysign];
    const UNARY64: [I<'static>; 7] =
        [I::F64Sqrt, I::F64Ceil, I::F64Floor, I::F64Trunc, I::F64Nearest, I::F64Abs, I::F64Neg];
    let double = ty == ValType::F64;
    let (plain, unary) = if double { (&PLAIN64, &UNARY64) } else { (&PLAIN, &UNARY) };
    match u.int_in_range(0..=9)? {
        0..=5 => {
            body.instruction(u.choose(plain)?);
        }
        6 => {
            body.instruction(u.choose(compare_ops(ty))?);
            body.instruction(if double { &I::F64ConvertI32U } else { &I::F32ConvertI32U });
        }
        7 => {
            select_on(u, draw, body, condition, other)?;
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
    draw: &Draw,
    name: &str,
    params: &[ValType],
    result: ValType,
) -> Result<(Function, FunctionShape)> {
    let k: u32 = u.int_in_range(6..=40)?;
    let values: Vec<ValType> = (0..k)
        .map(|i| {
            let wide = match draw.swarm.i64_eighths {
                _ if !draw.knobs.swarm => u.ratio(1, 4)?,
                0 => false,
                n => u.ratio(n, 8)?,
            };
            // The first value stays an integer: the constructs work on integer values.
            let float = draw.knobs.floats
                && i > 0
                && match draw.swarm.float_eighths {
                    _ if !draw.knobs.swarm => u.ratio(1, 4)?,
                    0 => false,
                    n => u.ratio(n, 8)?,
                };
            Ok(match (wide, float) {
                (true, true) => ValType::F64,
                (true, false) => ValType::I64,
                (false, true) => ValType::F32,
                (false, false) => ValType::I32,
            })
        })
        .collect::<Result<_>>()?;
    // Locals: the K values, then the accumulator (of the result type), then a loop counter.
    let first = params.len() as u32;
    let acc = first + k;
    let counter = acc + 1;
    // Richer shapes: a loop-invariant `step`, read only inside the loop (its last textual read
    // is there; the back edge keeps it alive).
    let step = counter + 1;
    let mut locals: Vec<(u32, ValType)> = values.iter().map(|t| (1, *t)).collect();
    locals.push((1, result));
    locals.push((1, ValType::I32));
    if draw.knobs.shapes {
        locals.push((1, ValType::I32));
    }
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
        // With the boundary tables, the first operand is a constant now and then (constant
        // folding and its edges), the second a quarter of the time (immediate forms, constant
        // shift amounts and divisors).
        let first_operand = if draw.knobs.boundary && u.ratio(1, 8)? {
            let k = draw.table_constant(u, ty)?;
            body.instruction(&k);
            k
        } else {
            body.instruction(&I::LocalGet(a));
            convert_drawn(u, draw, &mut body, at, ty)?;
            I::LocalGet(a)
        };
        let mut nonzero_constant_divisor = false;
        if is_float(ty) && u.ratio(1, 4)? {
            // x op -x: the signs of zero (min/max of +0 and -0), copysign, x + -x. (A float
            // operand's conversion draws nothing, so the first one is repeated exactly.)
            body.instruction(&first_operand);
            if matches!(first_operand, I::LocalGet(_)) {
                convert(&mut body, at, ty);
            }
            body.instruction(if ty == ValType::F64 { &I::F64Neg } else { &I::F32Neg });
        } else if draw.knobs.boundary && u.ratio(1, 4)? {
            let k = draw.constant(u, ty)?;
            nonzero_constant_divisor = !matches!(k, I::I32Const(0) | I::I64Const(0));
            body.instruction(&k);
        } else {
            body.instruction(&I::LocalGet(b));
            convert_drawn(u, draw, &mut body, bt, ty)?;
        }
        let condition = *u.choose(&srcs)?;
        let other = if draw.knobs.shapes { *u.choose(&srcs)? } else { condition };
        binary(u, draw, &mut body, ty, condition, other, nonzero_constant_divisor)?;
        // Then a constant is subtracted (added for i64); for floats only half of the time, as
        // a non-zero one erases the sign of a zero result.
        if !is_float(ty) || u.arbitrary()? {
            body.instruction(&draw.constant(u, ty)?);
            body.instruction(match ty {
                ValType::I64 => &I::I64Add,
                ValType::F32 => &I::F32Sub,
                ValType::F64 => &I::F64Sub,
                _ => &I::I32Sub,
            });
        }
        body.instruction(&I::LocalSet(first + i));
    }
    if values.contains(&ValType::I64) {
        constructs.push(Construct::I64Values);
    }
    // Work while every value is live: the constructs in a random order, each at most once.
    let pick = |v: u32| -> (u32, ValType) { (first + v, values[v as usize]) };
    // The constructs below work on integer values (the first value always is one).
    let ints: Vec<u32> = (0..k).filter(|v| !is_float(values[*v as usize])).collect();
    let int_index = |u: &mut Unstructured| -> Result<u32> {
        match draw.knobs.floats {
            true => Ok(ints[u.int_in_range(0..=ints.len() - 1)?]),
            false => u.int_in_range(0..=k - 1),
        }
    };
    let i32_value = |u: &mut Unstructured, body: &mut Function| -> Result<()> {
        let (l, t) = pick(int_index(u)?);
        body.instruction(&I::LocalGet(l));
        convert(body, t, ValType::I32);
        Ok(())
    };
    // `I64Values` is not something to place; `IfElse` exists only with the richer shapes.
    let placeable =
        |c: &&Construct| **c != Construct::I64Values && (draw.knobs.shapes || **c != Construct::IfElse);
    for &c in ALL_CONSTRUCTS.iter().filter(placeable) {
        let enabled = draw.swarm.constructs[c as usize];
        if !enabled || !u.ratio(1, 2)? {
            continue;
        }
        constructs.push(c);
        match c {
            Construct::Loop => {
                // counter = (value & 7) + 1; do { acc-free work on a value; } while (--counter)
                i32_value(u, &mut body)?;
                body.instruction(&I::I32Const(7)).instruction(&I::I32And).instruction(&I::I32Const(1));
                body.instruction(&I::I32Add).instruction(&I::LocalSet(counter));
                if draw.knobs.shapes {
                    i32_value(u, &mut body)?;
                    body.instruction(&I::LocalSet(step));
                }
                let (l, t) = pick(int_index(u)?);
                body.instruction(&I::Loop(BlockType::Empty));
                if draw.knobs.shapes {
                    let (s, st) = pick(int_index(u)?);
                    body.instruction(&I::LocalGet(s)).instruction(&I::LocalGet(step));
                    convert(&mut body, ValType::I32, st);
                    body.instruction(if st == ValType::I64 { &I::I64Sub } else { &I::I32Sub });
                    body.instruction(&I::LocalSet(s));
                }
                body.instruction(&I::LocalGet(l));
                if t == ValType::I64 {
                    body.instruction(&I::I64Const(3)).instruction(&I::I64Rotl);
                } else {
                    body.instruction(&I::I32Const(3)).instruction(&I::I32Rotl);
                }
                body.instruction(&I::LocalSet(l));
                // Richer shapes: more loop-carried values, each mixed with another value, so
                // the body itself holds several live at once.
                let extra = if draw.knobs.shapes { u.int_in_range(0..=4)? } else { 0 };
                for _ in 0..extra {
                    let (l, t) = pick(int_index(u)?);
                    let (m, mt) = pick(int_index(u)?);
                    body.instruction(&I::LocalGet(l));
                    body.instruction(&I::LocalGet(m));
                    convert(&mut body, mt, t);
                    let op = if t == ValType::I64 {
                        u.choose(&[I::I64Sub, I::I64Xor, I::I64Add])?.clone()
                    } else {
                        u.choose(&[I::I32Sub, I::I32Xor, I::I32Add])?.clone()
                    };
                    body.instruction(&op);
                    body.instruction(&I::LocalSet(l));
                }
                body.instruction(&I::LocalGet(counter)).instruction(&I::I32Const(1)).instruction(&I::I32Sub);
                body.instruction(&I::LocalTee(counter)).instruction(&I::BrIf(0)).instruction(&I::End);
            }
            Construct::Call => {
                let (l, t) = pick(int_index(u)?);
                match &draw.mixn {
                    // Richer shapes: the drawn signature half of the time.
                    Some((index, params)) if u.ratio(1, 2)? => {
                        // Any value as any argument: a float reinterpreted as an integer
                        // argument, or an integer as a float one, must still be passed by the
                        // parameter's type (`repro/hard_float_*`).
                        for ty in params {
                            let (v, vt) = pick(u.int_in_range(0..=k - 1)?);
                            body.instruction(&I::LocalGet(v));
                            match (vt, *ty) {
                                (ValType::I32, ValType::F32) if u.ratio(1, 2)? => {
                                    body.instruction(&I::F32ReinterpretI32);
                                }
                                (ValType::I64, ValType::F64) if u.ratio(1, 2)? => {
                                    body.instruction(&I::F64ReinterpretI64);
                                }
                                _ => convert(&mut body, vt, *ty),
                            }
                        }
                        body.instruction(&I::Call(*index));
                        convert(&mut body, ValType::I64, t);
                    }
                    _ => {
                        i32_value(u, &mut body)?;
                        i32_value(u, &mut body)?;
                        body.instruction(&I::Call(0));
                        convert(&mut body, ValType::I32, t);
                    }
                }
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
                let (l, t) = pick(int_index(u)?);
                body.instruction(&I::Block(BlockType::Empty));
                if draw.knobs.shapes && u.ratio(1, 2)? {
                    let x = pick(int_index(u)?);
                    let y = pick(int_index(u)?);
                    compare_values(u, &mut body, x, y)?;
                } else {
                    i32_value(u, &mut body)?;
                    body.instruction(&I::I32Const(1)).instruction(&I::I32And);
                }
                body.instruction(&I::BrIf(0));
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
                    (0..3).map(|_| Ok(pick(int_index(u)?))).collect::<Result<_>>()?;
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
                let (src, st) = pick(int_index(u)?);
                let (dst, dt) = pick(int_index(u)?);
                let offset = u.int_in_range(0..=64u64)?;
                let mem = MemArg {
                    offset,
                    align: 0,
                    target: wasm_encoder::MemArgTarget::Memory(0),
                    ordering: None,
                };
                let width = |t: ValType| if t == ValType::I64 { 8 } else { 4 };
                if draw.at_memory_end(u)? {
                    body.instruction(&I::I32Const(memory_end_address(u, width(st), offset)?));
                } else {
                    i32_value(u, &mut body)?;
                    body.instruction(&I::I32Const(0x7FF8)).instruction(&I::I32And);
                }
                // With floats, the bits travel as a float half the time: reinterpreted, stored and
                // loaded by the float operators, reinterpreted back.
                let as_float = draw.knobs.floats && u.arbitrary()?;
                body.instruction(&I::LocalGet(src));
                match (st == ValType::I64, as_float) {
                    (true, false) => body.instruction(&I::I64Store(mem)),
                    (false, false) => body.instruction(&I::I32Store(mem)),
                    (true, true) => body.instruction(&I::F64ReinterpretI64).instruction(&I::F64Store(mem)),
                    (false, true) => body.instruction(&I::F32ReinterpretI32).instruction(&I::F32Store(mem)),
                };
                if draw.at_memory_end(u)? {
                    body.instruction(&I::I32Const(memory_end_address(u, width(dt), offset)?));
                } else {
                    i32_value(u, &mut body)?;
                    body.instruction(&I::I32Const(0x7FF8)).instruction(&I::I32And);
                }
                match (dt == ValType::I64, as_float) {
                    (true, false) => body.instruction(&I::I64Load(mem)),
                    (false, false) => body.instruction(&I::I32Load(mem)),
                    (true, true) => body.instruction(&I::F64Load(mem)).instruction(&I::I64ReinterpretF64),
                    (false, true) => body.instruction(&I::F32Load(mem)).instruction(&I::I32ReinterpretF32),
                };
                body.instruction(&I::LocalGet(dst));
                if dt == ValType::I64 {
                    body.instruction(&I::I64Sub);
                } else {
                    body.instruction(&I::I32Sub);
                }
                body.instruction(&I::LocalSet(dst));
            }
            Construct::GlobalSet => {
                let (l, t) = pick(int_index(u)?);
                body.instruction(&I::LocalGet(l));
                if t == ValType::I64 {
                    body.instruction(&I::GlobalGet(1)).instruction(&I::I64Sub).instruction(&I::GlobalSet(1));
                } else {
                    body.instruction(&I::GlobalGet(0)).instruction(&I::I32Sub).instruction(&I::GlobalSet(0));
                }
            }
            Construct::IfElse => {
                // if (x cmp y) { a = a - k } else { b = b ^ k' }: live values cross both arms
                // and meet at the join.
                let x = pick(int_index(u)?);
                let y = pick(int_index(u)?);
                compare_values(u, &mut body, x, y)?;
                body.instruction(&I::If(BlockType::Empty));
                for (arm, op) in [(0, [I::I32Sub, I::I64Sub]), (1, [I::I32Xor, I::I64Xor])] {
                    if arm == 1 {
                        body.instruction(&I::Else);
                    }
                    let (l, t) = pick(int_index(u)?);
                    body.instruction(&I::LocalGet(l));
                    body.instruction(&draw.constant(u, t)?);
                    body.instruction(&op[(t == ValType::I64) as usize]);
                    body.instruction(&I::LocalSet(l));
                }
                body.instruction(&I::End);
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
    let pair = |t: &ValType| matches!(t, ValType::I64 | ValType::F64);
    let words: u32 = values.iter().map(|t| if pair(t) { 2 } else { 1 }).sum();
    let acc_words = if result == ValType::I64 { 2 } else { 1 };
    let shape = FunctionShape {
        name: name.to_string(),
        counted_by_generator: true,
        max_live: k + 1,
        max_live_words: words + acc_words,
        i64_over_pool: values.iter().any(pair) && words + acc_words > POOL,
        constructs,
    };
    Ok((body, shape))
}
