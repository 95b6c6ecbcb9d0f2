//! `emu-harness reduce`: failing cases shrunk to small `.wast` regression tests.

use super::{jobs_or_all_cores, parse_args, parse_duration, ArgList, CompileFlags};
use emu_harness::atomic_file::safe_file_name;
use emu_harness::exit;
use emu_harness::reduce::output::{file_into, file_written, write_reduction};
use emu_harness::reduce::{
    largest_first, on_workers, reduce_all, unique_names, Input, Options, ReduceError, Reduction,
    REVERIFICATIONS,
};
use emu_harness::run::compile_flags;
use std::path::PathBuf;
use std::process::Command;
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
    /// The output name of the one case (set for the worker processes of a batch).
    #[arg(long, hide = true)]
    name: Option<String>,
}

/// Where a case's outputs go.
fn output_dir(out: &std::path::Path, input: &Input) -> PathBuf {
    out.join(safe_file_name(&input.name))
}

/// One line per reduced case.
pub fn progress_line(input: &Input, result: &Result<Reduction, ReduceError>) -> String {
    match result {
        Ok(r) => format!(
            "{}: {} -> {} instructions, {} -> {} functions, {} candidates, {:.1} s, {}{}, re-verified {}/{}, {}",
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
            REVERIFICATIONS,
            if r.test_fails { "its test fails" } else { "its test does not fail" }
        ),
        Err(e) => format!("{}: {e}", input.name),
    }
}

impl ReduceArgs {
    pub fn execute(self) -> i32 {
        let mut inputs = Vec::new();
        let args = self.args.as_ref().map(|a| a.0.clone()).unwrap_or_default();
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
        unique_names(&mut inputs);
        if let (Some(name), [input]) = (&self.name, &mut inputs[..]) {
            input.name = name.clone();
        }
        let jobs = jobs_or_all_cores(self.jobs).min(inputs.len());
        if jobs > 1 {
            return self.in_worker_processes(&inputs, jobs);
        }
        let options = Options { time_limit: Some(self.time_per_case) };
        let results = reduce_all(&inputs, &options, 1, |input, result| {
            eprintln!("{}", progress_line(input, result));
        });
        let mut code = exit::OK;
        for (input, result) in inputs.iter().zip(&results) {
            let r = match result {
                Ok(r) => r,
                Err(ReduceError::Harness(_) | ReduceError::Unsupported(_)) => {
                    code = code.max(exit::BAD_INPUT);
                    continue;
                }
                Err(ReduceError::NotReproduced(_)) => {
                    code = code.max(exit::NOT_REPRODUCED);
                    continue;
                }
            };
            // A test that might pass while the bug is there is worse than none.
            if !r.trustworthy() {
                eprintln!(
                    "{}: not written: the reduced case failed the same way {} of {REVERIFICATIONS} times, and its test {}",
                    input.name,
                    r.reverified,
                    if r.test_fails { "fails" } else { "does not fail" }
                );
                code = code.max(exit::NOT_REPRODUCED);
                continue;
            }
            match write_reduction(r, &self.out) {
                Ok(dir) => println!("{}", dir.join("reduced.wast").display()),
                Err(e) => {
                    eprintln!("error: {e}");
                    code = code.max(exit::BAD_INPUT);
                }
            }
            // One case per worker process files nothing: the parent files every case in input
            // order once all are done, so the names do not depend on `--jobs`.
            if let (Some(repro), None) = (&self.into, &self.name) {
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

    /// Several cases at once, one worker process each (this command on one case): workers in
    /// one address space slowed each other down (a reduction maps and unmaps code and memory
    /// for every candidate), separate processes do not. Each worker writes its own outputs;
    /// the exit code is the worst of theirs.
    fn in_worker_processes(&self, inputs: &[Input], jobs: usize) -> i32 {
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot find this executable to start workers: {e}");
                return exit::BAD_INPUT;
            }
        };
        let codes =
            on_workers(&largest_first(inputs), jobs, |i| match self.worker(&exe, i, &inputs[i]).status() {
                Ok(status) => status.code().unwrap_or(exit::BAD_INPUT),
                Err(e) => {
                    eprintln!("error: a worker for {} did not start: {e}", inputs[i].name);
                    exit::BAD_INPUT
                }
            });
        let mut code = codes.into_iter().max().unwrap_or(exit::OK);
        if let Some(repro) = &self.into {
            for input in inputs {
                let written = output_dir(&self.out, input).join("reduced.wast");
                let json = output_dir(&self.out, input).join("reduction.json");
                // Only what a worker wrote: it writes trustworthy reductions only.
                let Some(signature) = std::fs::read(&json)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .and_then(|v| v["signature"].as_str().map(str::to_string))
                else {
                    continue;
                };
                match file_written(&signature, &written, repro) {
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

    /// The command that reduces case `i` alone.
    fn worker(&self, exe: &std::path::Path, i: usize, input: &Input) -> Command {
        let mut cmd = Command::new(exe);
        cmd.arg("reduce").arg(&self.cases[i]).arg("--out").arg(&self.out);
        cmd.args(["--jobs", "1", "--name", &input.name]);
        cmd.arg("--time-per-case").arg(format!("{}s", self.time_per_case.as_secs().max(1)));
        if let Some(f) = &self.function {
            cmd.args(["--function", f]);
        }
        if let Some(args) = &self.args {
            let typed: Vec<String> = args.0.iter().map(|a| a.typed_hex()).collect();
            cmd.arg(format!("--args={}", typed.join(",")));
        }
        cmd.args(compile_flags(&self.compile.options()).split_whitespace());
        cmd
    }
}
