//! A mismatching function's disassembly for the report: LLVM's (`llvm-objdump`, an oracle
//! independent of the compiler's own printer) with the compiler's spill and reload notes, or the
//! compiler's listing when `llvm-objdump` cannot be run.

use std::process::Command;
use wasm2thumb::{CompiledFunction, CompiledModule};

/// `addr  text  ; note` lines for `func`, from `llvm-objdump` if possible.
pub fn annotated(compiled: &CompiledModule, func: &CompiledFunction) -> Vec<String> {
    match llvm_objdump(compiled, func) {
        Ok(lines) => lines,
        Err(why) => {
            let mut out = vec![format!("(compiler's own listing: {why})")];
            out.extend(func.listing().iter().map(|(addr, text)| format!("{addr:08x}  {text}")));
            out
        }
    }
}

fn llvm_objdump(compiled: &CompiledModule, func: &CompiledFunction) -> Result<Vec<String>, String> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("emu-harness-{}-{n}.elf", std::process::id()));
    std::fs::write(&path, compiled.to_elf()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let end = func.addr + func.stats.code_bytes;
    let output = Command::new("llvm-objdump")
        .args(["-d", "--no-show-raw-insn", "--triple=thumbv7em-none-eabi"])
        // The CPU's FPU, so its float instructions decode (and no other FPU's would).
        .arg(match compiled.cpu {
            wasm2thumb::Cpu::CortexM3 => "--mattr=-fpregs",
            wasm2thumb::Cpu::CortexM4 => "--mattr=+vfp4d16sp",
            wasm2thumb::Cpu::CortexM7 => "--mattr=+fp-armv8d16",
        })
        .arg(format!("--start-address={:#x}", func.addr))
        .arg(format!("--stop-address={end:#x}"))
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.map_err(|e| format!("llvm-objdump: {e}"))?;
    if !output.status.success() {
        return Err(format!("llvm-objdump failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = Vec::new();
    for line in text.lines() {
        // Instruction lines are `   10000:      \tpush.w\t{r4, lr}`.
        let Some((addr, inst)) = line.split_once(':') else { continue };
        let Ok(addr) = u32::from_str_radix(addr.trim(), 16) else { continue };
        let inst = inst.split_whitespace().collect::<Vec<_>>().join(" ");
        let note = func.notes.iter().find(|(at, _)| *at == addr).map(|(_, note)| format!(" ; {note}"));
        lines.push(format!("{addr:08x}  {inst:<32}{}", note.unwrap_or_default()).trim_end().to_string());
    }
    if lines.is_empty() {
        return Err("llvm-objdump printed no instructions".into());
    }
    Ok(lines)
}
