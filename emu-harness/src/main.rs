//! `emu-harness`: compile WebAssembly for Cortex-M, and run it differentially against wasmtime.

use clap::{Parser, Subcommand};
use emu_harness::exit;
use emu_harness::report::{function_line, mismatch_details, summary_line, write_atomically, Report};
use emu_harness::run::{collect_inputs, RunConfig, Status};
use std::path::{Path, PathBuf};
use wasm2thumb::{compile, parse_input, CompileOptions, Cpu, Strategy};

#[derive(Parser)]
#[command(
    name = "emu-harness",
    version,
    about = "WebAssembly → Cortex-M compiler, checked in unicorn against wasmtime"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct CompileFlags {
    /// Registers in the value pool (R4 upwards), 1..=5.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=5))]
    pool_size: u8,
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
}

impl CompileFlags {
    fn options(&self) -> CompileOptions {
        let cpu = match self.cpu.as_str() {
            "m3" => Cpu::CortexM3,
            "m7" => Cpu::CortexM7,
            _ => Cpu::CortexM4,
        };
        let strategy = if self.strategy == "baseline" { Strategy::Baseline } else { Strategy::Pool };
        CompileOptions {
            pool_size: self.pool_size as usize,
            strategy,
            cpu,
            max_memory_pages: self.max_memory_pages,
            ..CompileOptions::default()
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Compile a `.wat` / `.wasm` module to an ELF image.
    Compile {
        input: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        /// Print each function's disassembly and statistics.
        #[arg(long)]
        disasm: bool,
        /// Write a relocatable object (ET_REL, for a linker) instead of a loadable image.
        #[arg(long)]
        relocatable: bool,
        #[command(flatten)]
        flags: CompileFlags,
    },
    /// Compile-speed benchmark: wasm2thumb against wasmtime (Cranelift) on the same modules.
    /// Run it with `--release`.
    BenchCompile {
        /// Inputs (default: the bundled corpus).
        paths: Vec<PathBuf>,
        #[arg(long, default_value_t = 20)]
        rounds: u32,
    },
    /// Throughput benchmark: differential vectors per second on one core on the corpus's
    /// straight-line functions and on `shared/bench/hp.wat`, beside the Python oracle loop
    /// (`shared/bench/seed_style_oracle.py`) measured in the same run. Run it with `--release`.
    BenchThroughput {
        /// Inputs for the straight-line set (default: the bundled corpus).
        paths: Vec<PathBuf>,
        /// Vectors per straight-line function.
        #[arg(long, default_value_t = 10_000)]
        vectors: usize,
        /// Vectors on `hp`.
        #[arg(long, default_value_t = 2_000_000)]
        hp_vectors: usize,
        /// Vectors for the Python loop (0: do not run it).
        #[arg(long, default_value_t = 20_000)]
        python_vectors: usize,
        /// Python interpreter with unicorn, wasmtime and pyelftools installed.
        #[arg(long, default_value = "python3")]
        python: String,
        /// The shared directory with `bench/hp.wat` and `bench/seed_style_oracle.py`.
        #[arg(long, default_value = "../shared")]
        shared: PathBuf,
    },
    /// Fuzzing campaign without libFuzzer: generated modules, built to exceed the register
    /// pool, run differentially; findings saved under `--artifacts`, one directory per case.
    Fuzz {
        /// `pressure` (ours), `smith` (wasm-smith's differential and pressure configurations,
        /// alternating) or `all` (the three in turn).
        #[arg(long, default_value = "all", value_parser = ["pressure", "smith", "all"])]
        generator: String,
        /// The reference mismatches are found against: `winch` (fast) or `cranelift`; every
        /// finding is confirmed against Cranelift either way.
        #[arg(long, default_value = "winch", value_parser = ["winch", "cranelift"])]
        reference: String,
        /// Stop after this long (`60s`, `5m`, `1h`).
        #[arg(long, value_parser = parse_duration)]
        time: Option<std::time::Duration>,
        /// Stop after this many generated modules (an execution is one function of one).
        #[arg(long)]
        iterations: Option<u64>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Vectors per generated function.
        #[arg(long, default_value_t = 16)]
        vectors: usize,
        #[arg(long, default_value = "fuzz/artifacts")]
        artifacts: PathBuf,
        /// Cases kept per mismatch signature.
        #[arg(long, default_value_t = 3)]
        max_per_signature: usize,
        /// Compile with a deliberate miscompile (to see the campaign find one).
        #[arg(long, value_parser = ["swap-sub-operands-when-pool-full"])]
        inject_fault: Option<String>,
        #[command(flatten)]
        flags: CompileFlags,
    },
    /// What the pressure generator produces over many functions: how often the pool is exceeded,
    /// which constructs appear, and which operators of the corpus it never produces.
    GeneratorQuality {
        #[arg(long, default_value_t = 10_000)]
        functions: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Inputs whose operators are the reference set (default: the bundled corpus).
        paths: Vec<PathBuf>,
    },
    /// Writes the fuzz targets' seed corpora: generated modules with their vectors embedded
    /// (custom section `emu-harness.vectors`), each checked to match today, under
    /// `OUT/<target>/`.
    FuzzSeeds {
        #[arg(long, default_value = "fuzz/seeds")]
        out: PathBuf,
        /// Modules per generator and target.
        #[arg(long, default_value_t = 8)]
        count: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Runs a saved fuzzing case again (exit 1 if it still mismatches, 0 if not).
    Replay { case: PathBuf },
    /// Code size per function: the pool allocator against the baseline strategy.
    Sizes {
        /// Inputs (default: the bundled corpus).
        paths: Vec<PathBuf>,
        /// Print every function, not only the summary.
        #[arg(long)]
        all: bool,
        /// Print the pool allocator's listing of every function (implies `--all`).
        #[arg(long)]
        listing: bool,
    },
    /// Run every exported function differentially (default input: the bundled corpus).
    Run {
        paths: Vec<PathBuf>,
        /// Vectors per function (boundary combinations first, then seeded random values).
        #[arg(long, default_value_t = 1000)]
        vectors: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Only this function.
        #[arg(long)]
        function: Option<String>,
        /// Call each function once with exactly these arguments (`i32:N,i64:N`, N decimal or
        /// 0x-hex) instead of generated vectors; `''` for none. Mismatch reports print it.
        #[arg(long, value_parser = parse_args)]
        args: Option<ArgList>,
        /// Print the report as JSON (schema in ARCHITECTURE.md) instead of text.
        #[arg(long)]
        json: bool,
        /// Also write the JSON report to this file (atomically).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Run every function under each compile configuration (pool sizes 5..1, baseline, CPU
        /// M3/M4/M7), each against the reference, and report which configurations disagree.
        /// `--pool-size`, `--strategy` and `--cpu` are ignored.
        #[arg(long)]
        matrix: bool,
        /// Worker threads, each with its own emulator and reference (default: all cores). The
        /// report is the same whatever the number.
        #[arg(long)]
        jobs: Option<usize>,
        /// No progress bar (it is shown only on a terminal anyway).
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        flags: CompileFlags,
    },
}

#[derive(Clone)]
struct ArgList(Vec<emu_harness::outcome::Value>);

fn parse_args(s: &str) -> Result<ArgList, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.trim().parse())
        .collect::<Result<_, _>>()
        .map(ArgList)
}

fn main() {
    // Behave like other command-line tools when the reader goes away (`... | head`): end quietly
    // instead of panicking on a failed write to stdout.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread or I/O exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::BAD_INPUT } else { exit::OK };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    std::process::exit(match cli.command {
        Command::Compile { input, output, disasm, relocatable, flags } => {
            compile_cmd(&input, &output, disasm, relocatable, &flags)
        }
        Command::Sizes { paths, all, listing } => sizes_cmd(paths, all || listing, listing),
        Command::BenchCompile { paths, rounds } => bench_compile_cmd(paths, rounds),
        Command::Fuzz {
            generator,
            reference,
            time,
            iterations,
            seed,
            jobs,
            vectors,
            artifacts,
            max_per_signature,
            inject_fault,
            flags,
        } => {
            let mut compile = flags.options();
            compile.inject = inject_fault.as_deref().and_then(wasm2thumb::InjectedFault::from_name);
            use emu_harness::generate::Generator;
            let config = emu_harness::fuzz::CampaignConfig {
                generators: match generator.as_str() {
                    "pressure" => vec![Generator::Pressure],
                    "smith" => vec![Generator::SmithDifferential, Generator::SmithPressure],
                    _ => Generator::ALL.to_vec(),
                },
                reference: if reference == "cranelift" {
                    emu_harness::reference::ReferenceCompiler::Cranelift
                } else {
                    emu_harness::reference::ReferenceCompiler::Winch
                },
                seed,
                iterations,
                time: time.or(iterations.is_none().then_some(std::time::Duration::from_secs(60))),
                jobs: jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
                vectors: vectors.max(1),
                compile,
                artifacts,
                max_per_signature,
            };
            fuzz_cmd(&config)
        }
        Command::Replay { case } => replay_cmd(&case),
        Command::FuzzSeeds { out, count, seed } => match emu_harness::seeds::write_seeds(&out, count, seed) {
            Ok(files) => {
                println!("{} seed modules written under {}", files.len(), out.display());
                exit::OK
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::BAD_INPUT
            }
        },
        Command::GeneratorQuality { functions, seed, paths } => generator_quality_cmd(functions, seed, paths),
        Command::BenchThroughput { paths, vectors, hp_vectors, python_vectors, python, shared } => {
            bench_throughput_cmd(paths, vectors, hp_vectors, python_vectors, &python, &shared)
        }
        Command::Run { paths, vectors, seed, function, args, json, report, matrix, jobs, quiet, flags } => {
            let config = RunConfig {
                vectors,
                seed,
                function,
                args: args.map(|a| a.0),
                compile: flags.options(),
                ..RunConfig::default()
            };
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let output = Output { json, report, jobs, quiet };
            match inputs(paths) {
                Err(code) => code,
                Ok(inputs) if matrix => matrix_cmd(&inputs, config, output),
                Ok(inputs) => run_cmd(&inputs, config, output),
            }
        }
    });
}

