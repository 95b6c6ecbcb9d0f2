//! The unicorn side: one Cortex-M engine, created once and reused for every call.
//!
//! Memory map (all inside the ARMv7-M executable code region, see `shared/notes/unicorn.md`):
//! - `SENTINEL_PAGE`: a `wfi` the callee returns to (LR = sentinel | 1); reaching it ends the run.
//! - `TEXT_BASE`: the image's `.text`, up to `CODE_SIZE` bytes.
//! - `STACK_BASE`..`STACK_TOP`: the stack (SRAM region).
//! - `DATA_BASE`: the data area (memory size word, globals).
//! - `MEMORY_BASE`: linear memory, mapped at its maximum size onto a host buffer, so the harness
//!   compares it without copying.
//!
//! Before each call R4–R11 get canary values and SP a known top; after return both are checked.

use crate::outcome::{AbiViolation, Outcome, TrapKind, Value};
use unicorn_engine::unicorn_const::{Arch, Mode, Prot};
use unicorn_engine::{uc_error, ArmCpuModel, RegisterARM, Unicorn};
use wasm2thumb::ir::Ty;
use wasm2thumb::{
    Cpu, MemoryInfo, TrapCode, DATA_BASE, DATA_SIZE, MEMORY_BASE, MEMORY_SIZE_ADDR, PAGE_BYTES, TEXT_BASE,
};

const SENTINEL_PAGE: u64 = 0x0000_1000;
const SENTINEL: u64 = SENTINEL_PAGE;
pub const CODE_SIZE: u64 = 0x0010_0000;
pub const STACK_BASE: u64 = 0x2000_0000;
const STACK_SIZE: u64 = 0x0001_0000;
/// Initial SP; above it, the result area for functions with several results.
pub const STACK_TOP: u32 = (STACK_BASE + STACK_SIZE - 0x2100) as u32;

const CALLEE_SAVED: [RegisterARM; 8] = [
    RegisterARM::R4,
    RegisterARM::R5,
    RegisterARM::R6,
    RegisterARM::R7,
    RegisterARM::R8,
    RegisterARM::R9,
    RegisterARM::R10,
    RegisterARM::R11,
];
const ARGS: [RegisterARM; 4] = [RegisterARM::R0, RegisterARM::R1, RegisterARM::R2, RegisterARM::R3];

pub struct Emulator {
    // Declared first so it is dropped (and unmaps `memory`) before the buffer is freed.
    uc: Unicorn<'static, Counter>,
    /// Host buffer behind the linear memory mapping (its maximum size); empty if none.
    memory: Box<[u8]>,
    loaded_len: u64,
    loaded_data: usize,
    calls: u64,
    /// Pseudo-random bytes; a different window of it is written below SP before every call.
    garbage: Vec<u8>,
}

/// Where a function with several results stores them (above the initial SP): room for the
/// 1,000 i64 results a WebAssembly function may have.
const RESULT_AREA: u32 = STACK_TOP + 0x100;
const RESULT_AREA_SIZE: usize = 0x2000;

/// Byte offsets of values laid out like a C struct: i32 on 4, i64 on 8 bytes.
fn struct_offsets(types: &[Ty]) -> Vec<u32> {
    let mut at = 0u32;
    types
        .iter()
        .map(|t| {
            let size = if *t == Ty::I64 { 8 } else { 4 };
            at = at.div_ceil(size) * size;
            at += size;
            at - size
        })
        .collect()
}

/// Executed-instruction count of the current call, from a block hook: each translated block's
/// instruction count is worked out once from its bytes and cached by address.
#[derive(Default)]
pub struct Counter {
    executed: u64,
    per_block: std::collections::HashMap<u64, u32>,
}

/// Instructions in `code` (Thumb-2: a halfword whose top five bits are 0b11101, 0b11110 or
/// 0b11111 starts a 32-bit instruction).
fn thumb_instructions(code: &[u8]) -> u32 {
    let (mut at, mut count) = (0, 0);
    while at + 1 < code.len() {
        let h = u16::from_le_bytes([code[at], code[at + 1]]);
        at += if h >> 11 >= 0b11101 { 4 } else { 2 };
        count += 1;
    }
    count
}

