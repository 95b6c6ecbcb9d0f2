//! How a call ended, and what makes two endings agree.

use serde::Serialize;
use std::fmt;
use wasm2thumb::ir::Ty;
use wasm2thumb::TrapCode;

/// An integer WebAssembly value (an argument or a result), as raw bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    I32(u32),
    I64(u64),
}

impl Value {
    pub fn ty(self) -> Ty {
        match self {
            Value::I32(_) => Ty::I32,
            Value::I64(_) => Ty::I64,
        }
    }

    /// A value of type `ty` from raw bits (an i32 keeps the low 32).
    pub fn of(ty: Ty, bits: u64) -> Value {
        match ty {
            Ty::I32 => Value::I32(bits as u32),
            Ty::I64 => Value::I64(bits),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "{v:#010x} ({})", v as i32),
            Value::I64(v) => write!(f, "{v:#018x} ({})", v as i64),
        }
    }
}

impl fmt::LowerHex for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => fmt::LowerHex::fmt(&v, f),
            Value::I64(v) => fmt::LowerHex::fmt(&v, f),
        }
    }
}

/// WebAssembly trap kinds, as both sides report them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrapKind {
    Unreachable,
    IntegerDivideByZero,
    IntegerOverflow,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    StackOverflow,
    /// A wasmtime trap this harness has no mapping for.
    Other,
}

impl TrapKind {
    /// The trap kind of a trap code; `None` for codes that are not WebAssembly traps.
    pub fn from_code(code: TrapCode) -> Option<TrapKind> {
        Some(match code {
            TrapCode::Unreachable => TrapKind::Unreachable,
            TrapCode::IntegerDivideByZero => TrapKind::IntegerDivideByZero,
            TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
            TrapCode::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            TrapCode::TableOutOfBounds => TrapKind::TableOutOfBounds,
            TrapCode::IndirectCallToNull => TrapKind::IndirectCallToNull,
            TrapCode::BadSignature => TrapKind::BadSignature,
            TrapCode::StackOverflow => TrapKind::StackOverflow,
            TrapCode::DeclinedFunction => return None,
        })
    }

    /// Whether a `.wast` trap message names this kind.
    pub fn matches_message(self, message: &str) -> bool {
        let expected = match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "undefined element",
            TrapKind::IndirectCallToNull => "uninitialized element",
            TrapKind::BadSignature => "indirect call type mismatch",
            TrapKind::StackOverflow => "call stack exhausted",
            TrapKind::Other => return false,
        };
        message.contains(expected)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Outcome {
    /// Returned, with the function's results (none, one or several).
    Returned {
        values: Vec<Value>,
    },
    Trapped {
        trap: TrapKind,
    },
    /// Ran out of its instruction budget (emulator) or fuel (reference).
    BudgetExhausted {
        budget: u64,
    },
    /// Emulator only: a memory access fault.
    MemoryFault {
        access: &'static str,
        pc: u32,
    },
    /// Emulator only: an undefined instruction that is not one of our trap codes.
    InvalidInstruction {
        pc: u32,
    },
    /// Emulator only: the calling convention was broken on return.
    AbiViolation {
        what: AbiViolation,
    },
    /// Emulator only: unicorn reported an error this harness does not classify.
    EmulatorError {
        message: &'static str,
    },
    /// Emulator only: not run, because the reference did not finish (nothing could be judged).
    NotRun,
    /// Emulator only: an indirect call reached a function the compiler declined.
    ReachedDeclined,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "register")]
pub enum AbiViolation {
    /// A callee-saved register (R4–R11) differs from its value at the call.
    CalleeSaved { reg: u8, expected: u32, found: u32 },
    /// SP after return differs from SP at the call.
    StackPointer { expected: u32, found: u32 },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned { values } => match values.as_slice() {
                [] => write!(f, "returned"),
                [v] => write!(f, "returned {v}"),
                vs => write!(
                    f,
                    "returned ({})",
                    vs.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
                ),
            },
            Outcome::Trapped { trap } => write!(f, "trap {trap:?}"),
            Outcome::BudgetExhausted { budget } => write!(f, "budget of {budget} exhausted"),
            Outcome::MemoryFault { access, pc } => {
                write!(f, "memory fault ({access}) at pc {pc:#x}")
            }
            Outcome::InvalidInstruction { pc } => write!(f, "invalid instruction at pc {pc:#x}"),
            Outcome::AbiViolation { what: AbiViolation::CalleeSaved { reg, expected, found } } => {
                write!(f, "returned with r{reg} clobbered ({expected:#010x} -> {found:#010x})")
            }
            Outcome::AbiViolation { what: AbiViolation::StackPointer { expected, found } } => {
                write!(f, "returned with SP {found:#010x} instead of {expected:#010x}")
            }
            Outcome::EmulatorError { message } => write!(f, "emulator error: {message}"),
            Outcome::NotRun => write!(f, "not run (the reference did not finish)"),
            Outcome::ReachedDeclined => write!(f, "reached a function the compiler declined"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Match,
    Mismatch,
    /// The reference ran out of fuel: nothing can be concluded.
    Inconclusive,
}

fn is_stack_overflow(o: &Outcome) -> bool {
    matches!(o, Outcome::Trapped { trap: TrapKind::StackOverflow })
}

/// Compares the emulated outcome with the reference's.
pub fn judge(reference: &Outcome, emulated: &Outcome) -> Verdict {
    match (reference, emulated) {
        // The reference did not finish: whatever the emulator did cannot be judged.
        (Outcome::BudgetExhausted { .. }, _) => Verdict::Inconclusive,
        // The compiled code could not run to the end: part of it was declined.
        (_, Outcome::ReachedDeclined) => Verdict::Inconclusive,
        // Stacks differ in size (wasmtime's is far larger than the emulated device's): running
        // out of stack on one side only is a resource limit, not a miscompile.
        (a, b) if a != b && (is_stack_overflow(a) || is_stack_overflow(b)) => Verdict::Inconclusive,
        // The emulator's budget is sized so correct code always finishes within it when the
        // reference finishes within its fuel: running out here is a hang in compiled code.
        (a, b) if a == b => Verdict::Match,
        _ => Verdict::Mismatch,
    }
}
