//! Seed corpora for the fuzz targets: generated modules that compile and match, each carrying
//! its vectors (`oracle::vectors::embed_vectors`), written under `fuzz/seeds/<target>/`.

use super::checker::Checker;
use super::targets::FUZZ_TARGET_VECTORS;
use crate::atomic_file::write_atomically;
use crate::exec::reference::ReferenceCompiler;
use crate::generate::{seeded_input, Generator};
use crate::oracle::vectors::{embed_vectors, function_seed, random_vectors, StoredVectors};
use std::path::{Path, PathBuf};
use wasm2thumb::{compile, CompileOptions};

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
                seeded_input(seed, generator.name(), attempt, &mut bytes);
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