/// Bytes below SP overwritten with garbage before each call (covers frames up to this size).
const STACK_GARBAGE: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum EmuSetupError {
    #[error("unicorn: {0:?}")]
    Unicorn(uc_error),
    #[error("code of {0} bytes does not fit the {CODE_SIZE}-byte code region")]
    TooLarge(usize),
}

impl From<uc_error> for EmuSetupError {
    fn from(e: uc_error) -> Self {
        EmuSetupError::Unicorn(e)
    }
}

impl Emulator {
    pub fn new(cpu: Cpu) -> Result<Emulator, EmuSetupError> {
        let mut uc = Unicorn::new_with_data(Arch::ARM, Mode::THUMB, Counter::default())?;
        // Mode::MCLASS would silently pick a Cortex-M33; set the model explicitly, first.
        let model = match cpu {
            Cpu::CortexM3 => ArmCpuModel::CORTEX_M3,
            Cpu::CortexM4 => ArmCpuModel::CORTEX_M4,
            Cpu::CortexM7 => ArmCpuModel::CORTEX_M7,
        };
        uc.ctl_set_cpu_model(model as i32)?;
        // Counts instructions of the compiled code only (not the return sentinel). Added before
        // anything is translated: hooks apply to blocks translated after them.
        uc.add_block_hook(TEXT_BASE as u64, TEXT_BASE as u64 + CODE_SIZE - 1, |uc, addr, size| {
            let known = uc.get_data().per_block.get(&addr).copied();
            let n = known.unwrap_or_else(|| {
                let mut code = vec![0u8; size as usize];
                let _ = uc.mem_read(addr, &mut code);
                let n = thumb_instructions(&code);
                uc.get_data_mut().per_block.insert(addr, n);
                n
            });
            uc.get_data_mut().executed += n as u64;
        })?;
        uc.mem_map(SENTINEL_PAGE, 0x1000, Prot::READ | Prot::EXEC)?;
        uc.mem_write(SENTINEL, &[0x30, 0xBF])?; // wfi
        uc.mem_map(TEXT_BASE as u64, CODE_SIZE, Prot::READ | Prot::EXEC)?;
        uc.mem_map(STACK_BASE, STACK_SIZE, Prot::READ | Prot::WRITE)?;
        uc.mem_map(DATA_BASE as u64, DATA_SIZE as u64, Prot::READ | Prot::WRITE)?;
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let garbage = (0..RESULT_AREA_SIZE.max(2 * STACK_GARBAGE))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        Ok(Emulator { uc, memory: Box::new([]), loaded_len: 0, loaded_data: 0, calls: 0, garbage })
    }

    /// Loads `.text` at `TEXT_BASE` (replacing what was there, and its translated blocks),
    /// `.data` at `DATA_BASE` (the rest of the data area zeroed) and a fresh linear memory with
    /// its data segments.
    pub fn load(
        &mut self,
        text: &[u8],
        data: &[u8],
        memory: Option<&MemoryInfo>,
    ) -> Result<(), EmuSetupError> {
        self.map_memory(memory)?;
        if data.len() as u64 > DATA_SIZE as u64 {
            return Err(EmuSetupError::TooLarge(data.len()));
        }
        let old_data = self.loaded_data.max(data.len());
        self.uc.mem_write(DATA_BASE as u64, &vec![0; old_data])?;
        self.uc.mem_write(DATA_BASE as u64, data)?;
        self.loaded_data = data.len();
        if text.len() as u64 > CODE_SIZE {
            return Err(EmuSetupError::TooLarge(text.len()));
        }
        let old = self.loaded_len.max(text.len() as u64);
        // Clear the previous image (stale bytes past a shorter new image must not run) and drop
        // translations: `mem_write` alone does not invalidate translated blocks.
        self.uc.mem_write(TEXT_BASE as u64, &vec![0; old as usize])?;
        self.uc.mem_write(TEXT_BASE as u64, text)?;
        self.uc.ctl_remove_cache(TEXT_BASE as u64, TEXT_BASE as u64 + old.max(2))?;
        // Blocks will be translated anew from the new code: their counts too.
        self.uc.get_data_mut().per_block.clear();
        self.loaded_len = text.len() as u64;
        Ok(())
    }

