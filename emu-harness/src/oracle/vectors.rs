//! Argument vectors: a boundary table combined across parameters, then seeded random values;
//! and the vectors a module stores for itself (a custom section: the seed corpora).

use crate::oracle::outcome::Value;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use wasm2thumb::ir::Ty;

/// Values at the edges of i32 arithmetic, encodings and shift amounts.
pub fn boundary_values() -> Vec<u32> {
    let mut v: Vec<u32> = vec![
        0,
        1,
        u32::MAX,            // -1
        i32::MIN as u32,     // MIN, also 1 << 31
        i32::MAX as u32,     // MAX
        i32::MIN as u32 + 1, // MIN + 1
        i32::MAX as u32 - 1, // MAX - 1
        0x7F,
        0x80,
        0xFF,
        0x7FFF,
        0x8000,
        0xFFFF,
        2,
        3,
        4,
        5,
        7,
        8,
        31,
        32,
        33,
        63,
        64,
        (-2i32) as u32,
        (-31i32) as u32,
        (-32i32) as u32,
        (-33i32) as u32,
        0x5555_5555,
        0xAAAA_AAAA,
    ];
    for k in 0..32 {
        let p = 1u32 << k;
        v.extend([p, p.wrapping_sub(1), p.wrapping_add(1), p.wrapping_neg()]);
    }
    without_repeats(v)
}

/// Values at the edges of i64 arithmetic: the i32 table sign- and zero-extended, the word
/// boundaries (carries and borrows between the halves), shift amounts up to 64 and beyond.
pub fn boundary_values64() -> Vec<u64> {
    let mut v: Vec<u64> = vec![
        0,
        1,
        u64::MAX,
        i64::MIN as u64,
        i64::MAX as u64,
        i64::MIN as u64 + 1,
        i64::MAX as u64 - 1,
        0xFFFF_FFFF,
        0x1_0000_0000,
        0x1_0000_0001,
        0xFFFF_FFFF_0000_0000,
        0x8000_0000_FFFF_FFFF,
        0x7FFF_FFFF_0000_0000,
        0x5555_5555_5555_5555,
        0xAAAA_AAAA_AAAA_AAAA,
        65,
        127,
        128,
        (-63i64) as u64,
        (-64i64) as u64,
        (-65i64) as u64,
    ];
    for x in boundary_values() {
        v.extend([x as u64, x as i32 as i64 as u64, (x as u64) << 32 | x as u64]);
    }
    for k in 0..64 {
        let p = 1u64 << k;
        v.extend([p, p.wrapping_sub(1), p.wrapping_add(1), p.wrapping_neg()]);
    }
    without_repeats(v)
}

/// f32 values at the edges of float semantics, as bits, each with its negation: zeros,
/// infinities, canonical, payload and signalling NaNs, the smallest and largest denormals and
/// normals, rounding ties, 2^23 (every f32 from there on is an integer) and the integer
/// conversion bounds around 2^31, 2^32, 2^63 and 2^64.
pub fn boundary_values_f32() -> Vec<u32> {
    let values: [f32; 30] = [
        0.0,
        1.0,
        0.5,
        1.5,
        2.5,
        3.5,
        0.49999997, // the largest below 0.5
        0.99999994, // the largest below 1
        1.0000001,
        f32::INFINITY,
        f32::MIN_POSITIVE,
        f32::MAX,
        8_388_608.0, // 2^23
        8_388_607.5,
        8_388_609.0,
        16_777_216.0, // 2^24
        16_777_218.0,
        2_147_483_648.0, // 2^31
        2_147_483_520.0, // the largest below 2^31
        2_147_483_904.0, // the next above 2^31
        4_294_967_296.0, // 2^32
        4_294_967_040.0,
        9_223_372_036_854_775_808.0, // 2^63
        9_223_371_487_098_961_920.0,
        18_446_744_073_709_551_616.0, // 2^64
        18_446_742_974_197_923_840.0,
        std::f32::consts::PI,
        0.1,
        1e-30,
        123_456.79,
    ];
    let mut v: Vec<u32> = values.iter().map(|f| f.to_bits()).collect();
    v.extend([
        0x7FC0_0000, // canonical NaN
        0x7FC0_0001, // quiet NaNs with payloads
        0x7FE0_0000,
        0x7FFF_FFFF,
        0x7F80_0001, // signalling NaNs
        0x7FA0_0000,
        0x0000_0001, // the smallest denormal
        0x007F_FFFF, // the largest denormal
        0x0040_0000,
    ]);
    let negated: Vec<u32> = v.iter().map(|b| b ^ 0x8000_0000).collect();
    v.extend(negated);
    without_repeats(v)
}

