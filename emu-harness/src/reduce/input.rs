//! What the reducer takes: a campaign case directory, or a module (`.wasm`, `.wat`, or the
//! module of a `.wast` script that exports the function) with a function and arguments; and
//! many of them reduced on worker threads.

use super::{reduce, Input, Options, ReduceError, Reduction};
use crate::campaign::Case;
use crate::oracle::outcome::Value;
use crate::run::wast::{parse_script, Strictness};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use wasm2thumb::CompileOptions;

impl Input {
    /// A case directory the campaign saved (`case.json`, `module.wasm`): its function, its
    /// arguments, its compile configuration and its signature.
    pub fn from_case(dir: &Path) -> Result<Input, String> {
        let (case, wasm) = Case::read(dir)?;
        // `<signature>-<module>-<function>`: the campaign's directory names.
        let name = |p: Option<&Path>| p.and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
        Ok(Input {
            name: match (name(dir.parent()), name(Some(dir))) {
                (Some(sig), Some(case)) => format!("{sig}-{case}"),
                (_, case) => case.unwrap_or_else(|| "case".into()),
            },
            source: dir.display().to_string(),
            function: (!case.is_compile_failure()).then(|| case.function.clone()),
            args: case.args.clone(),
            compile: case.compile_options()?,
            signature: Some(case.signature.clone()),
            wasm,
        })
    }

    /// A module file and the call that fails on it (`function: None`: the compile fails).
    pub fn from_file(
        path: &Path,
        function: Option<&str>,
        args: &[Value],
        compile: CompileOptions,
    ) -> Result<Input, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let wasm = if path.extension().is_some_and(|e| e == "wast") {
            let text = String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", path.display()))?;
            let script = parse_script(&text, Strictness::Lenient)?;
            let exports = |wasm: &[u8]| -> bool {
                let Some(f) = function else { return true };
                wasmparser::Parser::new(0).parse_all(wasm).any(|p| match p {
                    Ok(wasmparser::Payload::ExportSection(r)) => r
                        .into_iter()
                        .any(|e| e.is_ok_and(|e| e.name == f && e.kind == wasmparser::ExternalKind::Func)),
                    _ => false,
                })
            };
            script.modules.into_iter().filter_map(|m| m.wasm.ok()).find(|w| exports(w)).ok_or_else(|| {
                format!("{}: no module exports `{}`", path.display(), function.unwrap_or(""))
            })?
        } else {
            wasm2thumb::parse_input(&bytes).map_err(|e| format!("{}: {e}", path.display()))?
        };
        let stem = path.file_stem().map_or("module".into(), |n| n.to_string_lossy().into_owned());
        Ok(Input {
            name: match function {
                Some(f) => format!("{stem}-{f}"),
                None => stem,
            },
            source: path.display().to_string(),
            wasm,
            function: function.map(str::to_string),
            args: args.to_vec(),
            compile,
            signature: None,
        })
    }
}

/// Makes the inputs' names (their output directories) unique: a repeated name gets `-2`,
/// `-3`, ... in input order.
pub fn unique_names(inputs: &mut [Input]) {
    let mut taken = std::collections::HashSet::new();
    for input in inputs {
        let mut name = input.name.clone();
        let mut n = 1;
        while !taken.insert(name.clone()) {
            n += 1;
            name = format!("{}-{n}", input.name);
        }
        input.name = name;
    }
}

/// The order in which to reduce: largest first, so that no worker is left with a big case at
/// the end.
pub fn largest_first(inputs: &[Input]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(inputs[i].wasm.len()));
    order
}

/// Reduces `inputs` on `jobs` threads, one case per worker at a time; `done` sees each result
/// as it is ready. The results are in input order and do not depend on `jobs`.
pub fn reduce_all(
    inputs: &[Input],
    options: &Options,
    jobs: usize,
    done: impl Fn(&Input, &Result<Reduction, ReduceError>) + Sync,
) -> Vec<Result<Reduction, ReduceError>> {
    on_workers(&largest_first(inputs), jobs, |i| {
        let input = &inputs[i];
        // A reducer bug loses one case, not the batch.
        let result = std::panic::catch_unwind(|| reduce(input, options)).unwrap_or_else(|_| {
            Err(ReduceError::Harness(format!("the reducer panicked on {}", input.source)))
        });
        done(input, &result);
        result
    })
}

/// `f(i)` for every index in `order` (a permutation of `0..order.len()`), taken in that order
/// by `jobs` threads; the results by index, whatever finished first.
pub fn on_workers<R: Send>(order: &[usize], jobs: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..order.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, order.len().max(1)) {
            s.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let r = f(i);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every index ran"))
        .collect()
}
