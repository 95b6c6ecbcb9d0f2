//! `emu-harness`: compile WebAssembly for Cortex-M, and run it differentially against wasmtime.
//! This file only parses the command line and dispatches; each subcommand is a file in `cli/`.

mod cli;

use clap::{Parser, Subcommand};
use emu_harness::exit;

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

#[derive(Subcommand)]
enum Command {
    /// Compile a `.wat` / `.wasm` module to an ELF image.
    Compile(cli::compile::CompileArgs),
    /// Compile-speed benchmark: wasm2thumb against wasmtime (Cranelift) on the same modules.
    /// Run it with `--release`.
    BenchCompile(cli::bench::BenchCompileArgs),
    /// Throughput benchmark: differential vectors per second on one core on the corpus's
    /// straight-line functions and on `shared/bench/hp.wat`, beside the Python oracle loop
    /// (`shared/bench/seed_style_oracle.py`) measured in the same run. Run it with `--release`.
    BenchThroughput(cli::bench::BenchThroughputArgs),
    /// Bug-finding power: for each deliberate miscompile of the family, does the corpus main job
    /// (`run --matrix`) catch it, and how long does the default campaign on one core take to
    /// its first confirmed finding from each seed. Exit 1 if any was missed. Run it with
    /// `--release`.
    BenchDetect(cli::detect::BenchDetectArgs),
    /// The reducer measured: one campaign case per deliberate miscompile of the family (found
    /// from a fixed seed), reduced, beside the wasm-shrink crate with the same predicate. Exit 1
    /// if a reduced case did not re-verify or the output depended on `--jobs`. Run it with
    /// `--release`.
    BenchReduce(cli::bench_reduce::BenchReduceArgs),
    /// Fuzzing campaign without libFuzzer: generated modules, built to exceed the register
    /// pool, run differentially; findings saved under `--artifacts`, one directory per case.
    Fuzz(cli::fuzz::FuzzArgs),
    /// What the pressure generator produces over many functions: how often the pool is exceeded,
    /// which constructs appear, and which operators of the corpus it never produces.
    GeneratorQuality(cli::quality::GeneratorQualityArgs),
    /// Writes the fuzz targets' seed corpora: generated modules with their vectors embedded
    /// (custom section `emu-harness.vectors`), each checked to match today, under
    /// `OUT/<target>/`.
    FuzzSeeds(cli::seeds::FuzzSeedsArgs),
    /// One night's corpus differential report: the corpus, repro/ and the fuzz seeds under every
    /// configuration, a time-boxed campaign with its findings reduced, diffed against the night
    /// before; `report.json`, `summary.md`, `report.html`, `junit.xml`. `nightly merge` joins
    /// shards. Exit 1 only for new mismatches or new errors.
    Nightly(cli::nightly::NightlyArgs),
    /// Shrinks failing cases (campaign case directories, or a module with `--function` and
    /// `--args`) to the fewest instructions and simplest arguments that fail the same way, and
    /// writes each as a `.wast` regression test (`--into repro/` files it there).
    Reduce(cli::reduce::ReduceArgs),
    /// Runs a saved fuzzing case again (exit 1 if it still mismatches, 0 if not).
    Replay(cli::replay::ReplayArgs),
    /// Code size per function: the pool allocator against the baseline strategy.
    Sizes(cli::sizes::SizesArgs),
    /// Run every exported function differentially (default input: the bundled corpus).
    Run(cli::run::RunArgs),
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
        Command::Compile(args) => args.execute(),
        Command::BenchCompile(args) => args.execute(),
        Command::BenchThroughput(args) => args.execute(),
        Command::BenchDetect(args) => args.execute(),
        Command::BenchReduce(args) => args.execute(),
        Command::Fuzz(args) => args.execute(),
        Command::GeneratorQuality(args) => args.execute(),
        Command::FuzzSeeds(args) => args.execute(),
        Command::Nightly(args) => args.execute(),
        Command::Reduce(args) => args.execute(),
        Command::Replay(args) => args.execute(),
        Command::Sizes(args) => args.execute(),
        Command::Run(args) => args.execute(),
    });
}