/// f64 values at the edges of float semantics, as bits, each with its negation: as for f32
/// (2^52 instead of 2^23; the exact truncation bounds -2^31 - 1 and 2^32 - 1 with fractions),
/// plus every f32 edge value (for demotion: rounding and overflow to infinity).
pub fn boundary_values_f64() -> Vec<u64> {
    let values: [f64; 30] = [
        0.0,
        1.0,
        0.5,
        1.5,
        2.5,
        3.5,
        0.49999999999999994,
        0.9999999999999999,
        f64::INFINITY,
        f64::MIN_POSITIVE,
        f64::MAX,
        4_503_599_627_370_496.0, // 2^52
        4_503_599_627_370_495.5,
        4_503_599_627_370_497.0,
        9_007_199_254_740_992.0, // 2^53
        2_147_483_648.0,         // 2^31
        2_147_483_647.9999998,
        2_147_483_647.0,
        2_147_483_649.0, // beyond, and its negation: just below -2^31 - 1
        2_147_483_648.9999995,
        4_294_967_296.0, // 2^32
        4_294_967_295.9999995,
        0.9999999999999999,
        9_223_372_036_854_775_808.0,  // 2^63
        18_446_744_073_709_551_616.0, // 2^64
        3.4028235677973366e38,        // f32::MAX + half an ulp: demotes to infinity
        3.4028234663852886e38,        // f32::MAX
        1.401298464324817e-45,        // the smallest f32 denormal
        std::f64::consts::PI,
        0.1,
    ];
    let mut v: Vec<u64> = values.iter().map(|f| f.to_bits()).collect();
    v.extend([
        0x7FF8_0000_0000_0000, // canonical NaN
        0x7FF8_0000_0000_0001, // quiet NaNs with payloads
        0x7FFC_0000_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF,
        0x7FF0_0000_0000_0001, // signalling NaNs
        0x7FF4_0000_0000_0000,
        0x0000_0000_0000_0001, // the smallest denormal
        0x000F_FFFF_FFFF_FFFF, // the largest denormal
    ]);
    v.extend(
        boundary_values_f32()
            .iter()
            .filter(|b| *b & 0x7FFF_FFFF <= 0x7F80_0000)
            .map(|b| (f32::from_bits(*b) as f64).to_bits()),
    );
    let negated: Vec<u64> = v.iter().map(|b| b ^ (1 << 63)).collect();
    v.extend(negated);
    without_repeats(v)
}

/// `v` with every value after its first occurrence removed (the order kept).
pub fn without_repeats<T: std::hash::Hash + Eq + Copy>(mut v: Vec<T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(*x));
    v
}

/// A small set crossed over all parameter positions.
const CORE: [u32; 8] = [0, 1, u32::MAX, i32::MIN as u32, i32::MAX as u32, 0x80, 31, 32];
const CORE64: [u64; 8] = [0, 1, u64::MAX, i64::MIN as u64, i64::MAX as u64, 0xFFFF_FFFF, 32, 64];
/// 0, -0, 1, -1.5, +inf, canonical NaN, 2.5, a payload NaN.
const CORE_F32: [u32; 8] =
    [0, 0x8000_0000, 0x3F80_0000, 0xBFC0_0000, 0x7F80_0000, 0x7FC0_0000, 0x4020_0000, 0x7FA0_0001];
const CORE_F64: [u64; 8] = [
    0,
    1 << 63,
    0x3FF0_0000_0000_0000,
    0xBFF8_0000_0000_0000,
    0x7FF0_0000_0000_0000,
    0x7FF8_0000_0000_0000,
    0x4004_0000_0000_0000,
    0x7FF4_0000_0000_0001,
];

