//! How a call ended, and what makes two endings agree.

use serde::Serialize;
use std::fmt;
use wasm2thumb::ir::Ty;
use wasm2thumb::TrapCode;

/// A WebAssembly value (an argument or a result), as raw bits (floats too: two NaNs with
/// different bits are different values here; `Value::agrees_with` is where NaNs may differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    I32(u32),
    I64(u64),
    F32(u32),
    F64(u64),
}

impl Value {
    pub fn ty(self) -> Ty {
        match self {
            Value::I32(_) => Ty::I32,
            Value::I64(_) => Ty::I64,
            Value::F32(_) => Ty::F32,
            Value::F64(_) => Ty::F64,
        }
    }

    /// A value of type `ty` from raw bits (a 32-bit type keeps the low 32).
    pub fn of(ty: Ty, bits: u64) -> Value {
        match ty {
            Ty::I32 => Value::I32(bits as u32),
            Ty::I64 => Value::I64(bits),
            Ty::F32 => Value::F32(bits as u32),
            Ty::F64 => Value::F64(bits),
        }
    }

    /// The raw bits (zero-extended).
    pub fn bits(self) -> u64 {
        match self {
            Value::I32(v) | Value::F32(v) => v as u64,
            Value::I64(v) | Value::F64(v) => v,
        }
    }

    /// What kind of NaN the value is, if it is a float NaN.
    pub fn nan(self) -> Option<NanKind> {
        let (bits, exponent, quiet) = match self {
            Value::F32(v) => (v as u64 & 0x7FFF_FFFF, 0x7F80_0000, 0x0040_0000),
            Value::F64(v) => (v & !(1 << 63), 0x7FF0_0000_0000_0000, 0x0008_0000_0000_0000),
            _ => return None,
        };
        Some(match bits {
            b if b <= exponent => return None,
            b if b == exponent | quiet => NanKind::Canonical,
            b if b & quiet != 0 => NanKind::Arithmetic,
            _ => NanKind::Signalling,
        })
    }

    /// Whether the compiled code's value `self` is a correct stand-in for the reference's
    /// `reference`: the same bits, except under WebAssembly's NaN rule. A NaN result's sign
    /// and payload are not specified: where the reference gives a canonical NaN the operands
    /// may all have been canonical, so a canonical NaN (either sign) is required; where it gives
    /// another arithmetic NaN, any arithmetic NaN is allowed. A signalling NaN can only come
    /// from bit operations (abs, neg, copysign, loads, reinterpretation), which are exact.
    pub fn agrees_with(self, reference: Value) -> bool {
        if self == reference {
            return true;
        }
        if self.ty() != reference.ty() {
            return false;
        }
        matches!(
            (reference.nan(), self.nan()),
            (Some(NanKind::Canonical), Some(NanKind::Canonical))
                | (Some(NanKind::Arithmetic), Some(NanKind::Canonical | NanKind::Arithmetic))
        )
    }
}

/// The kinds of float NaN WebAssembly's rule distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NanKind {
    /// Only the quiet bit set in the payload (either sign).
    Canonical,
    /// The quiet bit and more.
    Arithmetic,
    /// The quiet bit clear.
    Signalling,
}

/// A result an assertion expects: exact bits, or a NaN of a kind (the spec testsuite's
/// `nan:canonical` and `nan:arithmetic`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Exactly(Value),
    CanonicalNan(Ty),
    ArithmeticNan(Ty),
}

impl Expected {
    pub fn admits(self, v: Value) -> bool {
        match self {
            Expected::Exactly(e) => e == v,
            Expected::CanonicalNan(t) => v.ty() == t && v.nan() == Some(NanKind::Canonical),
            Expected::ArithmeticNan(t) => {
                v.ty() == t && matches!(v.nan(), Some(NanKind::Canonical | NanKind::Arithmetic))
            }
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Exactly(v) => v.fmt(f),
            Expected::CanonicalNan(t) => write!(f, "{} nan:canonical", ty_name(*t)),
            Expected::ArithmeticNan(t) => write!(f, "{} nan:arithmetic", ty_name(*t)),
        }
    }
}

fn ty_name(t: Ty) -> &'static str {
    match t {
        Ty::I32 => "i32",
        Ty::I64 => "i64",
        Ty::F32 => "f32",
        Ty::F64 => "f64",
    }
}

impl std::str::FromStr for Value {
    type Err = String;