fn compile_cmd(input: &Path, output: &Path, disasm: bool, relocatable: bool, flags: &CompileFlags) -> i32 {
    let fail = |msg: String| {
        eprintln!("error: {}: {msg}", input.display());
        exit::BAD_INPUT
    };
    let bytes = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => return fail(e.to_string()),
    };
    let wasm = match parse_input(&bytes) {
        Ok(w) => w,
        Err(e) => return fail(e.to_string()),
    };
    let module = match compile(&wasm, &flags.options()) {
        Ok(m) => m,
        Err(e) => return fail(e.to_string()),
    };
    if let Some(d) = module.declined.first() {
        return fail(d.to_string());
    }
    let bytes = if relocatable {
        match module.to_object() {
            Ok(b) => b,
            Err(e) => return fail(e.to_string()),
        }
    } else {
        module.to_elf()
    };
    if let Err(e) = write_atomically(output, &bytes) {
        eprintln!("error: {}: {e}", output.display());
        return exit::BAD_INPUT;
    }
    for f in &module.functions {
        let s = f.stats;
        println!(
            "{}: {} bytes, max_live={} spills={} reloads={}",
            f.name, s.code_bytes, s.max_live, s.spills, s.reloads
        );
        if disasm {
            for (addr, text) in &f.listing() {
                println!("  {addr:08x}  {text}");
            }
        }
    }
    exit::OK
}

