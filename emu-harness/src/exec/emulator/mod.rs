//! The unicorn side: one Cortex-M engine, created once and reused for every call.
//!
//! Memory map (code inside the ARMv7-M executable regions, see `shared/notes/unicorn.md`):
//! - `SENTINEL_PAGE`: a `wfi` the callee returns to (LR = sentinel | 1); reaching it ends the run.
//! - `TEXT_BASE`: the image's `.text`, up to `CODE_SIZE` bytes.
//! - `DATA_BASE`: the data area (memory size word, globals), where the image puts it.
//! - `STACK_BASE`..`STACK_TOP`: the stack, and `BATCH_BASE`: the batch driver's records, both in
//!   the execute-never peripheral region. Nothing runs from them, and unicorn keeps stores to
//!   pages of an execute-never region on its fast path (a store to a page code could come from
//!   takes the self-modifying-code check: the most expensive part of a call before).
//! - `MEMORY_BASE`: linear memory, mapped at its maximum size onto a host buffer, so the harness
//!   compares it without copying.
//!
//! The invalid-access hook covers only what is not mapped (and linear memory, whose size varies):
//! a memory hook over a page also sends its stores down the slow path.
//!
//! Before each call R4–R11 get canary values and SP a known top; after return both are checked.

mod batch;
mod call;
mod decode;
mod hooks;

pub use batch::BATCH_MAX;
use batch::{driver_code, BATCH_BASE, BATCH_BYTES, DRIVER};
use hooks::{block_hook, sp_hook, CallState, Fault};

use crate::oracle::outcome::{Region, StrayWrite, Value};
use std::ffi::c_void;
use unicorn_engine::unicorn_const::{Arch, HookType, Mode, Prot};
use unicorn_engine::{uc_error, ArmCpuModel, RegisterARM, Unicorn};
use unicorn_engine_sys as uc_sys;
use wasm2thumb::ir::Ty;
use wasm2thumb::{
    Cpu, MemoryInfo, DATA_BASE, DATA_SIZE, MEMORY_BASE, MEMORY_SIZE_ADDR, PAGE_BYTES, TEXT_BASE,
};

const SENTINEL_PAGE: u64 = 0x0000_1000;
const SENTINEL: u64 = SENTINEL_PAGE;
pub const CODE_SIZE: u64 = 0x0010_0000;
/// Largest linear memory (its maximum) whose mapping a module with the same maximum reuses.
const REUSED_MEMORY_BYTES: usize = 1 << 20;
pub const STACK_BASE: u64 = 0x4000_0000;
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
    // Declared first so it is dropped (and unmaps the buffers below, and stops calling the
    // hooks) before they are freed.
    uc: Unicorn<'static, Fault>,
    /// What the hooks update (boxed: unicorn holds its address).
    hook: Box<CallState>,
    /// The SP hooks of the loaded module (see `sp_hook`).
    sp_hooks: Vec<uc_sys::uc_hook>,
    /// Host buffers behind the mappings: the text, linear memory (its maximum size; empty if
    /// none), the stack region and the data area. The harness reads and writes them directly
    /// (the text only in `load`, which then drops the translations of what it replaced).
    text: Box<[u8]>,
    memory: Box<[u8]>,
    stack: Box<[u8]>,
    data: Box<[u8]>,
    batch: Box<[u8]>,
    /// Address just past the batch driver's `wfi` (where a finished batch stops).
    driver_end: u64,
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
    /// The FPSCR the loaded code requires, if it uses the FPU (`CompiledModule::fpscr`).
    fpu: Option<u32>,
    /// Whether the loaded code passes floats in S0–S15 (AAPCS-VFP, `CompiledModule::float_abi`).
    hard_float: bool,
}

/// What the last call used, measured by the emulator.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallMeasurements {
    /// Instructions executed (counted per block by the block hook; see `block_hook`).
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