    /// `i32:N` or `i64:N`, N decimal (may be negative) or `0x` hexadecimal: the form `--args`
    /// takes and re-run commands print.
    fn from_str(s: &str) -> Result<Value, String> {
        let bad = || {
            format!("`{s}` is not a typed value (i32:N or i64:N, N decimal or 0x hex; f32:X or f64:X, X a decimal value or the bits in 0x hex)")
        };
        let (ty, n) = s.split_once(':').ok_or_else(bad)?;
        // A float is its bits in hex (what re-run commands print: NaN payloads survive), or a
        // decimal value (`f32:1.5`, `f64:-0`, `f32:inf`).
        if (ty == "f32" || ty == "f64") && !n.starts_with("0x") {
            return match ty {
                "f32" => n.parse::<f32>().map(|v| Value::F32(v.to_bits())),
                _ => n.parse::<f64>().map(|v| Value::F64(v.to_bits())),
            }
            .map_err(|_| bad());
        }
        let (negative, digits) = n.strip_prefix('-').map_or((false, n), |d| (true, d));
        let magnitude = match digits.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => digits.parse::<u64>(),
        }
        .map_err(|_| bad())?;
        let bits = if negative { magnitude.wrapping_neg() } else { magnitude };
        match ty {
            "i32" if (!negative && magnitude <= u32::MAX as u64) || (negative && magnitude <= 1 << 31) => {
                Ok(Value::I32(bits as u32))
            }
            "i64" => Ok(Value::I64(bits)),
            // Floats by their bits (so NaN payloads survive a re-run command).
            "f32" if !negative && magnitude <= u32::MAX as u64 => Ok(Value::F32(bits as u32)),
            "f64" if !negative => Ok(Value::F64(bits)),
            _ => Err(bad()),
        }
    }
}

impl Value {
    /// The `i32:0x..` / `i64:0x..` form `FromStr` reads.
    pub fn typed_hex(self) -> String {
        match self {
            Value::I32(v) => format!("i32:{v:#x}"),
            Value::I64(v) => format!("i64:{v:#x}"),
            Value::F32(v) => format!("f32:{v:#x}"),
            Value::F64(v) => format!("f64:{v:#x}"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "{v:#010x} ({})", v as i32),
            Value::I64(v) => write!(f, "{v:#018x} ({})", v as i64),
            Value::F32(v) => {
                write!(f, "f32 {v:#010x} ({})", float_text(f32::from_bits(v) as f64, self.nan()))
            }
            Value::F64(v) => write!(f, "f64 {v:#018x} ({})", float_text(f64::from_bits(v), self.nan())),
        }
    }
}

impl fmt::LowerHex for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => fmt::LowerHex::fmt(&v, f),
            Value::I64(v) => fmt::LowerHex::fmt(&v, f),
            Value::F32(v) => fmt::LowerHex::fmt(&v, f),
            Value::F64(v) => fmt::LowerHex::fmt(&v, f),
        }
    }
}

/// A float for people: `-0`, `inf`, `1.5e-45`, or the NaN's kind.
fn float_text(v: f64, nan: Option<NanKind>) -> String {
    match nan {
        Some(NanKind::Canonical) => "canonical NaN".into(),
        Some(NanKind::Arithmetic) => "arithmetic NaN".into(),
        Some(NanKind::Signalling) => "signalling NaN".into(),
        None => format!("{v:?}"),
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
    InvalidConversionToInteger,
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
            TrapCode::InvalidConversionToInteger => TrapKind::InvalidConversionToInteger,
            TrapCode::DeclinedFunction => return None,
        })
    }

    /// Whether a `.wast` trap message names this kind.
    pub fn matches_message(self, message: &str) -> bool {
        self.message().is_some_and(|expected| message.contains(expected))
    }

    /// The spec testsuite's message for this trap (`assert_trap`); `None` for `Other`.
    pub fn message(self) -> Option<&'static str> {
        Some(match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "undefined element",
            TrapKind::IndirectCallToNull => "uninitialized element",
            TrapKind::BadSignature => "indirect call type mismatch",
            TrapKind::StackOverflow => "call stack exhausted",
            TrapKind::InvalidConversionToInteger => "invalid conversion to integer",
            TrapKind::Other => return None,
        })
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
        /// The address accessed.
        addr: u32,
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
#[serde(rename_all = "snake_case", tag = "violation")]
pub enum AbiViolation {
    /// A callee-saved register (R4–R11) differs from its value at the call.
    CalleeSaved { reg: u8, expected: u32, found: u32 },
    /// A callee-saved float register (S16–S31, AAPCS-VFP) differs from its value at the call.
    CalleeSavedFloat { reg: u8, expected: u32, found: u32 },
    /// SP after return differs from SP at the call.
    StackPointer { expected: u32, found: u32 },
    /// A byte changed where the function may not write (the first one found).
    StrayWrite(StrayWrite),
}

/// A write outside linear memory, the globals and the function's own stack frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StrayWrite {
    pub region: Region,
    pub addr: u32,
    /// The canary byte that was there, and what the call left.
    pub expected: u8,
    pub found: u8,
}

/// Where a stray write landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Below the lowest SP the function ever had (an interrupt would overwrite it).
    BelowStackFrame,
    /// The caller's part of the stack, above the function's stack arguments, or around the
    /// result area.
    CallerStack,
    /// The data area outside the memory size word and the globals (e.g. the table).
    DataArea,
    /// Linear memory past its current size (mapped up to the maximum, but not yet memory).
    PastMemorySize,
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Region::BelowStackFrame => "below the stack frame",
            Region::CallerStack => "in the caller's stack",
            Region::DataArea => "in the data area outside the globals",
            Region::PastMemorySize => "in linear memory past its current size",
        })
    }
}

