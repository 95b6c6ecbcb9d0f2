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

use crate::outcome::{AbiViolation, Outcome, Region, StrayWrite, TrapKind, Value};
use unicorn_engine::unicorn_const::{Arch, HookType, Mode, Prot};
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
    // Declared first so it is dropped (and unmaps the buffers below) before they are freed.
    uc: Unicorn<'static, CallState>,
    /// Host buffers behind the mappings: linear memory (its maximum size; empty if none), the
    /// stack region and the data area. The harness reads and writes them directly.
    memory: Box<[u8]>,
    stack: Box<[u8]>,
    data: Box<[u8]>,
    /// The data area as loaded, and the byte ranges of it that no call may change (everything
    /// but the memory size word and the globals, up to a guard past the loaded image).
    data_image: Vec<u8>,
    data_fixed: Vec<std::ops::Range<usize>>,
    loaded_len: u64,
    calls: u64,
    /// Pseudo-random bytes; a different window of them fills the stack before every call.
    garbage: Vec<u8>,
    /// Bytes below `STACK_TOP` refilled with garbage before every call: the deepest frame seen
    /// since the image was loaded plus `STACK_GUARD`.
    filled_depth: usize,
    last: CallMeasurements,
}

/// What the last call used, measured by the emulator.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallMeasurements {
    /// Instructions executed (counted one by one by a code hook).
    pub executed: u64,
    /// Bytes of stack below the entry SP the call used (its lowest SP).
    pub stack_bytes: u32,
}

/// Where a function with several results stores them, above the initial SP (with a canary gap
/// between): room for the 1,000 i64 results a WebAssembly function may have.
const RESULT_AREA: u32 = STACK_TOP + 0x100;
const RESULT_AREA_SIZE: usize = 0x2000 - RESULT_GUARD;
/// Canary bytes checked past the end of the results a function stores.
const RESULT_GUARD: usize = 64;

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

/// Per-call state the hooks update.
#[derive(Default)]
pub struct CallState {
    executed: u64,
    budget: u64,
    /// Lowest SP seen before any instruction of the compiled code (after the one before it).
    min_sp: u32,
    /// Address of the access that faulted, if one did.
    fault_addr: Option<u32>,
}

/// Bytes below a call's lowest SP that must still hold their garbage after it returns: a write
/// there is a write below the stack frame (an interrupt would have overwritten it).
const STACK_GUARD: usize = 1024;
/// Canary bytes checked past the data area's loaded image.
const DATA_GUARD: usize = 256;
/// Bytes past linear memory's current size checked to be still zero after a call that may
/// write memory (they are mapped, up to the maximum, but not yet WebAssembly memory).
const MEMORY_GUARD: usize = 4096;

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

/// Maps `buffer` at `addr`.
///
/// # Safety
/// The buffer must stay allocated, and not be moved or reallocated, while mapped.
unsafe fn map_host(
    uc: &mut Unicorn<'static, CallState>,
    addr: u64,
    buffer: &mut [u8],
) -> Result<(), uc_error> {
    unsafe { uc.mem_map_ptr(addr, buffer.len() as u64, Prot::READ | Prot::WRITE, buffer.as_mut_ptr().cast()) }
}