/// unicorn's buffer for translated code (see `Emulator::new`).
const TCG_BUFFER_BYTES: u32 = 8 << 20;

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
unsafe fn map_host(uc: &mut Unicorn<'static, Fault>, addr: u64, buffer: &mut [u8]) -> Result<(), uc_error> {
    unsafe { uc.mem_map_ptr(addr, buffer.len() as u64, Prot::READ | Prot::WRITE, buffer.as_mut_ptr().cast()) }
}

/// The fixed regions `Emulator::new` maps, sorted; linear memory starts at `MEMORY_BASE`.
fn fixed_regions() -> [(u64, u64); 5] {
    [
        (SENTINEL_PAGE, 0x1000),
        (TEXT_BASE as u64, CODE_SIZE),
        (DATA_BASE as u64, DATA_SIZE as u64),
        (STACK_BASE, STACK_SIZE),
        (BATCH_BASE, BATCH_BYTES as u64),
    ]
}

/// Inclusive ranges of every address outside the fixed regions, the last one from
/// `MEMORY_BASE` to the top (linear memory's mapped size changes per module).
fn unmapped_ranges() -> Vec<(u64, u64)> {
    let mut ranges = Vec::new();
    let mut next = 0u64;
    for (base, len) in fixed_regions() {
        if base > next {
            ranges.push((next, base - 1));
        }
        next = base + len;
    }
    if next < MEMORY_BASE as u64 {
        ranges.push((next, MEMORY_BASE as u64 - 1));
    }
    ranges.push((MEMORY_BASE as u64, u32::MAX as u64));
    ranges
}