    fn map_memory(&mut self, memory: Option<&MemoryInfo>) -> Result<(), EmuSetupError> {
        if !self.memory.is_empty() {
            self.uc.mem_unmap(MEMORY_BASE as u64, self.memory.len() as u64)?;
            self.memory = Box::new([]);
        }
        let Some(m) = memory else { return Ok(()) };
        let bytes = m.max_pages as usize * PAGE_BYTES as usize;
        if bytes == 0 {
            return Ok(());
        }
        // Zeroed allocation: the OS hands out zero pages lazily, so a large maximum costs
        // address space, not memory.
        let mut buffer = vec![0u8; bytes].into_boxed_slice();
        for (offset, segment) in &m.data {
            buffer[*offset as usize..*offset as usize + segment.len()].copy_from_slice(segment);
        }
        // SAFETY: the buffer is owned by `self`, never reallocated while mapped, and unmapped
        // (above, or by dropping `uc` first) before it is freed.
        unsafe {
            self.uc.mem_map_ptr(
                MEMORY_BASE as u64,
                bytes as u64,
                Prot::READ | Prot::WRITE,
                buffer.as_mut_ptr().cast(),
            )?;
        }
        self.memory = buffer;
        Ok(())
    }

    /// Linear memory up to its current size (per the size word).
    pub fn memory(&self) -> &[u8] {
        let size = self.read_word(MEMORY_SIZE_ADDR).unwrap_or(0) as usize;
        &self.memory[..size.min(self.memory.len())]
    }

    /// Makes linear memory equal `contents` (a prefix of the mapped maximum) and sets the size.
    /// Bytes past the new size are zeroed, as memory not yet grown into must be.
    pub fn set_memory(&mut self, contents: &[u8]) {
        let old = self.memory().len();
        let n = contents.len().min(self.memory.len());
        self.memory[..n].copy_from_slice(&contents[..n]);
        if old > n {
            self.memory[n..old].fill(0);
        }
        self.write_word(MEMORY_SIZE_ADDR, n as u32);
    }

    /// Instructions executed by the last call (those of every translated block it entered; a
    /// call ending in a fault or trap may count the rest of that block).
    pub fn executed(&self) -> u64 {
        self.uc.get_data().executed
    }

    pub fn read_word(&self, addr: u32) -> Option<u32> {
        let mut b = [0u8; 4];
        self.uc.mem_read(addr as u64, &mut b).ok()?;
        Some(u32::from_le_bytes(b))
    }

    pub fn write_word(&mut self, addr: u32, value: u32) {
        let _ = self.uc.mem_write(addr as u64, &value.to_le_bytes());
    }

    /// A value of type `ty` at `addr` (an i64 low word first).
    pub fn read_value(&self, addr: u32, ty: Ty) -> Option<Value> {
        let lo = self.read_word(addr)? as u64;
        match ty {
            Ty::I32 => Some(Value::I32(lo as u32)),
            Ty::I64 => Some(Value::I64((self.read_word(addr + 4)? as u64) << 32 | lo)),
        }
    }

    pub fn write_value(&mut self, addr: u32, value: Value) {
        match value {
            Value::I32(v) => self.write_word(addr, v),
            Value::I64(v) => {
                self.write_word(addr, v as u32);
                self.write_word(addr + 4, (v >> 32) as u32);
            }
        }
    }

