//! Seed corpora as WebAssembly modules with their vectors: each seed is a generated module with
//! a custom section `emu-harness.vectors` holding, per exported function, the argument vectors
//! to call it with. A module stays a valid input whatever happens to the generators (their raw
//! `arbitrary` bytes would not), the fuzz targets take it as it is, and every run of it (the
//! targets, the campaign's checker, `run`) calls its functions on exactly those vectors.

use crate::fuzz::{Checker, FUZZ_TARGET_VECTORS};
use crate::generate::Generator;
use crate::outcome::Value;
use crate::reference::ReferenceCompiler;
use crate::report::write_atomically;
use crate::vectors::{function_seed, random_vectors};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wasm2thumb::{compile, CompileOptions};

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

/// Which generators feed which fuzz target's seed corpus.
pub const TARGETS: [(&str, &[Generator]); 3] = [
    ("diff_pressure", &[Generator::Pressure, Generator::SmithPressure]),
    ("diff_smith", &[Generator::SmithDifferential]),
    ("compile_never_panics", &[Generator::Pressure, Generator::SmithDifferential, Generator::SmithPressure]),
];

/// Writes `per_generator` seeds per generator and target under `out/<target>/`: modules that
/// compile, with `FUZZ_TARGET_VECTORS` random vectors per function embedded, that match the
/// reference on them (a seed is a regression input: it must pass today). Returns the files.
pub fn write_seeds(out: &Path, per_generator: usize, seed: u64) -> Result<Vec<PathBuf>, String> {
    let mut checker =
        Checker::new(FUZZ_TARGET_VECTORS, CompileOptions::default(), ReferenceCompiler::Cranelift)?;
    let mut written = Vec::new();
    let mut bytes = vec![0u8; 16 * 1024];
    for (target, generators) in TARGETS {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for generator in generators {
            let (mut made, mut attempt) = (0, 0u64);
            while made < per_generator && attempt < 100 * per_generator as u64 {
                attempt += 1;
                crate::generate::seeded_input(seed, generator.name(), attempt, &mut bytes);
                let Ok(g) = generator.generate(&mut arbitrary::Unstructured::new(&bytes), 1..=3) else {
                    continue;
                };
                let Ok(compiled) = compile(&g.wasm, &CompileOptions::default()) else { continue };
                if !compiled.declined.is_empty() {
                    continue;
                }
                let vectors: StoredVectors = compiled
                    .functions
                    .iter()
                    .filter(|f| f.exported)
                    .map(|f| {
                        let s = function_seed(seed, target, &f.name);
                        (f.name.clone(), random_vectors(&f.param_types, FUZZ_TARGET_VECTORS, s).collect())
                    })
                    .collect();
                let wasm = embed_vectors(&g.wasm, &vectors);
                match checker.check(&wasm, &compiled)? {
                    Some(checked) if checked.findings.is_empty() => {}
                    _ => continue,
                }
                let file = dir.join(format!("{}-{made:03}.wasm", generator.name()));
                write_atomically(&file, &wasm).map_err(|e| format!("{}: {e}", file.display()))?;
                written.push(file);
                made += 1;
            }
        }
    }
    Ok(written)
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
