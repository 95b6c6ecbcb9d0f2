//! VFP instructions (FPv4-SP on the Cortex-M4F, FPv5-D16 on the M7): registers whose types
//! only hold the registers these FPUs have, the forms the float lowering will emit, their
//! encodings and their UAL text. Checked against `llvm-mc` with each CPU's attributes in
//! `tests/encoder_vs_llvm_mc.rs`; `needs_double` is the instruction-set gate between the two.

use super::reg::Reg;
use std::fmt;

/// A single-precision register, S0–S31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SReg(u8);

impl SReg {
    pub const fn new(n: u8) -> Option<SReg> {
        if n < 32 {
            Some(SReg(n))
        } else {
            None
        }
    }

    pub fn num(self) -> u8 {
        self.0
    }

    /// (the 4-bit field, the extra bit): for S registers the extra bit is the low one.
    fn fields(self) -> (u32, u32) {
        (self.0 as u32 >> 1, self.0 as u32 & 1)
    }

    pub fn all() -> impl Iterator<Item = SReg> {
        (0..32).map(SReg)
    }
}

/// A double-precision register of a D16 FPU, D0–D15.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DReg(u8);

impl DReg {
    pub fn new(n: u8) -> Option<DReg> {
        (n < 16).then_some(DReg(n))
    }

    pub fn num(self) -> u8 {
        self.0
    }

    /// (the 4-bit field, the extra bit): for D registers the extra bit is the high one (0 here).
    fn fields(self) -> (u32, u32) {
        (self.0 as u32 & 15, self.0 as u32 >> 4)
    }

    pub fn all() -> impl Iterator<Item = DReg> {
        (0..16).map(DReg)
    }
}

impl fmt::Display for SReg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

impl fmt::Display for DReg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "d{}", self.0)
    }
}

/// A float register of either precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FReg {
    S(SReg),
    D(DReg),
}

impl FReg {
    fn fields(self) -> (u32, u32) {
        match self {
            FReg::S(s) => s.fields(),
            FReg::D(d) => d.fields(),
        }
    }

    fn sz(self) -> u32 {
        matches!(self, FReg::D(_)) as u32
    }

    fn suffix(self) -> &'static str {
        match self {
            FReg::S(_) => "f32",
            FReg::D(_) => "f64",
        }
    }
}

impl fmt::Display for FReg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FReg::S(s) => s.fmt(f),
            FReg::D(d) => d.fmt(f),
        }
    }
}

/// Three registers of one precision (`op d, n, m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Three {
    S(SReg, SReg, SReg),
    D(DReg, DReg, DReg),
}

/// Two registers of one precision (`op d, m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Two {
    S(SReg, SReg),
    D(DReg, DReg),
}

impl Two {
    fn regs(self) -> (FReg, FReg) {
        match self {
            Two::S(d, m) => (FReg::S(d), FReg::S(m)),
            Two::D(d, m) => (FReg::D(d), FReg::D(m)),
        }
    }
}

impl Three {
    fn regs(self) -> (FReg, FReg, FReg) {
        match self {
            Three::S(d, n, m) => (FReg::S(d), FReg::S(n), FReg::S(m)),
            Three::D(d, n, m) => (FReg::D(d), FReg::D(n), FReg::D(m)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub const ALL: [BinOp; 4] = [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div];

    fn base(self) -> u32 {
        match self {
            BinOp::Add => 0xEE30_0A00,
            BinOp::Sub => 0xEE30_0A40,
            BinOp::Mul => 0xEE20_0A00,
            BinOp::Div => 0xEE80_0A00,
        }
    }

    fn name(self) -> &'static str {
        ["vadd", "vsub", "vmul", "vdiv"][self as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// `vmov` between float registers of one precision.
    Mov,
    Abs,
    Neg,
    Sqrt,
}

impl UnOp {
    pub const ALL: [UnOp; 4] = [UnOp::Mov, UnOp::Abs, UnOp::Neg, UnOp::Sqrt];

    fn base(self) -> u32 {
        match self {
            UnOp::Mov => 0xEEB0_0A40,
            UnOp::Abs => 0xEEB0_0AC0,
            UnOp::Neg => 0xEEB1_0A40,
            UnOp::Sqrt => 0xEEB1_0AC0,
        }
    }

    fn name(self) -> &'static str {
        ["vmov", "vabs", "vneg", "vsqrt"][self as usize]
    }
}

/// FPv5's rounding to an integral value in floating point (`vrint{a,n,p,m}` and `vrintz`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Round {
    /// To nearest, ties away from zero.
    A,
    /// To nearest, ties to even.
    N,
    /// Toward +infinity.
    P,
    /// Toward -infinity.
    M,
    /// Toward zero.
    Z,
}

impl Round {
    pub const ALL: [Round; 5] = [Round::A, Round::N, Round::P, Round::M, Round::Z];

    fn name(self) -> &'static str {
        ["vrinta", "vrintn", "vrintp", "vrintm", "vrintz"][self as usize]
    }
}

/// A VLDR/VSTR offset: a multiple of 4 within ±1020.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VOffset(i16);

impl VOffset {
    pub fn new(offset: i32) -> Option<VOffset> {
        (offset % 4 == 0 && (-1020..=1020).contains(&offset)).then_some(VOffset(offset as i16))
    }

