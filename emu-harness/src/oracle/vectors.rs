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
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(*x));
    v
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
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(*x));
    v
}

/// A small set crossed over all parameter positions.
const CORE: [u32; 8] = [0, 1, u32::MAX, i32::MIN as u32, i32::MAX as u32, 0x80, 31, 32];
const CORE64: [u64; 8] = [0, 1, u64::MAX, i64::MIN as u64, i64::MAX as u64, 0xFFFF_FFFF, 32, 64];

fn core(ty: Ty, i: usize) -> Value {
    match ty {
        Ty::I32 => Value::I32(CORE[i % CORE.len()]),
        Ty::I64 => Value::I64(CORE64[i % CORE64.len()]),
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
    let table = boundary_values();
    let table64 = boundary_values64();
    let mut out: Vec<Vec<Value>> = Vec::new();
    for pos in 0..params {
        let column: Vec<Value> = match types[pos] {
            Ty::I32 => table.iter().map(|v| Value::I32(*v)).collect(),
            Ty::I64 => table64.iter().map(|v| Value::I64(*v)).collect(),
        };
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

/// Exactly `count` seeded random vectors, half of the values drawn from the boundary table and
/// half uniform bits: for fuzzing, where programs are many and each gets a few calls.
pub fn random_vectors(types: &[Ty], count: usize, seed: u64) -> impl Iterator<Item = Vec<Value>> + use<> {
    let types = types.to_vec();
    // Built once: the fuzzing campaign asks for vectors thousands of times a second.
    static TABLE: std::sync::LazyLock<Vec<u32>> = std::sync::LazyLock::new(boundary_values);
    static TABLE64: std::sync::LazyLock<Vec<u64>> = std::sync::LazyLock::new(boundary_values64);
    let (table, table64): (&'static [u32], &'static [u64]) = (&TABLE, &TABLE64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    std::iter::repeat_with(move || {
        types
            .iter()
            .map(|t| match t {
                Ty::I32 if rng.random_bool(0.5) => Value::I32(table[rng.random_range(0..table.len())]),
                Ty::I32 => Value::I32(rng.random()),
                Ty::I64 if rng.random_bool(0.5) => Value::I64(table64[rng.random_range(0..table64.len())]),
                Ty::I64 => Value::I64(rng.random()),
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