/// The input files named by `paths` (the bundled corpus if none), or the exit code after a
/// one-line error.
fn inputs(paths: Vec<PathBuf>) -> Result<Vec<PathBuf>, i32> {
    let paths = if paths.is_empty() { vec![default_corpus()] } else { paths };
    collect_inputs(&paths).map_err(|e| {
        eprintln!("error: {e}");
        exit::BAD_INPUT
    })
}

fn bench_compile_cmd(paths: Vec<PathBuf>, rounds: u32) -> i32 {
    let inputs = match inputs(paths) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let result = emu_harness::bench::load_modules(&inputs)
        .and_then(|m| emu_harness::bench::bench_compile(&m, rounds.max(1)));
    match result {
        Ok(b) => {
            if cfg!(debug_assertions) {
                eprintln!(
                    "note: debug build; measure with `cargo run --release -p emu-harness -- bench-compile`"
                );
            }
            println!("{}", b.report());
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        }
    }
}

fn bench_throughput_cmd(
    paths: Vec<PathBuf>,
    vectors: usize,
    hp_vectors: usize,
    python_vectors: usize,
    python: &str,
    shared: &Path,
) -> i32 {
    use emu_harness::throughput::{measure, python_oracle, straight_line_corpus};
    let inputs = match inputs(paths) {
        Ok(i) => i,
        Err(code) => return code,
    };
    if cfg!(debug_assertions) {
        eprintln!("note: debug build; measure with `cargo run --release -p emu-harness -- bench-throughput`");
    }
    let hp = shared.join("bench/hp.wat");
    let result = straight_line_corpus(&inputs).and_then(|(pure, with_memory)| {
        let pure = measure(&pure, vectors, 0)?;
        let with_memory = measure(&with_memory, vectors, 0)?;
        let hp_run = measure(&[(hp.clone(), vec!["hp".to_string()])], hp_vectors, 0)?;
        Ok((pure, with_memory, hp_run))
    });
    let (pure, with_memory, hp_run) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    println!("differential vector executions per second on one core (both sides run and compared):");
    let line = |what: &str, t: &emu_harness::throughput::Throughput| {
        println!(
            "  {what:<34} {:>4} functions {:>10} calls {:>7.2} s {:>10.0} vectors/s",
            t.functions,
            t.calls,
            t.seconds,
            t.per_second()
        )
    };
    line("corpus straight-line, no memory", &pure);
    line("corpus straight-line, with memory", &with_memory);
    line("hp.wat :: hp", &hp_run);
    let mut code = exit::OK;
    for t in [&pure, &with_memory, &hp_run] {
        for f in &t.not_matching {
            eprintln!("error: {f} did not match; the figures above are not valid");
            code = exit::MISMATCH;
        }
    }
    if python_vectors > 0 {
        let script = shared.join("bench/seed_style_oracle.py");
        match python_oracle(python, &script, &hp, python_vectors) {
            Ok(rate) => {
                println!(
                    "  {:<34} {:>10.0} vectors/s ({python_vectors} vectors)",
                    "Python oracle loop on hp", rate
                );
                println!("  {:<34} {:>10.0}x", "hp: emu-harness / Python", hp_run.per_second() / rate);
            }
            Err(e) => {
                eprintln!("error: the Python loop could not be run: {e}");
                eprintln!(
                    "       (it needs `pip install unicorn wasmtime pyelftools`; see scripts/bench.sh)"
                );
                code = exit::BAD_INPUT;
            }
        }
    }
    code
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
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

/// Stops the campaign cleanly on Ctrl-C (findings are saved as they are found).
static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    STOP.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn fuzz_cmd(config: &emu_harness::fuzz::CampaignConfig) -> i32 {
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_interrupt as *const () as libc::sighandler_t);
    }
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |s: &emu_harness::fuzz::CampaignStats| {
        if tty {
            eprint!("\r{}", s.status_line());
        } else {
            eprintln!("{}", s.status_line());
        }
    };
    match emu_harness::fuzz::run_campaign(config, &STOP, &progress) {
        Ok(stats) => {
            if tty {
                eprintln!();
            }
            println!("{}", stats.status_line());
            for (sig, n) in &stats.findings {
                println!("finding {sig}: {n} function(s)");
            }
            for (what, n) in &stats.declines {
                println!("declined {n} function(s): unsupported {what}");
            }
            for (sig, n) in &stats.reference_disagreements {
                println!("Winch and Cranelift disagree ({sig}): {n} function(s) (not a finding against the compiler)");
            }
            for dir in &stats.saved {
                println!("saved {}  (replay: emu-harness replay {})", dir.display(), dir.display());
            }
            if stats.findings.is_empty() {
                exit::OK
            } else {
                exit::MISMATCH
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        }
    }
}

