//! One call: arguments placed per AAPCS, canaries and garbage set, the run, and the checks
//! after it (callee-saved registers, SP, stray writes) that classify how it ended.

use super::hooks::Fault;
use super::*;
use crate::oracle::outcome::{AbiViolation, Outcome, Region, StrayWrite, TrapKind, Value};
use unicorn_engine::{uc_error, RegisterARM, Unicorn};
use wasm2thumb::ir::Ty;
use wasm2thumb::{TrapCode, DATA_BASE};

/// Byte offsets of values laid out like a C struct: i32 on 4, i64 on 8 bytes.
fn struct_offsets(types: &[Ty]) -> Vec<u32> {
    let mut at = 0u32;
    types
        .iter()
        .map(|t| {
            let size = 4 * t.words();
            at = at.div_ceil(size) * size;
            at += size;
            at - size
        })
        .collect()
}

/// Where a call's arguments go: R0–R3, S0–S15 (hard-float only), and the stack words from SP up.
pub(super) struct Placement {
    pub regs: [Option<u32>; 4],
    pub vfp: [Option<u32>; 16],
    pub stack: Vec<u32>,
}

/// AAPCS: an optional hidden first argument (the result area's address), then R0–R3 in order,
/// an i64 in an even/odd pair; once one does not fit, it and the rest go to the stack (i64
/// 8-byte aligned, the gap filled with `pad`), with no back-filling. With `hard_float`
/// (AAPCS-VFP) floats go apart: an f32 to the lowest free S register, an f64 to the lowest D
/// register with both halves free (S0–S15, back-filling), and once one goes to the stack, every
/// later one does too. Written here independently of the compiler's own `abi` module.
pub(super) fn place_arguments(hidden: Option<u32>, args: &[Value], pad: u32, hard_float: bool) -> Placement {
    let mut regs: [Option<u32>; 4] = [None; 4];
    let mut vfp: [Option<u32>; 16] = [None; 16];
    let mut vfp_on_stack = false;
    let mut stack_words: Vec<u32> = Vec::new();
    let mut ncrn = 0;
    if let Some(h) = hidden {
        regs[0] = Some(h);
        ncrn = 1;
    }
    let to_stack = |stack_words: &mut Vec<u32>, v: u64, pair: bool| {
        if pair {
            if stack_words.len() % 2 == 1 {
                stack_words.push(pad);
            }
            stack_words.extend([v as u32, (v >> 32) as u32]);
        } else {
            stack_words.push(v as u32);
        }
    };
    for a in args {
        match *a {
            Value::F32(v) if hard_float => {
                match (0..16).find(|s| vfp[*s].is_none()).filter(|_| !vfp_on_stack) {
                    Some(s) => vfp[s] = Some(v),
                    None => {
                        vfp_on_stack = true;
                        to_stack(&mut stack_words, v as u64, false);
                    }
                }
            }
            Value::F64(v) if hard_float => {
                match (0..16)
                    .step_by(2)
                    .find(|s| vfp[*s].is_none() && vfp[s + 1].is_none())
                    .filter(|_| !vfp_on_stack)
                {
                    Some(s) => {
                        vfp[s] = Some(v as u32);
                        vfp[s + 1] = Some((v >> 32) as u32);
                    }
                    None => {
                        vfp_on_stack = true;
                        to_stack(&mut stack_words, v, true);
                    }
                }
            }
            // Otherwise floats go where integers of their size go (the base AAPCS).
            Value::I32(v) | Value::F32(v) if ncrn < 4 => {
                regs[ncrn] = Some(v);
                ncrn += 1;
            }
            Value::I32(v) | Value::F32(v) => to_stack(&mut stack_words, v as u64, false),
            Value::I64(v) | Value::F64(v) => {
                ncrn += ncrn % 2;
                if ncrn <= 2 {
                    regs[ncrn] = Some(v as u32);
                    regs[ncrn + 1] = Some((v >> 32) as u32);
                    ncrn += 2;
                } else {
                    ncrn = 4;
                    to_stack(&mut stack_words, v, true);
                }
            }
        }
    }
    Placement { regs, vfp, stack: stack_words }
}

