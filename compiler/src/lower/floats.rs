//! Float operators on the FPU. An f32 that float code computes lives in the float pool
//! (S16 upwards, `spool`); other f32 values, and every f64, live where integers do (a core pool
//! register or pair, as bit patterns; see `ir::Ty`). add/sub/mul/div and sqrt of float-pool
//! values are one instruction from the operands' registers into the result's. Every other
//! float operator moves its operands into caller-saved VFP scratch registers (S0–S9 / D0–D4),
//! computes, and moves the result to its pool register. The code is correct under the FPSCR in
//! `crate::FPSCR_REQUIRED` (round to nearest, no flush to zero, default NaN): every arithmetic
//! NaN is then the canonical one.
//!
//! On the M7 (FPv5) ceil/floor/trunc/nearest are one VRINT, and min/max a VMINNM/VMAXNM after
//! a compare that sends NaNs to `a + b`. Where the FPU has no instruction (the M4), inline
//! sequences:
//! - min/max: a compare; unordered gives `a + b` (a canonical NaN), equal operands combine
//!   their bits (OR for min, AND for max: so -0 < +0), otherwise the smaller or larger one.
//! - ceil/floor/trunc/nearest, without VRINT: for
//!   |x| < 2^23 (2^52), `(|x| + 2^23) - 2^23` is |x| rounded to nearest, ties to even; one
//!   compare and a ±1 give its floor or ceiling; the sign of x is put back (so -0.5 gives -0).
//!   Larger |x|, infinities and NaNs give `x * 1` (x itself; NaN made canonical).
//! - trapping truncation: NaN traps as an invalid conversion, a value outside the range as an
//!   integer overflow, then VCVT toward zero (which alone is the saturating truncation).

use super::*;
use crate::thumb::vfp::{self, DReg, FReg, Round, SReg, Three, Two, VImm};

const R12: Reg = Reg::R12;
const LR: Reg = Reg::Lr;

/// The float register of number `n` in precision `prec` (S n or D n; D n overlaps S 2n, S 2n+1).
fn freg(prec: Prec, n: u8) -> FReg {
    match prec {
        Prec::F32 => FReg::S(SReg::new(n).expect("scratch S register")),
        Prec::F64 => FReg::D(DReg::new(n).expect("scratch D register")),
    }
}

fn sreg(n: u8) -> SReg {
    SReg::new(n).expect("scratch S register")
}

fn dreg(n: u8) -> DReg {
    DReg::new(n).expect("scratch D register")
}

fn three(prec: Prec, d: u8, n: u8, m: u8) -> Three {
    match prec {
        Prec::F32 => Three::S(sreg(d), sreg(n), sreg(m)),
        Prec::F64 => Three::D(dreg(d), dreg(n), dreg(m)),
    }
}

fn two(prec: Prec, d: u8, m: u8) -> Two {
    match prec {
        Prec::F32 => Two::S(sreg(d), sreg(m)),
        Prec::F64 => Two::D(dreg(d), dreg(m)),
    }
}

fn shift(amount: u32) -> ShiftAmount {
    ShiftAmount::new(amount).expect("shift amount 1..=31")
}

fn one(prec: Prec) -> VImm {
    match prec {
        Prec::F32 => VImm::from_f32(1.0),
        Prec::F64 => VImm::from_f64(1.0),
    }
    .expect("1.0 is a VMOV immediate")
}

/// A float constant's bits, low word then high word (f32: high word unused).
fn constant_words(prec: Prec, value: f64) -> (u32, u32) {
    match prec {
        Prec::F32 => ((value as f32).to_bits(), 0),
        Prec::F64 => (value.to_bits() as u32, (value.to_bits() >> 32) as u32),
    }
}

