//! What a generator made: the module, and per exported function how much it holds live and
//! which constructs it contains.

/// Constructs a generated function may contain between the definitions and the uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Construct {
    Loop,
    Call,
    BrIfEdge,
    BrTable,
    MemoryStore,
    GlobalSet,
    /// `if (compare) ... else ...` changing values in each arm (with the `shapes` knob).
    IfElse,
    I64Values,
}

pub const ALL_CONSTRUCTS: [Construct; 8] = [
    Construct::Loop,
    Construct::Call,
    Construct::BrIfEdge,
    Construct::BrTable,
    Construct::MemoryStore,
    Construct::GlobalSet,
    Construct::IfElse,
    Construct::I64Values,
];

/// What the generator built into one exported function.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FunctionShape {
    pub name: String,
    /// Whether the generator counted the liveness below itself (ours) or it was filled in from
    /// the compiler's statistics after compiling (wasm-smith's functions: values, an i64
    /// counted once, so `max_live_words` equals `max_live` and `i64_over_pool` is unknown).
    pub counted_by_generator: bool,
    /// Values live at once at the widest point (the K values, the fold accumulator, and the
    /// operands being combined), counting an i64 as one value.
    pub max_live: u32,
    /// Registers those values need (an i64 takes a pair).
    pub max_live_words: u32,
    /// At least one i64 is live while the words exceed the pool.
    pub i64_over_pool: bool,
    pub constructs: Vec<Construct>,
}

pub struct Generated {
    pub wasm: Vec<u8>,
    pub functions: Vec<FunctionShape>,
}

/// The register pool the generator aims past.
pub const POOL: u32 = 5;