/// AAPCS-VFP's argument registers.
const FLOAT_ARGS: [RegisterARM; 16] = [
    RegisterARM::S0,
    RegisterARM::S1,
    RegisterARM::S2,
    RegisterARM::S3,
    RegisterARM::S4,
    RegisterARM::S5,
    RegisterARM::S6,
    RegisterARM::S7,
    RegisterARM::S8,
    RegisterARM::S9,
    RegisterARM::S10,
    RegisterARM::S11,
    RegisterARM::S12,
    RegisterARM::S13,
    RegisterARM::S14,
    RegisterARM::S15,
];

/// AAPCS-VFP's callee-saved float registers.
const FLOAT_CALLEE_SAVED: [RegisterARM; 16] = [
    RegisterARM::S16,
    RegisterARM::S17,
    RegisterARM::S18,
    RegisterARM::S19,
    RegisterARM::S20,
    RegisterARM::S21,
    RegisterARM::S22,
    RegisterARM::S23,
    RegisterARM::S24,
    RegisterARM::S25,
    RegisterARM::S26,
    RegisterARM::S27,
    RegisterARM::S28,
    RegisterARM::S29,
    RegisterARM::S30,
    RegisterARM::S31,
];

/// What a call that entered the middle of an instruction is reported as: a branch whose target
/// is not an instruction boundary (counting from the start of `.text`), a miscompile — and
/// nothing the harness measured about the call can be trusted.
const MISALIGNED: &str =
    "control reached the middle of an instruction (decoding lengths from the start of .text)";

impl Emulator {
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
        let mut float_canaries = [0u32; 16];
        if let Some(fpscr) = self.fpu {
            let _ = self.uc.reg_write(RegisterARM::CONTROL, 4);
            let _ = self.uc.reg_write(RegisterARM::FPSCR, fpscr as u64);
            for (i, r) in FLOAT_CALLEE_SAVED.iter().enumerate() {
                float_canaries[i] = 0xF10A_0000
                    ^ (i as u32) << 12
                    ^ (self.calls as u32).wrapping_mul(0x85EB_CA6B) & 0x00F0_0FFF;
                let _ = self.uc.reg_write(*r, float_canaries[i] as u64);
            }
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
        let placed = place_arguments(hidden, args, noise ^ 0xDEAD_00AD, self.hard_float);
        let (regs, stack_words) = (placed.regs, placed.stack);
        for (i, r) in ARGS.iter().enumerate() {
            let _ = self.uc.reg_write(*r, regs[i].unwrap_or(noise ^ 0xDEAD_0000 ^ i as u32) as u64);
        }
        if self.hard_float {
            for (i, r) in FLOAT_ARGS.iter().enumerate() {
                let _ = self.uc.reg_write(*r, placed.vfp[i].unwrap_or(noise ^ 0xF1A0_0000 ^ i as u32) as u64);
            }
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
        if self.fpu.is_some() {
            for (i, r) in FLOAT_CALLEE_SAVED.iter().enumerate() {
                let found = self.uc.reg_read(*r).unwrap_or(0) as u32;
                if found != float_canaries[i] {
                    return Outcome::AbiViolation {
                        what: AbiViolation::CalleeSavedFloat {
                            reg: 16 + i as u8,
                            expected: float_canaries[i],
                            found,
                        },
                    };
                }
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
        // One float result comes in S0 (D0: S1:S0) with hard-float, any other in R0 (R0:R1).
        let float_result = self.hard_float && matches!(results, [Ty::F32 | Ty::F64]);
        let (low, high) = if float_result {
            (RegisterARM::S0, RegisterARM::S1)
        } else {
            (RegisterARM::R0, RegisterARM::R1)
        };
        let r0 = self.uc.reg_read(low).unwrap_or(0) & 0xFFFF_FFFF;
        let r1 = self.uc.reg_read(high).unwrap_or(0) & 0xFFFF_FFFF;
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
    pub(super) fn stray_write(
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