impl Emulator {
    pub fn new(cpu: Cpu) -> Result<Emulator, EmuSetupError> {
        let mut uc = Unicorn::new_with_data(Arch::ARM, Mode::THUMB, CallState::default())?;
        // Mode::MCLASS would silently pick a Cortex-M33; set the model explicitly, first.
        let model = match cpu {
            Cpu::CortexM3 => ArmCpuModel::CORTEX_M3,
            Cpu::CortexM4 => ArmCpuModel::CORTEX_M4,
            Cpu::CortexM7 => ArmCpuModel::CORTEX_M7,
        };
        uc.ctl_set_cpu_model(model as i32)?;
        // One hook before every instruction of the compiled code (not the return sentinel):
        // it counts instructions exactly, enforces the budget (instead of unicorn's own count,
        // which is a second per-instruction hook) and records the lowest SP, which bounds the
        // function's stack frame. Added before anything is translated: hooks apply to blocks
        // translated after them.
        uc.add_code_hook(TEXT_BASE as u64, TEXT_BASE as u64 + CODE_SIZE - 1, |uc, _, _| {
            let sp = uc.reg_read(RegisterARM::SP).unwrap_or(0) as u32;
            let state = uc.get_data_mut();
            state.executed += 1;
            state.min_sp = state.min_sp.min(sp);
            if state.executed > state.budget {
                let _ = uc.emu_stop();
            }
        })?;
        // Invalid accesses only: records the faulting address (unicorn's error gives the kind).
        uc.add_mem_hook(HookType::MEM_INVALID, 1, 0, |uc, _, addr, _, _| {
            uc.get_data_mut().fault_addr = Some(addr as u32);
            false
        })?;
        uc.mem_map(SENTINEL_PAGE, 0x1000, Prot::READ | Prot::EXEC)?;
        uc.mem_write(SENTINEL, &[0x30, 0xBF])?; // wfi
        uc.mem_map(TEXT_BASE as u64, CODE_SIZE, Prot::READ | Prot::EXEC)?;
        let mut stack = vec![0u8; STACK_SIZE as usize].into_boxed_slice();
        let mut data = vec![0u8; DATA_SIZE as usize].into_boxed_slice();
        // SAFETY: both buffers are owned by the Emulator, never reallocated, and unmapped (by
        // dropping `uc`, declared first) before they are freed.
        unsafe {
            map_host(&mut uc, STACK_BASE, &mut stack)?;
            map_host(&mut uc, DATA_BASE as u64, &mut data)?;
        }
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let garbage = (0..2 * STACK_SIZE as usize)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        Ok(Emulator {
            uc,
            memory: Box::new([]),
            stack,
            data,
            data_image: Vec::new(),
            data_fixed: Vec::new(),
            loaded_len: 0,
            calls: 0,
            garbage,
            filled_depth: STACK_GUARD,
            last: CallMeasurements::default(),
        })
    }

