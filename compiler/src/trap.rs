//! Trap codes: every WebAssembly trap compiles to `UDF #code`, one code per trap kind. The
//! harness decodes the immediate at the faulting PC and maps it back with [`TrapCode::from_udf`].

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum TrapCode {
    /// `unreachable` executed.
    Unreachable = 1,
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 2,
    /// `i32.div_s` / `i64.div_s` of MIN by -1.
    IntegerOverflow = 3,
    /// Linear memory access out of bounds.
    MemoryOutOfBounds = 4,
    /// `call_indirect` index beyond the table.
    TableOutOfBounds = 5,
    /// `call_indirect` to a null entry.
    IndirectCallToNull = 6,
    /// `call_indirect` signature mismatch.
    BadSignature = 7,
    /// Call stack exhausted.
    StackOverflow = 8,
    /// Not a WebAssembly trap: an indirect call reached a function the compiler declined (its
    /// table entry points at a stub). Nothing can be concluded from such a run.
    DeclinedFunction = 9,
    /// A trapping float-to-integer truncation of NaN.
    InvalidConversionToInteger = 10,
}

impl TrapCode {
    pub const ALL: [TrapCode; 10] = [
        TrapCode::Unreachable,
        TrapCode::IntegerDivideByZero,
        TrapCode::IntegerOverflow,
        TrapCode::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds,
        TrapCode::IndirectCallToNull,
        TrapCode::BadSignature,
        TrapCode::StackOverflow,
        TrapCode::DeclinedFunction,
        TrapCode::InvalidConversionToInteger,
    ];

    pub fn udf_imm(self) -> u16 {
        self as u16
    }

    pub fn from_udf(imm: u16) -> Option<TrapCode> {
        TrapCode::ALL.into_iter().find(|t| t.udf_imm() == imm)
    }

    pub fn name(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "undefined element",
            TrapCode::IndirectCallToNull => "uninitialized element",
            TrapCode::BadSignature => "indirect call type mismatch",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::DeclinedFunction => "reached a declined function",
            TrapCode::InvalidConversionToInteger => "invalid conversion to integer",
        }
    }
}
