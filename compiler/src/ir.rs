//! The compiler's intermediate form: WebAssembly's operand stack made explicit. Each stack value
//! is a temporary [`Var`]; locals are `Var`s too. Control flow is labels and branches, so the
//! allocator sees one linear instruction list.

use crate::trap::TrapCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LabelId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Var(Var),
    Imm(i32),
}

impl Operand {
    pub fn var(self) -> Option<Var> {
        match self {
            Operand::Var(v) => Some(v),
            Operand::Imm(_) => None,
        }
    }
}

/// The type of a value: an i32 is one register or word, an i64 two (low word first). Floats
/// are their bit patterns in the same places: an f32 like an i32, an f64 like an i64 (the base
/// AAPCS, as `-mfloat-abi=softfp`), so the allocator, the label states and the calling
/// convention treat them by their words; only float operators move them into VFP registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    I32,
    I64,
    F32,
    F64,
}

impl Ty {
    pub fn words(self) -> u32 {
        match self {
            Ty::I32 | Ty::F32 => 1,
            Ty::I64 | Ty::F64 => 2,
        }
    }

    /// Whether a value of this type takes two words (a register pair).
    pub fn is_pair(self) -> bool {
        self.words() == 2
    }
}

/// A float operation's precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prec {
    F32,
    F64,
}

impl Prec {
    pub fn ty(self) -> Ty {
        match self {
            Prec::F32 => Ty::F32,
            Prec::F64 => Ty::F64,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Prec::F32 => "f32",
            Prec::F64 => "f64",
        }
    }
}

/// Float operators with two float operands and a float result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FBinOp {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
}

/// Float operators with one float operand and a float result (abs, neg and copysign are bit
/// operations on the integer forms, see the frontend).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FUnOp {
    Sqrt,
    Ceil,
    Floor,
    Trunc,
    Nearest,
}

/// Float comparisons (an i32 0/1 result; every one but `Ne` is false on NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FCmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    /// A WebAssembly local (parameters first): lives across the whole function, has a home slot.
    Local(u32),
    /// An operand-stack value or a block result: dies after its last use.
    Temp,
    /// A loop parameter: written on entry and by every branch back to the loop head, read in the
    /// body. Like a local, it stays live across the loop's back-edges.
    LoopParam,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    DivS,
    DivU,
    RemS,
    RemU,
    And,
    Or,
    Xor,
    Shl,
    ShrS,
    ShrU,
    Rotl,
    Rotr,
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl BinOp {
    /// The comparison that is true exactly when this one is false (`None`: not a comparison).
    pub fn negated_compare(self) -> Option<BinOp> {
        use BinOp::*;
        Some(match self {
            Eq => Ne,
            Ne => Eq,
            LtS => GeS,
            GeS => LtS,
            LtU => GeU,
            GeU => LtU,
            GtS => LeS,
            LeS => GtS,
            GtU => LeU,
            LeU => GtU,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Clz,
    Ctz,
    Popcnt,
    Eqz,
    /// Sign-extend the low 8 bits.
    Extend8S,
    /// Sign-extend the low 16 bits.
    Extend16S,
}

/// Width and extension of a linear-memory load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemLoad {
    I32,
    I8S,
    I8U,
    I16S,
    I16U,
}

impl MemLoad {
    pub fn bytes(self) -> u32 {
        match self {
            MemLoad::I32 => 4,
            MemLoad::I8S | MemLoad::I8U => 1,
            MemLoad::I16S | MemLoad::I16U => 2,
        }
    }
}

/// Width and extension of an i64 load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemLoad64 {
    I64,
    I8S,
    I8U,
    I16S,
    I16U,
    I32S,
    I32U,
}

impl MemLoad64 {
    pub fn bytes(self) -> u32 {
        match self {
            MemLoad64::I64 => 8,
            MemLoad64::I8S | MemLoad64::I8U => 1,
            MemLoad64::I16S | MemLoad64::I16U => 2,
            MemLoad64::I32S | MemLoad64::I32U => 4,
        }
    }
}

/// Width and extension of an i64 operation with one i64 operand and an i64 result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp64 {
    Clz,
    Ctz,
    Popcnt,
    Extend8S,
    Extend16S,
    Extend32S,
}

