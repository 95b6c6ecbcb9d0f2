//! Program generators for fuzzing, shared by the built-in campaign, the cargo-fuzz targets and
//! the seed corpus: our pressure generator (`pressure`) and wasm-smith in two configurations
//! (`smith`). `Generator` names them; `generate` makes a module with any of them; `quality`
//! measures what they make.

mod knobs;
mod pressure;
mod quality;
mod shape;
mod smith;

pub use knobs::{boundary_constants, boundary_constants64, Knobs};
pub use pressure::{pressure_module, pressure_module_with};
pub use quality::{measure_quality, operator_histogram, operator_names, Quality};
pub use shape::{Construct, FunctionShape, Generated, ALL_CONSTRUCTS, POOL};
pub use smith::{smith_module, SmithConfig};

use arbitrary::{Result, Unstructured};

/// The generators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generator {
    /// Ours (`pressure_module`).
    Pressure,
    SmithDifferential,
    SmithPressure,
    /// wasm-smith's differential configuration with floats on (f32/f64 arithmetic, memory
    /// and conversions, saturating truncation).
    SmithFloats,
}

impl Generator {
    pub const ALL: [Generator; 4] =
        [Generator::Pressure, Generator::SmithDifferential, Generator::SmithPressure, Generator::SmithFloats];

    pub fn name(self) -> &'static str {
        match self {
            Generator::Pressure => "pressure",
            Generator::SmithDifferential => "smith-differential",
            Generator::SmithPressure => "smith-pressure",
            Generator::SmithFloats => "smith-floats",
        }
    }

    pub fn from_name(name: &str) -> Option<Generator> {
        Generator::ALL.into_iter().find(|g| g.name() == name)
    }

    /// A module from this generator. `functions` bounds the exported functions of the
    /// pressure generators (the campaign batches several per module: compiling and
    /// instantiating a module has a fixed cost).
    pub fn generate(
        self,
        u: &mut Unstructured,
        functions: std::ops::RangeInclusive<u32>,
    ) -> Result<Generated> {
        self.generate_with(u, functions, Knobs::default())
    }

    /// `generate` with the knobs given (`Knobs::PLAIN`: the generators as they first were).
    pub fn generate_with(
        self,
        u: &mut Unstructured,
        functions: std::ops::RangeInclusive<u32>,
        knobs: Knobs,
    ) -> Result<Generated> {
        match self {
            Generator::Pressure => pressure_module_with(u, functions, knobs),
            Generator::SmithDifferential => smith_module(u, SmithConfig::Differential, functions),
            Generator::SmithPressure => smith_module(u, SmithConfig::Pressure, functions),
            Generator::SmithFloats => smith_module(u, SmithConfig::Floats, functions),
        }
    }
}

/// Generator input number `i` of a run seeded `seed`, for `label` (a generator's name): ChaCha
/// bytes, so a module depends on (seed, label, i) only — not on threads or earlier modules.
pub fn seeded_input(seed: u64, label: &str, i: u64, bytes: &mut [u8]) {
    use rand::{RngCore, SeedableRng};
    rand_chacha::ChaCha8Rng::seed_from_u64(crate::oracle::vectors::function_seed(
        seed,
        label,
        &i.to_string(),
    ))
    .fill_bytes(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_module_is_valid() {
        let mut bytes = vec![0u8; 4096];
        for seed in 0..300u32 {
            let mut x = seed.wrapping_mul(0x9E37_79B9) | 1;
            for b in bytes.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = x as u8;
            }
            let g = pressure_module(&mut Unstructured::new(&bytes)).expect("enough bytes");
            wasmparser::validate(&g.wasm).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(g.functions.iter().all(|f| f.max_live > POOL));
        }
    }

    #[test]
    fn smith_modules_are_valid_and_mostly_compile() {
        let mut bytes = vec![0u8; 16 * 1024];
        let (mut made, mut compiled) = (0, 0);
        for seed in 0..120u64 {
            use rand::{RngCore, SeedableRng};
            rand_chacha::ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut bytes);
            let which = if seed % 2 == 0 { Generator::SmithDifferential } else { Generator::SmithPressure };
            let Ok(g) = which.generate(&mut Unstructured::new(&bytes), 1..=3) else { continue };
            made += 1;
            wasmparser::validate(&g.wasm).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            if which == Generator::SmithPressure {
                assert!(!g.functions.is_empty(), "seed {seed}: the forced exports are there");
            }
            compiled += wasm2thumb::compile(&g.wasm, &wasm2thumb::CompileOptions::default()).is_ok() as u32;
        }
        assert!(made >= 100, "{made} modules made");
        // Only modules whose instantiation traps (a segment out of bounds) are declined.
        assert!(compiled * 10 >= made * 8, "{compiled} of {made} compiled");
    }

    #[test]
    fn quality_meets_the_issue_floor() {
        let q = measure_quality(2000, 0);
        let share = |n: usize| n as f64 / q.functions as f64;
        assert!(share(q.over_5) >= 0.9, "{q:?}");
        assert!(share(q.over_10) >= 0.3, "{q:?}");
        assert!(share(q.i64_over_pool) >= 0.2, "{q:?}");
        for c in ALL_CONSTRUCTS {
            assert!(q.constructs.get(&format!("{c:?}")).copied().unwrap_or(0) > 0, "{c:?} never appears");
        }
        for op in ["i32.div_s", "i64.rem_u", "select", "i32.popcnt", "i64.lt_u", "br_table", "loop", "call"] {
            assert!(q.operators.contains_key(op), "{op} never produced");
        }
    }
}
