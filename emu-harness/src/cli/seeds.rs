//! `emu-harness fuzz-seeds`: (re)writes the fuzz targets' seed corpora.

use emu_harness::exit;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct FuzzSeedsArgs {
    #[arg(long, default_value = "fuzz/seeds")]
    out: PathBuf,
    /// Modules per generator and target.
    #[arg(long, default_value_t = 8)]
    count: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl FuzzSeedsArgs {
    pub fn execute(self) -> i32 {
        match emu_harness::campaign::write_seeds(&self.out, self.count, self.seed) {
            Ok(files) => {
                println!("{} seed modules written under {}", files.len(), self.out.display());
                exit::OK
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::BAD_INPUT
            }
        }
    }
}