impl Emulator {
    pub fn new(cpu: Cpu) -> Result<Emulator, EmuSetupError> {
        let mut uc = Unicorn::new_with_data(Arch::ARM, Mode::THUMB, Fault::default())?;
        // Translated code goes into a buffer unicorn fills front to back, flushing it when full
        // (1 GiB by default). Every module brings new code, so a large buffer keeps touching
        // fresh memory (the kernel zeroing a huge page at a time: 6% of a fuzzing campaign)
        // and grows each worker by up to 1 GiB; a small one is reused after each flush.
        // SAFETY: a pre-initialisation control taking a u32, on the engine just made.
        let sized = unsafe {
            uc_sys::uc_ctl(
                uc.get_handle(),
                uc_sys::ControlType(uc_sys::ControlType::TCG_BUFFER_SIZE.0 | uc_sys::ControlType::IO_WRITE.0),
                TCG_BUFFER_BYTES,
            )
        };
        if sized != uc_error::OK {
            return Err(EmuSetupError::Unicorn(sized));
        }
        // Mode::MCLASS would silently pick a Cortex-M33; set the model explicitly, first.
        let model = match cpu {
            Cpu::CortexM3 => ArmCpuModel::CORTEX_M3,
            Cpu::CortexM4 => ArmCpuModel::CORTEX_M4,
            Cpu::CortexM7 => ArmCpuModel::CORTEX_M7,
        };
        uc.ctl_set_cpu_model(model as i32)?;
        // Invalid accesses only: records the faulting address (unicorn's error gives the kind).
        for (begin, end) in unmapped_ranges() {
            uc.add_mem_hook(HookType::MEM_INVALID, begin, end, |uc, _, addr, _, _| {
                uc.get_data_mut().addr = Some(addr as u32);
                false
            })?;
        }
        // A hook at the start of every block of the compiled code (see `block_hook`); `load`
        // adds the SP hooks. Added before anything is translated: hooks apply to blocks
        // translated after them.
        let mut hook = Box::<CallState>::default();
        let mut handle: uc_sys::uc_hook = 0;
        // SAFETY: the callback has the block-hook signature; `hook` is owned by the Emulator,
        // never moved out of its box, and outlives `uc` (dropped first).
        let added = unsafe {
            uc_sys::uc_hook_add(
                uc.get_handle(),
                &raw mut handle,
                HookType::BLOCK.0 as i32,
                block_hook as *mut c_void,
                (&raw mut *hook).cast(),
                TEXT_BASE as u64,
                TEXT_BASE as u64 + CODE_SIZE - 1,
            )
        };
        if added != uc_error::OK {
            return Err(EmuSetupError::Unicorn(added));
        }
        uc.mem_map(SENTINEL_PAGE, 0x1000, Prot::READ | Prot::EXEC)?;
        uc.mem_write(SENTINEL, &[0x30, 0xBF])?; // wfi
        let driver = driver_code()?;
        uc.mem_write(DRIVER, &driver)?;
        let driver_end = DRIVER + driver.len() as u64;
        let mut text = vec![0u8; CODE_SIZE as usize].into_boxed_slice();
        let mut stack = vec![0u8; STACK_SIZE as usize].into_boxed_slice();
        let mut data = vec![0u8; DATA_SIZE as usize].into_boxed_slice();
        let mut batch = vec![0u8; BATCH_BYTES].into_boxed_slice();
        // SAFETY: the buffers are owned by the Emulator, never reallocated, and unmapped (by
        // dropping `uc`, declared first) before they are freed.
        unsafe {
            uc.mem_map_ptr(TEXT_BASE as u64, CODE_SIZE, Prot::READ | Prot::EXEC, text.as_mut_ptr().cast())?;
            map_host(&mut uc, STACK_BASE, &mut stack)?;
            map_host(&mut uc, DATA_BASE as u64, &mut data)?;
            map_host(&mut uc, BATCH_BASE, &mut batch)?;
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
            hook,
            sp_hooks: Vec::new(),
            text,
            memory: Box::new([]),
            stack,
            data,
            batch,
            driver_end,
            data_image: Vec::new(),
            data_fixed: Vec::new(),
            loaded_len: 0,
            calls: 0,
            garbage,
            filled_depth: STACK_GUARD,
            last: CallMeasurements::default(),
            fpu: None,
            hard_float: false,
        })
    }

    /// Whether the loaded code uses the FPU, and the FPSCR it requires: each call then enables
    /// the FPU (CONTROL.FPCA first: otherwise the first float instruction loads FPSCR from
    /// FPDSCR, which unicorn's API cannot set), sets FPSCR, and checks S16–S31 like R4–R11.
    /// Batches are not used for such code (each call sets up the FPU).
    pub fn set_fpu(&mut self, fpscr: Option<u32>) {
        self.fpu = fpscr;
    }

    /// How the loaded code takes and returns floats (`CompiledModule::float_abi`).
    pub fn set_float_abi(&mut self, abi: wasm2thumb::abi::FloatAbi) {
        self.hard_float = abi == wasm2thumb::abi::FloatAbi::Hard;
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
        // Straight into the host buffer: clear what is left of the previous image (stale bytes
        // past a shorter new image must not run), then drop every translation of the old bytes.
        self.text[..text.len()].copy_from_slice(text);
        self.text[text.len()..old as usize].fill(0);
        self.uc.ctl_remove_cache(TEXT_BASE as u64, TEXT_BASE as u64 + old.max(2))?;
        self.loaded_len = text.len() as u64;
        self.filled_depth = STACK_GUARD;
        // Each module starts from the same emulator state, whatever ran before it on this
        // worker: results do not depend on `--jobs` or on the order of files.
        self.calls = 0;
        let n = self.stack.len();
        self.stack.copy_from_slice(&self.garbage[..n]);
        for h in self.sp_hooks.drain(..) {
            // SAFETY: `h` was added to this engine by `load` and not deleted since.
            unsafe { uc_sys::uc_hook_del(self.uc.get_handle(), h) };
        }
        for at in self.hook.load(text) {
            let addr = TEXT_BASE as u64 + at as u64;
            let mut handle: uc_sys::uc_hook = 0;
            // SAFETY: as the block hook in `new`: same state, same lifetime.
            let added = unsafe {
                uc_sys::uc_hook_add(
                    self.uc.get_handle(),
                    &raw mut handle,
                    HookType::CODE.0 as i32,
                    sp_hook as *mut c_void,
                    (&raw mut *self.hook).cast(),
                    addr,
                    addr,
                )
            };
            if added != uc_error::OK {
                return Err(EmuSetupError::Unicorn(added));
            }
            self.sp_hooks.push(handle);
        }
        Ok(())
    }

    fn map_memory(&mut self, memory: Option<&MemoryInfo>) -> Result<(), EmuSetupError> {
        let Some(m) = memory.filter(|m| m.max_pages > 0) else {
            self.unmap_memory()?;
            return Ok(());
        };
        let bytes = m.max_pages as usize * PAGE_BYTES as usize;
        if bytes == self.memory.len() && bytes <= REUSED_MEMORY_BYTES {
            // The same maximum as the last module's, and small: the mapping is kept (unicorn's
            // unmap and map cost more than zeroing this much).
            self.memory.fill(0);
        } else {
            self.unmap_memory()?;
            // Zeroed allocation: the OS hands out zero pages lazily, so a large maximum costs
            // address space, not memory.
            let mut buffer = vec![0u8; bytes].into_boxed_slice();
            // SAFETY: the buffer is owned by `self`, never reallocated while mapped, and
            // unmapped (by `unmap_memory`, or by dropping `uc` first) before it is freed.
            unsafe { map_host(&mut self.uc, MEMORY_BASE as u64, &mut buffer)? };
            self.memory = buffer;
        }
        for (offset, segment) in &m.data {
            self.memory[*offset as usize..*offset as usize + segment.len()].copy_from_slice(segment);
        }
        Ok(())
    }

    fn unmap_memory(&mut self) -> Result<(), EmuSetupError> {
        if !self.memory.is_empty() {
            self.uc.mem_unmap(MEMORY_BASE as u64, self.memory.len() as u64)?;
            self.memory = Box::new([]);
        }
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
    /// The guard is cleared so the write is reported once.
    pub fn memory_guard_violation(&mut self) -> Option<StrayWrite> {
        let size = self.memory().len();
        let end = (size + MEMORY_GUARD).min(self.memory.len());
        let at = self.memory[size..end].iter().position(|b| *b != 0)? + size;
        let found = self.memory[at];
        self.memory[size..end].fill(0);
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
            Ty::I32 | Ty::F32 => Some(Value::of(ty, lo)),
            Ty::I64 | Ty::F64 => Some(Value::of(ty, (self.read_word(addr + 4)? as u64) << 32 | lo)),
        }
    }

    pub fn write_value(&mut self, addr: u32, value: Value) {
        match value {
            Value::I32(v) | Value::F32(v) => self.write_word(addr, v),
            Value::I64(v) | Value::F64(v) => {
                self.write_word(addr, v as u32);
                self.write_word(addr + 4, (v >> 32) as u32);
            }
        }
    }

    /// Index into the stack buffer of address `addr` (inside the stack region).
    fn stack_index(addr: u32) -> usize {
        (addr as u64 - STACK_BASE) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::{fixed_regions, unmapped_ranges, BATCH_BASE, STACK_BASE};

    #[test]
    fn the_invalid_access_hook_covers_every_unmapped_address_and_no_fixed_region() {
        let ranges = unmapped_ranges();
        let regions = fixed_regions();
        // Ranges and regions tile the address space without overlap, in order.
        let mut pieces: Vec<(u64, u64)> =
            regions.iter().map(|&(b, l)| (b, b + l - 1)).chain(ranges.iter().copied()).collect();
        pieces.sort();
        let mut next = 0u64;
        for (begin, end) in pieces {
            assert_eq!(begin, next, "gap or overlap at {begin:#x}");
            next = end + 1;
        }
        assert_eq!(next, 1 << 32);
        // The stack and the batch records are in the execute-never peripheral region.
        for base in [STACK_BASE, BATCH_BASE] {
            assert!((0x4000_0000..0x6000_0000).contains(&base));
        }
    }
}