fn generator_quality_cmd(functions: usize, seed: u64, paths: Vec<PathBuf>) -> i32 {
    use emu_harness::generate::Generator;
    let inputs = match inputs(paths) {
        Ok(i) => i,
        Err(code) => return code,
    };
    // The operators the corpus uses (and the compiler therefore accepts): the reference set.
    let mut corpus_ops = std::collections::BTreeSet::new();
    match emu_harness::bench::load_modules(&inputs) {
        Ok(modules) => {
            for m in modules {
                corpus_ops.extend(emu_harness::generate::operator_names(&m));
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    }
    let q = emu_harness::generate::measure_quality(functions.max(1), seed);
    let pct = |n: usize| 100.0 * n as f64 / q.functions as f64;
    println!("pressure generator, {} functions (seed {seed}):", q.functions);
    println!("  more than 5 values live at once   {:>6.1}%  (issue 5 asks >= 90%)", pct(q.over_5));
    println!("  more than 10 values live at once  {:>6.1}%  (asks >= 30%)", pct(q.over_10));
    println!("  an i64 pair live over the pool    {:>6.1}%  (asks >= 20%)", pct(q.i64_over_pool));
    for c in emu_harness::generate::ALL_CONSTRUCTS {
        let n = q.constructs.get(&format!("{c:?}")).copied().unwrap_or(0);
        println!("  construct {:<22} {:>6.1}% of functions", format!("{c:?}"), pct(n));
    }
    println!("operator histogram (generated code):");
    for (op, n) in &q.operators {
        println!("  {op:<24} {n}");
    }
    let never: Vec<&String> = corpus_ops.iter().filter(|op| !q.operators.contains_key(*op)).collect();
    println!(
        "corpus operators the pressure generator never produces ({} of {}): {}",
        never.len(),
        corpus_ops.len(),
        never.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    );
    // wasm-smith's configurations: their operators, and what no generator produces.
    let mut all = q.operators.clone();
    for generator in [Generator::SmithDifferential, Generator::SmithPressure] {
        let h = emu_harness::generate::operator_histogram(generator, 2000, seed);
        println!("operator histogram, {} (2,000 modules):", generator.name());
        for (op, n) in &h {
            println!("  {op:<24} {n}");
            *all.entry(op.clone()).or_default() += n;
        }
    }
    let never: Vec<&String> = corpus_ops.iter().filter(|op| !all.contains_key(*op)).collect();
    println!(
        "corpus operators no generator produces ({} of {}): {}",
        never.len(),
        corpus_ops.len(),
        never.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    );
    exit::OK
}

fn replay_cmd(case: &Path) -> i32 {
    match emu_harness::fuzz::replay(case) {
        Ok((case, report)) => {
            println!("case {} (signature {})", case.function, case.signature);
            println!("{}", function_line(&report));
            if report.status == Status::Mismatch {
                print!("{}", mismatch_details(&report));
                exit::MISMATCH
            } else {
                println!("did not reproduce");
                exit::OK
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        }
    }
}

fn sizes_cmd(paths: Vec<PathBuf>, all: bool, listing: bool) -> i32 {
    let inputs = match inputs(paths) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let mut rows = Vec::new();
    for input in &inputs {
        match emu_harness::sizes::size_rows(input) {
            Ok(mut r) => rows.append(&mut r),
            Err(e) => {
                eprintln!("error: {}: {e}", input.display());
                return exit::BAD_INPUT;
            }
        }
    }
    if !all {
        println!("{:<44} {:>9} {:>8} {:>9} {:>7}", "file", "functions", "pool", "baseline", "median");
        for f in emu_harness::sizes::by_file(&rows) {
            println!("{:<44} {:>9} {:>8} {:>9} {:>7.3}", f.file, f.functions, f.pool, f.baseline, f.median);
        }
    }
    if all {
        println!("{:<60} {:>6} {:>9} {:>6}", "function", "pool", "baseline", "ratio");
        for r in &rows {
            println!("{:<60} {:>6} {:>9} {:>6.2}", r.function, r.pool, r.baseline, r.ratio());
            if listing {
                for (addr, line) in &r.pool_listing {
                    println!("  {addr:08x}  {line}");
                }
            }
        }
    }
    let (pool, base): (u64, u64) =
        rows.iter().fold((0, 0), |(p, b), r| (p + r.pool as u64, b + r.baseline as u64));
    let median = emu_harness::sizes::median_ratio(&rows).unwrap_or(f64::NAN);
    println!(
        "{} functions: pool {} bytes, baseline {} bytes (total ratio {:.3}); median per-function ratio {:.3}",
        rows.len(),
        pool,
        base,
        pool as f64 / base as f64,
        median
    );
    exit::OK
}

/// How a run reports and how many workers it uses.
struct Output {
    json: bool,
    report: Option<PathBuf>,
    jobs: usize,
    quiet: bool,
}

/// A progress bar over `total` files on stderr: drawn only on a terminal, never with `--quiet`.
fn progress(total: usize, quiet: bool) -> indicatif::ProgressBar {
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
fn tick(bar: &indicatif::ProgressBar) -> impl Fn(&emu_harness::run::FileReport) + Sync + '_ {
    move |f| {
        bar.set_message(f.file.clone());
        bar.inc(1);
    }
}

/// Writes the JSON report to `path`, if asked; `false` if that failed (reported).
fn write_report(path: &Option<PathBuf>, json: &str) -> bool {
    let Some(p) = path else { return true };
    match write_atomically(p, json.as_bytes()) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: {}: {e}", p.display());
            false
        }
    }
}

fn matrix_cmd(inputs: &[PathBuf], config: RunConfig, out: Output) -> i32 {
    let bar = progress(inputs.len() * emu_harness::matrix::configurations(&config.compile).len(), out.quiet);
    let mut details = Vec::new();
    let result = emu_harness::matrix::run_matrix(inputs, &config, out.jobs, &tick(&bar), |cfg, file| {
        if let Some(e) = &file.error {
            details.push(format!("error: {}: {e} [{}]", file.file, cfg.label));
        }
        for f in file.functions.iter().filter(|f| f.status == Status::Mismatch) {
            details.push(format!("[{}] {}\n{}", cfg.label, function_line(f), mismatch_details(f)));
        }
    });
    bar.finish_and_clear();
    let matrix = match result {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: cannot start the emulator: {e}");
            return exit::BAD_INPUT;
        }
    };
    if out.json {
        println!("{}", matrix.to_json());
    } else {
        for d in &details {
            println!("{d}");
        }
        for d in &matrix.disagreements {
            let bad: Vec<String> = d
                .statuses
                .iter()
                .filter(|(_, s)| *s != Status::Match)
                .map(|(l, s)| {
                    format!("{l}: {}", serde_json::to_string(s).unwrap_or_default().trim_matches('"'))
                })
                .collect();
            let good = d.with(Status::Match);
            println!(
                "DISAGREE     {} :: {}  {}; match in: {}",
                d.file,
                d.function,
                bad.join(", "),
                good.join(", ")
            );
        }
        for run in &matrix.runs {
            println!("[{}] {}", run.label, summary_line(&run.report));
        }
        println!(
            "matrix: {} configurations, {} functions not matching in every one",
            matrix.runs.len(),
            matrix.disagreements.len()
        );
    }
    if !write_report(&out.report, &matrix.to_json()) {
        return exit::BAD_INPUT;
    }
    matrix.exit_code()
}

