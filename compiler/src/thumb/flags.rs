//! Dead flag writes. The lowering asks for flag-setting (S) forms wherever it does not care about
//! the flags, because outside IT blocks only those have 16-bit encodings. Where an instruction
//! has no 16-bit encoding anyway, its 32-bit S form computes flags for nobody: this pass clears
//! the S bit of such an instruction when no flag it may write can be read before being written
//! again. Code never grows; it may shrink (without S, `adds.w r12, r12, lr` has the 16-bit form
//! `add r12, lr`; the assembler re-encodes what the pass changed before layout). Real cores set
//! flags for free, but an emulator (unicorn's TCG) pays for every flag computation it
//! translates, and a register-controlled shift with S costs it a helper call.
//!
//! Liveness runs backwards over the instruction list. Labels need no care: every branch (and
//! every other control transfer) is taken to read all flags at its target, so whatever flows
//! into a label from elsewhere is covered at the branch, and its fall-through predecessor sees
//! the label's own live-in.

use super::encode::ItState;
use super::inst::{DpOp, Inst};
use super::reg::{Cond, Reg};

/// A set of the APSR flags N, Z, C, V.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flags(u8);

impl Flags {
    const NONE: Flags = Flags(0);
    const N: Flags = Flags(8);
    const Z: Flags = Flags(4);
    const C: Flags = Flags(2);
    const V: Flags = Flags(1);
    const NZ: Flags = Flags(8 | 4);
    const NZC: Flags = Flags(8 | 4 | 2);
    const ALL: Flags = Flags(15);

    fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    fn minus(self, other: Flags) -> Flags {
        Flags(self.0 & !other.0)
    }

    fn meets(self, other: Flags) -> bool {
        self.0 & other.0 != 0
    }

    /// The flags condition `c` tests.
    fn read_by(c: Cond) -> Flags {
        match c {
            Cond::Eq | Cond::Ne => Flags::Z,
            Cond::Hs | Cond::Lo => Flags::C,
            Cond::Mi | Cond::Pl => Flags::N,
            Cond::Vs | Cond::Vc => Flags::V,
            Cond::Hi | Cond::Ls => Flags::C.union(Flags::Z),
            Cond::Ge | Cond::Lt => Flags::N.union(Flags::V),
            Cond::Gt | Cond::Le => Flags::NZ.union(Flags::V),
        }
    }
}

fn arithmetic(op: DpOp) -> bool {
    matches!(op, DpOp::Add | DpOp::Adc | DpOp::Sub | DpOp::Sbc | DpOp::Rsb)
}

/// The flags `inst` writes when it executes, as (certainly, possibly). A logical S form writes
/// N and Z, and C only from a rotated immediate; a register-controlled shift leaves C alone when
/// the amount is zero.
fn writes(inst: &Inst) -> (Flags, Flags) {
    match *inst {
        Inst::Cmp { .. } | Inst::CmpImm { .. } | Inst::CmnImm { .. } => (Flags::ALL, Flags::ALL),
        Inst::Dp { op, s: true, .. } | Inst::DpImm { op, s: true, .. } if arithmetic(op) => {
            (Flags::ALL, Flags::ALL)
        }
        Inst::ShiftImm { s: true, .. } => (Flags::NZC, Flags::NZC),
        Inst::Vfp(super::vfp::Vfp::FlagsToCore) => (Flags::ALL, Flags::ALL),
        _ if inst.sets_flags() => (Flags::NZ, Flags::NZC),
        _ => (Flags::NONE, Flags::NONE),
    }
}

/// The flags `inst` reads, other than through an IT condition.
fn reads(inst: &Inst) -> Flags {
    match *inst {
        Inst::Dp { op: DpOp::Adc | DpOp::Sbc, .. } | Inst::DpImm { op: DpOp::Adc | DpOp::Sbc, .. } => {
            Flags::C
        }
        Inst::B { cond: Some(c), .. } => Flags::read_by(c),
        _ => Flags::NONE,
    }
}

/// Whether control may leave the straight line after `inst` (all flags count as read there).
fn transfers_control(inst: &Inst) -> bool {
    match *inst {
        Inst::B { .. } | Inst::Bl { .. } | Inst::Bx { .. } | Inst::Blx { .. } | Inst::Udf { .. } => true,
        Inst::Pop(list) => list.contains(Reg::Pc),
        _ => false,
    }
}

/// The same instruction without its S bit, if it has one set.
fn without_flags(inst: &Inst) -> Option<Inst> {
    let mut plain = *inst;
    let s = plain.s_bit().filter(|s| **s)?;
    *s = false;
    Some(plain)
}

