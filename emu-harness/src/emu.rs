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

use crate::outcome::{AbiViolation, Outcome, Region, StrayWrite, TrapKind, Value};
use std::ffi::c_void;
use unicorn_engine::unicorn_const::{Arch, HookType, Mode, Prot};
use unicorn_engine::{uc_error, ArmCpuModel, RegisterARM, Unicorn};
use unicorn_engine_sys as uc_sys;
use wasm2thumb::ir::Ty;
use wasm2thumb::{
    Cpu, MemoryInfo, TrapCode, DATA_BASE, DATA_SIZE, MEMORY_BASE, MEMORY_SIZE_ADDR, PAGE_BYTES, TEXT_BASE,
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

/// AAPCS: an optional hidden first argument (the result area's address), then R0–R3 in order,
/// an i64 in an even/odd pair; once one does not fit, it and the rest go to the stack (i64
/// 8-byte aligned, the gap filled with `pad`), with no back-filling. Written here independently
/// of the compiler's own `abi` module.
fn place_arguments(hidden: Option<u32>, args: &[Value], pad: u32) -> ([Option<u32>; 4], Vec<u32>) {
    let mut regs: [Option<u32>; 4] = [None; 4];
    let mut stack_words: Vec<u32> = Vec::new();
    let mut ncrn = 0;
    if let Some(h) = hidden {
        regs[0] = Some(h);
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
                        stack_words.push(pad);
                    }
                    stack_words.extend([v as u32, (v >> 32) as u32]);
                }
            }
        }
    }
    (regs, stack_words)
}

/// What the invalid-memory hook records: the address of the access that faulted.
#[derive(Default)]
pub struct Fault {
    addr: Option<u32>,
}

/// One call of a batch, as the hooks saw it.
#[derive(Clone, Copy, Debug)]
struct BatchCall {
    executed: u64,
    min_sp: u32,
    /// SP when the call started: every call must find the SP the batch started with.
    entry_sp: u32,
}

/// Per-call state the hooks update.
#[derive(Default)]
pub struct CallState {
    executed: u64,
    budget: u64,
    /// Lowest SP seen at the start of a block or after an instruction that may write SP.
    min_sp: u32,
    /// In a batch: the called function's address; each time it is entered a new call starts.
    entry: u32,
    /// In a batch: the budget of each call, and what each call so far used.
    call_budget: u64,
    calls: Vec<BatchCall>,
    /// The loaded `.text` (offset 0 = `TEXT_BASE`).
    text: Vec<u8>,
    /// Per halfword of `.text`: whether an instruction starts there, decoding instruction
    /// lengths from `TEXT_BASE` (the text is code only: no literal pools, no tables).
    starts: Vec<bool>,
    /// Per halfword of `.text`: what the block translated from there does (computed once).
    blocks: Vec<Option<BlockFacts>>,
    /// The last block entered: its address and size (a fault leaves it early), SP at its
    /// start, and the lowest SP before it.
    last_block: (u32, u32),
    block_start_sp: u32,
    min_sp_before_block: u32,
    /// A block started where no instruction starts: the instruction stream is not what the
    /// sweep decoded, so SP tracking cannot be trusted for this call.
    misaligned: Option<u32>,
}

impl CallState {
    /// Per-call fields reset for a new run from `sp`.
    fn begin(&mut self, budget: u64, call_budget: u64, sp: u32, entry: u32, calls: usize) {
        self.executed = 0;
        self.budget = budget;
        self.call_budget = call_budget;
        self.min_sp = sp;
        self.entry = entry;
        self.calls.clear();
        self.calls.reserve(calls);
        self.last_block = (0, 0);
        self.block_start_sp = sp;
        self.min_sp_before_block = sp;
        self.misaligned = None;
    }

    /// A new `.text`: its instruction starts, and the offsets of the instructions that follow
    /// one whose effect on SP is not known from its encoding (where SP is read by a hook).
    fn load(&mut self, text: &[u8]) -> Vec<u32> {
        self.text = text.to_vec();
        self.starts = vec![false; text.len().div_ceil(2)];
        self.blocks = vec![None; text.len().div_ceil(2)];
        let mut after_dynamic = Vec::new();
        let mut at = 0;
        let mut it = 0;
        while at < text.len() {
            self.starts[at / 2] = true;
            let code = &text[at..(at + instruction_length(&text[at..])).min(text.len())];
            if sp_effect(code, it > 0) == SpEffect::Dynamic && at + code.len() < text.len() {
                after_dynamic.push((at + code.len()) as u32);
            }
            it = it_block_after(code, it);
            at += code.len();
        }
        after_dynamic
    }