    /// Loads `.text` at `TEXT_BASE` (replacing what was there, and its translated blocks),
    /// `.data` at `DATA_BASE` (the rest of the data area zeroed) and a fresh linear memory with
    /// its data segments. `state` lists the data-area byte ranges calls may change (the memory
    /// size word, the globals); every other byte of the image and a guard past it must not.
    pub fn load(
        &mut self,
        text: &[u8],
        data: &[u8],
        memory: Option<&MemoryInfo>,
        state: &[std::ops::Range<u32>],
    ) -> Result<(), EmuSetupError> {
        self.map_memory(memory)?;
        if data.len() > self.data.len() {
            return Err(EmuSetupError::TooLarge(data.len()));
        }
        self.data.fill(0);
        self.data[..data.len()].copy_from_slice(data);
        let checked = (data.len() + DATA_GUARD).min(self.data.len());
        self.data_image = self.data[..checked].to_vec();
        let mut state: Vec<std::ops::Range<usize>> = state
            .iter()
            .map(|r| (r.start.saturating_sub(DATA_BASE) as usize)..(r.end.saturating_sub(DATA_BASE) as usize))
            .collect();
        state.sort_by_key(|r| r.start);
        self.data_fixed.clear();
        let mut at = 0;
        for r in state {
            if r.start > at {
                self.data_fixed.push(at..r.start.min(checked));
            }
            at = at.max(r.end);
        }
        if at < checked {
            self.data_fixed.push(at..checked);
        }
        self.data_fixed.retain(|r| r.start < r.end);
        if text.len() as u64 > CODE_SIZE {
            return Err(EmuSetupError::TooLarge(text.len()));
        }
        let old = self.loaded_len.max(text.len() as u64);
        // Clear the previous image (stale bytes past a shorter new image must not run) and drop
        // translations: `mem_write` alone does not invalidate translated blocks.
        self.uc.mem_write(TEXT_BASE as u64, &vec![0; old as usize])?;
        self.uc.mem_write(TEXT_BASE as u64, text)?;
        self.uc.ctl_remove_cache(TEXT_BASE as u64, TEXT_BASE as u64 + old.max(2))?;
        self.loaded_len = text.len() as u64;
        self.filled_depth = STACK_GUARD;
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
        unsafe { map_host(&mut self.uc, MEMORY_BASE as u64, &mut buffer)? };
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

    /// The first nonzero byte in the guard past linear memory's current size (mapped, since
    /// memory is mapped at its maximum, but not WebAssembly memory yet): a stray write there.
    /// The byte is cleared so it is reported once.
    pub fn memory_guard_violation(&mut self) -> Option<StrayWrite> {
        let size = self.memory().len();
        let end = (size + MEMORY_GUARD).min(self.memory.len());
        let at = self.memory[size..end].iter().position(|b| *b != 0)? + size;
        let found = std::mem::take(&mut self.memory[at]);
        Some(StrayWrite { region: Region::PastMemorySize, addr: MEMORY_BASE + at as u32, expected: 0, found })
    }

    /// What the last call used.
    pub fn last_call(&self) -> CallMeasurements {
        self.last
    }

    fn data_offset(&self, addr: u32, len: usize) -> Option<usize> {
        let at = addr.checked_sub(DATA_BASE)? as usize;
        (at + len <= self.data.len()).then_some(at)
    }

    /// A word of the data area (the memory size word, globals).
    pub fn read_word(&self, addr: u32) -> Option<u32> {
        let at = self.data_offset(addr, 4)?;
        Some(u32::from_le_bytes(self.data[at..at + 4].try_into().expect("4 bytes")))
    }

    pub fn write_word(&mut self, addr: u32, value: u32) {
        if let Some(at) = self.data_offset(addr, 4) {
            self.data[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
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

    /// Index into the stack buffer of address `addr` (inside the stack region).
    fn stack_index(addr: u32) -> usize {
        (addr as u64 - STACK_BASE) as usize
    }

    /// Calls the function at `addr` with `args` placed per AAPCS (written here independently of
    /// the compiler's own `abi` module), within `budget` instructions.
    pub fn call(&mut self, addr: u32, args: &[Value], results: &[Ty], budget: u64) -> Outcome {
        self.calls += 1;
        let mut canaries = [0u32; 8];
        for (i, r) in CALLEE_SAVED.iter().enumerate() {
            // Distinct per register and per call, so a value copied between registers or left
            // over from an earlier call is caught.
            canaries[i] =
                0xC0DE_0000 ^ (i as u32) << 12 ^ (self.calls as u32).wrapping_mul(0x9E37_79B9) & 0xFFF0_0FFF;
            let _ = self.uc.reg_write(*r, canaries[i] as u64);
        }
        // Unused argument registers, R12 and the stack hold per-call garbage, so code that reads
        // state it never wrote gives different answers on different calls, and a write where
        // the function has no business writing is seen.
        let noise = (self.calls as u32).wrapping_mul(0x2C1B_3C6D);
        // AAPCS: R0–R3 in order, an i64 in an even/odd pair; once one does not fit, it and the
        // rest go to the stack (i64 8-byte aligned), with no back-filling.
        let mut regs: [Option<u32>; 4] = [None; 4];
        let mut stack_words: Vec<u32> = Vec::new();
        let mut ncrn = 0;
        // Several results: the address of a result area, laid out like a struct (i32 4-byte,
        // i64 8-byte aligned), is a hidden first argument.
        let result_offsets = struct_offsets(results);
        let result_size =
            if results.len() > 1 { result_offsets.last().map_or(0, |o| o + 8) as usize } else { 0 };
        if result_size > RESULT_AREA_SIZE {
            return Outcome::EmulatorError { message: "result area too small for this many results" };
        }
        if results.len() > 1 {
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
            let _ = self.uc.reg_write(*r, regs[i].unwrap_or(noise ^ 0xDEAD_0000 ^ i as u32) as u64);
        }
        let _ = self.uc.reg_write(RegisterARM::R12, (noise ^ 0xDEAD_000C) as u64);
        // Garbage from the deepest frame seen (plus a guard) up to the end of the result area's
        // guard; then the stack arguments at SP, SP 8-byte aligned.
        let sp = (STACK_TOP - 4 * stack_words.len() as u32) & !7;
        let low = Self::stack_index(STACK_TOP) - self.filled_depth;
        let high = Self::stack_index(RESULT_AREA) + result_size + RESULT_GUARD;
        let shift = (self.calls as usize * 4) % STACK_SIZE as usize;
        self.stack[low..high].copy_from_slice(&self.garbage[shift + low..shift + high]);
        for (k, w) in stack_words.iter().enumerate() {
            let at = Self::stack_index(sp) + 4 * k;
            self.stack[at..at + 4].copy_from_slice(&w.to_le_bytes());
        }
        let _ = self.uc.reg_write(RegisterARM::SP, sp as u64);
        let _ = self.uc.reg_write(RegisterARM::LR, SENTINEL | 1);
        *self.uc.get_data_mut() = CallState { executed: 0, budget, min_sp: sp, fault_addr: None };
        let result = self.uc.emu_start(addr as u64 | 1, 0, 0, 0);
        let pc = self.uc.pc_read().unwrap_or(0) as u32;
        let state = self.uc.get_data();
        self.last =
            CallMeasurements { executed: state.executed.min(budget), stack_bytes: sp - state.min_sp.min(sp) };
        let (min_sp, fault_addr) = (state.min_sp, state.fault_addr);
        // The next call fills the deepest frame seen so far and its guard.
        let depth = Self::stack_index(STACK_TOP) - Self::stack_index(min_sp.max(STACK_BASE as u32));
        self.filled_depth = self.filled_depth.max((depth + STACK_GUARD).min(Self::stack_index(STACK_TOP)));
        match result {
            Ok(()) if pc as u64 == SENTINEL + 2 => {}
            Ok(()) => return Outcome::BudgetExhausted { budget },
            Err(uc_error::INSN_INVALID) => return classify_undefined(&self.uc, pc),
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
                return Outcome::MemoryFault { access, addr: fault_addr.unwrap_or(pc), pc };
            }
        }
        for (i, r) in CALLEE_SAVED.iter().enumerate() {
            let found = self.uc.reg_read(*r).unwrap_or(0) as u32;
            if found != canaries[i] {
                return Outcome::AbiViolation {
                    what: AbiViolation::CalleeSaved { reg: 4 + i as u8, expected: canaries[i], found },
                };
            }
        }
        let found = self.uc.reg_read(RegisterARM::SP).unwrap_or(0) as u32;
        if found != sp {
            return Outcome::AbiViolation { what: AbiViolation::StackPointer { expected: sp, found } };
        }
        if let Some(stray) =
            self.stray_write(low, min_sp, sp + 4 * stack_words.len() as u32, result_size, shift)
        {
            return Outcome::AbiViolation { what: AbiViolation::StrayWrite(stray) };
        }
        let r0 = self.uc.reg_read(RegisterARM::R0).unwrap_or(0) & 0xFFFF_FFFF;
        let r1 = self.uc.reg_read(RegisterARM::R1).unwrap_or(0) & 0xFFFF_FFFF;
        let values = match results {
            [] => Vec::new(),
            [ty] => vec![Value::of(*ty, r1 << 32 | r0)],
            _ => results
                .iter()
                .zip(&result_offsets)
                .map(|(ty, off)| {
                    let at = Self::stack_index(RESULT_AREA) + *off as usize;
                    Value::of(*ty, u64::from_le_bytes(self.stack[at..at + 8].try_into().expect("8 bytes")))
                })
                .collect(),
        };
        Outcome::Returned { values }
    }

    /// The first byte a call wrote where it had no business writing: below its lowest SP (in
    /// the filled part of the stack), in the caller's part of the stack above its arguments,
    /// around the result area, or in the data area outside the globals and the size word.
    fn stray_write(
        &self,
        low: usize,
        min_sp: u32,
        args_end: u32,
        result_size: usize,
        shift: usize,
    ) -> Option<StrayWrite> {
        let garbage = &self.garbage[shift..];
        // Slices compare first (memcmp); only a difference is searched byte by byte.
        let changed = |from: usize, to: usize| {
            (from < to && self.stack[from..to] != garbage[from..to])
                .then(|| (from..to).find(|&i| self.stack[i] != garbage[i]))
                .flatten()
        };
        let stack_stray = |i: usize, region| StrayWrite {
            region,
            addr: (STACK_BASE as usize + i) as u32,
            expected: garbage[i],
            found: self.stack[i],
        };
        let frame_bottom = Self::stack_index(min_sp.max(STACK_BASE as u32)).max(low);
        if let Some(i) = changed(low, frame_bottom) {
            return Some(stack_stray(i, Region::BelowStackFrame));
        }
        let results = Self::stack_index(RESULT_AREA);
        let above = changed(Self::stack_index(args_end), results)
            .or_else(|| changed(results + result_size, results + result_size + RESULT_GUARD));
        if let Some(i) = above {
            return Some(stack_stray(i, Region::CallerStack));
        }
        for r in &self.data_fixed {
            if self.data[r.clone()] == self.data_image[r.clone()] {
                continue;
            }
            if let Some(i) = r.clone().find(|&i| self.data[i] != self.data_image[i]) {
                return Some(StrayWrite {
                    region: Region::DataArea,
                    addr: DATA_BASE + i as u32,
                    expected: self.data_image[i],
                    found: self.data[i],
                });
            }
        }
        None
    }
}

/// An undefined instruction at `pc`: one of our `UDF #code` traps, or a real invalid instruction.
fn classify_undefined(uc: &Unicorn<'static, CallState>, pc: u32) -> Outcome {
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