fn run_cmd(inputs: &[PathBuf], config: RunConfig, out: Output) -> i32 {
    let bar = progress(inputs.len(), out.quiet);
    let reports = emu_harness::run::run_files_observed(inputs, &config, out.jobs, &tick(&bar));
    bar.finish_and_clear();
    let reports = match reports {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the emulator: {e}");
            return exit::BAD_INPUT;
        }
    };
    let mut files = Vec::new();
    for file in reports {
        if !out.json {
            if let Some(e) = &file.error {
                eprintln!("error: {}: {e}", file.file);
            }
            for f in &file.functions {
                if let Some(reason) = &f.decline {
                    eprintln!("error: {}: {reason}", file.file);
                }
                println!("{}", function_line(f));
                if f.status == Status::Mismatch {
                    print!("{}", mismatch_details(f));
                }
            }
        }
        files.push(file);
    }
    let report = Report::new(&config, files);
    if out.json {
        println!("{}", report.to_json());
    } else {
        println!("{}", summary_line(&report));
    }
    if !write_report(&out.report, &report.to_json()) {
        return exit::BAD_INPUT;
    }
    report.exit_code()
}

/// `corpus/` of the workspace this binary was built from, or of the current directory.
fn default_corpus() -> PathBuf {
    let here = PathBuf::from("corpus");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}
