//! Code size of the pool allocator against the baseline strategy, per function.

use crate::run::wast::{parse_script, Strictness};
use std::path::Path;
use wasm2thumb::{compile, parse_input, CompileOptions, Strategy};

pub struct SizeRow {
    pub file: String,
    pub function: String,
    pub pool: u32,
    pub baseline: u32,
    /// The pool allocator's listing (address, instruction and allocator notes).
    pub pool_listing: Vec<(u32, String)>,
}

impl SizeRow {
    pub fn ratio(&self) -> f64 {
        self.pool as f64 / self.baseline as f64
    }
}

/// Every function of every module in `path` (`.wat`, `.wasm` or `.wast`), compiled both ways.
pub fn size_rows(path: &Path) -> Result<Vec<SizeRow>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let modules: Vec<Vec<u8>> = if path.extension().is_some_and(|e| e == "wast") {
        let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
        parse_script(&text, Strictness::Strict)?.modules.into_iter().filter_map(|m| m.wasm.ok()).collect()
    } else {
        vec![parse_input(&bytes).map_err(|e| e.to_string())?]
    };
    let mut rows = Vec::new();
    for wasm in modules {
        let with = |strategy| compile(&wasm, &CompileOptions { strategy, ..CompileOptions::default() });
        let pool = with(Strategy::Pool).map_err(|e| e.to_string())?;
        let baseline = with(Strategy::Baseline).map_err(|e| e.to_string())?;
        for (p, b) in pool.functions.iter().zip(&baseline.functions) {
            rows.push(SizeRow {
                file: path.display().to_string(),
                function: format!("{} :: {}", path.display(), p.name),
                pool: p.stats.code_bytes,
                baseline: b.stats.code_bytes,
                pool_listing: p.listing(),
            });
        }
    }
    Ok(rows)
}

/// The median of the per-function ratios pool / baseline.
pub fn median_ratio(rows: &[SizeRow]) -> Option<f64> {
    median(rows.iter().map(SizeRow::ratio).collect())
}

fn median(mut r: Vec<f64>) -> Option<f64> {
    if r.is_empty() {
        return None;
    }
    r.sort_by(f64::total_cmp);
    let n = r.len();
    Some(if n % 2 == 1 { r[n / 2] } else { (r[n / 2 - 1] + r[n / 2]) / 2.0 })
}

/// One line of the per-file table: functions, pool and baseline bytes, median ratio.
pub struct FileSizes {
    pub file: String,
    pub functions: usize,
    pub pool: u64,
    pub baseline: u64,
    pub median: f64,
}

/// The rows grouped by file, in the order files first appear.
pub fn by_file(rows: &[SizeRow]) -> Vec<FileSizes> {
    let mut files: Vec<String> = Vec::new();
    for r in rows {
        if !files.contains(&r.file) {
            files.push(r.file.clone());
        }
    }
    files
        .into_iter()
        .map(|file| {
            let mine: Vec<&SizeRow> = rows.iter().filter(|r| r.file == file).collect();
            FileSizes {
                functions: mine.len(),
                pool: mine.iter().map(|r| r.pool as u64).sum(),
                baseline: mine.iter().map(|r| r.baseline as u64).sum(),
                median: median(mine.iter().map(|r| r.ratio()).collect()).unwrap_or(f64::NAN),
                file,
            }
        })
        .collect()
}
