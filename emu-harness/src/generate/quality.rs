//! What the generators make, measured: live values against the pool, constructs, operators
//! (the `generator-quality` command).

use super::{pressure_module, seeded_input, Generator};
use arbitrary::Unstructured;

/// What a generator produces, measured over many functions.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Quality {
    pub functions: usize,
    /// Functions with more than 5 (the pool) / more than 10 values live at once.
    pub over_5: usize,
    pub over_10: usize,
    /// Functions holding an i64 pair while the live words exceed the pool.
    pub i64_over_pool: usize,
    /// Functions per construct.
    pub constructs: std::collections::BTreeMap<String, usize>,
    /// Operator name → occurrences in the generated code (the exported functions and helpers).
    pub operators: std::collections::BTreeMap<String, usize>,
}

/// Generates modules from seeded input until `functions` functions were made, and measures them.
pub fn measure_quality(functions: usize, seed: u64) -> Quality {
    let mut q = Quality::default();
    let mut bytes = vec![0u8; 16 * 1024];
    let mut i = 0u64;
    while q.functions < functions {
        seeded_input(seed, "quality", i, &mut bytes);
        i += 1;
        let Ok(g) = pressure_module(&mut Unstructured::new(&bytes)) else { continue };
        for f in &g.functions {
            q.functions += 1;
            q.over_5 += (f.max_live > 5) as usize;
            q.over_10 += (f.max_live > 10) as usize;
            q.i64_over_pool += f.i64_over_pool as usize;
            for c in &f.constructs {
                *q.constructs.entry(format!("{c:?}")).or_default() += 1;
            }
        }
        for name in operator_names(&g.wasm) {
            *q.operators.entry(name).or_default() += 1;
        }
    }
    q
}

/// Operator name -> occurrences in the code of `modules` modules from `generator` (seeded).
pub fn operator_histogram(
    generator: Generator,
    modules: usize,
    seed: u64,
) -> std::collections::BTreeMap<String, usize> {
    let mut histogram = std::collections::BTreeMap::new();
    let mut bytes = vec![0u8; 16 * 1024];
    for i in 0..modules {
        seeded_input(seed, generator.name(), i as u64, &mut bytes);
        let Ok(g) = generator.generate(&mut Unstructured::new(&bytes), 1..=3) else { continue };
        for name in operator_names(&g.wasm) {
            *histogram.entry(name).or_default() += 1;
        }
    }
    histogram
}

/// The text-format name of every operator in `wasm`'s function bodies, in order.
pub fn operator_names(wasm: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
            if let Ok(ops) = body.get_operators_reader() {
                names.extend(ops.into_iter().flatten().map(|op| wasm2thumb::frontend::operator_name(&op)));
            }
        }
    }
    names
}
