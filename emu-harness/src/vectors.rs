//! Argument vectors: a boundary table combined across parameters, then seeded random values.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

/// A small set crossed over all parameter positions.
const CORE: [u32; 8] = [0, 1, u32::MAX, i32::MIN as u32, i32::MAX as u32, 0x80, 31, 32];

/// At least `count` vectors for a function of `params` parameters: every boundary value in every
/// position (others from a rotating core), the full cross product of the core set, then random
/// values (half drawn from the boundary table, half uniform bits) until `count` is reached.
///
/// A function without parameters gets `count` empty vectors: each call runs with different
/// garbage in the scratch registers and below the stack pointer (see `emu`), so a read of
/// uninitialized state still shows up as a difference.
pub fn vectors(params: usize, count: usize, seed: u64) -> Vec<Vec<u32>> {
    if params == 0 {
        return vec![vec![]; count.max(1)];
    }
    let table = boundary_values();
    let mut out: Vec<Vec<u32>> = Vec::new();
    for pos in 0..params {
        for (i, v) in table.iter().enumerate() {
            let mut vec: Vec<u32> = (0..params).map(|p| CORE[(i + p) % CORE.len()]).collect();
            vec[pos] = *v;
            out.push(vec);
        }
    }
    // The core cross product for up to four parameters (8^4 = 4,096 vectors); beyond that the
    // positional table and the random vectors cover the space.
    let mut idx = vec![0usize; params];
    if params <= 4 {
        loop {
            out.push(idx.iter().map(|i| CORE[*i]).collect());
            // Odometer increment; done when every position wrapped.
            let Some(p) = (0..params).find(|p| idx[*p] + 1 < CORE.len()) else { break };
            idx[p] += 1;
            idx[..p].iter_mut().for_each(|i| *i = 0);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    while out.len() < count {
        out.push(
            (0..params)
                .map(|_| {
                    if rng.random_bool(0.5) {
                        table[rng.random_range(0..table.len())]
                    } else {
                        rng.random()
                    }
                })
                .collect(),
        );
    }
    out
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
