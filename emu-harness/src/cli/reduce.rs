//! `emu-harness reduce`: failing cases shrunk to small `.wast` regression tests.

use super::{jobs_or_all_cores, parse_args, parse_duration, ArgList, CompileFlags};
use emu_harness::exit;
use emu_harness::reduce::output::{file_into, write_reduction};
use emu_harness::reduce::{reduce_all, Input, Options, ReduceError, Reduction, REVERIFICATIONS};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ReduceArgs {
    /// Campaign case directories (`case.json`, `module.wasm`), or module files (`.wasm`, `.wat`,
    /// `.wast`) with `--function` and `--args` (without `--function`: the compile failure).
    #[arg(required = true)]
    cases: Vec<PathBuf>,
    /// Where each case's `reduced.{wasm,wat,wast}` and `reduction.json` go (`OUT/<case>/`).
    #[arg(short = 'o', long = "out", default_value = "reduced")]
    out: PathBuf,
    /// Also file each reduced test here as `<signature>.wast` (e.g. `repro/`).
    #[arg(long)]
    into: Option<PathBuf>,
    /// Cases reduced at once (default: every core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Stop a case's reduction after this long, keeping the smallest failing form found.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    time_per_case: Duration,
    /// The failing call's function (module files).
    #[arg(long)]
    function: Option<String>,
    /// The failing call's arguments, typed (`i32:0x5,i64:-1`; module files).
    #[arg(long, value_parser = parse_args, allow_hyphen_values = true)]
    args: Option<ArgList>,
    #[command(flatten)]
    compile: CompileFlags,
}

/// One line per reduced case.
pub fn progress_line(input: &Input, result: &Result<Reduction, ReduceError>) -> String {
    match result {
        Ok(r) => format!(
            "{}: {} -> {} instructions, {} -> {} functions, {} candidates, {:.1} s, {}{}, re-verified {}/{}",
            input.name,
            r.before.instructions,
            r.after.instructions,
            r.before.functions,
            r.after.functions,
            r.candidates,
            r.seconds,
            r.signature,
            if r.timed_out { " (stopped at the time limit)" } else { "" },
            r.reverified,
            REVERIFICATIONS
        ),
        Err(e) => format!("{}: {e}", input.name),
    }
}

impl ReduceArgs {
    pub fn execute(self) -> i32 {
        let mut inputs = Vec::new();
        let args = self.args.map(|a| a.0).unwrap_or_default();
        for case in &self.cases {
            let input = if case.is_dir() {
                Input::from_case(case)
            } else {
                Input::from_file(case, self.function.as_deref(), &args, self.compile.options())
            };
            match input {
                Ok(i) => inputs.push(i),
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::BAD_INPUT;
                }
            }
        }
        let options = Options { time_limit: Some(self.time_per_case) };
        let results = reduce_all(&inputs, &options, jobs_or_all_cores(self.jobs), |input, result| {
            eprintln!("{}", progress_line(input, result));
        });
        let mut code = exit::OK;
        for (input, result) in inputs.iter().zip(&results) {
            let r = match result {
                Ok(r) => r,
                Err(ReduceError::Harness(_)) => {
                    code = code.max(exit::BAD_INPUT);
                    continue;
                }
                Err(_) => {
                    code = code.max(exit::NOT_REPRODUCED);
                    continue;
                }
            };
            if r.reverified < REVERIFICATIONS {
                eprintln!("{}: the reduced case did not fail the same way every time", input.name);
                code = code.max(exit::NOT_REPRODUCED);
            }
            match write_reduction(r, &self.out) {
                Ok(dir) => println!("{}", dir.join("reduced.wast").display()),
                Err(e) => {
                    eprintln!("error: {e}");
                    code = code.max(exit::BAD_INPUT);
                }
            }
            if let Some(repro) = &self.into {
                match file_into(r, repro) {
                    Ok(path) => println!("{}", path.display()),
                    Err(e) => {
                        eprintln!("error: {e}");
                        code = code.max(exit::BAD_INPUT);
                    }
                }
            }
        }
        code
    }
}
