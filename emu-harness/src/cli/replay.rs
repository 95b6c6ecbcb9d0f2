//! `emu-harness replay`: a saved campaign case, run again.

use emu_harness::exit;
use emu_harness::report::{function_line, mismatch_details};
use emu_harness::run::Status;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ReplayArgs {
    case: PathBuf,
}

impl ReplayArgs {
    pub fn execute(self) -> i32 {
        match emu_harness::campaign::replay(&self.case) {
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
}
