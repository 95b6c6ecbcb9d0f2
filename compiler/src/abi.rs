//! The AAPCS (ARM Procedure Call Standard): where each argument of a call goes.
//!
//! Core registers R0–R3 are filled in order; an i64 takes an even/odd pair (R0:R1 or R2:R3),
//! skipping an odd register if needed. Once an argument does not fit, it and every later one go
//! to the stack (no back-filling): i32 in a word, i64 in an 8-byte-aligned double word. Results:
//! i32 in R0, i64 in R0:R1 (low word in R0).
//!
//! Floats follow `FloatAbi`: the base variant passes them like integers of their size (softfp);
//! the VFP variant (AAPCS-VFP, `-mfloat-abi=hard`) in S0–S15: an f32 in the lowest free S
//! register (back-filling a hole an f64 left), an f64 in the lowest D register (D0–D7) with
//! both halves free; once one goes to the stack, so does every later float. Float results in S0
//! or D0.

use crate::ir::Ty;
use crate::thumb::vfp::{DReg, SReg};
use crate::thumb::Reg;
use crate::Cpu;

/// How floats are passed and returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatAbi {
    /// The base AAPCS: in core registers and on the stack, like integers (`-mfloat-abi=soft`
    /// and `softfp`).
    Soft,
    /// AAPCS-VFP: in S0–S15 / D0–D7 (`-mfloat-abi=hard`).
    Hard,
}

impl FloatAbi {
    /// A CPU with an FPU passes floats in its registers; the M3 has none.
    pub fn for_cpu(cpu: Cpu) -> FloatAbi {
        match cpu {
            Cpu::CortexM3 => FloatAbi::Soft,
            Cpu::CortexM4 | Cpu::CortexM7 => FloatAbi::Hard,
        }
    }
}

/// The float ABI of a function and of the functions it calls: its own for the module's
/// functions (and `call_indirect`), the base one for the software float routines, which are
/// functions `routines_from` and up (see `softfloat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conventions {
    pub own: FloatAbi,
    pub routines_from: u32,
}