/// Width of a linear-memory store (the low bits of the value; `I64` only for i64 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemStore {
    I32,
    I8,
    I16,
    I64,
}

impl MemStore {
    pub fn bytes(self) -> u32 {
        match self {
            MemStore::I32 => 4,
            MemStore::I8 => 1,
            MemStore::I16 => 2,
            MemStore::I64 => 8,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IrInst {
    Bin {
        op: BinOp,
        dst: Var,
        a: Operand,
        b: Operand,
    },
    Un {
        op: UnOp,
        dst: Var,
        a: Operand,
    },
    Copy {
        dst: Var,
        src: Operand,
    },
    /// `dst = if cond != 0 { a } else { b }`.
    Select {
        dst: Var,
        a: Operand,
        b: Operand,
        cond: Operand,
    },
    Label(LabelId),
    Jump(LabelId),
    /// Branch to `target` when `cond != 0` (or `== 0` if `if_zero`).
    Branch {
        cond: Operand,
        if_zero: bool,
        target: LabelId,
    },
    /// `dst = global` (mutable globals; immutable ones are constants).
    GlobalGet {
        dst: Var,
        global: u32,
    },
    GlobalSet {
        global: u32,
        src: Operand,
    },
    /// Direct call of function `func` (AAPCS, see `abi`), its results into `dsts`.
    Call {
        func: u32,
        args: Vec<Operand>,
        dsts: Vec<Var>,
    },
    /// Call through table entry `index` (at `table_addr`, `table_size` entries of 8 bytes: code
    /// address with the Thumb bit, or 0 for null; signature id). Traps when `index` is out of
    /// range, the entry is null, or its signature id is not `sig`.
    CallIndirect {
        sig: u32,
        table_addr: u32,
        table_size: u32,
        index: Operand,
        args: Vec<Operand>,
        dsts: Vec<Var>,
    },
    /// Branch to `targets[index]`, or to `default` when `index` is out of range (unsigned).
    BranchTable {
        index: Operand,
        targets: Vec<LabelId>,
        default: LabelId,
    },
    /// `dst = memory[addr + offset]`, trapping when any accessed byte is out of bounds (the
    /// effective address is computed without wrapping).
    Load {
        kind: MemLoad,
        dst: Var,
        addr: Operand,
        offset: u32,
    },
    /// `memory[addr + offset] = value`, with the same bounds check as `Load`.
    Store {
        kind: MemStore,
        addr: Operand,
        value: Operand,
        offset: u32,
    },
    /// An i64 load (`dst` is i64).
    Load64 {
        kind: MemLoad64,
        dst: Var,
        addr: Operand,
        offset: u32,
    },
    /// An i64 store of the low `kind.bytes()` bytes of i64 `value`.
    Store64 {
        kind: MemStore,
        addr: Operand,
        value: Var,
        offset: u32,
    },
    /// `dst = value` (i64).
    Const64 {
        dst: Var,
        value: i64,
    },
    /// i64 arithmetic, bitwise, shift and rotate operators (`op` is not a comparison).
    Bin64 {
        op: BinOp,
        dst: Var,
        a: Var,
        b: Var,
    },
    /// i64 comparison; `dst` is an i32 0/1.
    Cmp64 {
        op: BinOp,
        dst: Var,
        a: Var,
        b: Var,
    },
    Un64 {
        op: UnOp64,
        dst: Var,
        a: Var,
    },
    /// `dst = (a == 0)`, `dst` an i32.
    Eqz64 {
        dst: Var,
        a: Var,
    },
    /// `dst = low word of a` (i32.wrap_i64).
    Wrap {
        dst: Var,
        a: Var,
    },
    /// `dst = a` sign- or zero-extended to i64.
    Extend {
        signed: bool,
        dst: Var,
        a: Operand,
    },
    /// Float arithmetic; `a`, `b` and `dst` are of type `prec` (an f32 operand may be an
    /// immediate: its bits).
    FloatBin {
        op: FBinOp,
        prec: Prec,
        dst: Var,
        a: Operand,
        b: Operand,
    },
    FloatUn {
        op: FUnOp,
        prec: Prec,
        dst: Var,
        a: Operand,
    },
    /// A float comparison; `dst` is an i32 0/1.
    FloatCmp {
        op: FCmpOp,
        prec: Prec,
        dst: Var,
        a: Operand,
        b: Operand,
    },
    /// `i32.trunc_*`: float `a` toward zero into i32 `dst`. Trapping (NaN: invalid conversion;
    /// out of range: integer overflow) unless `saturating` (NaN gives 0, out of range the
    /// nearest bound).
    FloatToInt {
        prec: Prec,
        signed: bool,
        saturating: bool,
        dst: Var,
        a: Operand,
    },
    /// `f32/f64.convert_i32_*`: i32 `a` to the nearest float (ties to even).
    IntToFloat {
        prec: Prec,
        signed: bool,
        dst: Var,
        a: Operand,
    },
    /// `i64.trunc_*`: float `a` toward zero into i64 `dst`, trapping or saturating as
    /// `FloatToInt`.
    FloatToInt64 {
        prec: Prec,
        signed: bool,
        saturating: bool,
        dst: Var,
        a: Operand,
    },
    /// `f32/f64.convert_i64_*`: i64 `a` to the nearest float, rounded once.
    Int64ToFloat {
        prec: Prec,
        signed: bool,
        dst: Var,
        a: Var,
    },
    /// `f64.promote_f32` (`to` F64) or `f32.demote_f64` (`to` F32).
    FloatResize {
        to: Prec,
        dst: Var,
        a: Operand,
    },
    /// `dst = memory.size` (in 64 KiB pages).
    MemorySize {
        dst: Var,
    },
    /// `dst = memory.grow(delta)`: the old size in pages, or -1 if the memory would exceed
    /// `max_pages`.
    MemoryGrow {
        dst: Var,
        delta: Operand,
        max_pages: u32,
    },
    /// Return the function's results (none, one, or several).
    Return(Vec<Operand>),
    Trap(TrapCode),
}

/// The destination of an instruction, by reference (`as_ref`) or mutable reference (`as_mut`).
macro_rules! defined_var {
    ($inst:expr, $as:ident) => {
        match $inst {
            IrInst::Bin { dst, .. }
            | IrInst::Un { dst, .. }
            | IrInst::Copy { dst, .. }
            | IrInst::Select { dst, .. }
            | IrInst::GlobalGet { dst, .. }
            | IrInst::Load { dst, .. }
            | IrInst::MemorySize { dst }
            | IrInst::MemoryGrow { dst, .. }
            | IrInst::Load64 { dst, .. }
            | IrInst::Const64 { dst, .. }
            | IrInst::Bin64 { dst, .. }
            | IrInst::Cmp64 { dst, .. }
            | IrInst::Un64 { dst, .. }
            | IrInst::Eqz64 { dst, .. }
            | IrInst::Wrap { dst, .. }
            | IrInst::Extend { dst, .. }
            | IrInst::FloatBin { dst, .. }
            | IrInst::FloatUn { dst, .. }
            | IrInst::FloatCmp { dst, .. }
            | IrInst::FloatToInt { dst, .. }
            | IrInst::IntToFloat { dst, .. }
            | IrInst::FloatResize { dst, .. }
            | IrInst::FloatToInt64 { dst, .. }
            | IrInst::Int64ToFloat { dst, .. } => Some(dst),
            // A call with several results has no single destination to retarget.
            IrInst::Call { dsts, .. } | IrInst::CallIndirect { dsts, .. } if dsts.len() == 1 => dsts.$as(),
            _ => None,
        }
    };
}

impl IrInst {
    /// Whether the instruction only computes its destination: no trap, no write, no control
    /// transfer. Such an instruction whose value nobody reads can be dropped. The match is
    /// exhaustive so a new kind must be classified here.
    pub fn is_pure(&self) -> bool {
        match self {
            IrInst::Bin { op, .. } | IrInst::Bin64 { op, .. } => {
                !matches!(op, BinOp::DivS | BinOp::DivU | BinOp::RemS | BinOp::RemU)
            }
            IrInst::Un { .. }
            | IrInst::Copy { .. }
            | IrInst::Select { .. }
            | IrInst::GlobalGet { .. }
            | IrInst::MemorySize { .. }
            | IrInst::Const64 { .. }
            | IrInst::Cmp64 { .. }
            | IrInst::Un64 { .. }
            | IrInst::Eqz64 { .. }
            | IrInst::Wrap { .. }
            | IrInst::Extend { .. }
            | IrInst::FloatBin { .. }
            | IrInst::FloatUn { .. }
            | IrInst::FloatCmp { .. }
            | IrInst::IntToFloat { .. }
            | IrInst::FloatResize { .. }
            | IrInst::Int64ToFloat { .. } => true,
            IrInst::FloatToInt { saturating, .. } | IrInst::FloatToInt64 { saturating, .. } => *saturating,
            // Loads trap out of bounds; grow changes the memory; the rest write or transfer control.
            IrInst::Load { .. }
            | IrInst::Load64 { .. }
            | IrInst::MemoryGrow { .. }
            | IrInst::Store { .. }
            | IrInst::Store64 { .. }
            | IrInst::GlobalSet { .. }
            | IrInst::Call { .. }
            | IrInst::CallIndirect { .. }
            | IrInst::Label(_)
            | IrInst::Jump(_)
            | IrInst::Branch { .. }
            | IrInst::BranchTable { .. }
            | IrInst::Return(_)
            | IrInst::Trap(_) => false,
        }
    }

    pub fn uses(&self) -> Vec<Var> {
        let ops: Vec<Operand> = match self {
            IrInst::Bin { a, b, .. } => vec![*a, *b],
            IrInst::Un { a, .. } => vec![*a],
            IrInst::Copy { src, .. } => vec![*src],
            IrInst::Select { a, b, cond, .. } => vec![*a, *b, *cond],
            IrInst::Branch { cond, .. } => vec![*cond],
            IrInst::BranchTable { index, .. } => vec![*index],
            IrInst::Call { args, .. } => args.clone(),
            IrInst::CallIndirect { args, index, .. } => args.iter().chain([index]).copied().collect(),
            IrInst::GlobalSet { src, .. } => vec![*src],
            IrInst::Load { addr, .. } => vec![*addr],
            IrInst::Store { addr, value, .. } => vec![*addr, *value],
            IrInst::MemoryGrow { delta, .. } => vec![*delta],
            IrInst::Load64 { addr, .. } => vec![*addr],
            IrInst::Store64 { addr, value, .. } => vec![*addr, Operand::Var(*value)],
            IrInst::Bin64 { a, b, .. } | IrInst::Cmp64 { a, b, .. } => {
                vec![Operand::Var(*a), Operand::Var(*b)]
            }
            IrInst::Un64 { a, .. } | IrInst::Eqz64 { a, .. } | IrInst::Wrap { a, .. } => {
                vec![Operand::Var(*a)]
            }
            IrInst::Extend { a, .. } => vec![*a],
            IrInst::FloatBin { a, b, .. } | IrInst::FloatCmp { a, b, .. } => vec![*a, *b],
            IrInst::FloatUn { a, .. }
            | IrInst::FloatToInt { a, .. }
            | IrInst::IntToFloat { a, .. }
            | IrInst::FloatResize { a, .. }
            | IrInst::FloatToInt64 { a, .. } => vec![*a],
            IrInst::Int64ToFloat { a, .. } => vec![Operand::Var(*a)],
            IrInst::Return(values) => values.clone(),
            _ => vec![],
        };
        ops.into_iter().filter_map(Operand::var).collect()
    }

    /// Labels this instruction may jump to.
    pub fn targets(&self) -> Vec<LabelId> {
        match self {
            IrInst::Jump(l) | IrInst::Branch { target: l, .. } => vec![*l],
            IrInst::BranchTable { targets, default, .. } => {
                targets.iter().copied().chain(std::iter::once(*default)).collect()
            }
            _ => vec![],
        }
    }

    pub fn def(&self) -> Option<Var> {
        defined_var!(self, first).copied()
    }

    /// Every variable the instruction defines.
    pub fn defs(&self) -> Vec<Var> {
        match self {
            IrInst::Call { dsts, .. } | IrInst::CallIndirect { dsts, .. } => dsts.clone(),
            other => other.def().into_iter().collect(),
        }
    }

    /// The float precision the instruction computes in (the wider of its operand's and its
    /// result's), with the operator's name, if it needs an FPU or the software routines.
    pub fn float_work(&self) -> Option<(Prec, String)> {
        let named = |prec: &Prec, op: &dyn std::fmt::Debug| {
            (*prec, format!("{}.{}", prec.name(), format!("{op:?}").to_lowercase()))
        };
        let sign = |signed: &bool| if *signed { "s" } else { "u" };
        let trunc = |int: &str, prec: &Prec, signed: &bool, saturating: &bool| {
            let sat = if *saturating { "_sat" } else { "" };
            (*prec, format!("{int}.trunc{sat}_{}_{}", prec.name(), sign(signed)))
        };
        let convert = |int: &str, prec: &Prec, signed: &bool| {
            (*prec, format!("{}.convert_{int}_{}", prec.name(), sign(signed)))
        };
        Some(match self {
            IrInst::FloatBin { op, prec, .. } => named(prec, op),
            IrInst::FloatUn { op, prec, .. } => named(prec, op),
            IrInst::FloatCmp { op, prec, .. } => named(prec, op),
            // The i64 conversions too run in the float's own precision (the f32 ones on the M4).
            IrInst::FloatToInt { prec, signed, saturating, .. } => trunc("i32", prec, signed, saturating),
            IrInst::FloatToInt64 { prec, signed, saturating, .. } => trunc("i64", prec, signed, saturating),
            IrInst::IntToFloat { prec, signed, .. } => convert("i32", prec, signed),
            IrInst::Int64ToFloat { prec, signed, .. } => convert("i64", prec, signed),
            IrInst::FloatResize { to: Prec::F64, .. } => (Prec::F64, "f64.promote_f32".into()),
            IrInst::FloatResize { to: Prec::F32, .. } => (Prec::F64, "f32.demote_f64".into()),
            _ => return None,
        })
    }

    /// The variable this instruction defines, for retargeting it.
    pub fn def_mut(&mut self) -> Option<&mut Var> {
        defined_var!(self, first_mut)
    }
}

#[derive(Clone, Debug)]
pub struct IrFunction {
    pub name: String,
    pub params: u32,
    /// Every result's type.
    pub results: Vec<Ty>,
    /// With several results: the local holding the caller's result-area address (a hidden first
    /// argument in R0, AAPCS's convention for a composite result), live from entry.
    pub ret_ptr: Option<Var>,
    /// Kind of every variable, indexed by `Var.0`. Locals come first.
    pub vars: Vec<VarKind>,
    /// Type of every variable, indexed by `Var.0`.
    pub types: Vec<Ty>,
    pub num_locals: u32,
    pub num_labels: u32,
    pub insts: Vec<IrInst>,
}

impl IrFunction {
    /// Functions this one calls directly.
    pub fn callees(&self) -> Vec<u32> {
        self.insts
            .iter()
            .filter_map(|i| match i {
                IrInst::Call { func, .. } => Some(*func),
                _ => None,
            })
            .collect()
    }

    /// Whether the function calls through a table.
    pub fn calls_indirectly(&self) -> bool {
        self.insts.iter().any(|i| matches!(i, IrInst::CallIndirect { .. }))
    }

    /// Whether the function calls anything (a leaf needs no stack-limit check).
    pub fn is_leaf(&self) -> bool {
        self.callees().is_empty() && !self.calls_indirectly()
    }
}