/// Clears the S bit of every 32-bit-only flag-setting instruction in `insts` whose flags are dead
/// (`it` gives each instruction's IT state, `wide(k)` whether instruction `k` as given is
/// encoded in 32 bits). Returns the indices of the instructions it changed.
pub fn drop_dead_flag_writes(insts: &mut [Inst], it: &[ItState], wide: impl Fn(usize) -> bool) -> Vec<usize> {
    debug_assert_eq!(insts.len(), it.len());
    let mut live = Flags::ALL;
    let mut cleared = Vec::new();
    for (k, (inst, &state)) in insts.iter_mut().zip(it).enumerate().rev() {
        if transfers_control(inst) {
            live = Flags::ALL;
        }
        if !live.meets(writes(inst).1) {
            if let Some(plain) = without_flags(inst) {
                // Only where the S form is 32 bits anyway: clearing S there never lengthens the
                // encoding (it may shorten it), while a 16-bit S form would need 32 bits without S.
                if wide(k) {
                    *inst = plain;
                    cleared.push(k);
                }
            }
        }
        // A conditional instruction may not execute: it writes nothing for sure.
        let written = if state == ItState::Outside { writes(inst).0 } else { Flags::NONE };
        let cond_read = state.cond().map_or(Flags::NONE, Flags::read_by);
        live = live.minus(written).union(reads(inst)).union(cond_read);
    }
    cleared
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thumb::encode::{encode, Encoding};
    use crate::thumb::inst::{ItPattern, ModImm, ShiftOp};

    const R0: Reg = Reg::R0;
    const R8: Reg = Reg::R8;
    const R12: Reg = Reg::R12;

    fn orrs_w(rd: Reg) -> Inst {
        Inst::Dp { op: DpOp::Orr, s: true, rd, rn: R8, rm: R12 }
    }

    fn run(insts: &[Inst]) -> Vec<Inst> {
        let mut asm = crate::thumb::Assembler::new();
        for i in insts {
            asm.emit(*i);
        }
        let it = asm.it_states().expect("well-formed IT blocks");
        let mut v = insts.to_vec();
        let wide = |k: usize| matches!(encode(&insts[k], it[k]), Ok(Encoding::Wide(..)));
        drop_dead_flag_writes(&mut v, &it, wide);
        v
    }

    fn s_of(i: &Inst) -> bool {
        i.sets_flags()
    }

    #[test]
    fn overwritten_flags_are_dropped_and_read_ones_kept() {
        let cmp = Inst::CmpImm { rn: R0, imm: ModImm::new(0).unwrap() };
        let out = run(&[orrs_w(R8), cmp, Inst::Bx { rm: Reg::Lr }]);
        assert!(!s_of(&out[0]), "overwritten by cmp");
        let out = run(&[orrs_w(R8), Inst::Mov { rd: R0, rm: R8 }, Inst::Bx { rm: Reg::Lr }]);
        assert!(s_of(&out[0]), "flags reach the return (kept conservatively)");
        let adc = Inst::Dp { op: DpOp::Adc, s: false, rd: R8, rn: R8, rm: R12 };
        let add = Inst::Dp { op: DpOp::Add, s: true, rd: R8, rn: R8, rm: R12 };
        let out = run(&[add, adc, cmp]);
        assert!(s_of(&out[0]), "the carry is read by adc");
        // A logical S form leaves V alone: a V read after it keeps an earlier subtraction's S.
        let sub = Inst::Dp { op: DpOp::Sub, s: true, rd: R8, rn: R8, rm: R12 };
        let it = Inst::It { first: Cond::Vs, pattern: ItPattern::t() };
        let mov = Inst::Mov { rd: R0, rm: R8 };
        let out = run(&[sub, orrs_w(R12), it, mov, cmp]);
        assert!(s_of(&out[0]), "V reaches the IT block through orrs");
        assert!(!s_of(&out[1]), "orrs writes no V: its own flags are dead");
    }

    #[test]
    fn a_cleared_s_bit_may_shorten_the_encoding() {
        let mut asm = crate::thumb::Assembler::new();
        asm.emit(Inst::Dp { op: DpOp::Add, s: true, rd: R12, rn: R12, rm: Reg::Lr });
        asm.emit(Inst::CmpImm { rn: R0, imm: ModImm::new(0).unwrap() });
        let out = asm.finish().unwrap();
        assert!(!out.insts[0].inst.sets_flags());
        assert_eq!(out.insts[0].encoding.len(), 2, "re-encoded as `add r12, lr`");
        assert_eq!(out.insts[1].offset, 2, "laid out after the re-encoding");
    }

    #[test]
    fn narrow_forms_and_conditional_writers() {
        let cmp = Inst::CmpImm { rn: R0, imm: ModImm::new(0).unwrap() };
        // A 16-bit S form stays (clearing S would widen it).
        let narrow = Inst::Dp { op: DpOp::Orr, s: true, rd: R0, rn: R0, rm: Reg::R1 };
        assert!(s_of(&run(&[narrow, cmp])[0]));
        // A conditional compare may not execute: the flags before it stay live.
        let shift = Inst::ShiftReg { op: ShiftOp::Lsl, s: true, rd: R8, rn: R8, rm: R12 };
        let it = Inst::It { first: Cond::Eq, pattern: ItPattern::t() };
        let b = Inst::B { cond: Some(Cond::Ne), target: crate::thumb::Label(0) };
        let out = run(&[shift, it, cmp, b]);
        assert!(s_of(&out[0]));
        let out = run(&[shift, cmp, b]);
        assert!(!s_of(&out[0]));
    }
}