impl Conventions {
    /// The convention of a call of `func` (`None`: through the table).
    pub fn of_callee(&self, func: Option<u32>) -> FloatAbi {
        match func {
            Some(f) if f >= self.routines_from => FloatAbi::Soft,
            _ => self.own,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgLoc {
    Reg(Reg),
    /// Low word, high word.
    Pair(Reg, Reg),
    /// Word offset from SP at the call.
    Stack(u32),
    /// Word offset (even) from SP at the call; low word first.
    StackPair(u32),
    /// An f32 in a VFP register (`FloatAbi::Hard`).
    S(SReg),
    /// An f64 in a VFP register pair (`FloatAbi::Hard`).
    D(DReg),
}

/// Where a single result of type `ty` is returned: R0, R0:R1, S0 or D0.
pub fn result_location(ty: Ty, abi: FloatAbi) -> ArgLoc {
    match (ty, abi) {
        (Ty::F32, FloatAbi::Hard) => ArgLoc::S(SReg::new(0).expect("S0")),
        (Ty::F64, FloatAbi::Hard) => ArgLoc::D(DReg::new(0).expect("D0")),
        (Ty::I64 | Ty::F64, _) => ArgLoc::Pair(Reg::R0, Reg::R1),
        (Ty::I32 | Ty::F32, _) => ArgLoc::Reg(Reg::R0),
    }
}

/// Where each argument goes, and the stack words the arguments take.
pub fn arg_locations(types: &[Ty], abi: FloatAbi) -> (Vec<ArgLoc>, u32) {
    const CORE: [Reg; 4] = [Reg::R0, Reg::R1, Reg::R2, Reg::R3];
    let mut ncrn = 0usize;
    let mut nsaa = 0u32;
    // S0–S15 taken (bit n: Sn); all of them once a float went to the stack.
    let mut vfp_used = 0u16;
    let mut locs = Vec::with_capacity(types.len());
    for ty in types {
        let float = matches!(ty, Ty::F32 | Ty::F64);
        if float && abi == FloatAbi::Hard {
            let (width, mask) = if *ty == Ty::F32 { (1, 0b1u16) } else { (2, 0b11u16) };
            let free = (0..16).step_by(width).find(|n| vfp_used & (mask << n) == 0);
            match free {
                Some(n) => {
                    vfp_used |= mask << n;
                    locs.push(if width == 1 {
                        ArgLoc::S(SReg::new(n as u8).expect("below 16"))
                    } else {
                        ArgLoc::D(DReg::new(n as u8 / 2).expect("below 8"))
                    });
                }
                None => {
                    vfp_used = u16::MAX;
                    if width == 1 {
                        locs.push(ArgLoc::Stack(nsaa));
                        nsaa += 1;
                    } else {
                        nsaa = nsaa.next_multiple_of(2);
                        locs.push(ArgLoc::StackPair(nsaa));
                        nsaa += 2;
                    }
                }
            }
            continue;
        }
        match ty {
            Ty::I32 | Ty::F32 if ncrn < 4 => {
                locs.push(ArgLoc::Reg(CORE[ncrn]));
                ncrn += 1;
            }
            Ty::I32 | Ty::F32 => {
                locs.push(ArgLoc::Stack(nsaa));
                nsaa += 1;
            }
            Ty::I64 | Ty::F64 => {
                ncrn = ncrn.next_multiple_of(2);
                if ncrn + 2 <= 4 {
                    locs.push(ArgLoc::Pair(CORE[ncrn], CORE[ncrn + 1]));
                    ncrn += 2;
                } else {
                    ncrn = 4;
                    nsaa = nsaa.next_multiple_of(2);
                    locs.push(ArgLoc::StackPair(nsaa));
                    nsaa += 2;
                }
            }
        }
    }
    (locs, nsaa)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thumb::Reg::{R0, R1, R2, R3};
    use ArgLoc::{Pair, Stack, StackPair};

    #[test]
    fn pairs_are_even_aligned_and_never_back_filled() {
        for abi in [FloatAbi::Soft, FloatAbi::Hard] {
            let (locs, words) = arg_locations(&[Ty::I32, Ty::I64, Ty::I32], abi);
            assert_eq!(locs, vec![ArgLoc::Reg(R0), Pair(R2, R3), Stack(0)]);
            assert_eq!(words, 1);
            let (locs, words) = arg_locations(&[Ty::I32, Ty::I32, Ty::I32, Ty::I64, Ty::I32], abi);
            assert_eq!(locs, vec![ArgLoc::Reg(R0), ArgLoc::Reg(R1), ArgLoc::Reg(R2), StackPair(0), Stack(2)]);
            assert_eq!(words, 3);
            let (locs, words) = arg_locations(&[Ty::I64, Ty::I64, Ty::I32, Ty::I64], abi);
            assert_eq!(locs, vec![Pair(R0, R1), Pair(R2, R3), Stack(0), StackPair(2)]);
            assert_eq!(words, 4);
        }
    }

    #[test]
    fn floats_are_integers_of_their_size_in_the_base_variant() {
        let (locs, words) = arg_locations(&[Ty::F32, Ty::F64, Ty::F32], FloatAbi::Soft);
        assert_eq!(locs, vec![ArgLoc::Reg(R0), Pair(R2, R3), Stack(0)]);
        assert_eq!(words, 1);
    }

    /// The AAPCS-VFP's own examples: back-filling, and no back-filling once a float is on the
    /// stack. (`compiler/tests/abi_vs_llc.rs` checks many more signatures against LLVM.)
    #[test]
    fn vfp_floats_back_fill_until_one_goes_to_the_stack() {
        let s = |n| ArgLoc::S(SReg::new(n).unwrap());
        let d = |n| ArgLoc::D(DReg::new(n).unwrap());
        let (locs, words) = arg_locations(&[Ty::F32, Ty::F64, Ty::F32, Ty::I32], FloatAbi::Hard);
        assert_eq!(locs, vec![s(0), d(1), s(1), ArgLoc::Reg(R0)]);
        assert_eq!(words, 0);
        let mut types = vec![Ty::F64; 7];
        types.extend([Ty::F32, Ty::F64, Ty::F32]);
        let (locs, words) = arg_locations(&types, FloatAbi::Hard);
        assert_eq!(locs[7], s(14));
        assert_eq!(locs[8..], [StackPair(0), Stack(2)]);
        assert_eq!(words, 3);
    }
}

/// Several results are returned like an AAPCS composite: the caller passes the address of a
/// result area as a hidden first argument (R0) and the callee stores each result there, laid
/// out as a struct (i32 4-byte, i64 8-byte aligned, in order). Byte offsets and the area's size
/// (a multiple of 8).
pub fn result_layout(types: &[Ty]) -> (Vec<u32>, u32) {
    let mut offsets = Vec::with_capacity(types.len());
    let mut at = 0u32;
    for ty in types {
        let size = 4 * ty.words();
        at = at.next_multiple_of(size);
        offsets.push(at);
        at += size;
    }
    (offsets, at.next_multiple_of(8))
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn results_are_laid_out_like_a_struct() {
        assert_eq!(result_layout(&[Ty::I32, Ty::I64, Ty::I32]), (vec![0, 8, 16], 24));
        assert_eq!(result_layout(&[Ty::I32, Ty::I32]), (vec![0, 4], 8));
    }
}