    /// Walks the instructions in `at..end` of `.text` (past the image: zeros, 16-bit
    /// instructions): how many there are, and the lowest SP they reach relative to SP at `at`,
    /// up to the first instruction whose effect on SP is dynamic (a hook reads SP after it).
    fn walk(&self, at: usize, end: usize) -> BlockFacts {
        let (mut count, mut i, mut it) = (0, at, 0);
        let (mut delta, mut min_delta, mut known) = (0i32, 0i32, true);
        while i < end {
            let code = self.text.get(i..).map_or(&[][..], |t| &t[..instruction_length(t).min(t.len())]);
            if known {
                match sp_effect(code, it > 0) {
                    SpEffect::None => {}
                    SpEffect::Static(d) => {
                        delta += d;
                        min_delta = min_delta.min(delta);
                    }
                    SpEffect::Dynamic => known = false,
                }
            }
            it = it_block_after(code, it);
            i += code.len().max(2);
            count += 1;
        }
        BlockFacts { size: (end - at) as u32, count, min_sp_delta: min_delta, dynamic: !known }
    }

    /// Instructions of the last block a call that stopped at `pc` did not execute (those
    /// after `pc`; the one at `pc`, which faulted or trapped, counts as executed), and the
    /// lowest SP it reached before `pc`.
    fn stopped_at(&self, pc: u32) -> Option<(u32, u32)> {
        let (addr, size) = self.last_block;
        if pc < addr || pc >= addr + size {
            return None;
        }
        let (start, at, end) =
            ((addr - TEXT_BASE) as usize, (pc - TEXT_BASE) as usize, (addr + size - TEXT_BASE) as usize);
        let tail = self.walk(at, end).count.saturating_sub(1);
        let before = self.walk(start, at);
        // After a dynamic SP write, a hook has read SP: keep what it saw.
        let min_sp = if before.dynamic {
            self.min_sp
        } else {
            self.min_sp_before_block.min(self.block_start_sp.wrapping_add_signed(before.min_sp_delta))
        };
        Some((tail, min_sp))
    }
}

/// What a block does, as far as the hooks care.
#[derive(Clone, Copy, Debug)]
struct BlockFacts {
    size: u32,
    count: u32,
    /// Lowest SP the block reaches, relative to SP at its start (<= 0), up to the first
    /// instruction with a dynamic effect on SP.
    min_sp_delta: i32,
    /// The block has such an instruction (a hook follows it).
    dynamic: bool,
}

/// How an instruction changes SP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SpEffect {
    None,
    /// By a constant the encoding gives.
    Static(i32),
    /// By something only a run knows (a register, a load, a condition).
    Dynamic,
}

/// The effect on SP of the Thumb instruction `code`, decoded for the instructions a compiler
/// moves SP with: PUSH/POP, ADD/SUB SP by an immediate, LDM/STM with SP writeback, LDR/STR
/// (single or dual) with SP writeback. Any other instruction `may_write_sp` flags, and any
/// SP writer in an IT block (it may not execute), is dynamic.
fn sp_effect(code: &[u8], in_it_block: bool) -> SpEffect {
    if !may_write_sp(code) {
        return SpEffect::None;
    }
    if in_it_block {
        return SpEffect::Dynamic;
    }
    let known = match *code {
        [a, b] => {
            let h = u16::from_le_bytes([a, b]);
            let list = (h & 0xFF).count_ones() as i32 + ((h >> 8) & 1) as i32;
            match h & 0xFF80 {
                0xB000 => Some(4 * (h & 0x7F) as i32),
                0xB080 => Some(-4 * (h & 0x7F) as i32),
                _ => match h & 0xFE00 {
                    0xB400 => Some(-4 * list),
                    0xBC00 => Some(4 * list),
                    _ => None,
                },
            }
        }
        [a, b, c, d] => {
            let h1 = u16::from_le_bytes([a, b]);
            let h2 = u16::from_le_bytes([c, d]);
            let (rn, rd) = (h1 & 0xF, (h2 >> 8) & 0xF);
            let words = (h2.count_ones()) as i32;
            let imm12 = (((h1 >> 10) & 1) << 11 | ((h2 >> 12) & 0x7) << 8 | (h2 & 0xFF)) as i32;
            let single_wb = h1 & 0xFE00 == 0xF800 && h1 & 0x0080 == 0 && h2 & 0x0900 == 0x0900;
            let dual_wb = h1 & 0xFE40 == 0xE840 && h1 & 0x0120 != 0 && h1 & 0x0020 != 0;
            let loads_sp = (h1 & 0x0010 != 0) && (h2 >> 12 == 13 || (dual_wb && rd == 13));
            match h1 {
                // STMDB / STMIA / LDMIA / LDMDB SP! (a list with SP or PC is dynamic).
                0xE92D if h2 & 0xA000 == 0 => Some(-4 * words),
                0xE8AD if h2 & 0xA000 == 0 => Some(4 * words),
                0xE8BD if h2 & 0x2000 == 0 => Some(4 * (words)),
                0xE93D if h2 & 0xA000 == 0 => Some(-4 * words),
                // ADDW / SUBW SP, SP, #imm12.
                0xF20D | 0xF60D if rd == 13 => Some(imm12),
                0xF2AD | 0xF6AD if rd == 13 => Some(-imm12),
                // ADD.W / SUB.W SP, SP, #const (flags not set).
                0xF10D | 0xF50D if rd == 13 => thumb_expand_imm(h1, h2).map(|v| v as i32),
                0xF1AD | 0xF5AD if rd == 13 => thumb_expand_imm(h1, h2).map(|v| -(v as i32)),
                _ if single_wb && rn == 13 && !loads_sp => {
                    let imm8 = (h2 & 0xFF) as i32;
                    Some(if h2 & 0x0200 != 0 { imm8 } else { -imm8 })
                }
                _ if dual_wb && rn == 13 && !loads_sp => {
                    let imm = 4 * (h2 & 0xFF) as i32;
                    Some(if h1 & 0x0080 != 0 { imm } else { -imm })
                }
                _ => None,
            }
        }
        _ => None,
    };
    known.map_or(SpEffect::Dynamic, SpEffect::Static)
}

