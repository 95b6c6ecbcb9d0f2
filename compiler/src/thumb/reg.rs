//! Registers, condition codes and register lists of ARMv7-M.

use std::fmt;

/// A core register. `Sp` and `Pc` are only accepted by the instruction forms that allow them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Reg {
    R0 = 0,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
    R8,
    R9,
    R10,
    R11,
    R12,
    Sp,
    Lr,
    Pc,
}

impl Reg {
    pub const ALL: [Reg; 16] = [
        Reg::R0,
        Reg::R1,
        Reg::R2,
        Reg::R3,
        Reg::R4,
        Reg::R5,
        Reg::R6,
        Reg::R7,
        Reg::R8,
        Reg::R9,
        Reg::R10,
        Reg::R11,
        Reg::R12,
        Reg::Sp,
        Reg::Lr,
        Reg::Pc,
    ];

    /// The registers a general data-processing operand may name (everything but SP and PC).
    pub const GENERAL: [Reg; 14] = [
        Reg::R0,
        Reg::R1,
        Reg::R2,
        Reg::R3,
        Reg::R4,
        Reg::R5,
        Reg::R6,
        Reg::R7,
        Reg::R8,
        Reg::R9,
        Reg::R10,
        Reg::R11,
        Reg::R12,
        Reg::Lr,
    ];

    pub fn num(self) -> u32 {
        self as u32
    }

    pub fn from_num(n: u32) -> Option<Reg> {
        Reg::ALL.get(n as usize).copied()
    }

    /// R0–R7: the registers 16-bit encodings with 3-bit fields can name.
    pub fn is_low(self) -> bool {
        self.num() < 8
    }

    /// Not SP or PC: the registers most 32-bit encodings accept.
    pub fn is_general(self) -> bool {
        !matches!(self, Reg::Sp | Reg::Pc)
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reg::Sp => f.write_str("sp"),
            Reg::Lr => f.write_str("lr"),
            Reg::Pc => f.write_str("pc"),
            r => write!(f, "r{}", r.num()),
        }
    }
}

/// Condition codes, numbered as in the architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Cond {
    Eq = 0,
    Ne,
    Hs,
    Lo,
    Mi,
    Pl,
    Vs,
    Vc,
    Hi,
    Ls,
    Ge,
    Lt,
    Gt,
    Le,
}

impl Cond {
    pub const ALL: [Cond; 14] = [
        Cond::Eq,
        Cond::Ne,
        Cond::Hs,
        Cond::Lo,
        Cond::Mi,
        Cond::Pl,
        Cond::Vs,
        Cond::Vc,
        Cond::Hi,
        Cond::Ls,
        Cond::Ge,
        Cond::Lt,
        Cond::Gt,
        Cond::Le,
    ];

    pub fn bits(self) -> u32 {
        self as u32
    }

    pub fn invert(self) -> Cond {
        Cond::ALL[(self.bits() ^ 1) as usize]
    }

    pub fn name(self) -> &'static str {
        ["eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"][self as usize]
    }
}

/// A set of core registers, as PUSH/POP name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RegList(u16);

impl RegList {
    pub fn new(regs: &[Reg]) -> RegList {
        RegList(regs.iter().fold(0, |m, r| m | 1 << r.num()))
    }

    pub fn bits(self) -> u32 {
        self.0 as u32
    }

    pub fn contains(self, r: Reg) -> bool {
        self.0 & (1 << r.num()) != 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Reg> {
        Reg::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl fmt::Display for RegList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, r) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{r}")?;
        }
        f.write_str("}")
    }
}