    pub fn value(self) -> i32 {
        self.0 as i32
    }
}

/// A run of consecutive S registers for VPUSH/VPOP: 1 to 16 of them, all within S0–S31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SRun {
    first: SReg,
    count: u8,
}

impl SRun {
    pub fn new(first: SReg, count: u8) -> Option<SRun> {
        ((1..=16).contains(&count) && first.num() + count <= 32).then_some(SRun { first, count })
    }

    pub fn first(self) -> SReg {
        self.first
    }

    pub fn count(self) -> u8 {
        self.count
    }
}

impl fmt::Display for SRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.first.num() + self.count - 1;
        match self.count {
            1 => write!(f, "{{{}}}", self.first),
            _ => write!(f, "{{{}-s{last}}}", self.first),
        }
    }
}

/// A constant VMOV can load: ±(16..31)/16 × 2^(-3..4) in 8 bits, with its precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VImm {
    bits: u8,
}

impl VImm {
    /// The 8-bit encoding of `v` as an f32, if it has one.
    pub fn from_f32(v: f32) -> Option<VImm> {
        let b = v.to_bits();
        let exp = (b >> 25) & 0x3F; // bits 30..25: NOT(b):bbbbb
        let ok = b & 0x7FFFF == 0 && (exp == 0b100000 || exp == 0b011111);
        ok.then_some(VImm { bits: (((b >> 31) << 7) | (((b >> 29) & 1) << 6) | ((b >> 19) & 0x3F)) as u8 })
    }

    /// The 8-bit encoding of `v` as an f64, if it has one.
    pub fn from_f64(v: f64) -> Option<VImm> {
        let b = v.to_bits();
        let exp = (b >> 54) & 0x1FF; // bits 62..54: NOT(b):bbbbbbbb
        let ok = b & 0xFFFF_FFFF_FFFF == 0 && (exp == 0b1_0000_0000 || exp == 0b0_1111_1111);
        ok.then_some(VImm { bits: (((b >> 63) << 7) | (((b >> 61) & 1) << 6) | ((b >> 48) & 0x3F)) as u8 })
    }

    /// Every loadable constant, by its encoding.
    pub fn all() -> impl Iterator<Item = VImm> {
        (0..=255u8).map(|bits| VImm { bits })
    }

    pub fn f32(self) -> f32 {
        let i = self.bits as u32;
        let b6 = (i >> 6) & 1;
        let bits =
            ((i >> 7) << 31) | ((b6 ^ 1) << 30) | (if b6 == 1 { 0x1F << 25 } else { 0 }) | ((i & 0x3F) << 19);
        f32::from_bits(bits)
    }

    pub fn f64(self) -> f64 {
        let i = self.bits as u64;
        let b6 = (i >> 6) & 1;
        let bits =
            ((i >> 7) << 63) | ((b6 ^ 1) << 62) | (if b6 == 1 { 0xFF << 54 } else { 0 }) | ((i & 0x3F) << 48);
        f64::from_bits(bits)
    }
}