/// ThumbExpandImm of a 32-bit data-processing (modified immediate) encoding; `None` for the
/// forms whose value does not fit an i32 offset sensibly (never used to move SP).
fn thumb_expand_imm(h1: u16, h2: u16) -> Option<u32> {
    let imm12 = ((h1 >> 10) & 1) << 11 | ((h2 >> 12) & 0x7) << 8 | (h2 & 0xFF);
    let imm8 = (imm12 & 0xFF) as u32;
    let value = match imm12 >> 8 {
        0 => imm8,
        1 => imm8 << 16 | imm8,
        2 => imm8 << 24 | imm8 << 8,
        3 => imm8 << 24 | imm8 << 16 | imm8 << 8 | imm8,
        _ => (0x80 | (imm12 & 0x7F) as u32).rotate_right((imm12 >> 7) as u32),
    };
    (value < 0x1000_0000).then_some(value)
}

/// Instructions of an IT block still to come after `code`, given `remaining` before it.
fn it_block_after(code: &[u8], remaining: u32) -> u32 {
    match *code {
        [mask, 0xBF] if mask & 0xF != 0 => 4 - (mask & 0xF).trailing_zeros(),
        _ => remaining.saturating_sub(1),
    }
}

/// What a call that entered the middle of an instruction is reported as: a branch whose target
/// is not an instruction boundary (counting from the start of `.text`), a miscompile — and
/// nothing the harness measured about the call can be trusted.
const MISALIGNED: &str =
    "control reached the middle of an instruction (decoding lengths from the start of .text)";

/// Bytes of the Thumb instruction starting with `code`: 4 if its first halfword is a 32-bit
/// prefix (top five bits 0b11101, 0b11110 or 0b11111), 2 otherwise.
fn instruction_length(code: &[u8]) -> usize {
    match code {
        [_, b, ..] if b >> 3 >= 0b11101 => 4,
        _ => 2,
    }
}

fn read_sp(uc: *mut uc_sys::uc_engine) -> u32 {
    let mut value = 0u64;
    // SAFETY: `uc` is a live engine (the one running the hook); unicorn writes a u64 for SP.
    unsafe { uc_sys::uc_reg_read(uc, RegisterARM::SP as i32, (&raw mut value).cast()) };
    value as u32
}

