//! Deliberate miscompiles, for measuring whether the harness and the fuzzing campaign find real
//! bugs (`emu-harness bench-detect`). Each is the shape of a mistake such compilers really made
//! (see the classes in `shared/notes/miscompile-classes.md`): silent wrong code, never a panic
//! or an internal error, reached by ordinary programs, often only in one situation (a full
//! pool, an amount of 32 or more, the last bytes of memory), as real bugs hide.
//!
//! Only with the `fault-injection` feature (which emu-harness enables). Without it the type has
//! no values, `CompileOptions::inject` is always `None`, and `injected!` is `false`: the
//! product compiler carries none of these code paths.

/// Which deliberate miscompile to make.
#[cfg(feature = "fault-injection")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InjectedFault {
    /// Spill and reload: a register-register `i32.sub` computed with its operands swapped
    /// whenever every pool register is taken.
    SwapSubOperandsWhenPoolFull,
    /// Spill and reload: a temporary evicted by Belady's rule is marked as stored but never
    /// written; its reload reads a slot nobody wrote.
    SpillStoreDroppedOnEviction,
    /// Belady victim choice: the victim's index taken from the filtered (unpinned) list, so a
    /// pinned operand can be evicted and overwritten by the reload beside it.
    BeladyVictimFromFilteredPosition,
    /// i64 pairs: the high word of an i64 add into a pool pair uses ADD, not ADC (carry lost).
    I64AddCarryDroppedInPoolPair,
    /// i64 pairs / label fix-ups: the reload of an i64 on an edge into a label reads the low
    /// word's slot for the high register too.
    I64LabelReloadHighFromLowWord,
    /// Calls: an i64 argument passed in R2:R3 gets only its low word placed.
    I64CallArgHighHalfNotPlaced,
    /// Parallel moves: a label's register permutation done as sequential moves (a swap clobbers).
    ParallelMoveDoneSequentially,
    /// Label-state fix-ups: a conditional edge that only needs reloads branches without them.
    ConditionalFixupSkippedForReload,
    /// Loop liveness: a local with no later textual use is evicted without a store, ignoring
    /// the loop's back edge.
    LoopLocalEvictedWithoutStore,
    /// Callee-saved registers: R8 used but not saved and restored (the 16-bit PUSH cannot hold
    /// it).
    R8NotSavedInPrologue,
    /// Flags: register-register `i32.lt_u` materialized with the signed condition.
    LtURegisterCompareSigned,
    /// Flags: `if (i32.lt_s a b)` inverted to GT instead of GE (wrong only when a == b).
    IfLtSInvertedToGt,
    /// Flags: a fused compare-select whose constant arm is materialized (`movs`) between the
    /// compare and the IT block.
    FusedSelectConstantArmClobbersFlags,
    /// Immediates: a 32-bit constant's MOVT dropped (the high half lost).
    LargeConstantMovtDropped,
    /// Immediates: an `i32.add` immediate above 4095 that is not a modified immediate masked
    /// to 12 bits (ADDW's field).
    AddImmediateMaskedTo12Bits,
    /// Shifts: `i32.shr_u` by a register amount not masked mod 32.
    ShrUAmountNotMasked,
    /// Shifts: i64 shift amounts masked mod 256 instead of mod 64.
    I64ShiftAmountMaskedMod256,
    /// Rotates: an i64 rotate tests bit 6 instead of bit 5 to swap the words.
    I64RotateSwapTestsWrongBit,
    /// Bounds checks: an access ending exactly at the memory size passes... and so does one
    /// ending one byte past it (HI instead of HS).
    BoundsCheckLastByteOffByOne,
    /// Traps: `i32.div_s` by a divisor already seen non-zero skips the INT_MIN / -1 check.
    DivSOverflowCheckSkippedForKnownDivisor,
    /// Traps: `i32.rem_u` without its divide-by-zero check.
    RemUZeroCheckDropped,
    /// `br_table`: an index at or past the last case goes to the last case, not the default.
    BrTableOutOfRangeToLastCase,
    /// `memory.grow`: growing exactly to the maximum fails.
    MemoryGrowFailsAtExactCap,
    /// Calls and arguments: incoming stack arguments addressed without the callee's frame.
    IncomingStackArgsIgnoreFrame,
    /// Floats (the M4's sequence): f32/f64 `min`/`max` of equal operands combine their bits
    /// with the other operator, so min(+0, -0) is +0 and max is -0.
    FloatMinMaxZeroSignSwapped,
    /// Floats: the trapping `i32.trunc` upper guard is inclusive (GT, not GE): 2^31 (2^32
    /// unsigned) converts to the saturated value instead of trapping.
    TruncUpperBoundInclusive,
    /// Floats (the M7's VRINT): `nearest` rounds ties away from zero (VRINTA, not VRINTN).
    NearestTiesAwayOnM7,
    /// Callee-saved float registers: the highest S register the float pool writes is left out
    /// of VPUSH/VPOP (a run counted one short).
    FloatPoolTopRegisterNotSaved,
}

#[cfg(not(feature = "fault-injection"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InjectedFault {}