impl fmt::Display for StrayWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} at {:#010x} ({:#04x} -> {:#04x})",
            self.region, self.addr, self.expected, self.found
        )
    }
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
            Outcome::MemoryFault { access, addr, pc } => {
                write!(f, "memory fault ({access} {addr:#010x}) at pc {pc:#x}")
            }
            Outcome::InvalidInstruction { pc } => write!(f, "invalid instruction at pc {pc:#x}"),
            Outcome::AbiViolation { what: AbiViolation::CalleeSavedFloat { reg, expected, found } } => {
                write!(f, "returned with s{reg} clobbered ({expected:#010x} -> {found:#010x})")
            }
            Outcome::AbiViolation { what: AbiViolation::CalleeSaved { reg, expected, found } } => {
                write!(f, "returned with r{reg} clobbered ({expected:#010x} -> {found:#010x})")
            }
            Outcome::AbiViolation { what: AbiViolation::StackPointer { expected, found } } => {
                write!(f, "returned with SP {found:#010x} instead of {expected:#010x}")
            }
            Outcome::AbiViolation { what: AbiViolation::StrayWrite(stray) } => {
                write!(f, "returned, but {stray}")
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
    judge_with(reference, emulated, NanComparison::default())
}

/// How float NaN results are compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NanComparison {
    /// WebAssembly's NaN rule (`Value::agrees_with`): the only relaxation of bit equality, for
    /// code that may propagate NaN payloads (`--nan-rule`).
    Rule,
    /// Bit for bit, the default: the reference canonicalizes NaNs as compiled code does under
    /// FPSCR.DN (`wasm2thumb::FPSCR_REQUIRED`), and only this sees a canonical NaN whose sign a
    /// neg, abs or copysign should have changed, which the rule must let pass.
    #[default]
    Strict,
}

/// `judge`, with NaN results compared as `nan` says.
pub fn judge_with(reference: &Outcome, emulated: &Outcome, nan: NanComparison) -> Verdict {
    match (reference, emulated) {
        // The reference did not finish: whatever the emulator did cannot be judged.
        (Outcome::BudgetExhausted { .. }, _) => Verdict::Inconclusive,
        // The compiled code could not run to the end: part of it was declined.
        (_, Outcome::ReachedDeclined) => Verdict::Inconclusive,
        // Stacks differ in size (wasmtime's is far larger than the emulated device's): running
        // out of stack on one side only is a resource limit, not a miscompile.
        // Both out of stack is not a match either: nothing ran to an end that could be compared.
        (a, b) if is_stack_overflow(a) || is_stack_overflow(b) => Verdict::Inconclusive,
        // The emulator's budget is sized so correct code always finishes within it when the
        // reference finishes within its fuel: running out here is a hang in compiled code.
        (a, b) if a == b => Verdict::Match,
        (Outcome::Returned { values: r }, Outcome::Returned { values: e })
            if nan == NanComparison::Rule
                && r.len() == e.len()
                && e.iter().zip(r).all(|(e, r)| e.agrees_with(*r)) =>
        {
            Verdict::Match
        }
        _ => Verdict::Mismatch,
    }
}

/// Why `judge` found a pair of outcomes inconclusive (reported per reason, never as a match).
pub fn inconclusive_reason(reference: &Outcome, emulated: &Outcome) -> &'static str {
    match (is_stack_overflow(reference), is_stack_overflow(emulated)) {
        _ if matches!(reference, Outcome::BudgetExhausted { .. }) => "reference out of fuel",
        _ if matches!(emulated, Outcome::ReachedDeclined) => "reached a declined function",
        (true, true) => "stack exhausted on both sides",
        (true, false) => "stack exhausted in the reference only",
        (false, true) => "stack exhausted in the compiled code only",
        (false, false) => "unclassified",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_read_back_what_re_run_commands_print() {
        for v in [Value::I32(0), Value::I32(u32::MAX), Value::I64(1 << 63), Value::I64(42)] {
            assert_eq!(v.typed_hex().parse::<Value>(), Ok(v));
        }
        assert_eq!("i32:-1".parse::<Value>(), Ok(Value::I32(u32::MAX)));
        assert_eq!("i32:-2147483648".parse::<Value>(), Ok(Value::I32(0x8000_0000)));
        assert_eq!("i64:-2".parse::<Value>(), Ok(Value::I64(u64::MAX - 1)));
        assert!("i32:0x100000000".parse::<Value>().is_err());
        assert!("i32:-2147483649".parse::<Value>().is_err());
        assert_eq!("f32:1".parse::<Value>(), Ok(Value::F32(0x3F80_0000)));
        assert_eq!("f64:-0".parse::<Value>(), Ok(Value::F64(1 << 63)));
        for v in [Value::F32(0x7FA0_0001), Value::F64(0xFFF8_0000_0000_0001)] {
            assert_eq!(v.typed_hex().parse::<Value>(), Ok(v), "NaN payloads survive a re-run command");
        }
        assert!("f32:x".parse::<Value>().is_err());
        assert!("f32:0x100000000".parse::<Value>().is_err());
        assert!("7".parse::<Value>().is_err());
    }
}