/// At the start of every translated block of the compiled code (not the driver or the return
/// sentinel): counts instructions (the block's, decoded once and cached; a fault's tail is
/// subtracted afterwards, so the count is exact), enforces the budget before the block runs,
/// starts a new batched call where the called function is entered, and reads SP there.
/// A raw unicorn callback rather than the binding's closure hook, whose per-call bookkeeping
/// cost more than the work here. A hook on every instruction did the same work, but made
/// unicorn's translation of each module 3.7x slower, which dominated fuzzing campaigns.
///
/// # Safety
/// `user_data` is the `CallState` the `Emulator` owns, alive while the engine is.
unsafe extern "C" fn block_hook(uc: *mut uc_sys::uc_engine, addr: u64, size: u32, user_data: *mut c_void) {
    // SAFETY: see above; unicorn runs one hook at a time, and nothing else references the
    // state while `emu_start` runs.
    let state = unsafe { &mut *(user_data as *mut CallState) };
    let addr = addr as u32;
    let at = addr.wrapping_sub(TEXT_BASE) as usize;
    if at < state.text.len() && !(state.starts[at / 2] && at.is_multiple_of(2)) {
        state.misaligned.get_or_insert(addr);
    }
    let facts = match state.blocks.get(at / 2) {
        Some(Some(f)) if f.size == size => *f,
        _ => {
            let f = state.walk(at, at + size as usize);
            if let Some(slot) = state.blocks.get_mut(at / 2) {
                *slot = Some(f);
            }
            f
        }
    };
    let n = facts.count as u64;
    state.last_block = (addr, size);
    let sp = read_sp(uc);
    state.block_start_sp = sp;
    state.min_sp_before_block = state.min_sp;
    let low = sp.wrapping_add_signed(facts.min_sp_delta);
    state.min_sp = state.min_sp.min(low);
    if addr == state.entry {
        state.calls.push(BatchCall { executed: 0, min_sp: sp, entry_sp: sp });
    }
    state.executed += n;
    let mut over = state.executed > state.budget;
    if let Some(call) = state.calls.last_mut() {
        call.executed += n;
        call.min_sp = call.min_sp.min(low);
        over |= call.executed > state.call_budget;
    }
    if over {
        // SAFETY: as above.
        unsafe { uc_sys::uc_emu_stop(uc) };
    }
}

/// Before each instruction that follows one whose effect on SP is dynamic (`sp_effect`; a
/// correct compiler rarely emits one): reads SP, and takes the rest of the block from there
/// as the block hook does. Hooked per address, per loaded module.
///
/// # Safety
/// As `block_hook`.
unsafe extern "C" fn sp_hook(uc: *mut uc_sys::uc_engine, addr: u64, _size: u32, user_data: *mut c_void) {
    // SAFETY: as `block_hook`.
    let state = unsafe { &mut *(user_data as *mut CallState) };
    let sp = read_sp(uc);
    let (start, size) = state.last_block;
    let at = (addr as u32).wrapping_sub(TEXT_BASE) as usize;
    let end = (start + size).wrapping_sub(TEXT_BASE) as usize;
    let low = sp.wrapping_add_signed(state.walk(at, end.max(at)).min_sp_delta);
    state.min_sp = state.min_sp.min(low);
    if let Some(call) = state.calls.last_mut() {
        call.min_sp = call.min_sp.min(low);
    }
}

