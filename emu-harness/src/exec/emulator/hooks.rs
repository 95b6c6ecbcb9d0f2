//! What unicorn calls back into while code runs: the block hook (instruction counting, the
//! budget, the lowest SP, where a batched call starts), the SP hook after instructions whose
//! effect on SP only a run knows, and the invalid-access hook's record of a fault's address.

use super::decode::{instruction_length, it_block_after, sp_effect, SpEffect};
use std::ffi::c_void;
use unicorn_engine::RegisterARM;
use unicorn_engine_sys as uc_sys;
use wasm2thumb::TEXT_BASE;

/// What the invalid-memory hook records: the address of the access that faulted.
#[derive(Default)]
pub struct Fault {
    pub(super) addr: Option<u32>,
}

/// One call of a batch, as the hooks saw it.
#[derive(Clone, Copy, Debug)]
pub(super) struct BatchCall {
    pub(super) executed: u64,
    pub(super) min_sp: u32,
    /// SP when the call started: every call must find the SP the batch started with.
    pub(super) entry_sp: u32,
}

/// Per-call state the hooks update.
#[derive(Default)]
pub struct CallState {
    pub(super) executed: u64,
    pub(super) budget: u64,
    /// Lowest SP seen at the start of a block or after an instruction that may write SP.
    pub(super) min_sp: u32,
    /// In a batch: the called function's address; each time it is entered a new call starts.
    pub(super) entry: u32,
    /// In a batch: the budget of each call, and what each call so far used.
    pub(super) call_budget: u64,
    pub(super) calls: Vec<BatchCall>,
    /// The loaded `.text` (offset 0 = `TEXT_BASE`).
    pub(super) text: Vec<u8>,
    /// Per halfword of `.text`: whether an instruction starts there, decoding instruction
    /// lengths from `TEXT_BASE` (the text is code only: no literal pools, no tables).
    pub(super) starts: Vec<bool>,
    /// Per halfword of `.text`: what the block translated from there does (computed once).
    pub(super) blocks: Vec<Option<BlockFacts>>,
    /// The last block entered: its address and size (a fault leaves it early), SP at its
    /// start, and the lowest SP before it.
    pub(super) last_block: (u32, u32),
    pub(super) block_start_sp: u32,
    pub(super) min_sp_before_block: u32,
    /// A block started where no instruction starts: the instruction stream is not what the
    /// sweep decoded, so SP tracking cannot be trusted for this call.
    pub(super) misaligned: Option<u32>,
}

impl CallState {
    /// Per-call fields reset for a new run from `sp`.
    pub(super) fn begin(&mut self, budget: u64, call_budget: u64, sp: u32, entry: u32, calls: usize) {
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
    pub(super) fn load(&mut self, text: &[u8]) -> Vec<u32> {
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
    pub(super) fn walk(&self, at: usize, end: usize) -> BlockFacts {
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
    pub(super) fn stopped_at(&self, pc: u32) -> Option<(u32, u32)> {
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
pub(super) struct BlockFacts {
    pub(super) size: u32,
    pub(super) count: u32,
    /// Lowest SP the block reaches, relative to SP at its start (<= 0), up to the first
    /// instruction with a dynamic effect on SP.
    pub(super) min_sp_delta: i32,
    /// The block has such an instruction (a hook follows it).
    pub(super) dynamic: bool,
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
pub(super) unsafe extern "C" fn block_hook(
    uc: *mut uc_sys::uc_engine,
    addr: u64,
    size: u32,
    user_data: *mut c_void,
) {
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
pub(super) unsafe extern "C" fn sp_hook(
    uc: *mut uc_sys::uc_engine,
    addr: u64,
    _size: u32,
    user_data: *mut c_void,
) {
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
