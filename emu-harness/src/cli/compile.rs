//! `emu-harness compile`: a module to an ELF image (or a relocatable object), with a listing.

use super::CompileFlags;
use emu_harness::atomic_file::write_atomically;
use emu_harness::exit;
use std::path::PathBuf;
use wasm2thumb::{compile, parse_input};

#[derive(clap::Args)]
pub struct CompileArgs {
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
}

impl CompileArgs {
    pub fn execute(self) -> i32 {
        let (input, output) = (&self.input, &self.output);
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
        let module = match compile(&wasm, &self.flags.options()) {
            Ok(m) => m,
            Err(e) => return fail(e.to_string()),
        };
        if let Some(d) = module.declined.first() {
            return fail(d.to_string());
        }
        let bytes = if self.relocatable {
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
                "{}: {} bytes, max_live={} spills={} reloads={} float_pool_values={} float_evictions={}",
                f.name, s.code_bytes, s.max_live, s.spills, s.reloads, s.float_pool_values, s.float_evictions
            );
            if self.disasm {
                for (addr, text) in &f.listing() {
                    println!("  {addr:08x}  {text}");
                }
            }
        }
        // The software float routines this module reached (appended once, shared by every
        // function): their size is the module's cost of floats the CPU lacks.
        if !module.runtime.is_empty() {
            let total: u32 = module.runtime.iter().map(|r| r.code_bytes).sum();
            println!("runtime: {} software float routine(s), {total} bytes", module.runtime.len());
            for r in &module.runtime {
                println!("  {}: {} bytes", r.name, r.code_bytes);
            }
        }
        exit::OK
    }
}
