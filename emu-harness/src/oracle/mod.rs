//! The judge: what counts as a call's outcome, how two outcomes compare, which state a call
//! may change and how two states differ, what a mismatch is and its signature, and which
//! argument vectors a function is called on. Depends on nothing else in the crate: the
//! emulator and the reference produce its types, the runner applies it.

pub mod mismatch;
pub mod outcome;
pub mod state;
pub mod vectors;