/// A VFP instruction. Every register type holds only registers the FPU has; every immediate
/// only encodable values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vfp {
    Bin {
        op: BinOp,
        regs: Three,
    },
    Un {
        op: UnOp,
        regs: Two,
    },
    /// `vcmp{e} d, m`: `e` also signals on quiet NaNs.
    Cmp {
        e: bool,
        regs: Two,
    },
    /// `vcmp{e} d, #0`.
    CmpZero {
        e: bool,
        reg: FReg,
    },
    /// `vmrs APSR_nzcv, fpscr`: the last comparison's flags into the core's.
    FlagsToCore,
    /// `vmov rt, sn` / `vmov sn, rt`.
    ToCore {
        rt: Reg,
        sn: SReg,
    },
    FromCore {
        sn: SReg,
        rt: Reg,
    },
    /// `vmov rt, rt2, dm` / `vmov dm, rt, rt2`.
    ToCorePair {
        rt: Reg,
        rt2: Reg,
        dm: DReg,
    },
    FromCorePair {
        dm: DReg,
        rt: Reg,
        rt2: Reg,
    },
    /// `vldr` / `vstr fd, [rn, #offset]`.
    Load {
        fd: FReg,
        rn: Reg,
        offset: VOffset,
    },
    Store {
        fd: FReg,
        rn: Reg,
        offset: VOffset,
    },
    /// `vpush` / `vpop {sN-sM}`: the callee-saved S registers a function uses.
    Push(SRun),
    Pop(SRun),
    /// `vmov.f32/.f64 fd, #imm`.
    MovImm {
        fd: FReg,
        imm: VImm,
    },
    /// `vcvt{r}.s32/.u32.f32/.f64 sd, m`: toward zero (`vcvt`), or by FPSCR's mode (`vcvtr`).
    ToInt {
        signed: bool,
        toward_zero: bool,
        sd: SReg,
        m: FReg,
    },
    /// `vcvt.f32/.f64.s32/.u32 fd, sm`.
    FromInt {
        signed: bool,
        fd: FReg,
        sm: SReg,
    },
    /// `vcvt.f64.f32 dd, sm`.
    Promote {
        dd: DReg,
        sm: SReg,
    },
    /// `vcvt.f32.f64 sd, dm`.
    Demote {
        sd: SReg,
        dm: DReg,
    },
    /// FPv5 (the M7): `vrint* d, m`. All but `vrintz` cannot be conditional (not in an IT block).
    Rint {
        round: Round,
        regs: Two,
    },
    /// FPv5: `vmaxnm`/`vminnm d, n, m`, IEEE 754-2008 maxNum/minNum (a quiet NaN operand loses
    /// to a number; -0 < +0). Never conditional.
    MinMaxNum {
        max: bool,
        regs: Three,
    },
}

/// `D:Vd`, `N:Vn`, `M:Vm` placed in an instruction word.
fn place_d(w: u32, r: FReg) -> u32 {
    let (v, x) = r.fields();
    w | x << 22 | v << 12
}

fn place_n(w: u32, r: FReg) -> u32 {
    let (v, x) = r.fields();
    w | v << 16 | x << 7
}

fn place_m(w: u32, r: FReg) -> u32 {
    let (v, x) = r.fields();
    w | x << 5 | v
}

impl Vfp {
    /// Whether it needs double precision in hardware (FPv5-D16: the M7; the M4F has no such).
    pub fn needs_double(&self) -> bool {
        match *self {
            Vfp::Bin { regs, .. } => matches!(regs, Three::D(..)),
            Vfp::Un { regs, .. } | Vfp::Cmp { regs, .. } => matches!(regs, Two::D(..)),
            Vfp::CmpZero { reg, .. } => matches!(reg, FReg::D(_)),
            Vfp::MovImm { fd, .. } => matches!(fd, FReg::D(_)),
            Vfp::ToInt { m, .. } => matches!(m, FReg::D(_)),
            Vfp::FromInt { fd, .. } => matches!(fd, FReg::D(_)),
            Vfp::Promote { .. } | Vfp::Demote { .. } => true,
            Vfp::Rint { regs, .. } => matches!(regs, Two::D(..)),
            Vfp::MinMaxNum { regs, .. } => matches!(regs, Three::D(..)),
            // Moves between D registers and memory or core pairs are FPv4-SP too.
            _ => false,
        }
    }

    /// Whether the M4F's FPv4-SP lacks it: double precision, or an FPv5 instruction.
    pub fn needs_fpv5(&self) -> bool {
        self.needs_double() || matches!(self, Vfp::Rint { .. } | Vfp::MinMaxNum { .. })
    }