#[cfg(feature = "fault-injection")]
impl InjectedFault {
    pub const ALL: [InjectedFault; 28] = [
        InjectedFault::SwapSubOperandsWhenPoolFull,
        InjectedFault::SpillStoreDroppedOnEviction,
        InjectedFault::BeladyVictimFromFilteredPosition,
        InjectedFault::I64AddCarryDroppedInPoolPair,
        InjectedFault::I64LabelReloadHighFromLowWord,
        InjectedFault::I64CallArgHighHalfNotPlaced,
        InjectedFault::ParallelMoveDoneSequentially,
        InjectedFault::ConditionalFixupSkippedForReload,
        InjectedFault::LoopLocalEvictedWithoutStore,
        InjectedFault::R8NotSavedInPrologue,
        InjectedFault::LtURegisterCompareSigned,
        InjectedFault::IfLtSInvertedToGt,
        InjectedFault::FusedSelectConstantArmClobbersFlags,
        InjectedFault::LargeConstantMovtDropped,
        InjectedFault::AddImmediateMaskedTo12Bits,
        InjectedFault::ShrUAmountNotMasked,
        InjectedFault::I64ShiftAmountMaskedMod256,
        InjectedFault::I64RotateSwapTestsWrongBit,
        InjectedFault::BoundsCheckLastByteOffByOne,
        InjectedFault::DivSOverflowCheckSkippedForKnownDivisor,
        InjectedFault::RemUZeroCheckDropped,
        InjectedFault::BrTableOutOfRangeToLastCase,
        InjectedFault::MemoryGrowFailsAtExactCap,
        InjectedFault::IncomingStackArgsIgnoreFrame,
        InjectedFault::FloatMinMaxZeroSignSwapped,
        InjectedFault::TruncUpperBoundInclusive,
        InjectedFault::NearestTiesAwayOnM7,
        InjectedFault::FloatPoolTopRegisterNotSaved,
    ];

    /// Its kebab-case name (`--inject-fault`, `case.json`).
    pub fn name(self) -> &'static str {
        use InjectedFault::*;
        match self {
            SwapSubOperandsWhenPoolFull => "swap-sub-operands-when-pool-full",
            SpillStoreDroppedOnEviction => "spill-store-dropped-on-eviction",
            BeladyVictimFromFilteredPosition => "belady-victim-from-filtered-position",
            I64AddCarryDroppedInPoolPair => "i64-add-carry-dropped-in-pool-pair",
            I64LabelReloadHighFromLowWord => "i64-label-reload-high-from-low-word",
            I64CallArgHighHalfNotPlaced => "i64-call-arg-high-half-not-placed",
            ParallelMoveDoneSequentially => "parallel-move-done-sequentially",
            ConditionalFixupSkippedForReload => "conditional-fixup-skipped-for-reload",
            LoopLocalEvictedWithoutStore => "loop-local-evicted-without-store",
            R8NotSavedInPrologue => "r8-not-saved-in-prologue",
            LtURegisterCompareSigned => "lt-u-register-compare-signed",
            IfLtSInvertedToGt => "if-lt-s-inverted-to-gt",
            FusedSelectConstantArmClobbersFlags => "fused-select-constant-arm-clobbers-flags",
            LargeConstantMovtDropped => "large-constant-movt-dropped",
            AddImmediateMaskedTo12Bits => "add-immediate-masked-to-12-bits",
            ShrUAmountNotMasked => "shr-u-amount-not-masked",
            I64ShiftAmountMaskedMod256 => "i64-shift-amount-masked-mod-256",
            I64RotateSwapTestsWrongBit => "i64-rotate-swap-tests-wrong-bit",
            BoundsCheckLastByteOffByOne => "bounds-check-last-byte-off-by-one",
            DivSOverflowCheckSkippedForKnownDivisor => "div-s-overflow-check-skipped-for-known-divisor",
            RemUZeroCheckDropped => "rem-u-zero-check-dropped",
            BrTableOutOfRangeToLastCase => "br-table-out-of-range-to-last-case",
            MemoryGrowFailsAtExactCap => "memory-grow-fails-at-exact-cap",
            IncomingStackArgsIgnoreFrame => "incoming-stack-args-ignore-frame",
            FloatMinMaxZeroSignSwapped => "float-min-max-zero-sign-swapped",
            TruncUpperBoundInclusive => "trunc-upper-bound-inclusive",
            NearestTiesAwayOnM7 => "nearest-ties-away-on-m7",
            FloatPoolTopRegisterNotSaved => "float-pool-top-register-not-saved",
        }
    }

    pub fn from_name(name: &str) -> Option<InjectedFault> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[cfg(not(feature = "fault-injection"))]
impl InjectedFault {
    pub const ALL: [InjectedFault; 0] = [];

    pub fn name(self) -> &'static str {
        match self {}
    }

    pub fn from_name(_: &str) -> Option<InjectedFault> {
        None
    }
}

/// Whether `$inject` (an `Option<InjectedFault>`) is the fault `$fault`; `false` (and no
/// mention of the fault) without the feature.
#[cfg(feature = "fault-injection")]
macro_rules! injected {
    ($inject:expr, $fault:ident) => {
        $inject == Some(crate::InjectedFault::$fault)
    };
}

#[cfg(not(feature = "fault-injection"))]
macro_rules! injected {
    ($inject:expr, $fault:ident) => {
        $inject.is_some()
    };
}

pub(crate) use injected;