fn core(ty: Ty, i: usize) -> Value {
    match ty {
        Ty::I32 => Value::I32(CORE[i % CORE.len()]),
        Ty::I64 => Value::I64(CORE64[i % CORE64.len()]),
        Ty::F32 => Value::F32(CORE_F32[i % CORE_F32.len()]),
        Ty::F64 => Value::F64(CORE_F64[i % CORE_F64.len()]),
    }
}

/// At least `count` vectors for a function of `params` parameters: every boundary value in every
/// position (others from a rotating core), the full cross product of the core set, then random
/// values (half drawn from the boundary table, half uniform bits) until `count` is reached.
///
/// A function without parameters gets `count` empty vectors: each call runs with different
/// garbage in the scratch registers and below the stack pointer (see `emu`), so a read of
/// uninitialized state still shows up as a difference.
///
/// The structured part is built up front; the random ones are made as they are consumed, so a
/// long run holds one vector at a time.
pub fn vectors(types: &[Ty], count: usize, seed: u64) -> impl Iterator<Item = Vec<Value>> + use<> {
    let params = types.len();
    let types = types.to_vec();
    if params == 0 {
        let empty: Box<dyn Iterator<Item = Vec<Value>>> =
            Box::new(std::iter::repeat_n(Vec::new(), count.max(1)));
        return empty;
    }
    let mut out: Vec<Vec<Value>> = Vec::new();
    for pos in 0..params {
        let column: Vec<Value> = boundary_column(types[pos]);
        for (i, v) in column.into_iter().enumerate() {
            let mut vec: Vec<Value> = (0..params).map(|p| core(types[p], i + p)).collect();
            vec[pos] = v;
            out.push(vec);
        }
    }
    // The core cross product for up to four parameters (8^4 = 4,096 vectors); beyond that the
    // positional table and the random vectors cover the space.
    let mut idx = vec![0usize; params];
    if params <= 4 {
        loop {
            out.push(idx.iter().zip(&types).map(|(i, t)| core(*t, *i)).collect());
            // Odometer increment; done when every position wrapped.
            let Some(p) = (0..params).find(|p| idx[*p] + 1 < CORE.len()) else { break };
            idx[p] += 1;
            idx[..p].iter_mut().for_each(|i| *i = 0);
        }
    }
    let random = random_vectors(&types, count.saturating_sub(out.len()), seed);
    Box::new(out.into_iter().chain(random))
}

/// The boundary table of one type, as values.
fn boundary_column(ty: Ty) -> Vec<Value> {
    match ty {
        Ty::I32 => TABLES.i32.iter().map(|v| Value::I32(*v)).collect(),
        Ty::I64 => TABLES.i64.iter().map(|v| Value::I64(*v)).collect(),
        Ty::F32 => TABLES.f32.iter().map(|v| Value::F32(*v)).collect(),
        Ty::F64 => TABLES.f64.iter().map(|v| Value::F64(*v)).collect(),
    }
}

struct Tables {
    i32: Vec<u32>,
    i64: Vec<u64>,
    f32: Vec<u32>,
    f64: Vec<u64>,
}

/// Built once: the fuzzing campaign asks for vectors thousands of times a second.
static TABLES: std::sync::LazyLock<Tables> = std::sync::LazyLock::new(|| Tables {
    i32: boundary_values(),
    i64: boundary_values64(),
    f32: boundary_values_f32(),
    f64: boundary_values_f64(),
});

