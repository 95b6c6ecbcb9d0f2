//! The instructions the compiler emits, with operand types that only hold encodable values.

use super::reg::{Cond, Reg, RegList};
use std::fmt;

/// Two-operand data-processing operations that share the Thumb-2 "shifted register" and
/// "modified immediate" encodings (the value is the 4-bit `op` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DpOp {
    And = 0b0000,
    Bic = 0b0001,
    Orr = 0b0010,
    Orn = 0b0011,
    Eor = 0b0100,
    Add = 0b1000,
    Adc = 0b1010,
    Sbc = 0b1011,
    Sub = 0b1101,
    Rsb = 0b1110,
}

impl DpOp {
    pub const ALL: [DpOp; 10] = [
        DpOp::And,
        DpOp::Bic,
        DpOp::Orr,
        DpOp::Orn,
        DpOp::Eor,
        DpOp::Add,
        DpOp::Adc,
        DpOp::Sbc,
        DpOp::Sub,
        DpOp::Rsb,
    ];

    pub fn bits(self) -> u32 {
        self as u32
    }

    pub fn name(self) -> &'static str {
        match self {
            DpOp::And => "and",
            DpOp::Bic => "bic",
            DpOp::Orr => "orr",
            DpOp::Orn => "orn",
            DpOp::Eor => "eor",
            DpOp::Add => "add",
            DpOp::Adc => "adc",
            DpOp::Sbc => "sbc",
            DpOp::Sub => "sub",
            DpOp::Rsb => "rsb",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShiftOp {
    Lsl = 0,
    Lsr = 1,
    Asr = 2,
    Ror = 3,
}

impl ShiftOp {
    pub const ALL: [ShiftOp; 4] = [ShiftOp::Lsl, ShiftOp::Lsr, ShiftOp::Asr, ShiftOp::Ror];

    pub fn bits(self) -> u32 {
        self as u32
    }

    pub fn name(self) -> &'static str {
        ["lsl", "lsr", "asr", "ror"][self as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadKind {
    Word,
    Half,
    SignedHalf,
    Byte,
    SignedByte,
}

impl LoadKind {
    pub const ALL: [LoadKind; 5] =
        [LoadKind::Word, LoadKind::Half, LoadKind::SignedHalf, LoadKind::Byte, LoadKind::SignedByte];

    pub fn name(self) -> &'static str {
        match self {
            LoadKind::Word => "ldr",
            LoadKind::Half => "ldrh",
            LoadKind::SignedHalf => "ldrsh",
            LoadKind::Byte => "ldrb",
            LoadKind::SignedByte => "ldrsb",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoreKind {
    Word,
    Half,
    Byte,
}

impl StoreKind {
    pub const ALL: [StoreKind; 3] = [StoreKind::Word, StoreKind::Half, StoreKind::Byte];

    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Word => "str",
            StoreKind::Half => "strh",
            StoreKind::Byte => "strb",
        }
    }
}

/// A 32-bit value expressible as a Thumb-2 modified immediate (`i:imm3:imm8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModImm(u32);

impl ModImm {
    pub fn new(value: u32) -> Option<ModImm> {
        encode_modified_immediate(value).map(|_| ModImm(value))
    }

    pub fn value(self) -> u32 {
        self.0
    }

    /// The 12-bit `i:imm3:imm8` field.
    pub fn field(self) -> u32 {
        encode_modified_immediate(self.0).expect("ModImm holds only encodable values")
    }
}

fn encode_modified_immediate(v: u32) -> Option<u32> {
    let b = v & 0xFF;
    if v >> 8 == 0 {
        return Some(b);
    }
    if v == b << 16 | b {
        return Some(0x100 | b);
    }
    let b1 = (v >> 8) & 0xFF;
    if v == b1 << 24 | b1 << 8 {
        return Some(0x200 | b1);
    }
    if v == b * 0x0101_0101 {
        return Some(0x300 | b);
    }
    // An 8-bit value with its top bit set, rotated right by 8..=31.
    (8..32u32).find_map(|rot| {
        let unrotated = v.rotate_left(rot);
        (0x80..=0xFF).contains(&unrotated).then_some(rot << 7 | (unrotated & 0x7F))
    })
}

/// 0..=4095, the immediate of ADDW/SUBW.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Imm12(u16);

impl Imm12 {
    pub fn new(value: u32) -> Option<Imm12> {
        (value <= 4095).then_some(Imm12(value as u16))
    }
    pub fn value(self) -> u32 {
        self.0 as u32
    }
}

/// 1..=31, an immediate shift amount (0 is a plain move; the compiler reduces amounts mod 32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShiftAmount(u8);

impl ShiftAmount {
    pub fn new(value: u32) -> Option<ShiftAmount> {
        (1..=31).contains(&value).then_some(ShiftAmount(value as u8))
    }
    pub fn value(self) -> u32 {
        self.0 as u32
    }
}

/// -255..=4095, the offsets the immediate-offset load/store encodings reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemOffset(i16);

impl MemOffset {
    pub const MIN: i32 = -255;
    pub const MAX: i32 = 4095;
    pub fn new(value: i32) -> Option<MemOffset> {
        (Self::MIN..=Self::MAX).contains(&value).then_some(MemOffset(value as i16))
    }
    pub fn value(self) -> i32 {
        self.0 as i32
    }
}

/// The pattern of an IT block: the first instruction is always "then"; `rest` lists whether
/// each following instruction (at most three) is "then" (`true`) or "else" (`false`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItPattern {
    len: u8,
    then_bits: u8,
}

impl ItPattern {
    pub fn new(rest: &[bool]) -> Option<ItPattern> {
        if rest.len() > 3 {
            return None;
        }
        let then_bits = rest.iter().enumerate().fold(0u8, |m, (i, t)| m | (*t as u8) << i);
        Some(ItPattern { len: rest.len() as u8 + 1, then_bits })
    }

    /// `it`: one instruction.
    pub fn t() -> ItPattern {
        ItPattern { len: 1, then_bits: 0 }
    }

    /// `ite`: then, else.
    pub fn te() -> ItPattern {
        ItPattern { len: 2, then_bits: 0 }
    }

    /// Number of instructions the block covers (1..=4).
    pub fn len(self) -> usize {
        self.len as usize
    }

    pub fn is_empty(self) -> bool {
        false
    }

    /// Whether instruction `i` (0-based, `i < len`) executes on the block's condition.
    pub fn is_then(self, i: usize) -> bool {
        i == 0 || self.then_bits >> (i - 1) & 1 == 1
    }

    /// The condition instruction `i` executes under.
    pub fn cond_of(self, first: Cond, i: usize) -> Cond {
        if self.is_then(i) {
            first
        } else {
            first.invert()
        }
    }

    pub fn suffix(self) -> String {
        (1..self.len()).map(|i| if self.is_then(i) { 't' } else { 'e' }).collect()
    }

    /// The 4-bit `mask` field of the IT encoding.
    pub fn mask(self, first: Cond) -> u32 {
        let c0 = first.bits() & 1;
        let mut mask = 0;
        for i in 1..self.len() {
            let bit = if self.is_then(i) { c0 } else { c0 ^ 1 };
            mask |= bit << (4 - i);
        }
        mask | 1 << (4 - self.len())
    }
}

/// A label inside one assembled function or module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inst {
    /// A floating-point instruction (`thumb::vfp`).
    Vfp(super::vfp::Vfp),
    /// `op{s} rd, rn, rm`.
    Dp {
        op: DpOp,
        s: bool,
        rd: Reg,
        rn: Reg,
        rm: Reg,
    },
    /// `op{s} rd, rn, #imm`.
    DpImm {
        op: DpOp,
        s: bool,
        rd: Reg,
        rn: Reg,
        imm: ModImm,
    },
    /// `addw rd, rn, #imm12` (rn may be SP).
    AddW {
        rd: Reg,
        rn: Reg,
        imm: Imm12,
    },
    /// `subw rd, rn, #imm12` (rn may be SP).
    SubW {
        rd: Reg,
        rn: Reg,
        imm: Imm12,
    },
    /// `add sp, #imm` / `sub sp, #imm`, 16-bit, `imm` a multiple of 4 up to 508.
    AdjustSp {
        sub: bool,
        imm: u16,
    },
    /// `mov rd, rm` (no flags; any registers but PC).
    Mov {
        rd: Reg,
        rm: Reg,
    },
    MovImm {
        s: bool,
        rd: Reg,
        imm: ModImm,
    },
    MvnImm {
        s: bool,
        rd: Reg,
        imm: ModImm,
    },
    Movw {
        rd: Reg,
        imm: u16,
    },
    Movt {
        rd: Reg,
        imm: u16,
    },
    ShiftImm {
        op: ShiftOp,
        s: bool,
        rd: Reg,
        rm: Reg,
        amount: ShiftAmount,
    },
    /// `op{s} rd, rn, rm`: shift `rn` by the bottom byte of `rm`.
    ShiftReg {
        op: ShiftOp,
        s: bool,
        rd: Reg,
        rn: Reg,
        rm: Reg,
    },
    Mul {
        rd: Reg,
        rn: Reg,
        rm: Reg,
    },
    /// `rd = ra + rn * rm`.
    Mla {
        rd: Reg,
        rn: Reg,
        rm: Reg,
        ra: Reg,
    },
    /// `rdhi:rdlo = rn * rm` (unsigned 64-bit product).
    Umull {
        rdlo: Reg,
        rdhi: Reg,
        rn: Reg,
        rm: Reg,
    },
    /// `rd = ra - rn * rm`.
    Mls {
        rd: Reg,
        rn: Reg,
        rm: Reg,
        ra: Reg,
    },
    Sdiv {
        rd: Reg,
        rn: Reg,
        rm: Reg,
    },
    Udiv {
        rd: Reg,
        rn: Reg,
        rm: Reg,
    },
    Clz {
        rd: Reg,
        rm: Reg,
    },
    Rbit {
        rd: Reg,
        rm: Reg,
    },
    Cmp {
        rn: Reg,
        rm: Reg,
    },
    CmpImm {
        rn: Reg,
        imm: ModImm,
    },
    CmnImm {
        rn: Reg,
        imm: ModImm,
    },
    Load {
        kind: LoadKind,
        rt: Reg,
        rn: Reg,
        offset: MemOffset,
    },
    LoadReg {
        kind: LoadKind,
        rt: Reg,
        rn: Reg,
        rm: Reg,
    },
    Store {
        kind: StoreKind,
        rt: Reg,
        rn: Reg,
        offset: MemOffset,
    },
    StoreReg {
        kind: StoreKind,
        rt: Reg,
        rn: Reg,
        rm: Reg,
    },
    Push(RegList),
    Pop(RegList),
    /// Branch to a label; the assembler picks the narrow or wide form.
    B {
        cond: Option<Cond>,
        target: Label,
    },
    Bl {
        target: Label,
    },
    Bx {
        rm: Reg,
    },
    /// `blx rm`: call the address in `rm` (its bit 0 set: Thumb).
    Blx {
        rm: Reg,
    },
    It {
        first: Cond,
        pattern: ItPattern,
    },
    Udf {
        imm: u16,
    },
    Nop,
}

impl Inst {
    /// Whether this instruction is an "S" (flag-setting) form.
    pub fn sets_flags(&self) -> bool {
        match *self {
            Inst::Cmp { .. } | Inst::CmpImm { .. } | Inst::CmnImm { .. } => true,
            mut other => other.s_bit().is_some_and(|s| *s),
        }
    }

    /// The S bit of an instruction that has one (data processing, immediate moves, shifts).
    pub fn s_bit(&mut self) -> Option<&mut bool> {
        match self {
            Inst::Dp { s, .. }
            | Inst::DpImm { s, .. }
            | Inst::MovImm { s, .. }
            | Inst::MvnImm { s, .. }
            | Inst::ShiftImm { s, .. }
            | Inst::ShiftReg { s, .. } => Some(s),
            _ => None,
        }
    }
}

/// How a branch was resolved: its byte offset from the branch's PC + 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchOffset(pub i32);

/// Formats an instruction in UAL syntax, as `llvm-mc` reads it. `cond` is the IT condition the
/// instruction executes under; `wide` whether the encoder chose a 32-bit encoding (printed as
/// `.w` where a 16-bit form of the same mnemonic exists, so the assembler must agree on width).
pub struct AsmText<'a> {
    pub inst: &'a Inst,
    pub cond: Option<Cond>,
    pub wide: bool,
    pub branch: Option<BranchOffset>,
}

impl fmt::Display for AsmText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.cond.map_or("", |c| c.name());
        let s = |s: bool| if s { "s" } else { "" };
        let w = if self.wide { ".w" } else { "" };
        match *self.inst {
            Inst::Vfp(v) => write!(f, "{}", v.text(c)),
            Inst::Dp { op, s: fl, rd, rn, rm } => {
                let w = if matches!(op, DpOp::Orn | DpOp::Rsb) { "" } else { w };
                write!(f, "{}{}{c}{w} {rd}, {rn}, {rm}", op.name(), s(fl))
            }
            Inst::DpImm { op, s: fl, rd, rn, imm } => {
                // ADC/SBC have no 16-bit immediate form, and LLVM rejects `.w` on them.
                let w = if matches!(op, DpOp::Adc | DpOp::Sbc) { "" } else { w };
                write!(f, "{}{}{c}{w} {rd}, {rn}, #{}", op.name(), s(fl), imm.value())
            }
            Inst::AddW { rd, rn, imm } => write!(f, "addw{c} {rd}, {rn}, #{}", imm.value()),
            Inst::SubW { rd, rn, imm } => write!(f, "subw{c} {rd}, {rn}, #{}", imm.value()),
            Inst::AdjustSp { sub, imm } => {
                write!(f, "{}{c} sp, #{imm}", if sub { "sub" } else { "add" })
            }
            Inst::Mov { rd, rm } => write!(f, "mov{c} {rd}, {rm}"),
            Inst::MovImm { s: fl, rd, imm } => {
                write!(f, "mov{}{c}{w} {rd}, #{}", s(fl), imm.value())
            }
            Inst::MvnImm { s: fl, rd, imm } => write!(f, "mvn{}{c} {rd}, #{}", s(fl), imm.value()),
            Inst::Movw { rd, imm } => write!(f, "movw{c} {rd}, #{imm}"),
            Inst::Movt { rd, imm } => write!(f, "movt{c} {rd}, #{imm}"),
            Inst::ShiftImm { op, s: fl, rd, rm, amount } => {
                write!(f, "{}{}{c}{w} {rd}, {rm}, #{}", op.name(), s(fl), amount.value())
            }
            Inst::ShiftReg { op, s: fl, rd, rn, rm } => {
                write!(f, "{}{}{c}{w} {rd}, {rn}, {rm}", op.name(), s(fl))
            }
            Inst::Mul { rd, rn, rm } => write!(f, "mul{c} {rd}, {rn}, {rm}"),
            Inst::Mla { rd, rn, rm, ra } => write!(f, "mla{c} {rd}, {rn}, {rm}, {ra}"),
            Inst::Mls { rd, rn, rm, ra } => write!(f, "mls{c} {rd}, {rn}, {rm}, {ra}"),
            Inst::Umull { rdlo, rdhi, rn, rm } => write!(f, "umull{c} {rdlo}, {rdhi}, {rn}, {rm}"),
            Inst::Sdiv { rd, rn, rm } => write!(f, "sdiv{c} {rd}, {rn}, {rm}"),
            Inst::Udiv { rd, rn, rm } => write!(f, "udiv{c} {rd}, {rn}, {rm}"),
            Inst::Clz { rd, rm } => write!(f, "clz{c} {rd}, {rm}"),
            Inst::Rbit { rd, rm } => write!(f, "rbit{c} {rd}, {rm}"),
            Inst::Cmp { rn, rm } => write!(f, "cmp{c}{w} {rn}, {rm}"),
            Inst::CmpImm { rn, imm } => write!(f, "cmp{c}{w} {rn}, #{}", imm.value()),
            Inst::CmnImm { rn, imm } => write!(f, "cmn{c}{w} {rn}, #{}", imm.value()),
            Inst::Load { kind, rt, rn, offset } => {
                // Negative offsets only exist in 32-bit form; LLVM rejects `.w` there.
                let w = if offset.value() < 0 { "" } else { w };
                write!(f, "{}{c}{w} {rt}, [{rn}, #{}]", kind.name(), offset.value())
            }
            Inst::LoadReg { kind, rt, rn, rm } => {
                write!(f, "{}{c}{w} {rt}, [{rn}, {rm}]", kind.name())
            }
            Inst::Store { kind, rt, rn, offset } => {
                let w = if offset.value() < 0 { "" } else { w };
                write!(f, "{}{c}{w} {rt}, [{rn}, #{}]", kind.name(), offset.value())
            }
            Inst::StoreReg { kind, rt, rn, rm } => {
                write!(f, "{}{c}{w} {rt}, [{rn}, {rm}]", kind.name())
            }
            Inst::Push(list) => write!(f, "push{c}{w} {list}"),
            Inst::Pop(list) => write!(f, "pop{c}{w} {list}"),
            Inst::B { cond, target } => {
                let bc = cond.map_or(c, |c| c.name());
                match self.branch {
                    Some(BranchOffset(off)) => write!(f, "b{bc}{w} #{off}"),
                    None => write!(f, "b{bc} L{}", target.0),
                }
            }
            Inst::Bl { target } => match self.branch {
                Some(BranchOffset(off)) => write!(f, "bl{c} #{off}"),
                None => write!(f, "bl{c} L{}", target.0),
            },
            Inst::Bx { rm } => write!(f, "bx{c} {rm}"),
            Inst::Blx { rm } => write!(f, "blx{c} {rm}"),
            Inst::It { first, pattern } => write!(f, "it{} {}", pattern.suffix(), first.name()),
            Inst::Udf { imm } => write!(f, "udf{w} #{imm}"),
            Inst::Nop => write!(f, "nop{c}{w}"),
        }
    }
}
