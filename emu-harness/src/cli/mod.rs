//! The `emu-harness` subcommands, one file each; what several of them share is here: compile
//! flags, argument lists, input collection, durations, progress bars and report files.

pub mod bench;
pub mod bench_reduce;
pub mod compile;
pub mod detect;
pub mod fuzz;
pub mod nightly;
pub mod quality;
pub mod reduce;
pub mod replay;
pub mod run;
pub mod seeds;
pub mod sizes;

use emu_harness::atomic_file::write_atomically;
use emu_harness::exit;
use emu_harness::oracle::outcome::Value;
use emu_harness::run::{collect_inputs, FileReport};
use std::path::PathBuf;
use wasm2thumb::{CompileOptions, Cpu, InjectedFault, Strategy};

#[derive(clap::Args, Clone)]
pub struct CompileFlags {
    /// Registers in the value pool (R4 upwards), 1..=5.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=5))]
    pool_size: u8,
    /// Registers in the float pool (S16 upwards) for f32 values on the M4 and M7, 0..=16.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u8).range(0..=16))]
    float_pool: u8,
    /// Target CPU.
    #[arg(long, default_value = "m4", value_parser = ["m3", "m4", "m7"])]
    cpu: String,
    /// Where values live: `pool` (registers, Belady eviction) or `baseline` (frame slots).
    #[arg(long, default_value = "pool", value_parser = ["pool", "baseline"])]
    strategy: String,
    /// Most 64 KiB pages a linear memory may grow to (the reference gets the same limit).
    #[arg(long, default_value_t = wasm2thumb::DEFAULT_MAX_MEMORY_PAGES,
          value_parser = clap::value_parser!(u32).range(0..=16384))]
    max_memory_pages: u32,
    /// Compile with a deliberate miscompile of the family (`bench-detect` measures them all):
    /// to see what the harness or the campaign makes of one.
    #[arg(long, value_parser = parse_fault)]
    inject_fault: Option<InjectedFault>,
}

impl CompileFlags {
    /// Whether a pool size, strategy or CPU other than the default was asked for.
    pub fn chooses_configuration(&self) -> bool {
        let o = self.options();
        let d = CompileOptions::default();
        (o.pool_size, o.float_pool, o.strategy, o.cpu) != (d.pool_size, d.float_pool, d.strategy, d.cpu)
    }

    pub fn options(&self) -> CompileOptions {
        let cpu = match self.cpu.as_str() {
            "m3" => Cpu::CortexM3,
            "m7" => Cpu::CortexM7,
            _ => Cpu::CortexM4,
        };
        let strategy = if self.strategy == "baseline" { Strategy::Baseline } else { Strategy::Pool };
        CompileOptions {
            pool_size: self.pool_size as usize,
            float_pool: self.float_pool as usize,
            strategy,
            cpu,
            max_memory_pages: self.max_memory_pages,
            inject: self.inject_fault,
            ..CompileOptions::default()
        }
    }
}

/// `--args`: typed values, comma-separated.
#[derive(Clone)]
pub struct ArgList(pub Vec<Value>);

pub fn parse_args(s: &str) -> Result<ArgList, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.trim().parse())
        .collect::<Result<_, _>>()
        .map(ArgList)
}

/// `60s`, `5m`, `1h` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (n, unit) = s.find(|c: char| !c.is_ascii_digit()).map_or((s, "s"), |i| s.split_at(i));
    let n: u64 = n.parse().map_err(|_| format!("`{s}` is not a duration (60s, 5m, 1h)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{s}` is not a duration (60s, 5m, 1h)")),
    };
    Ok(std::time::Duration::from_secs(secs))
}

/// `--jobs`, or every core.
pub fn jobs_or_all_cores(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The input files named by `paths` (the bundled corpus if none), or the exit code after a
/// one-line error.
pub fn inputs(paths: Vec<PathBuf>) -> Result<Vec<PathBuf>, i32> {
    let paths = if paths.is_empty() { vec![default_corpus()] } else { paths };
    collect_inputs(&paths).map_err(|e| {
        eprintln!("error: {e}");
        exit::BAD_INPUT
    })
}

/// `corpus/` of the workspace this binary was built from, or of the current directory.
fn default_corpus() -> PathBuf {
    let here = PathBuf::from("corpus");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// A progress bar over `total` files on stderr: drawn only on a terminal, never with `--quiet`.
pub fn progress(total: usize, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} files  {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// Advances `bar` by one finished file.
pub fn tick(bar: &indicatif::ProgressBar) -> impl Fn(&FileReport) + Sync + '_ {
    move |f| {
        bar.set_message(f.file.clone());
        bar.inc(1);
    }
}

/// Writes the JSON report to `path`, if asked; `false` if that failed (reported).
pub fn write_report(path: &Option<PathBuf>, json: &str) -> bool {
    let Some(p) = path else { return true };
    match write_atomically(p, json.as_bytes()) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: {}: {e}", p.display());
            false
        }
    }
}

/// A fault by its name (`InjectedFault::name`).
pub fn parse_fault(name: &str) -> Result<InjectedFault, String> {
    InjectedFault::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = InjectedFault::ALL.iter().map(|f| f.name()).collect();
        format!("unknown fault `{name}` (one of: {})", names.join(", "))
    })
}