/// Exactly `count` seeded random vectors, half of the values drawn from the boundary table and
/// half uniform bits: for fuzzing, where programs are many and each gets a few calls.
pub fn random_vectors(types: &[Ty], count: usize, seed: u64) -> impl Iterator<Item = Vec<Value>> + use<> {
    let types = types.to_vec();
    let tables: &'static Tables = &TABLES;
    let (table, table64) = (&tables.i32, &tables.i64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    std::iter::repeat_with(move || {
        types
            .iter()
            .map(|t| match t {
                Ty::I32 if rng.random_bool(0.5) => Value::I32(table[rng.random_range(0..table.len())]),
                Ty::I32 => Value::I32(rng.random()),
                Ty::I64 if rng.random_bool(0.5) => Value::I64(table64[rng.random_range(0..table64.len())]),
                Ty::I64 => Value::I64(rng.random()),
                // Floats: a quarter from the core (both zeros, ±1, -1.5, ties, +inf, NaNs), a
                // quarter from the whole table, half uniform bits.
                Ty::F32 if rng.random_bool(0.25) => Value::F32(CORE_F32[rng.random_range(0..CORE_F32.len())]),
                Ty::F32 if rng.random_bool(1.0 / 3.0) => {
                    Value::F32(tables.f32[rng.random_range(0..tables.f32.len())])
                }
                Ty::F32 => Value::F32(rng.random()),
                Ty::F64 if rng.random_bool(0.25) => Value::F64(CORE_F64[rng.random_range(0..CORE_F64.len())]),
                Ty::F64 if rng.random_bool(1.0 / 3.0) => {
                    Value::F64(tables.f64[rng.random_range(0..tables.f64.len())])
                }
                Ty::F64 => Value::F64(rng.random()),
            })
            .collect()
    })
    .take(count)
}

/// A per-function seed: the run's seed mixed with the function's name, so results do not
/// depend on the order functions are visited in.
pub fn function_seed(seed: u64, file: &str, function: &str) -> u64 {
    // FNV-1a: stable across platforms and Rust versions, unlike `DefaultHasher`.
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in file.bytes().chain([0]).chain(function.bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The custom section's name.
pub const VECTORS_SECTION: &str = "emu-harness.vectors";

/// Vectors by function name.
pub type StoredVectors = BTreeMap<String, Vec<Vec<Value>>>;

/// `wasm` with `vectors` appended as the custom section (JSON: function -> list of vectors,
/// each a list of `i32:0x..` / `i64:0x..`).
pub fn embed_vectors(wasm: &[u8], vectors: &StoredVectors) -> Vec<u8> {
    let printable: BTreeMap<&String, Vec<Vec<String>>> = vectors
        .iter()
        .map(|(f, vs)| (f, vs.iter().map(|v| v.iter().map(|a| a.typed_hex()).collect()).collect()))
        .collect();
    let data = serde_json::to_vec(&printable).expect("strings serialize");
    let mut out = wasm.to_vec();
    // Appended after the last section: custom sections may go anywhere.
    out.push(0);
    let section = wasm_encoder::CustomSection { name: VECTORS_SECTION.into(), data: data.into() };
    wasm_encoder::Encode::encode(&section, &mut out);
    out
}

/// The vectors stored in `wasm`, if it has the section (and it parses).
pub fn stored_vectors(wasm: &[u8]) -> Option<StoredVectors> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CustomSection(reader)) = payload {
            if reader.name() == VECTORS_SECTION {
                let printed: BTreeMap<String, Vec<Vec<String>>> =
                    serde_json::from_slice(reader.data()).ok()?;
                return printed
                    .into_iter()
                    .map(|(f, vs)| {
                        let vs = vs
                            .iter()
                            .map(|v| v.iter().map(|a| a.parse::<Value>().ok()).collect::<Option<Vec<_>>>())
                            .collect::<Option<Vec<_>>>()?;
                        Some((f, vs))
                    })
                    .collect();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_survive_the_round_trip_and_the_module_stays_valid() {
        let wasm = wat::parse_str("(module (func (export \"f\") (param i32 i64)))").unwrap();
        let mut vectors = StoredVectors::new();
        vectors.insert(
            "f".into(),
            vec![vec![Value::I32(7), Value::I64(u64::MAX)], vec![Value::I32(0), Value::I64(1)]],
        );
        let with = embed_vectors(&wasm, &vectors);
        wasmparser::validate(&with).unwrap();
        assert_eq!(stored_vectors(&with), Some(vectors));
        assert_eq!(stored_vectors(&wasm), None);
    }
}