    /// Calls the function at `addr` with `args` placed per AAPCS (written here independently of
    /// the compiler's own `abi` module), within `budget` instructions.
    pub fn call(&mut self, addr: u32, args: &[Value], results: &[Ty], budget: u64) -> Outcome {
        self.calls += 1;
        let uc = &mut self.uc;
        let mut canaries = [0u32; 8];
        for (i, r) in CALLEE_SAVED.iter().enumerate() {
            // Distinct per register and per call, so a value copied between registers or left
            // over from an earlier call is caught.
            canaries[i] =
                0xC0DE_0000 ^ (i as u32) << 12 ^ (self.calls as u32).wrapping_mul(0x9E37_79B9) & 0xFFF0_0FFF;
            let _ = uc.reg_write(*r, canaries[i] as u64);
        }
        // Unused argument registers, R12 and the stack below SP hold per-call garbage, so code
        // that reads state it never wrote gives different answers on different calls.
        let noise = (self.calls as u32).wrapping_mul(0x2C1B_3C6D);
        // AAPCS: R0–R3 in order, an i64 in an even/odd pair; once one does not fit, it and the
        // rest go to the stack (i64 8-byte aligned), with no back-filling.
        let mut regs: [Option<u32>; 4] = [None; 4];
        let mut stack_words: Vec<u32> = Vec::new();
        let mut ncrn = 0;
        // Several results: the address of a result area, laid out like a struct (i32 4-byte,
        // i64 8-byte aligned), is a hidden first argument; the area starts as garbage.
        let result_offsets = struct_offsets(results);
        if results.len() > 1 {
            let size = result_offsets.last().map_or(0, |o| o + 8) as usize;
            if size > RESULT_AREA_SIZE {
                return Outcome::EmulatorError { message: "result area too small for this many results" };
            }
            let _ = uc.mem_write(RESULT_AREA as u64, &self.garbage[..size]);
            regs[0] = Some(RESULT_AREA);
            ncrn = 1;
        }
        for a in args {
            match *a {
                Value::I32(v) if ncrn < 4 => {
                    regs[ncrn] = Some(v);
                    ncrn += 1;
                }
                Value::I32(v) => stack_words.push(v),
                Value::I64(v) => {
                    ncrn += ncrn % 2;
                    if ncrn <= 2 {
                        regs[ncrn] = Some(v as u32);
                        regs[ncrn + 1] = Some((v >> 32) as u32);
                        ncrn += 2;
                    } else {
                        ncrn = 4;
                        if stack_words.len() % 2 == 1 {
                            stack_words.push(noise ^ 0xDEAD_00AD);
                        }
                        stack_words.extend([v as u32, (v >> 32) as u32]);
                    }
                }
            }
        }
        for (i, r) in ARGS.iter().enumerate() {
            let _ = uc.reg_write(*r, regs[i].unwrap_or(noise ^ 0xDEAD_0000 ^ i as u32) as u64);
        }
        let _ = uc.reg_write(RegisterARM::R12, (noise ^ 0xDEAD_000C) as u64);
        let start = (self.calls as usize * 4) % STACK_GARBAGE;
        let _ = uc
            .mem_write(STACK_TOP as u64 - STACK_GARBAGE as u64, &self.garbage[start..start + STACK_GARBAGE]);
        // Stack arguments at SP, SP 8-byte aligned.
        let sp = (STACK_TOP - 4 * stack_words.len() as u32) & !7;
        for (k, w) in stack_words.iter().enumerate() {
            let _ = uc.mem_write(sp as u64 + 4 * k as u64, &w.to_le_bytes());
        }
        let _ = uc.reg_write(RegisterARM::SP, sp as u64);
        let _ = uc.reg_write(RegisterARM::LR, SENTINEL | 1);
        uc.get_data_mut().executed = 0;
        let result = uc.emu_start(addr as u64 | 1, 0, 0, budget as usize);
        let pc = uc.pc_read().unwrap_or(0) as u32;
        match result {
            Ok(()) if pc as u64 == SENTINEL + 2 => {}
            Ok(()) => return Outcome::BudgetExhausted { budget },
            Err(uc_error::INSN_INVALID) => return classify_undefined(uc, pc),
            Err(e) => {
                let access = match e {
                    uc_error::READ_UNMAPPED => "read unmapped",
                    uc_error::WRITE_UNMAPPED => "write unmapped",
                    uc_error::FETCH_UNMAPPED => "fetch unmapped",
                    uc_error::READ_PROT => "read protected",
                    uc_error::WRITE_PROT => "write protected",
                    uc_error::FETCH_PROT => "fetch protected",
                    uc_error::READ_UNALIGNED => "read unaligned",
                    uc_error::WRITE_UNALIGNED => "write unaligned",
                    uc_error::FETCH_UNALIGNED => "fetch unaligned",
                    uc_error::EXCEPTION => return Outcome::EmulatorError { message: "cpu exception" },
                    _ => return Outcome::EmulatorError { message: "unclassified unicorn error" },
                };
                return Outcome::MemoryFault { access, pc };
            }
        }
        for (i, r) in CALLEE_SAVED.iter().enumerate() {
            let found = uc.reg_read(*r).unwrap_or(0) as u32;
            if found != canaries[i] {
                return Outcome::AbiViolation {
                    what: AbiViolation::CalleeSaved { reg: 4 + i as u8, expected: canaries[i], found },
                };
            }
        }
        let found = uc.reg_read(RegisterARM::SP).unwrap_or(0) as u32;
        if found != sp {
            return Outcome::AbiViolation { what: AbiViolation::StackPointer { expected: sp, found } };
        }
        let r0 = uc.reg_read(RegisterARM::R0).unwrap_or(0) & 0xFFFF_FFFF;
        let r1 = uc.reg_read(RegisterARM::R1).unwrap_or(0) & 0xFFFF_FFFF;
        let values = match results {
            [] => Vec::new(),
            [ty] => vec![Value::of(*ty, r1 << 32 | r0)],
            _ => {
                let mut area = vec![0u8; RESULT_AREA_SIZE];
                let _ = uc.mem_read(RESULT_AREA as u64, &mut area);
                results
                    .iter()
                    .zip(&result_offsets)
                    .map(|(ty, off)| {
                        let at = *off as usize;
                        let bits = u64::from_le_bytes(area[at..at + 8].try_into().expect("8 bytes"));
                        Value::of(*ty, bits)
                    })
                    .collect()
            }
        };
        Outcome::Returned { values }
    }
}