/// Whether the Thumb instruction `code` (2 or 4 bytes) may write SP. Conservative: a 32-bit
/// load or store (single or dual) qualifies if it loads SP or writes back to SP as the base
/// (a spill slot access `[sp, #imm]` does not); a data-processing or multiply instruction if
/// its destination is R13 (`add r0, sp, #8` and `cmp sp, r1` do not); any other 32-bit
/// instruction if any of its register fields names R13, or it is an LDM whose list has SP, or an MSR; a 16-bit one if it is PUSH/POP, ADD/SUB SP #imm, or a high-register
/// ADD/MOV into R13 (other 16-bit encodings cannot name SP as a destination). An instruction
/// flagged wrongly only costs an extra SP read; one missed would make the frame look smaller
/// than it is, and the harness would report a correct frame as a stray write — the corpus runs
/// guard against that, and `may_write_sp` is tested against llvm-mc's encodings.
fn may_write_sp(code: &[u8]) -> bool {
    match *code {
        [a, b] => {
            let h = u16::from_le_bytes([a, b]);
            let high_rd = (h >> 4) & 0x8 | h & 0x7;
            h & 0xF600 == 0xB400 // push / pop
                || h & 0xFF00 == 0xB000 // add / sub sp, #imm7
                || (matches!(h & 0xFF00, 0x4400 | 0x4600) && high_rd == 13) // add / mov sp, rm
        }
        [a, b, c, d] => {
            let h1 = u16::from_le_bytes([a, b]);
            let h2 = u16::from_le_bytes([c, d]);
            let (rn, rt, rt2) = (h1 & 0xF, h2 >> 12, (h2 >> 8) & 0xF);
            let load = h1 & 0x0010 != 0;
            // LDR/STR (any size) and LDRD/STRD: SP is written only as the loaded register or
            // by writeback to Rn. Everything else: any register field naming R13.
            let single = h1 & 0xFE00 == 0xF800 && (load || h1 & 0x0100 == 0);
            let dual = h1 & 0xFE40 == 0xE840 && h1 & 0x0120 != 0;
            if single {
                let writeback = h1 & 0x0080 == 0 && h2 & 0x0900 == 0x0900;
                return (load && rt == 13) || (writeback && rn == 13);
            }
            if dual {
                let writeback = h1 & 0x0020 != 0;
                return (load && (rt == 13 || rt2 == 13)) || (writeback && rn == 13);
            }
            // Data processing (modified or plain immediate, shifted register, register),
            // multiply: the only destination is Rd (h2[11:8]); long multiply: RdLo and RdHi.
            let data_processing = (h1 & 0xF800 == 0xF000 && h2 & 0x8000 == 0)
                || h1 & 0xFE00 == 0xEA00
                || h1 & 0xFF00 == 0xFA00
                || h1 & 0xFF80 == 0xFB00;
            if data_processing {
                return rt2 == 13;
            }
            if h1 & 0xFF80 == 0xFB80 {
                return rt2 == 13 || rt == 13;
            }
            // B.W, BL, and B<c>.W (not the MSR/MRS/hint space that shares its prefix): only
            // immediates.
            let branch = h1 & 0xF800 == 0xF000
                && match h2 & 0xD000 {
                    0x9000 | 0xD000 => true,
                    0x8000 => (h1 >> 7) & 0x7 != 0x7,
                    _ => false,
                };
            if branch {
                return false;
            }
            let fields = [rn, rt2, rt, h2 & 0xF];
            let ldm = matches!(h1 & 0xFFD0, 0xE890 | 0xE910); // LDMIA / LDMDB, any Rn, any W
            fields.contains(&13) || (ldm && h2 & 0x2000 != 0) || h1 & 0xFFF0 == 0xF380
        }
        // Not in the loaded image: assume the worst.
        _ => true,
    }
}

/// The batch driver (in the sentinel page): for each record from R11 to R10, load R0–R3 from it,
/// call R9, store R0:R1 and R4–R8 back into it (so every call's callee-saved registers are
/// checked, not only the last one's); then `wfi`.
const DRIVER: u64 = SENTINEL_PAGE + 0x100;
/// Host-backed records of a batch: arguments R0–R3 at 0..16, results R0:R1 at 16..24, R4–R8
/// after the call at 24..44.
const BATCH_BASE: u64 = 0x4100_0000;
const RECORD: usize = 64;
/// Most calls in one batch.
pub const BATCH_MAX: usize = 128;
/// The batch record area, whole pages.
const BATCH_BYTES: usize = (BATCH_MAX * RECORD).next_multiple_of(0x1000);

