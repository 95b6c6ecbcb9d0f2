//! Many inputs at once: on worker threads, in input order; and the inputs a path names.

use super::{FileReport, RunConfig, Runner};
use std::path::PathBuf;

/// Runs every input with `jobs` worker threads, each with its own emulator and reference
/// (unicorn engines cannot move between threads). Files are handed out one at a time; the
/// reports come back in input order, so the result does not depend on `jobs` (vector seeds are
/// per function).
pub fn run_files(inputs: &[PathBuf], config: &RunConfig, jobs: usize) -> Result<Vec<FileReport>, String> {
    run_files_observed(inputs, config, jobs, &|_| {})
}

/// `run_files`, calling `done` (from the worker's thread) as each file finishes, in completion
/// order: for progress display.
pub fn run_files_observed(
    inputs: &[PathBuf],
    config: &RunConfig,
    jobs: usize,
    done: &(dyn Fn(&FileReport) + Sync),
) -> Result<Vec<FileReport>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; inputs.len()]);
    let workers = jobs.clamp(1, inputs.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Result<(), String> {
                    let mut runner = Runner::new(config.clone())?;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { return Ok(()) };
                        let report = runner.run_file(input);
                        done(&report);
                        slots.lock().expect("no worker panics while holding the lock")[i] = Some(report);
                    }
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| h.join().map_err(|_| "a worker thread panicked".to_string())?)
    })?;
    Ok(slots
        .into_inner()
        .expect("workers are done")
        .into_iter()
        .map(|r| r.expect("every input ran"))
        .collect())
}

/// Expands directories (recursively, sorted) into `.wat`, `.wasm` and `.wast` files.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            let (dirs, files): (Vec<PathBuf>, Vec<PathBuf>) = entries.into_iter().partition(|e| e.is_dir());
            out.extend(
                files
                    .into_iter()
                    .filter(|f| f.extension().is_some_and(|e| e == "wat" || e == "wasm" || e == "wast")),
            );
            out.extend(collect_inputs(&dirs)?);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}
