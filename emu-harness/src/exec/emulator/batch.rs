//! Batches: up to `BATCH_MAX` calls of a function that reads and writes no state in one
//! `emu_start`, through a small driver in the sentinel page.

use super::call::place_arguments;
use super::*;
use crate::oracle::outcome::Value;
use unicorn_engine::{uc_error, RegisterARM};
use wasm2thumb::ir::Ty;

/// The batch driver (in the sentinel page): for each record from R11 to R10, load R0–R3 from it,
/// call R9, store R0:R1 and R4–R8 back into it (so every call's callee-saved registers are
/// checked, not only the last one's); then `wfi`.
pub(super) const DRIVER: u64 = SENTINEL_PAGE + 0x100;
/// Host-backed records of a batch: arguments R0–R3 at 0..16, results R0:R1 at 16..24, R4–R8
/// after the call at 24..44.
pub(super) const BATCH_BASE: u64 = 0x4100_0000;
const RECORD: usize = 64;
/// Most calls in one batch.
pub const BATCH_MAX: usize = 128;
/// The batch record area, whole pages.
pub(super) const BATCH_BYTES: usize = (BATCH_MAX * RECORD).next_multiple_of(0x1000);

pub(super) fn driver_code() -> Result<Vec<u8>, EmuSetupError> {
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

impl Emulator {
    /// Whether calls with these parameter types and results can be batched: every argument in
    /// R0–R3, at most one result (in R0 or R0:R1, so no float with hard-float).
    pub fn batchable(&self, params: &[Ty], results: &[Ty]) -> bool {
        let args: Vec<Value> = params.iter().map(|t| Value::of(*t, 0)).collect();
        let placed = place_arguments(None, &args, 0, self.hard_float);
        let float_result = self.hard_float && matches!(results, [Ty::F32 | Ty::F64]);
        results.len() <= 1
            && !float_result
            && placed.stack.is_empty()
            && placed.vfp.iter().all(Option::is_none)
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
        if vectors.is_empty()
            || vectors.len() > BATCH_MAX
            || self.fpu.is_some()
            || !vectors.iter().all(|args| {
                let types: Vec<Ty> = args.iter().map(|a| a.ty()).collect();
                self.batchable(&types, results)
            })
        {
            return None;
        }
        self.calls += 1;
        let noise = (self.calls as u32).wrapping_mul(0x2C1B_3C6D);
        for (k, args) in vectors.iter().enumerate() {
            let regs = place_arguments(None, args, 0, self.hard_float).regs;
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
}