fn driver_code() -> Result<Vec<u8>, EmuSetupError> {
    use wasm2thumb::thumb::{Assembler, Cond, Imm12, Inst, LoadKind, MemOffset, Reg, StoreKind};
    let at = |k: i32| MemOffset::new(k).expect("small offset");
    let mut a = Assembler::new();
    let top = a.new_label();
    a.bind(top);
    for (k, rt) in [Reg::R0, Reg::R1, Reg::R2, Reg::R3].into_iter().enumerate() {
        a.emit(Inst::Load { kind: LoadKind::Word, rt, rn: Reg::R11, offset: at(4 * k as i32) });
    }
    a.emit(Inst::Blx { rm: Reg::R9 });
    a.emit(Inst::Store { kind: StoreKind::Word, rt: Reg::R0, rn: Reg::R11, offset: at(16) });
    a.emit(Inst::Store { kind: StoreKind::Word, rt: Reg::R1, rn: Reg::R11, offset: at(20) });
    for (k, rt) in [Reg::R4, Reg::R5, Reg::R6, Reg::R7, Reg::R8].into_iter().enumerate() {
        a.emit(Inst::Store { kind: StoreKind::Word, rt, rn: Reg::R11, offset: at(24 + 4 * k as i32) });
    }
    a.emit(Inst::AddW { rd: Reg::R11, rn: Reg::R11, imm: Imm12::new(RECORD as u32).expect("small") });
    a.emit(Inst::Cmp { rn: Reg::R11, rm: Reg::R10 });
    a.emit(Inst::B { cond: Some(Cond::Ne), target: top });
    let mut code = a.finish().map_err(|_| EmuSetupError::Unicorn(uc_error::ARG))?.bytes;
    code.extend_from_slice(&[0x30, 0xBF]); // wfi: the batch is over
    Ok(code)
}

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
        // Several results: the address of a result area, laid out like a struct (i32 4-byte,
        // i64 8-byte aligned), is a hidden first argument.
        let result_offsets = struct_offsets(results);
        let result_size =
            if results.len() > 1 { result_offsets.last().map_or(0, |o| o + 8) as usize } else { 0 };
        if result_size > RESULT_AREA_SIZE {
            return Outcome::EmulatorError { message: "result area too small for this many results" };
        }
        let hidden = (results.len() > 1).then_some(RESULT_AREA);
        let (regs, stack_words) = place_arguments(hidden, args, noise ^ 0xDEAD_00AD);
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
        self.hook.begin(budget, u64::MAX, sp, u32::MAX, 0);
        // Flags too start as per-call garbage: code that reads flags it never set is caught.
        let _ = self.uc.reg_write(RegisterARM::APSR_NZCV, (((noise >> 9) & 0xF) as u64) << 28);
        self.uc.get_data_mut().addr = None;
        let result = self.uc.emu_start(addr as u64 | 1, 0, 0, 0);
        let pc = self.uc.pc_read().unwrap_or(0) as u32;
        // A call that faulted or trapped left its last block early: what it did not run is
        // neither counted nor part of its frame.
        if result.is_err() {
            if let Some((tail, min_sp)) = self.hook.stopped_at(pc) {
                self.hook.executed -= tail as u64;
                self.hook.min_sp = min_sp;
            }
        }
        let state = &self.hook;
        self.last =
            CallMeasurements { executed: state.executed.min(budget), stack_bytes: sp - state.min_sp.min(sp) };
        if state.misaligned.is_some() {
            return Outcome::EmulatorError { message: MISALIGNED };
        }
        let (min_sp, fault_addr) = (state.min_sp, self.uc.get_data().addr);
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

    /// Whether calls with these parameter types and results can be batched: every argument in
    /// R0–R3, at most one result (in R0 or R0:R1).
    pub fn batchable(params: &[Ty], results: &[Ty]) -> bool {
        let args: Vec<Value> = params.iter().map(|t| Value::of(*t, 0)).collect();
        results.len() <= 1 && place_arguments(None, &args, 0).1.is_empty()
    }

    /// Calls the function at `addr` once per argument vector in a single `emu_start`, through a
    /// small driver: the per-call entry cost is paid once per batch. What differs from `call`:
    /// R4–R8 canaries, R12 and the stack garbage are set once per batch (a clobber or a stray
    /// write shows at the end of the batch), the budget is the batch's. Anything but every call
    /// returning cleanly (a trap, a fault, the budget, a register or SP not restored, a stray
    /// write, a function entered other than once per call) gives `None`: the caller then runs
    /// the vectors one by one with `call`, which says exactly what happened. Only for functions
    /// that read and write no state, whose parameters pass `batchable`.
    pub fn call_batch(
        &mut self,
        addr: u32,
        vectors: &[Vec<Value>],
        results: &[Ty],
        budget: u64,
    ) -> Option<Vec<(Vec<Value>, CallMeasurements)>> {
        if vectors.is_empty() || vectors.len() > BATCH_MAX || results.len() > 1 {
            return None;
        }
        self.calls += 1;
        let noise = (self.calls as u32).wrapping_mul(0x2C1B_3C6D);
        for (k, args) in vectors.iter().enumerate() {
            let (regs, stack_words) = place_arguments(None, args, 0);
            if !stack_words.is_empty() {
                return None;
            }
            for (i, r) in regs.iter().enumerate() {
                let word = r.unwrap_or(noise ^ 0xDEAD_0000 ^ (k as u32) << 4 ^ i as u32);
                self.batch[k * RECORD + 4 * i..k * RECORD + 4 * i + 4].copy_from_slice(&word.to_le_bytes());
            }
        }
        let mut canaries = [0u32; 5];
        for (i, r) in CALLEE_SAVED[..5].iter().enumerate() {
            canaries[i] =
                0xC0DE_0000 ^ (i as u32) << 12 ^ (self.calls as u32).wrapping_mul(0x9E37_79B9) & 0xFFF0_0FFF;
            let _ = self.uc.reg_write(*r, canaries[i] as u64);
        }
        let end = BATCH_BASE as u32 + (vectors.len() * RECORD) as u32;
        let driver_state =
            [(RegisterARM::R9, addr | 1), (RegisterARM::R10, end), (RegisterARM::R11, BATCH_BASE as u32)];
        for (r, v) in driver_state {
            let _ = self.uc.reg_write(r, v as u64);
        }
        let _ = self.uc.reg_write(RegisterARM::R12, (noise ^ 0xDEAD_000C) as u64);
        let sp = STACK_TOP;
        let low = Self::stack_index(STACK_TOP) - self.filled_depth;
        let high = Self::stack_index(RESULT_AREA) + RESULT_GUARD;
        let shift = (self.calls as usize * 4) % STACK_SIZE as usize;
        self.stack[low..high].copy_from_slice(&self.garbage[shift + low..shift + high]);
        let _ = self.uc.reg_write(RegisterARM::SP, sp as u64);
        let total = budget.saturating_mul(vectors.len() as u64);
        self.hook.begin(total, budget, sp, addr, vectors.len());
        let result = self.uc.emu_start(DRIVER | 1, 0, 0, 0);
        let pc = self.uc.pc_read().unwrap_or(0);
        let state = &self.hook;
        let depth = Self::stack_index(STACK_TOP) - Self::stack_index(state.min_sp.max(STACK_BASE as u32));
        self.filled_depth = self.filled_depth.max((depth + STACK_GUARD).min(Self::stack_index(STACK_TOP)));
        let driver_end = self.driver_end;
        let clean = result.is_ok()
            && state.misaligned.is_none()
            && pc == driver_end
            && state.calls.len() == vectors.len()
            && state.calls.iter().all(|c| c.entry_sp == sp)
            && (0..vectors.len()).all(|k| {
                (0..5).all(|i| {
                    let at = k * RECORD + 24 + 4 * i;
                    self.batch[at..at + 4] == canaries[i].to_le_bytes()
                })
            })
            && CALLEE_SAVED[..5]
                .iter()
                .zip(canaries)
                .all(|(r, c)| self.uc.reg_read(*r).ok() == Some(c as u64))
            && driver_state[..2].iter().all(|(r, v)| self.uc.reg_read(*r).ok() == Some(*v as u64))
            && self.uc.reg_read(RegisterARM::R11).ok() == Some(end as u64)
            && self.uc.reg_read(RegisterARM::SP).ok() == Some(sp as u64)
            && self.stray_write(low, state.min_sp, sp, 0, shift).is_none();
        if !clean {
            return None;
        }
        let out = vectors
            .iter()
            .enumerate()
            .zip(&state.calls)
            .map(|((k, _), call)| {
                let at = k * RECORD + 16;
                let bits = u64::from_le_bytes(self.batch[at..at + 8].try_into().expect("8 bytes"));
                let values = results.iter().map(|t| Value::of(*t, bits)).collect();
                (values, CallMeasurements { executed: call.executed, stack_bytes: sp - call.min_sp.min(sp) })
            })
            .collect();
        Some(out)
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
fn classify_undefined(uc: &Unicorn<'static, Fault>, pc: u32) -> Outcome {
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
    use super::{fixed_regions, may_write_sp, sp_effect, unmapped_ranges, SpEffect, BATCH_BASE, STACK_BASE};
    use std::process::Command;

    /// Bytes of each instruction, assembled by llvm-mc (one per line of `source`).
    fn assemble(source: &str) -> Vec<Vec<u8>> {
        let out = Command::new("llvm-mc")
            .args(["-triple=thumbv7em-none-eabi", "-show-encoding"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().expect("stdin").write_all(source.as_bytes())?;
                child.wait_with_output()
            })
            .expect("llvm-mc runs");
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .filter_map(|l| l.split_once("encoding: [").map(|(_, e)| e.trim_end_matches(']')))
            .map(|e| {
                e.split(',')
                    .map(|b| u8::from_str_radix(b.trim().trim_start_matches("0x"), 16).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_sp_writing_encoding_is_flagged() {
        let writers = "push {r4, lr}\npush.w {r4, r5, r6, r7, r8, lr}\npop {r4, pc}\npop.w {r4, r8, pc}\n\
            sub sp, #8\nadd sp, #508\nsub.w sp, sp, #1024\nsubw sp, sp, #4095\naddw sp, sp, #4000\n\
            add sp, r0\nmov sp, r0\nadd.w sp, sp, r2\nsub.w sp, sp, r3\nmov.w sp, r4\n\
            ldr.w sp, [r0]\nldr sp, [r1, #4]!\nstr r0, [sp, #-4]!\nldr r0, [sp], #4\n\
            ldr sp, [sp, #8]\nldrb r1, [sp], #1\nstrh r2, [sp, #-2]!\nldr sp, [r3, r4]\n\
            ldrd r4, r5, [sp, #8]!\nstrd r4, r5, [sp], #-8\n\
            stmdb sp!, {r4, r5}\nldmia.w sp!, {r4, r5}\nmsr msp, r0\nmsr psp, r1\n";
        let encoded = assemble(writers);
        assert_eq!(encoded.len(), writers.lines().count(), "llvm-mc assembled every line");
        for (code, line) in encoded.iter().zip(writers.lines()) {
            assert!(may_write_sp(code), "`{line}` ({code:02x?}) may write SP but is not flagged");
        }
        // And the check is not a constant: ordinary instructions are not flagged.
        let others =
            "adds r0, r1, r2\nmul r4, r5, r6\nldr r0, [r1]\nstr.w r8, [r4, #16]\nmovs r0, #1\nbx lr\n\
            ldr.w r4, [sp, #100]\nstr.w r8, [sp, #2000]\nldr r5, [sp, #-8]\nstr r6, [sp, #-12]\n\
            ldrb.w r4, [sp, #3]\nstrh.w r7, [sp, #6]\nldrsh.w r1, [sp, #2]\nldr.w r2, [sp, r3, lsl #2]\n\
            ldrd r4, r5, [sp, #8]\nstrd r6, r7, [sp, #16]\nstrd r4, r5, [r0], #8\nstr.w sp, [r0]\n\
            movw r0, #0xD000\nmovt r1, #0xDEAD\nmovw r3, #59229\nbl #-1092\nb.w #0x1D00\nbhi.w #378\n\
            beq.w #-0x2000\naddw r0, sp, #16\nadd.w r1, sp, #256\ncmp.w sp, r12\nsub.w r12, sp, r3\n\
            mov.w r4, sp\nsubs.w r2, sp, #4\nmul r3, r4, r5\numull r0, r1, r2, r3\n";
        let encoded = assemble(others);
        assert_eq!(encoded.len(), others.lines().count());
        for (code, line) in encoded.iter().zip(others.lines()) {
            assert!(!may_write_sp(code), "`{line}` ({code:02x?}) flagged");
        }
    }

    #[test]
    fn sp_effects_match_llvm_mc_encodings() {
        use SpEffect::{Dynamic, Static};
        let cases: &[(&str, SpEffect)] = &[
            ("push {r4, lr}", Static(-8)),
            ("push {r0, r1, r2, r3, r4, r5, r6, r7}", Static(-32)),
            ("push.w {r4, r5, r6, r7, r8, lr}", Static(-24)),
            ("pop {r4, pc}", Static(8)),
            ("pop.w {r4, r5, r6, r7, r8, pc}", Static(24)),
            ("sub sp, #8", Static(-8)),
            ("add sp, #508", Static(508)),
            ("sub.w sp, sp, #1024", Static(-1024)),
            ("add.w sp, sp, #0x10000", Static(0x10000)),
            ("subw sp, sp, #4095", Static(-4095)),
            ("addw sp, sp, #4000", Static(4000)),
            ("str r0, [sp, #-4]!", Static(-4)),
            ("ldr r0, [sp], #4", Static(4)),
            ("strh r2, [sp, #-2]!", Static(-2)),
            ("ldrd r4, r5, [sp, #8]!", Static(8)),
            ("strd r4, r5, [sp], #-8", Static(-8)),
            ("stmdb sp!, {r4, r5}", Static(-8)),
            ("ldmia.w sp!, {r4, r5}", Static(8)),
            ("add sp, r0", Dynamic),
            ("mov sp, r0", Dynamic),
            ("add.w sp, sp, r2", Dynamic),
            ("sub.w sp, sp, r3", Dynamic),
            ("ldr.w sp, [r0]", Dynamic),
            ("ldr sp, [sp, #8]", Dynamic),
            ("msr msp, r0", Dynamic),
            ("ldr.w r4, [sp, #100]", SpEffect::None),
            ("strd r6, r7, [sp, #16]", SpEffect::None),
            ("movw r0, #0xD000", SpEffect::None),
            ("adds r0, r1, r2", SpEffect::None),
        ];
        let source: String = cases.iter().map(|(line, _)| format!("{line}\n")).collect();
        let encoded = assemble(&source);
        assert_eq!(encoded.len(), cases.len(), "llvm-mc assembled every line");
        for (code, (line, want)) in encoded.iter().zip(cases) {
            assert_eq!(sp_effect(code, false), *want, "`{line}` ({code:02x?})");
        }
        // In an IT block a known writer may not execute: dynamic.
        assert_eq!(sp_effect(&encoded[0], true), Dynamic);
    }

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