impl Lowerer<'_> {
    fn vfp(&mut self, v: Vfp) {
        self.emit(Inst::Vfp(v));
    }

    fn bind(&mut self, label: Label) {
        self.code.push(Emit::Bind(label));
    }

    fn branch(&mut self, cond: Option<Cond>, target: Label) {
        self.emit(Inst::B { cond, target });
    }

    /// Float operand `op` into float register `n`; returns the core registers it was read from
    /// (an f32's twice; for an f64 low and high word), which stay intact until the result is
    /// defined. A float-pool value is copied from its S register, and into `scratch.0` too only
    /// when the caller `needs_core` (min/max and rounding on the M4 read the bits).
    #[allow(clippy::too_many_arguments)]
    fn float_operand(
        &mut self,
        prec: Prec,
        op: Operand,
        n: u8,
        pinned: &mut Vec<usize>,
        pos: u32,
        scratch: (Reg, Reg),
        needs_core: bool,
    ) -> (Reg, Reg) {
        match (prec, op) {
            (Prec::F32, Operand::Imm(k)) if VImm::from_f32(f32::from_bits(k as u32)).is_some() => {
                let imm = VImm::from_f32(f32::from_bits(k as u32)).expect("checked above");
                self.vfp(Vfp::MovImm { fd: FReg::S(sreg(n)), imm });
                if needs_core {
                    self.vfp(Vfp::ToCore { rt: scratch.0, sn: sreg(n) });
                }
                (scratch.0, scratch.0)
            }
            (Prec::F32, Operand::Var(v)) if self.in_s[v.0 as usize] => {
                self.s_into(v, sreg(n), pinned, pos);
                if needs_core {
                    self.vfp(Vfp::ToCore { rt: scratch.0, sn: sreg(n) });
                }
                (scratch.0, scratch.0)
            }
            (Prec::F32, _) => {
                let r = self.use_operand(op, pinned, pos, scratch.0);
                self.vfp(Vfp::FromCore { sn: sreg(n), rt: r });
                (r, r)
            }
            (Prec::F64, Operand::Var(v)) => {
                let (lo, hi) = self.pair_operand(v, scratch.0, scratch.1, pos, pinned);
                self.vfp(Vfp::FromCorePair { dm: dreg(n), rt: lo, rt2: hi });
                (lo, hi)
            }
            (Prec::F64, Operand::Imm(_)) => unreachable!("f64 operands are variables (f64.const is Const64)"),
        }
    }

    /// An f32 operand for one instruction that reads it where it is: its float-pool register
    /// (pinned), or S register `n` loaded from its frame word, a core register or a constant.
    fn s_source(&mut self, op: Operand, n: u8, pinned: &mut Vec<usize>, pos: u32, scratch: Reg) -> SReg {
        if let Operand::Var(v) = op {
            if self.in_s[v.0 as usize] {
                if let Some(s) = self.s_operand(v, pinned, pos) {
                    return s;
                }
            }
        }
        self.float_operand(Prec::F32, op, n, pinned, pos, (scratch, scratch), false);
        sreg(n)
    }

    /// Float constant `value` into float register `n`, through R12 (and LR).
    fn float_constant(&mut self, prec: Prec, value: f64, n: u8) {
        let (lo, hi) = constant_words(prec, value);
        for i in mov_imm(R12, lo) {
            self.emit(i);
        }
        match prec {
            Prec::F32 => self.vfp(Vfp::FromCore { sn: sreg(n), rt: R12 }),
            Prec::F64 => {
                for i in mov_imm(LR, hi) {
                    self.emit(i);
                }
                self.vfp(Vfp::FromCorePair { dm: dreg(n), rt: R12, rt2: LR });
            }
        }
    }

    /// `vcmp a, b` then the flags into APSR.
    fn float_compare(&mut self, prec: Prec, a: u8, b: u8) {
        self.vfp(Vfp::Cmp { e: false, regs: two(prec, a, b) });
        self.vfp(Vfp::FlagsToCore);
    }

    /// Float register `n` becomes `dst`'s value (operands have been read).
    fn float_result(&mut self, prec: Prec, dst: Var, pos: u32, n: u8) {
        match prec {
            Prec::F32 if self.in_s[dst.0 as usize] => {
                self.free_dead(pos);
                let d = self.def_s(dst, pos);
                self.vfp(Vfp::Un { op: vfp::UnOp::Mov, regs: Two::S(d, sreg(n)) });
                self.after_def(dst, pos);
            }
            Prec::F32 => {
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                self.vfp(Vfp::ToCore { rt: rd, sn: sreg(n) });
                self.after_def(dst, pos);
            }
            Prec::F64 => {
                self.vfp(Vfp::ToCorePair { rt: R12, rt2: LR, dm: dreg(n) });
                self.def_pair(dst, pos, R12, LR);
            }
        }
    }

    /// Lowers `inst` if it is a float operator; returns whether it did.
    pub(super) fn float_inst(&mut self, pos: u32, inst: &IrInst) -> bool {
        match *inst {
            IrInst::FloatBin { op, prec: Prec::F32, dst, a, b }
                if self.in_s[dst.0 as usize] && !matches!(op, FBinOp::Min | FBinOp::Max) =>
            {
                // One instruction from the operands' registers into the destination's.
                let mut pinned = Vec::new();
                let sa = self.s_source(a, 0, &mut pinned, pos, Reg::R0);
                let sb = self.s_source(b, 1, &mut pinned, pos, Reg::R2);
                self.free_dead(pos);
                let d = self.def_s(dst, pos);
                let op = match op {
                    FBinOp::Add => vfp::BinOp::Add,
                    FBinOp::Sub => vfp::BinOp::Sub,
                    FBinOp::Mul => vfp::BinOp::Mul,
                    _ => vfp::BinOp::Div,
                };
                self.vfp(Vfp::Bin { op, regs: Three::S(d, sa, sb) });
                self.after_def(dst, pos);
            }
            IrInst::FloatUn { op: FUnOp::Sqrt, prec: Prec::F32, dst, a } if self.in_s[dst.0 as usize] => {
                let mut pinned = Vec::new();
                let sa = self.s_source(a, 0, &mut pinned, pos, Reg::R0);
                self.free_dead(pos);
                let d = self.def_s(dst, pos);
                self.vfp(Vfp::Un { op: vfp::UnOp::Sqrt, regs: Two::S(d, sa) });
                self.after_def(dst, pos);
            }
            IrInst::FloatBin { op, prec, dst, a, b } => {
                let mut pinned = Vec::new();
                let core = matches!(op, FBinOp::Min | FBinOp::Max) && !self.fpv5;
                let ra = self.float_operand(prec, a, 0, &mut pinned, pos, (Reg::R0, Reg::R1), core);
                let rb = self.float_operand(prec, b, 1, &mut pinned, pos, (Reg::R2, Reg::R3), core);
                let arith = |op| Vfp::Bin { op, regs: three(prec, 2, 0, 1) };
                match op {
                    FBinOp::Add => self.vfp(arith(vfp::BinOp::Add)),
                    FBinOp::Sub => self.vfp(arith(vfp::BinOp::Sub)),
                    FBinOp::Mul => self.vfp(arith(vfp::BinOp::Mul)),
                    FBinOp::Div => self.vfp(arith(vfp::BinOp::Div)),
                    FBinOp::Min | FBinOp::Max => self.min_max(prec, op == FBinOp::Min, ra, rb),
                }
                self.float_result(prec, dst, pos, 2);
            }
            IrInst::FloatUn { op, prec, dst, a } => {
                let mut pinned = Vec::new();
                let core = op != FUnOp::Sqrt && !self.fpv5;
                let (_, sign_word) =
                    self.float_operand(prec, a, 0, &mut pinned, pos, (Reg::R0, Reg::R1), core);
                match op {
                    FUnOp::Sqrt => self.vfp(Vfp::Un { op: vfp::UnOp::Sqrt, regs: two(prec, 3, 0) }),
                    // FPv5 rounds in one instruction (a NaN comes out quiet: canonical under DN).
                    _ if self.fpv5 => {
                        let round = match op {
                            FUnOp::Ceil => Round::P,
                            FUnOp::Floor => Round::M,
                            FUnOp::Trunc => Round::Z,
                            _ if injected!(self.inject, NearestTiesAwayOnM7) => Round::A,
                            _ => Round::N,
                        };
                        self.vfp(Vfp::Rint { round, regs: two(prec, 3, 0) });
                    }
                    _ => self.round(prec, op, sign_word),
                }
                self.float_result(prec, dst, pos, 3);
            }
            IrInst::FloatCmp { op, prec, dst, a, b } => {
                let mut pinned = Vec::new();
                if prec == Prec::F32 {
                    // Compared where they are (float-pool registers or S0/S1).
                    let sa = self.s_source(a, 0, &mut pinned, pos, Reg::R0);
                    let sb = self.s_source(b, 1, &mut pinned, pos, Reg::R2);
                    self.vfp(Vfp::Cmp { e: false, regs: Two::S(sa, sb) });
                    self.vfp(Vfp::FlagsToCore);
                } else {
                    self.float_operand(prec, a, 0, &mut pinned, pos, (Reg::R0, Reg::R1), false);
                    self.float_operand(prec, b, 1, &mut pinned, pos, (Reg::R2, Reg::R3), false);
                    self.float_compare(prec, 0, 1);
                }
                // Flags of a float compare: less N, equal ZC, greater C, unordered CV.
                let cond = match op {
                    FCmpOp::Eq => Cond::Eq,
                    FCmpOp::Ne => Cond::Ne,
                    FCmpOp::Lt => Cond::Mi,
                    FCmpOp::Gt => Cond::Gt,
                    FCmpOp::Le => Cond::Ls,
                    FCmpOp::Ge => Cond::Ge,
                };
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                self.set_bool(rd, cond);
                self.after_def(dst, pos);
            }
            IrInst::FloatToInt { prec, signed, saturating, dst, a } => {
                let mut pinned = Vec::new();
                self.float_operand(prec, a, 0, &mut pinned, pos, (Reg::R0, Reg::R1), false);
                if !saturating {
                    self.truncation_guard(prec, signed);
                }
                // Toward zero, saturating, NaN to 0: the saturating truncation itself.
                self.vfp(Vfp::ToInt { signed, toward_zero: true, sd: sreg(4), m: freg(prec, 0) });
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                self.vfp(Vfp::ToCore { rt: rd, sn: sreg(4) });
                self.after_def(dst, pos);
            }
            IrInst::IntToFloat { prec, signed, dst, a } => {
                let mut pinned = Vec::new();
                let r = self.use_operand(a, &mut pinned, pos, Reg::R2);
                self.vfp(Vfp::FromCore { sn: sreg(0), rt: r });
                if prec == Prec::F32 && self.in_s[dst.0 as usize] {
                    // Converted straight into the float-pool register.
                    self.free_dead(pos);
                    let d = self.def_s(dst, pos);
                    self.vfp(Vfp::FromInt { signed, fd: FReg::S(d), sm: sreg(0) });
                    self.after_def(dst, pos);
                    return true;
                }
                self.vfp(Vfp::FromInt { signed, fd: freg(prec, 2), sm: sreg(0) });
                self.float_result(prec, dst, pos, 2);
            }
            IrInst::FloatResize { to, dst, a } => {
                let mut pinned = Vec::new();
                match to {
                    Prec::F64 => {
                        self.float_operand(Prec::F32, a, 0, &mut pinned, pos, (Reg::R2, Reg::R3), false);
                        self.vfp(Vfp::Promote { dd: dreg(2), sm: sreg(0) });
                        self.float_result(Prec::F64, dst, pos, 2);
                    }
                    Prec::F32 => {
                        self.float_operand(Prec::F64, a, 0, &mut pinned, pos, (Reg::R0, Reg::R1), false);
                        self.vfp(Vfp::Demote { sd: sreg(4), dm: dreg(0) });
                        self.float_result(Prec::F32, dst, pos, 4);
                    }
                }
            }
            IrInst::Int64ToFloat { prec, signed, dst, a } => {
                let (lo, hi) = self.pair_operand(a, Reg::R0, Reg::R1, pos, &mut Vec::new());
                self.int64_to_float(prec, signed, lo, hi);
                self.float_result(prec, dst, pos, 1);
            }
            IrInst::FloatToInt64 { prec, signed, saturating, dst, a } => {
                self.float_operand(prec, a, 0, &mut Vec::new(), pos, (Reg::R0, Reg::R1), false);
                self.float_to_int64(prec, signed, saturating);
                self.def_pair(dst, pos, R12, LR);
            }
            _ => return false,
        }
        true
    }

    /// i64 `hi`:`lo` to the nearest float in register 1 (S1 or D1), rounded once. For f64, hi ×
    /// 2^32 and lo are exact doubles and their sum rounds once. For f32 (no double precision:
    /// it runs on the M4 too) the magnitude is shifted left until its top bit is bit 63; its top
    /// word, with the bits below ORed into bit 0 (a sticky bit far below f32's rounding
    /// position), converts as a u32 with the one rounding, and a power of two scales it back.
    fn int64_to_float(&mut self, prec: Prec, signed: bool, lo: Reg, hi: Reg) {
        if prec == Prec::F64 {
            self.vfp(Vfp::FromCore { sn: sreg(0), rt: hi });
            self.vfp(Vfp::FromInt { signed, fd: freg(Prec::F64, 1), sm: sreg(0) });
            self.float_constant(Prec::F64, 4_294_967_296.0, 2);
            self.vfp(Vfp::Bin { op: vfp::BinOp::Mul, regs: three(Prec::F64, 1, 1, 2) });
            self.vfp(Vfp::FromCore { sn: sreg(0), rt: lo });
            self.vfp(Vfp::FromInt { signed: false, fd: freg(Prec::F64, 3), sm: sreg(0) });
            self.vfp(Vfp::Bin { op: vfp::BinOp::Add, regs: three(Prec::F64, 1, 1, 3) });
            return;
        }
        // The magnitude in R2:R3 (never an operand's register: operands are in the pool or R0:R1).
        let (mlo, mhi) = (Reg::R2, Reg::R3);
        self.emit(Inst::Mov { rd: mlo, rm: lo });
        self.emit(Inst::Mov { rd: mhi, rm: hi });
        if signed {
            let positive = self.new_label();
            self.emit(Inst::CmpImm { rn: mhi, imm: modimm(0) });
            self.branch(Some(Cond::Pl), positive);
            self.negate64(mlo, mhi);
            self.bind(positive);
        }
        let (wide, rounded) = (self.new_label(), self.new_label());
        // (Every instruction `emit`s may set flags: each test goes right before its use.)
        self.emit(Inst::CmpImm { rn: mhi, imm: modimm(0) });
        self.branch(Some(Cond::Ne), wide);
        // Below 2^32: the low word is the value.
        self.vfp(Vfp::FromCore { sn: sreg(0), rt: mlo });
        self.vfp(Vfp::FromInt { signed: false, fd: freg(Prec::F32, 1), sm: sreg(0) });
        self.branch(None, rounded);
        self.bind(wide);
        // n = clz(hi); hi:lo <<= n (LSR by 32, for n = 0, gives 0).
        self.emit(Inst::Clz { rd: R12, rm: mhi });
        self.emit(Inst::ShiftReg { op: ShiftOp::Lsl, s: false, rd: mhi, rn: mhi, rm: R12 });
        self.emit(Inst::DpImm { op: DpOp::Rsb, s: false, rd: LR, rn: R12, imm: modimm(32) });
        self.emit(Inst::ShiftReg { op: ShiftOp::Lsr, s: false, rd: Reg::R0, rn: mlo, rm: LR });
        self.emit(Inst::Dp { op: DpOp::Orr, s: false, rd: mhi, rn: mhi, rm: Reg::R0 });
        self.emit(Inst::ShiftReg { op: ShiftOp::Lsl, s: false, rd: mlo, rn: mlo, rm: R12 });
        self.emit(Inst::CmpImm { rn: mlo, imm: modimm(0) });
        self.emit_it(
            Cond::Ne,
            ItPattern::t(),
            &[Inst::DpImm { op: DpOp::Orr, s: false, rd: mhi, rn: mhi, imm: modimm(1) }],
        );
        self.vfp(Vfp::FromCore { sn: sreg(0), rt: mhi });
        self.vfp(Vfp::FromInt { signed: false, fd: freg(Prec::F32, 1), sm: sreg(0) });
        // × 2^(32 - n): the f32 whose exponent field is 127 + 32 - n.
        self.emit(Inst::DpImm { op: DpOp::Rsb, s: false, rd: R12, rn: R12, imm: modimm(159) });
        self.emit(Inst::ShiftImm { op: ShiftOp::Lsl, s: false, rd: R12, rm: R12, amount: shift(23) });
        self.vfp(Vfp::FromCore { sn: sreg(2), rt: R12 });
        self.vfp(Vfp::Bin { op: vfp::BinOp::Mul, regs: three(Prec::F32, 1, 1, 2) });
        self.bind(rounded);
        if signed {
            let done = self.new_label();
            self.emit(Inst::CmpImm { rn: hi, imm: modimm(0) });
            self.branch(Some(Cond::Pl), done);
            self.vfp(Vfp::Un { op: vfp::UnOp::Neg, regs: two(Prec::F32, 1, 1) });
            self.bind(done);
        }
    }

    /// `hi`:`lo` = −(`hi`:`lo`) (R0 is overwritten with the zero it subtracts from).
    fn negate64(&mut self, lo: Reg, hi: Reg) {
        self.emit(Inst::MovImm { s: false, rd: Reg::R0, imm: modimm(0) });
        self.emit(Inst::DpImm { op: DpOp::Rsb, s: true, rd: lo, rn: lo, imm: modimm(0) });
        self.emit(Inst::Dp { op: DpOp::Sbc, s: false, rd: hi, rn: Reg::R0, rm: hi });
    }

    /// Float register 0 toward zero into i64 R12:LR (lo:hi): traps (or saturates) on NaN and
    /// outside the range; then |x| splits exactly into hi = trunc(|x| / 2^32) and
    /// lo = trunc(|x| - hi × 2^32), negated for a negative x. Exact in either precision: hi ×
    /// 2^32 is |x| with its bits below 2^32 cleared, and the rest is a multiple of |x|'s ulp
    /// below 2^32.
    fn float_to_int64(&mut self, prec: Prec, signed: bool, saturating: bool) {
        let (done, nan, below, above) =
            (self.new_label(), self.new_label(), self.new_label(), self.new_label());
        self.float_compare(prec, 0, 0);
        match saturating {
            true => self.branch(Some(Cond::Vs), nan),
            false => self.trap_if(Cond::Vs, TrapCode::InvalidConversionToInteger),
        }
        // In range: signed -2^63 <= x < 2^63; unsigned -1 < x < 2^64.
        let (low, low_fails, high) = match signed {
            true => (-9_223_372_036_854_775_808.0, Cond::Mi, 9_223_372_036_854_775_808.0),
            false => (-1.0, Cond::Ls, 18_446_744_073_709_551_616.0),
        };
        self.float_constant(prec, low, 1);
        self.float_compare(prec, 0, 1);
        match saturating {
            true => self.branch(Some(low_fails), below),
            false => self.trap_if(low_fails, TrapCode::IntegerOverflow),
        }
        self.float_constant(prec, high, 1);
        self.float_compare(prec, 0, 1);
        match saturating {
            true => self.branch(Some(Cond::Ge), above),
            false => self.trap_if(Cond::Ge, TrapCode::IntegerOverflow),
        }
        self.vfp(Vfp::Un { op: vfp::UnOp::Abs, regs: two(prec, 1, 0) });
        self.float_constant(prec, 1.0 / 4_294_967_296.0, 2);
        self.vfp(Vfp::Bin { op: vfp::BinOp::Mul, regs: three(prec, 3, 1, 2) });
        self.vfp(Vfp::ToInt { signed: false, toward_zero: true, sd: sreg(8), m: freg(prec, 3) });
        self.vfp(Vfp::FromInt { signed: false, fd: freg(prec, 3), sm: sreg(8) });
        self.float_constant(prec, 4_294_967_296.0, 2);
        self.vfp(Vfp::Bin { op: vfp::BinOp::Mul, regs: three(prec, 3, 3, 2) });
        self.vfp(Vfp::Bin { op: vfp::BinOp::Sub, regs: three(prec, 3, 1, 3) });
        self.vfp(Vfp::ToInt { signed: false, toward_zero: true, sd: sreg(9), m: freg(prec, 3) });
        self.vfp(Vfp::ToCore { rt: R12, sn: sreg(9) });
        self.vfp(Vfp::ToCore { rt: LR, sn: sreg(8) });
        if signed {
            self.vfp(Vfp::CmpZero { e: false, reg: freg(prec, 0) });
            self.vfp(Vfp::FlagsToCore);
            self.branch(Some(Cond::Pl), done);
            self.negate64(R12, LR);
        }
        if saturating {
            self.branch(None, done);
            // NaN: 0. Below: MIN (signed) or 0. Above: MAX or all ones.
            let words = |v: u64| (v as u32, (v >> 32) as u32);
            let (min, max) = if signed { (i64::MIN as u64, i64::MAX as u64) } else { (0, u64::MAX) };
            for (label, value) in [(nan, 0), (below, min), (above, max)] {
                self.bind(label);
                let (lo, hi) = words(value);
                for i in mov_imm(R12, lo).into_iter().chain(mov_imm(LR, hi)) {
                    self.emit(i);
                }
                self.branch(None, done);
            }
        }
        self.bind(done);
    }

    /// min/max of float registers 0 and 1 into register 2; `ra`, `rb`: the operands' core
    /// registers (low, high words).
    fn min_max(&mut self, prec: Prec, min: bool, ra: (Reg, Reg), rb: (Reg, Reg)) {
        if self.fpv5 {
            self.min_max_num(prec, min);
            return;
        }
        let (nan, equal, first, done) =
            (self.new_label(), self.new_label(), self.new_label(), self.new_label());
        self.float_compare(prec, 0, 1);
        self.branch(Some(Cond::Vs), nan);
        self.branch(Some(Cond::Eq), equal);
        self.branch(Some(if min { Cond::Mi } else { Cond::Gt }), first);
        self.vfp(Vfp::Un { op: vfp::UnOp::Mov, regs: two(prec, 2, 1) });
        self.branch(None, done);
        self.bind(first);
        self.vfp(Vfp::Un { op: vfp::UnOp::Mov, regs: two(prec, 2, 0) });
        self.branch(None, done);
        self.bind(nan);
        self.vfp(Vfp::Bin { op: vfp::BinOp::Add, regs: three(prec, 2, 0, 1) });
        self.branch(None, done);
        // Equal: the same bits, or zeros of two signs (min: -0, max: +0).
        self.bind(equal);
        let op =
            if min != injected!(self.inject, FloatMinMaxZeroSignSwapped) { DpOp::Orr } else { DpOp::And };
        self.emit(Inst::Dp { op, s: false, rd: R12, rn: ra.0, rm: rb.0 });
        match prec {
            Prec::F32 => self.vfp(Vfp::FromCore { sn: sreg(2), rt: R12 }),
            Prec::F64 => {
                self.emit(Inst::Dp { op, s: false, rd: LR, rn: ra.1, rm: rb.1 });
                self.vfp(Vfp::FromCorePair { dm: dreg(2), rt: R12, rt2: LR });
            }
        }
        self.bind(done);
    }

    /// min/max with FPv5's VMINNM/VMAXNM, which order -0 below +0: only their NaN handling (a
    /// number wins over a quiet NaN) is not WebAssembly's, so NaNs branch to `a + b` first.
    fn min_max_num(&mut self, prec: Prec, min: bool) {
        let (nan, done) = (self.new_label(), self.new_label());
        self.float_compare(prec, 0, 1);
        self.branch(Some(Cond::Vs), nan);
        self.vfp(Vfp::MinMaxNum { max: !min, regs: three(prec, 2, 0, 1) });
        self.branch(None, done);
        self.bind(nan);
        self.vfp(Vfp::Bin { op: vfp::BinOp::Add, regs: three(prec, 2, 0, 1) });
        self.bind(done);
    }

    /// ceil/floor/trunc/nearest of float register 0 into register 3 (see the module comment);
    /// `sign_word`: the core register holding x's sign bit.
    fn round(&mut self, prec: Prec, op: FUnOp, sign_word: Reg) {
        let (big, done) = (self.new_label(), self.new_label());
        let magic = match prec {
            Prec::F32 => 8_388_608.0,             // 2^23: from here on every f32 is an integer
            Prec::F64 => 4_503_599_627_370_496.0, // 2^52
        };
        self.vfp(Vfp::Un { op: vfp::UnOp::Abs, regs: two(prec, 1, 0) });
        self.float_constant(prec, magic, 2);
        self.float_compare(prec, 1, 2);
        self.branch(Some(Cond::Pl), big); // not below 2^23 (or NaN)
        self.vfp(Vfp::Bin { op: vfp::BinOp::Add, regs: three(prec, 3, 1, 2) });
        self.vfp(Vfp::Bin { op: vfp::BinOp::Sub, regs: three(prec, 3, 3, 2) });
        self.vfp(Vfp::MovImm { fd: freg(prec, 4), imm: one(prec) });
        // Register 3 holds |x| rounded to nearest; floor(|x|) and ceil(|x|) are one step away.
        match op {
            FUnOp::Nearest => {}
            FUnOp::Trunc => self.step_toward(prec, true),
            FUnOp::Floor | FUnOp::Ceil => {
                let (negative, joined) = (self.new_label(), self.new_label());
                self.emit(Inst::CmpImm { rn: sign_word, imm: modimm(0) });
                self.branch(Some(Cond::Mi), negative);
                self.step_toward(prec, op == FUnOp::Floor);
                self.branch(None, joined);
                self.bind(negative);
                // floor(-y) = -ceil(y), ceil(-y) = -floor(y).
                self.step_toward(prec, op == FUnOp::Ceil);
                self.bind(joined);
            }
            FUnOp::Sqrt => unreachable!("not a rounding"),
        }
        let positive = self.new_label();
        self.emit(Inst::CmpImm { rn: sign_word, imm: modimm(0) });
        self.branch(Some(Cond::Pl), positive);
        self.vfp(Vfp::Un { op: vfp::UnOp::Neg, regs: two(prec, 3, 3) });
        self.bind(positive);
        self.branch(None, done);
        self.bind(big);
        self.vfp(Vfp::MovImm { fd: freg(prec, 3), imm: one(prec) });
        self.vfp(Vfp::Bin { op: vfp::BinOp::Mul, regs: three(prec, 3, 0, 3) });
        self.bind(done);
    }

    /// Register 3 (|x| rounded to nearest; register 1 holds |x|, register 4 holds 1) becomes
    /// floor(|x|) (`down`) or ceil(|x|).
    fn step_toward(&mut self, prec: Prec, down: bool) {
        let skip = self.new_label();
        self.float_compare(prec, 3, 1);
        self.branch(Some(if down { Cond::Ls } else { Cond::Ge }), skip);
        let op = if down { vfp::BinOp::Sub } else { vfp::BinOp::Add };
        self.vfp(Vfp::Bin { op, regs: three(prec, 3, 3, 4) });
        self.bind(skip);
    }

    /// Traps unless float register 0 truncates to an i32 (`signed`) or a u32: NaN is an
    /// invalid conversion, anything at or beyond the bounds an integer overflow.
    fn truncation_guard(&mut self, prec: Prec, signed: bool) {
        self.float_compare(prec, 0, 0);
        self.trap_if(Cond::Vs, TrapCode::InvalidConversionToInteger);
        // x must be above `low` and below `high` (both exclusive); the values in between
        // truncate into range.
        let (low, high) = match (signed, prec) {
            (true, Prec::F32) => (None, 2_147_483_648.0),
            (true, Prec::F64) => (Some(-2_147_483_649.0), 2_147_483_648.0),
            (false, _) => (Some(-1.0), 4_294_967_296.0),
        };
        match low {
            Some(low) => {
                self.float_constant(prec, low, 1);
                self.float_compare(prec, 0, 1);
                self.trap_if(Cond::Ls, TrapCode::IntegerOverflow);
            }
            None => {
                // f32: no value lies between -2^31 - 1 and -2^31, so x >= -2^31 is the bound.
                self.float_constant(prec, -2_147_483_648.0, 1);
                self.float_compare(prec, 0, 1);
                self.trap_if(Cond::Mi, TrapCode::IntegerOverflow);
            }
        }
        self.float_constant(prec, high, 1);
        self.float_compare(prec, 0, 1);
        let at_or_above = if injected!(self.inject, TruncUpperBoundInclusive) { Cond::Gt } else { Cond::Ge };
        self.trap_if(at_or_above, TrapCode::IntegerOverflow);
    }
}