    /// The 32-bit encoding (first halfword in the high 16 bits). `Err` names a core register
    /// the form does not allow (SP or PC as a transfer register).
    pub fn encode(&self) -> Result<u32, &'static str> {
        let core = |r: Reg| {
            if r == Reg::Sp || r == Reg::Pc {
                Err("SP or PC cannot be a VMOV transfer register")
            } else {
                Ok(r.num())
            }
        };
        Ok(match *self {
            Vfp::Bin { op, regs } => {
                let (d, n, m) = regs.regs();
                place_m(place_n(place_d(op.base() | d.sz() << 8, d), n), m)
            }
            Vfp::Un { op, regs } => {
                let (d, m) = regs.regs();
                place_m(place_d(op.base() | d.sz() << 8, d), m)
            }
            Vfp::Cmp { e, regs } => {
                let (d, m) = regs.regs();
                place_m(place_d(0xEEB4_0A40 | (e as u32) << 7 | d.sz() << 8, d), m)
            }
            Vfp::CmpZero { e, reg } => place_d(0xEEB5_0A40 | (e as u32) << 7 | reg.sz() << 8, reg),
            Vfp::FlagsToCore => 0xEEF1_FA10,
            Vfp::ToCore { rt, sn } => place_n(0xEE10_0A10 | core(rt)? << 12, FReg::S(sn)),
            Vfp::FromCore { sn, rt } => place_n(0xEE00_0A10 | core(rt)? << 12, FReg::S(sn)),
            Vfp::ToCorePair { rt, rt2, dm } => {
                if rt == rt2 {
                    return Err("a VMOV to a core pair needs two different registers");
                }
                place_m(0xEC50_0B10 | core(rt2)? << 16 | core(rt)? << 12, FReg::D(dm))
            }
            Vfp::FromCorePair { dm, rt, rt2 } => {
                place_m(0xEC40_0B10 | core(rt2)? << 16 | core(rt)? << 12, FReg::D(dm))
            }
            Vfp::Load { fd, rn, offset } | Vfp::Store { fd, rn, offset } => {
                if rn == Reg::Pc {
                    return Err("PC-relative VLDR/VSTR are not emitted");
                }
                let base = if matches!(self, Vfp::Load { .. }) { 0xED10_0A00 } else { 0xED00_0A00 };
                let o = offset.value();
                let up = (o >= 0) as u32;
                place_d(base | up << 23 | rn.num() << 16 | fd.sz() << 8 | (o.unsigned_abs() / 4), fd)
            }
            Vfp::Push(run) => place_d(0xED2D_0A00 | run.count as u32, FReg::S(run.first)),
            Vfp::Pop(run) => place_d(0xECBD_0A00 | run.count as u32, FReg::S(run.first)),
            Vfp::MovImm { fd, imm } => {
                let i = imm.bits as u32;
                place_d(0xEEB0_0A00 | (i >> 4) << 16 | fd.sz() << 8 | (i & 15), fd)
            }
            Vfp::ToInt { signed, toward_zero, sd, m } => {
                let opc2 = if signed { 0b101 } else { 0b100 };
                place_m(
                    place_d(0xEEB8_0A40 | opc2 << 16 | m.sz() << 8 | (toward_zero as u32) << 7, FReg::S(sd)),
                    m,
                )
            }
            Vfp::FromInt { signed, fd, sm } => {
                place_m(place_d(0xEEB8_0A40 | fd.sz() << 8 | (signed as u32) << 7, fd), FReg::S(sm))
            }
            Vfp::Promote { dd, sm } => place_m(place_d(0xEEB7_0AC0, FReg::D(dd)), FReg::S(sm)),
            Vfp::Demote { sd, dm } => place_m(place_d(0xEEB7_0BC0, FReg::S(sd)), FReg::D(dm)),
            Vfp::Rint { round, regs } => {
                let (d, m) = regs.regs();
                let base = match round {
                    Round::Z => 0xEEB6_0AC0,
                    r => 0xFEB8_0A40 | (r as u32) << 16,
                };
                place_m(place_d(base | d.sz() << 8, d), m)
            }
            Vfp::MinMaxNum { max, regs } => {
                let (d, n, m) = regs.regs();
                place_m(place_n(place_d(0xFE80_0A00 | (!max as u32) << 6 | d.sz() << 8, d), n), m)
            }
        })
    }

    /// UAL text, with `cond` (inside an IT block) after the mnemonic.
    pub fn text(&self, cond: &str) -> String {
        let float = |v: f64| format!("{v:?}");
        match *self {
            Vfp::Bin { op, regs } => {
                let (d, n, m) = regs.regs();
                format!("{}{cond}.{} {d}, {n}, {m}", op.name(), d.suffix())
            }
            Vfp::Un { op, regs } => {
                let (d, m) = regs.regs();
                format!("{}{cond}.{} {d}, {m}", op.name(), d.suffix())
            }
            Vfp::Cmp { e, regs } => {
                let (d, m) = regs.regs();
                format!("vcmp{}{cond}.{} {d}, {m}", if e { "e" } else { "" }, d.suffix())
            }
            Vfp::CmpZero { e, reg } => {
                format!("vcmp{}{cond}.{} {reg}, #0", if e { "e" } else { "" }, reg.suffix())
            }
            Vfp::FlagsToCore => format!("vmrs{cond} APSR_nzcv, fpscr"),
            Vfp::ToCore { rt, sn } => format!("vmov{cond} {rt}, {sn}"),
            Vfp::FromCore { sn, rt } => format!("vmov{cond} {sn}, {rt}"),
            Vfp::ToCorePair { rt, rt2, dm } => format!("vmov{cond} {rt}, {rt2}, {dm}"),
            Vfp::FromCorePair { dm, rt, rt2 } => format!("vmov{cond} {dm}, {rt}, {rt2}"),
            Vfp::Load { fd, rn, offset } => format!("vldr{cond} {fd}, [{rn}, #{}]", offset.value()),
            Vfp::Store { fd, rn, offset } => format!("vstr{cond} {fd}, [{rn}, #{}]", offset.value()),
            Vfp::Push(run) => format!("vpush{cond} {run}"),
            Vfp::Pop(run) => format!("vpop{cond} {run}"),
            Vfp::MovImm { fd, imm } => match fd {
                FReg::S(_) => format!("vmov{cond}.f32 {fd}, #{}", float(imm.f32() as f64)),
                FReg::D(_) => format!("vmov{cond}.f64 {fd}, #{}", float(imm.f64())),
            },
            Vfp::ToInt { signed, toward_zero, sd, m } => format!(
                "vcvt{}{cond}.{}32.{} {sd}, {m}",
                if toward_zero { "" } else { "r" },
                if signed { "s" } else { "u" },
                m.suffix()
            ),
            Vfp::FromInt { signed, fd, sm } => {
                format!("vcvt{cond}.{}.{}32 {fd}, {sm}", fd.suffix(), if signed { "s" } else { "u" })
            }
            Vfp::Promote { dd, sm } => format!("vcvt{cond}.f64.f32 {dd}, {sm}"),
            Vfp::Demote { sd, dm } => format!("vcvt{cond}.f32.f64 {sd}, {dm}"),
            Vfp::Rint { round, regs } => {
                let (d, m) = regs.regs();
                format!("{}{cond}.{} {d}, {m}", round.name(), d.suffix())
            }
            Vfp::MinMaxNum { max, regs } => {
                let (d, n, m) = regs.regs();
                format!("{}{cond}.{} {d}, {n}, {m}", if max { "vmaxnm" } else { "vminnm" }, d.suffix())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vmov_immediate_round_trips_through_its_value() {
        for imm in VImm::all() {
            assert_eq!(VImm::from_f32(imm.f32()), Some(imm), "{}", imm.f32());
            assert_eq!(VImm::from_f64(imm.f64()), Some(imm), "{}", imm.f64());
            assert_eq!(imm.f32() as f64, imm.f64());
        }
        assert_eq!(VImm::from_f32(1.0).map(|i| i.bits), Some(0x70));
        assert_eq!(VImm::from_f32(0.0), None, "zero has no VMOV immediate");
        assert_eq!(VImm::from_f32(0.1), None);
        assert_eq!(VImm::from_f64(32.0), None, "2^5 is out of range");
        assert_eq!(VImm::from_f64(31.0).map(|i| i.f64()), Some(31.0));
    }

    #[test]
    fn registers_and_offsets_hold_only_what_exists() {
        assert!(SReg::new(31).is_some() && SReg::new(32).is_none());
        assert!(DReg::new(15).is_some() && DReg::new(16).is_none(), "D16 FPUs have D0-D15");
        assert!(VOffset::new(1020).is_some() && VOffset::new(1024).is_none() && VOffset::new(2).is_none());
        assert!(VOffset::new(-1020).is_some());
        let s = |n| SReg::new(n).unwrap();
        assert!(SRun::new(s(16), 16).is_some() && SRun::new(s(17), 16).is_none());
        assert!(SRun::new(s(0), 0).is_none() && SRun::new(s(31), 1).is_some());
    }
}
