//! The AAPCS (ARM Procedure Call Standard, base variant) for integer arguments and results:
//! where each argument of a call goes.
//!
//! Core registers R0–R3 are filled in order; an i64 takes an even/odd pair (R0:R1 or R2:R3),
//! skipping an odd register if needed. Once an argument does not fit, it and every later one go
//! to the stack (no back-filling): i32 in a word, i64 in an 8-byte-aligned double word. Results:
//! i32 in R0, i64 in R0:R1 (low word in R0).

use crate::ir::Ty;
use crate::thumb::Reg;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgLoc {
    Reg(Reg),
    /// Low word, high word.
    Pair(Reg, Reg),
    /// Word offset from SP at the call.
    Stack(u32),
    /// Word offset (even) from SP at the call; low word first.
    StackPair(u32),
}

/// Where each argument goes, and the stack words the arguments take.
pub fn arg_locations(types: &[Ty]) -> (Vec<ArgLoc>, u32) {
    const CORE: [Reg; 4] = [Reg::R0, Reg::R1, Reg::R2, Reg::R3];
    let mut ncrn = 0usize;
    let mut nsaa = 0u32;
    let mut locs = Vec::with_capacity(types.len());
    for ty in types {
        // Floats go where integers of their size go: the base AAPCS (softfp).
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
        let (locs, words) = arg_locations(&[Ty::I32, Ty::I64, Ty::I32]);
        assert_eq!(locs, vec![ArgLoc::Reg(R0), Pair(R2, R3), Stack(0)]);
        assert_eq!(words, 1);
        let (locs, words) = arg_locations(&[Ty::I32, Ty::I32, Ty::I32, Ty::I64, Ty::I32]);
        assert_eq!(locs, vec![ArgLoc::Reg(R0), ArgLoc::Reg(R1), ArgLoc::Reg(R2), StackPair(0), Stack(2)]);
        assert_eq!(words, 3);
        let (locs, words) = arg_locations(&[Ty::I64, Ty::I64, Ty::I32, Ty::I64]);
        assert_eq!(locs, vec![Pair(R0, R1), Pair(R2, R3), Stack(0), StackPair(2)]);
        assert_eq!(words, 4);
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
