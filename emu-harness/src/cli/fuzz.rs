//! `emu-harness fuzz`: the built-in campaign, with a status line and Ctrl-C handling.

use super::{jobs_or_all_cores, parse_duration, CompileFlags};
use emu_harness::campaign::{
    run_campaign, CampaignConfig, CampaignStats, DEFAULT_MAX_PER_SIGNATURE, DEFAULT_VECTORS,
};
use emu_harness::exec::reference::ReferenceCompiler;
use emu_harness::exit;
use emu_harness::generate::{Generator, Knobs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(clap::Args)]
pub struct FuzzArgs {
    /// `pressure` (ours), `smith` (wasm-smith's differential, pressure and float
    /// configurations, in turn), `floats` (wasm-smith with floats only) or `all` (the four in
    /// turn).
    #[arg(long, default_value = "all", value_parser = ["pressure", "smith", "floats", "all"])]
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
    #[arg(long, default_value_t = DEFAULT_VECTORS)]
    vectors: usize,
    #[arg(long, default_value = "fuzz/artifacts")]
    artifacts: PathBuf,
    /// Cases kept per mismatch signature.
    #[arg(long, default_value_t = DEFAULT_MAX_PER_SIGNATURE)]
    max_per_signature: usize,
    /// Compile every module under the compile flags (default: modules rotate across the matrix's
    /// configurations, pool sizes 5..1, baseline, M3/M4/M7). Giving `--pool-size`, `--strategy`
    /// or `--cpu` a value other than its default implies it.
    #[arg(long)]
    fixed_configuration: bool,
    /// Generator features to turn off: `boundary` (boundary-table constants, amounts and
    /// addresses), `swarm` (per-module subsets of constructs and operators), `shapes` (compare
    /// conditions, if/else, loop bodies under pressure, calls with i64 and stack arguments),
    /// `floats` (f32 and f64 values among the live ones, float call arguments).
    #[arg(long, value_delimiter = ',', value_parser = Knobs::NAMES)]
    without: Vec<String>,
    #[command(flatten)]
    flags: CompileFlags,
}

impl FuzzArgs {
    fn config(self) -> CampaignConfig {
        let compile = self.flags.options();
        CampaignConfig {
            generators: match self.generator.as_str() {
                "pressure" => vec![Generator::Pressure],
                "smith" => {
                    vec![Generator::SmithDifferential, Generator::SmithPressure, Generator::SmithFloats]
                }
                "floats" => vec![Generator::SmithFloats],
                _ => Generator::ALL.to_vec(),
            },
            reference: if self.reference == "cranelift" {
                ReferenceCompiler::Cranelift
            } else {
                ReferenceCompiler::Winch
            },
            seed: self.seed,
            iterations: self.iterations,
            time: self.time.or(self.iterations.is_none().then_some(std::time::Duration::from_secs(60))),
            jobs: jobs_or_all_cores(self.jobs),
            vectors: self.vectors.max(1),
            compile,
            artifacts: self.artifacts,
            max_per_signature: self.max_per_signature,
            stop_at_first_finding: false,
            rotate_configurations: !self.fixed_configuration && !self.flags.chooses_configuration(),
            knobs: Knobs::without(&self.without),
        }
    }

    pub fn execute(self) -> i32 {
        let config = self.config();
        // SAFETY: the handler only stores to an atomic.
        unsafe {
            libc::signal(libc::SIGINT, on_interrupt as *const () as libc::sighandler_t);
        }
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let progress = |s: &CampaignStats| {
            if tty {
                eprint!("\r{}", s.status_line());
            } else {
                eprintln!("{}", s.status_line());
            }
        };
        match run_campaign(&config, &STOP, &progress) {
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
                    println!(
                        "Winch and Cranelift disagree ({sig}): {n} function(s) (not a finding against the compiler)"
                    );
                }
                for dir in &stats.saved {
                    println!(
                        "saved {}  (replay: emu-harness replay {}; reduce: emu-harness reduce {})",
                        dir.display(),
                        dir.display(),
                        dir.display()
                    );
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
}

/// Stops the campaign cleanly on Ctrl-C (findings are saved as they are found).
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}