/// An undefined instruction at `pc`: one of our `UDF #code` traps, or a real invalid instruction.
fn classify_undefined(uc: &Unicorn<'static, Counter>, pc: u32) -> Outcome {
    let mut b = [0u8; 4];
    if uc.mem_read(pc as u64, &mut b).is_err() {
        return Outcome::InvalidInstruction { pc };
    }
    let h1 = u16::from_le_bytes([b[0], b[1]]);
    let h2 = u16::from_le_bytes([b[2], b[3]]);
    let imm = if h1 & 0xFF00 == 0xDE00 {
        Some(h1 & 0xFF)
    } else if h1 & 0xFFF0 == 0xF7F0 && h2 & 0xF000 == 0xA000 {
        Some((h1 & 0xF) << 12 | (h2 & 0xFFF))
    } else {
        None
    };
    match imm.and_then(TrapCode::from_udf) {
        Some(code) => match TrapKind::from_code(code) {
            Some(trap) => Outcome::Trapped { trap },
            None => Outcome::ReachedDeclined,
        },
        None => Outcome::InvalidInstruction { pc },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumb_instruction_widths() {
        // push {r4, lr}; mov.w r0, #1; bx lr
        let code = [0x10, 0xb5, 0x4f, 0xf0, 0x01, 0x00, 0x70, 0x47];
        assert_eq!(thumb_instructions(&code), 3);
        // bl (32-bit, 0b11110 prefix) then udf.w (0b11110 prefix) then a 16-bit nop
        let code = [0x00, 0xf0, 0x00, 0xf8, 0xf0, 0xf7, 0x00, 0xa0, 0x00, 0xbf];
        assert_eq!(thumb_instructions(&code), 3);
    }
}
