//! Thumb-2 (ARMv7-M) machine code: instruction types, the bit-level encoder and an assembler
//! with labels, IT tracking, dead flag-write removal and branch relaxation.

pub mod asm;
pub mod encode;
pub mod flags;
pub mod inst;
pub mod reg;
pub mod vfp;

pub use asm::{AsmError, Assembled, Assembler, Placed};
pub use encode::{encode, encode_branch, BranchWidth, EncodeError, Encoding, ItState};
pub use inst::*;
pub use reg::{Cond, Reg, RegList};
