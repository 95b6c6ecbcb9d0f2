//! `emu-harness run`: the differential run over files, or the whole matrix with `--matrix`.

use super::{jobs_or_all_cores, parse_args, progress, tick, write_report, ArgList, CompileFlags};
use emu_harness::exit;
use emu_harness::oracle::outcome::NanComparison;
use emu_harness::report::matrix::MatrixReport;
use emu_harness::report::{function_line, mismatch_details, summary_line, Report};
use emu_harness::run::matrix::{configurations, run_matrix};
use emu_harness::run::{run_files_observed, RunConfig, Status};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RunArgs {
    paths: Vec<PathBuf>,
    /// Vectors per function (boundary combinations first, then seeded random values).
    #[arg(long, default_value_t = 1000)]
    vectors: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Only this function.
    #[arg(long)]
    function: Option<String>,
    /// Call each function once with exactly these arguments (`i32:N,i64:N,f32:X,f64:X`, N
    /// decimal or 0x-hex; X a decimal value or the bits in 0x-hex) instead of generated vectors; `''` for none. Mismatch reports print it.
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
    /// Judge float NaN results by WebAssembly's NaN rule (a canonical NaN of either sign where
    /// the reference's is canonical, any arithmetic NaN where it is not) instead of bit for bit,
    /// for code that may propagate NaN payloads. By default results are compared bit for bit:
    /// the reference canonicalizes NaNs as compiled code does under FPSCR.DN.
    #[arg(long)]
    nan_rule: bool,
    #[command(flatten)]
    flags: CompileFlags,
}

/// How a run reports and how many workers it uses.
struct Output {
    json: bool,
    report: Option<PathBuf>,
    jobs: usize,
    quiet: bool,
}

impl RunArgs {
    pub fn execute(self) -> i32 {
        let config = RunConfig {
            vectors: self.vectors,
            seed: self.seed,
            function: self.function,
            args: self.args.map(|a| a.0),
            compile: self.flags.options(),
            nan: if self.nan_rule { NanComparison::Rule } else { NanComparison::Strict },
            ..RunConfig::default()
        };
        let output = Output {
            json: self.json,
            report: self.report,
            jobs: jobs_or_all_cores(self.jobs),
            quiet: self.quiet,
        };
        match super::inputs(self.paths) {
            Err(code) => code,
            Ok(inputs) if self.matrix => matrix(&inputs, config, output),
            Ok(inputs) => run(&inputs, config, output),
        }
    }
}

fn matrix(inputs: &[PathBuf], config: RunConfig, out: Output) -> i32 {
    let bar = progress(inputs.len() * configurations(&config.compile).len(), out.quiet);
    let mut details = Vec::new();
    let result = run_matrix(inputs, &config, out.jobs, &tick(&bar), |cfg, file| {
        if let Some(e) = &file.error {
            details.push(format!("error: {}: {e} [{}]", file.file, cfg.label));
        }
        for f in file.functions.iter().filter(|f| f.status == Status::Mismatch) {
            details.push(format!("[{}] {}\n{}", cfg.label, function_line(f), mismatch_details(f)));
        }
    });
    bar.finish_and_clear();
    let matrix = match result {
        Ok(runs) => MatrixReport::new(runs),
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
            // Declined where the CPU lacks what the function needs, matching everywhere else:
            // the configurations do not disagree on anything they both ran.
            let only_declined = d.statuses.iter().all(|(_, s)| matches!(s, Status::Match | Status::Declined));
            println!(
                "{}{} :: {}  {}; match in: {}",
                if only_declined { "DECLINED-IN  " } else { "DISAGREE     " },
                d.file,
                d.function,
                bad.join(", "),
                good.join(", ")
            );
        }
        for run in &matrix.runs {
            println!("[{}] {}", run.label, summary_line(&run.report));
        }
        let declined_only = matrix
            .disagreements
            .iter()
            .filter(|d| d.statuses.iter().all(|(_, s)| matches!(s, Status::Match | Status::Declined)))
            .count();
        println!(
            "matrix: {} configurations, {} functions not matching in every one ({} of them only declined in some)",
            matrix.runs.len(),
            matrix.disagreements.len(),
            declined_only
        );
    }
    if !write_report(&out.report, &matrix.to_json()) {
        return exit::BAD_INPUT;
    }
    matrix.exit_code()
}

fn run(inputs: &[PathBuf], config: RunConfig, out: Output) -> i32 {
    let bar = progress(inputs.len(), out.quiet);
    let reports = run_files_observed(inputs, &config, out.jobs, &tick(&bar));
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
