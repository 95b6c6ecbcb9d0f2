//! i64 values: each is two words, low word first, kept in a pair of pool registers (any two) or
//! in its two-word frame slot. A pair is allocated, evicted (Belady's rule, both registers at
//! once, one store of both words if memory does not hold it) and reloaded as one unit. Every i64
//! operation reads its operands from their pool pairs (`pair_operand`, the simple ones) or copies
//! them into fixed scratch registers (first operand R0:R1, second R2:R3), computes in scratch
//! registers, and only then does the result pair become the destination's value (`def_pair`): operands are
//! read before any destination register is written, whatever registers the allocator picks.
//! With a pool of one register, i64 values stay in memory.

use super::*;

/// Runtime routines the compiled code calls (emitted once per module, after the functions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Helper {
    /// R0:R1 / R2:R3 unsigned: quotient in R0:R1, remainder in R2:R3. The divisor is not zero.
    DivMod64U,
    /// The same, signed (remainder has the dividend's sign). Not called for MIN / -1 division.
    DivMod64S,
}

impl Helper {
    pub const ALL: [Helper; 2] = [Helper::DivMod64U, Helper::DivMod64S];

    pub fn name(self) -> &'static str {
        match self {
            Helper::DivMod64U => "__wasm2thumb_divmod64_u",
            Helper::DivMod64S => "__wasm2thumb_divmod64_s",
        }
    }
}

const R0: Reg = Reg::R0;
const R1: Reg = Reg::R1;
const R2: Reg = Reg::R2;
const R3: Reg = Reg::R3;
const R12: Reg = Reg::R12;
const LR: Reg = Reg::Lr;

fn dp(op: DpOp, rd: Reg, rn: Reg, rm: Reg) -> Inst {
    Inst::Dp { op, s: true, rd, rn, rm }
}

fn dpi(op: DpOp, rd: Reg, rn: Reg, imm: u32) -> Inst {
    Inst::DpImm { op, s: true, rd, rn, imm: modimm(imm) }
}

fn shift(op: ShiftOp, rd: Reg, rn: Reg, rm: Reg) -> Inst {
    Inst::ShiftReg { op, s: true, rd, rn, rm }
}

fn shift_imm(op: ShiftOp, rd: Reg, rm: Reg, amount: u32) -> Inst {
    Inst::ShiftImm { op, s: true, rd, rm, amount: ShiftAmount::new(amount).unwrap() }
}

impl Lowerer<'_> {
    /// Copies i64 `v` into scratch `lo`:`hi` from its pool pair or its slot, without touching
    /// the pool (safe while other operands of the instruction sit in pool registers).
    pub(super) fn load_pair(&mut self, v: Var, lo: Reg, hi: Reg) {
        let st = self.vars[v.0 as usize];
        if let (Some(a), Some(b)) = (st.reg, st.reg_hi) {
            self.emit(Inst::Mov { rd: lo, rm: self.pool[a] });
            self.emit(Inst::Mov { rd: hi, rm: self.pool[b] });
            return;
        }
        debug_assert!(st.in_memory, "a non-resident i64 must be in memory");
        self.stats.reloads += 1;
        let slot = self.slot_of(v);
        self.code.push(Emit::Note(Note::Reload(v)));
        self.emit(Inst::Load { kind: LoadKind::Word, rt: lo, rn: Reg::Sp, offset: sp_offset(slot) });
        self.code.push(Emit::Note(Note::Reload(v)));
        self.emit(Inst::Load { kind: LoadKind::Word, rt: hi, rn: Reg::Sp, offset: sp_offset(slot + 1) });
    }

    /// The frame slot of `v` when it is not in a register and outlives instruction `pos`: it can
    /// then be loaded after the destination is allocated (the slot of a value dying at `pos` may
    /// be handed to a value that allocation evicts).
    fn slot_outliving(&mut self, v: Var, pos: u32) -> Option<u32> {
        let dies = self.is_temp(v) && self.live.next_use(v, pos + 1) == u32::MAX;
        (self.vars[v.0 as usize].reg.is_none() && !dies).then(|| self.slot_of(v))
    }

    /// Loads the word of `v` in frame slot `slot` into `rt`.
    fn reload_word(&mut self, v: Var, rt: Reg, slot: u32) {
        self.stats.reloads += 1;
        self.code.push(Emit::Note(Note::Reload(v)));
        self.emit(Inst::Load { kind: LoadKind::Word, rt, rn: Reg::Sp, offset: sp_offset(slot) });
    }

    /// `load_pair`, then a value read from memory is reloaded into a pool pair (as one unit),
    /// for its later uses. Only where no other operand of the instruction is in the pool.
    fn load_pair_reloading(&mut self, v: Var, lo: Reg, hi: Reg, pos: u32) {
        let resident = self.vars[v.0 as usize].reg.is_some();
        self.load_pair(v, lo, hi);
        if !resident && self.pool.len() >= 2 && self.live.next_use(v, pos + 1) != u32::MAX {
            // Evictions here count this instruction's other operands as still needed (`from` is
            // `pos`): one not yet copied to scratch is stored before its registers are reused.
            self.claim_pair(v, pos, lo, hi, &[]);
            self.vars[v.0 as usize].in_memory = true;
        }
    }

    /// The registers to read i64 `v` from in place: its pool pair if resident (their indices
    /// are added to `pinned`), else scratch `lo`:`hi` loaded from memory (the value is also
    /// reloaded into a pool pair when two registers can be had without evicting `pinned`).
    pub(super) fn pair_operand(
        &mut self,
        v: Var,
        lo: Reg,
        hi: Reg,
        pos: u32,
        pinned: &mut Vec<usize>,
    ) -> (Reg, Reg) {
        let st = self.vars[v.0 as usize];
        if let (Some(a), Some(b)) = (st.reg, st.reg_hi) {
            pinned.extend([a, b]);
            return (self.pool[a], self.pool[b]);
        }
        self.load_pair(v, lo, hi);
        let room = self.pool.len() >= 2 + pinned.len();
        if room && self.live.next_use(v, pos + 1) != u32::MAX {
            self.claim_pair(v, pos, lo, hi, pinned);
            self.vars[v.0 as usize].in_memory = true;
        }
        (lo, hi)
    }

    /// Puts `lo`:`hi` in a pool pair for `v` (its own, or two registers freed by Belady's rule
    /// counting uses from `from`).
    fn claim_pair(&mut self, v: Var, from: u32, lo: Reg, hi: Reg, pinned: &[usize]) {
        let (a, b) = match (self.vars[v.0 as usize].reg, self.vars[v.0 as usize].reg_hi) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                let a = self.alloc(pinned, from);
                let mut both = pinned.to_vec();
                both.push(a);
                let b = self.alloc(&both, from);
                (a, b)
            }
        };
        self.place_pair(v, a, b);
        self.emit(Inst::Mov { rd: self.pool[a], rm: lo });
        self.emit(Inst::Mov { rd: self.pool[b], rm: hi });
    }

    /// Scratch `lo`:`hi` (never pool registers) becomes i64 `dst`'s value: in a pool pair when
    /// the pool has at least two registers, else in its slot. Nothing is kept for a temporary
    /// nobody reads. Operands must have been read already.
    pub(super) fn def_pair(&mut self, dst: Var, pos: u32, lo: Reg, hi: Reg) {
        self.free_dead(pos);
        if self.is_temp(dst) && self.live.uses[dst.0 as usize].is_empty() {
            return;
        }
        if self.returned_next(dst, pos) {
            // The function's single result, returned next: straight into R0:R1.
            match (lo, hi) {
                (R1, R0) => {
                    self.emit(Inst::Mov { rd: R12, rm: R0 });
                    self.emit(Inst::Mov { rd: R0, rm: R1 });
                    self.emit(Inst::Mov { rd: R1, rm: R12 });
                }
                (lo, R0) => {
                    self.emit(Inst::Mov { rd: R1, rm: R0 });
                    self.emit(Inst::Mov { rd: R0, rm: lo });
                }
                (lo, hi) => {
                    if lo != R0 {
                        self.emit(Inst::Mov { rd: R0, rm: lo });
                    }
                    if hi != R1 {
                        self.emit(Inst::Mov { rd: R1, rm: hi });
                    }
                }
            }
            self.in_r0 = Some(dst);
            return;
        }
        if self.pool.len() >= 2 {
            self.claim_pair(dst, pos + 1, lo, hi, &[]);
            self.vars[dst.0 as usize].in_memory = false;
            self.after_def(dst, pos);
            return;
        }
        let slot = self.slot_of(dst);
        self.code.push(Emit::Note(Note::Spill(dst)));
        self.emit(Inst::Store { kind: StoreKind::Word, rt: lo, rn: Reg::Sp, offset: sp_offset(slot) });
        self.code.push(Emit::Note(Note::Spill(dst)));
        self.emit(Inst::Store { kind: StoreKind::Word, rt: hi, rn: Reg::Sp, offset: sp_offset(slot + 1) });
        self.vars[dst.0 as usize].in_memory = true;
    }

    /// The pool pair i64 `dst` (defined at `pos`, operands already read) is computed into,
    /// claimed now: its own pair if resident, else two registers by Belady's rule, the low one
    /// not among `not_lo` (pool indices). `None` (compute in scratch, then `def_pair`) when the
    /// pool has fewer than two registers, the value is returned next or nobody reads it, or
    /// its resident low register is in `not_lo`.
    fn pair_destination(&mut self, dst: Var, pos: u32, not_lo: &[usize]) -> Option<(Reg, Reg)> {
        self.free_dead(pos);
        let unread = self.is_temp(dst) && self.live.uses[dst.0 as usize].is_empty();
        if self.pool.len() < 2 || unread || self.returned_next(dst, pos) {
            return None;
        }
        let (a, b) = match (self.vars[dst.0 as usize].reg, self.vars[dst.0 as usize].reg_hi) {
            (Some(a), Some(b)) if !not_lo.contains(&a) => (a, b),
            (Some(_), Some(_)) => return None,
            _ => {
                if not_lo.len() + 2 > self.pool.len() {
                    return None;
                }
                let a = self.alloc(not_lo, pos + 1);
                let b = self.alloc(&[a], pos + 1);
                (a, b)
            }
        };
        self.place_pair(dst, a, b);
        self.vars[dst.0 as usize].in_memory = false;
        Some((self.pool[a], self.pool[b]))
    }

    /// Pool registers `a`:`b` hold i64 `v` from now on (memory's copy is the caller's concern).
    pub(super) fn place_pair(&mut self, v: Var, a: usize, b: usize) {
        self.regs[a] = Some(v);
        self.regs[b] = Some(v);
        self.used[a] = true;
        self.used[b] = true;
        let st = &mut self.vars[v.0 as usize];
        st.reg = Some(a);
        st.reg_hi = Some(b);
    }

    /// An i32 result of an i64 operation: its register, after the operands were read.
    fn def_i32(&mut self, dst: Var, pos: u32) -> Reg {
        self.free_dead(pos);
        self.def(dst, pos)
    }

    /// Lowers `inst` if it involves i64 values; returns whether it did.
    pub(super) fn inst64(&mut self, pos: u32, inst: &IrInst) -> bool {
        match *inst {
            IrInst::Copy { dst, src: Operand::Var(src) } if self.is_i64(dst) => {
                let st = self.vars[src.0 as usize];
                let dies = self.is_temp(src) && self.live.next_use(src, pos + 1) == u32::MAX;
                match (st.reg, st.reg_hi) {
                    // A resident temporary dying here: its pair is renamed, nothing moves.
                    (Some(a), Some(b)) if dies && self.vars[dst.0 as usize].reg.is_none() => {
                        self.release(src);
                        self.free_dead(pos);
                        if !self.returned_next(dst, pos) {
                            self.place_pair(dst, a, b);
                            self.vars[dst.0 as usize].in_memory = false;
                            self.after_def(dst, pos);
                        } else {
                            let (lo, hi) = (self.pool[a], self.pool[b]);
                            self.def_pair(dst, pos, lo, hi);
                        }
                    }
                    // Resident: pool to pool (the destination's low register never the
                    // source's high one, which is read second).
                    (Some(a), Some(b)) => {
                        // The source's registers, read below even if it died here (`free_dead`
                        // forgets it, nothing overwrites them before the moves).
                        let (slo, shi) = (self.pool[a], self.pool[b]);
                        match self.pair_destination(dst, pos, &[b]) {
                            Some((dlo, dhi)) => {
                                if dlo != slo {
                                    self.emit(Inst::Mov { rd: dlo, rm: slo });
                                }
                                if dhi != shi {
                                    self.emit(Inst::Mov { rd: dhi, rm: shi });
                                }
                            }
                            None => {
                                self.emit(Inst::Mov { rd: R0, rm: slo });
                                self.emit(Inst::Mov { rd: R1, rm: shi });
                                self.def_pair(dst, pos, R0, R1);
                            }
                        }
                    }
                    _ => {
                        self.load_pair_reloading(src, R0, R1, pos);
                        self.def_pair(dst, pos, R0, R1);
                    }
                }
            }
            IrInst::Select { dst, a, b, cond } if self.is_i64(dst) => {
                // Operands read in place; each word chosen by its own conditional move(s).
                let mut pinned = Vec::new();
                let (alo, ahi) = self.pair_operand(a.var().expect("i64"), R0, R1, pos, &mut pinned);
                let (blo, bhi) = self.pair_operand(b.var().expect("i64"), R2, R3, pos, &mut pinned);
                let rc = self.operand_into(cond, R12);
                self.emit(Inst::CmpImm { rn: rc, imm: modimm(0) });
                // The low word is written first: its register is neither high operand.
                let his: Vec<usize> =
                    [ahi, bhi].iter().filter_map(|r| self.pool.iter().position(|p| p == r)).collect();
                let (dlo, dhi) = self.pair_destination(dst, pos, &his).unwrap_or((R12, LR));
                self.select_into(dlo, Cond::Ne, alo, blo);
                self.select_into(dhi, Cond::Ne, ahi, bhi);
                if dlo == R12 {
                    self.def_pair(dst, pos, R12, LR);
                } else {
                    self.after_def(dst, pos);
                }
            }
            IrInst::GlobalGet { dst, global } if self.is_i64(dst) => {
                self.data_address(R12, crate::global_addr(global));
                self.emit(Inst::Load {
                    kind: LoadKind::Word,
                    rt: R0,
                    rn: R12,
                    offset: MemOffset::new(0).unwrap(),
                });
                self.emit(Inst::Load {
                    kind: LoadKind::Word,
                    rt: R1,
                    rn: R12,
                    offset: MemOffset::new(4).unwrap(),
                });
                self.def_pair(dst, pos, R0, R1);
            }
            IrInst::GlobalSet { global, src: Operand::Var(src) } if self.is_i64(src) => {
                self.load_pair(src, R0, R1);
                self.free_dead(pos);
                self.data_address(R12, crate::global_addr(global));
                self.emit(Inst::Store {
                    kind: StoreKind::Word,
                    rt: R0,
                    rn: R12,
                    offset: MemOffset::new(0).unwrap(),
                });
                self.emit(Inst::Store {
                    kind: StoreKind::Word,
                    rt: R1,
                    rn: R12,
                    offset: MemOffset::new(4).unwrap(),
                });
            }
            IrInst::Return(ref values)
                if self.f.ret_ptr.is_none()
                    && values.first().and_then(|v| v.var()).is_some_and(|v| self.is_i64(v)) =>
            {
                let v = values[0].var().expect("checked");
                if self.in_r0 != Some(v) {
                    self.load_pair(v, R0, R1);
                }
                if let ArgLoc::D(dm) = crate::abi::result_location(self.f.results[0], self.conventions.own) {
                    self.emit(Inst::Vfp(crate::thumb::vfp::Vfp::FromCorePair { dm, rt: R0, rt2: R1 }));
                }
                self.code.push(Emit::Epilogue);
                self.free_dead(pos);
                self.clear();
            }
            IrInst::Const64 { dst, value } => {
                // No operands: the constant goes straight into its pool pair when it gets one.
                let (lo, hi) = self.pair_destination(dst, pos, &[]).unwrap_or((R0, R1));
                for i in mov_imm(lo, value as u32) {
                    self.emit(i);
                }
                for i in mov_imm(hi, (value >> 32) as u32) {
                    self.emit(i);
                }
                if lo == R0 {
                    self.def_pair(dst, pos, R0, R1);
                }
            }
            IrInst::Bin64 { op, dst, a, b } => self.bin64(pos, op, dst, a, b),
            IrInst::Cmp64 { op, dst, a, b } => {
                // Operands are read in place (pool pairs stay pinned while the other is read).
                let mut pinned = Vec::new();
                let (alo, ahi) = self.pair_operand(a, R0, R1, pos, &mut pinned);
                let (blo, bhi) = self.pair_operand(b, R2, R3, pos, &mut pinned);
                let cond = match op {
                    BinOp::Eq | BinOp::Ne => {
                        self.emit(dp(DpOp::Eor, R12, alo, blo));
                        self.emit(dp(DpOp::Eor, LR, ahi, bhi));
                        self.emit(dp(DpOp::Orr, R12, R12, LR));
                        if op == BinOp::Eq {
                            Cond::Eq
                        } else {
                            Cond::Ne
                        }
                    }
                    _ => {
                        // a - b (or b - a) through the carry chain; only the flags are kept.
                        let swap = matches!(op, BinOp::GtS | BinOp::GtU | BinOp::LeS | BinOp::LeU);
                        let (x, y) = if swap { ((blo, bhi), (alo, ahi)) } else { ((alo, ahi), (blo, bhi)) };
                        self.emit(Inst::Cmp { rn: x.0, rm: y.0 });
                        self.emit(dp(DpOp::Sbc, R12, x.1, y.1));
                        match op {
                            BinOp::LtS | BinOp::GtS => Cond::Lt,
                            BinOp::LtU | BinOp::GtU => Cond::Lo,
                            BinOp::GeS | BinOp::LeS => Cond::Ge,
                            _ => Cond::Hs,
                        }
                    }
                };
                let rd = self.def_i32(dst, pos);
                self.set_bool(rd, cond);
                self.after_def(dst, pos);
            }
            IrInst::Eqz64 { dst, a } => {
                let (lo, hi) = self.pair_operand(a, R0, R1, pos, &mut Vec::new());
                self.emit(dp(DpOp::Orr, R12, lo, hi));
                let rd = self.def_i32(dst, pos);
                self.set_bool(rd, Cond::Eq);
                self.after_def(dst, pos);
            }
            IrInst::Wrap { dst, a } => {
                // Only the low word is read: straight from its slot into the result's register,
                // else its pool register, or its slot into R0.
                if let Some(slot) = self.slot_outliving(a, pos) {
                    let rd = self.def_i32(dst, pos);
                    self.reload_word(a, rd, slot);
                    self.after_def(dst, pos);
                    return true;
                }
                let low = self.operand_into(Operand::Var(a), R0);
                let rd = self.def_i32(dst, pos);
                if rd != low {
                    self.emit(Inst::Mov { rd, rm: low });
                }
                self.after_def(dst, pos);
            }
            IrInst::Extend { signed, dst, a } => {
                // The low word is the operand: loaded from its slot straight into the low
                // register when it outlives this instruction, else read where it is. The pair
                // is the destination's (scratch R0:R12 when it gets none); the high word is
                // computed from the operand's register, which the move into the low one leaves intact.
                let in_slot = a.var().and_then(|v| self.slot_outliving(v, pos).map(|slot| (v, slot)));
                let ra = if in_slot.is_none() { Some(self.operand_into(a, R0)) } else { None };
                let (lo, hi) = self.pair_destination(dst, pos, &[]).unwrap_or((R0, R12));
                match (in_slot, ra) {
                    (Some((v, slot)), _) => self.reload_word(v, lo, slot),
                    (None, Some(ra)) if ra != lo => self.emit(Inst::Mov { rd: lo, rm: ra }),
                    _ => {}
                }
                if signed {
                    self.emit(shift_imm(ShiftOp::Asr, hi, ra.unwrap_or(lo), 31));
                } else {
                    self.emit(Inst::MovImm { s: false, rd: hi, imm: modimm(0) });
                }
                if lo == R0 {
                    self.def_pair(dst, pos, R0, R12);
                } else {
                    self.after_def(dst, pos);
                }
            }
            IrInst::Un64 { op, dst, a } => {
                let (lo, hi) = self.pair_operand(a, R0, R1, pos, &mut Vec::new());
                self.un64(op, lo, hi);
                self.def_pair(dst, pos, R12, LR);
            }
            IrInst::Load64 { kind, dst, addr, offset } => {
                let ra = self.operand_into(addr, R2);
                match self.memory_access(ra, offset, kind.bytes()) {
                    Some(off) => {
                        let lo_kind = match kind {
                            MemLoad64::I64 | MemLoad64::I32S | MemLoad64::I32U => LoadKind::Word,
                            MemLoad64::I8S => LoadKind::SignedByte,
                            MemLoad64::I8U => LoadKind::Byte,
                            MemLoad64::I16S => LoadKind::SignedHalf,
                            MemLoad64::I16U => LoadKind::Half,
                        };
                        self.emit(Inst::Load { kind: lo_kind, rt: R2, rn: R0, offset: off });
                        match kind {
                            MemLoad64::I64 => {
                                let high = MemOffset::new(off.value() + 4).expect("-3");
                                self.emit(Inst::Load { kind: LoadKind::Word, rt: R3, rn: R0, offset: high });
                            }
                            MemLoad64::I8S | MemLoad64::I16S | MemLoad64::I32S => {
                                self.emit(shift_imm(ShiftOp::Asr, R3, R2, 31))
                            }
                            _ => self.emit(Inst::MovImm { s: false, rd: R3, imm: modimm(0) }),
                        }
                        self.def_pair(dst, pos, R2, R3);
                    }
                    None => {
                        // Never reached (a `udf` was emitted): only the bookkeeping.
                        self.free_dead(pos);
                        self.vars[dst.0 as usize].in_memory = true;
                    }
                }
            }
            IrInst::Store64 { kind, addr, value, offset } => {
                let ra = self.operand_into(addr, R2);
                self.load_pair(value, R1, R3);
                self.free_dead(pos);
                if let Some(off) = self.memory_access(ra, offset, kind.bytes()) {
                    self.emit(Inst::Store { kind: store_kind(kind), rt: R1, rn: R0, offset: off });
                    if kind == MemStore::I64 {
                        let high = MemOffset::new(off.value() + 4).expect("-3");
                        self.emit(Inst::Store { kind: StoreKind::Word, rt: R3, rn: R0, offset: high });
                    }
                }
            }
            _ => return false,
        }
        true
    }

    /// i64 `op` of R0:R1 (a) and R2:R3 (b) into R12:LR, then the result pair becomes `dst`.
    fn bin64(&mut self, pos: u32, op: BinOp, dst: Var, a: Var, b: Var) {
        if matches!(op, BinOp::Add | BinOp::Sub | BinOp::And | BinOp::Or | BinOp::Xor) {
            // Two instructions reading the operands in place, results in R12:LR.
            let mut pinned = Vec::new();
            let (alo, ahi) = self.pair_operand(a, R0, R1, pos, &mut pinned);
            let (blo, bhi) = self.pair_operand(b, R2, R3, pos, &mut pinned);
            let (lo, hi) = match op {
                BinOp::Add => (DpOp::Add, DpOp::Adc),
                BinOp::Sub => (DpOp::Sub, DpOp::Sbc),
                BinOp::And => (DpOp::And, DpOp::And),
                BinOp::Or => (DpOp::Orr, DpOp::Orr),
                _ => (DpOp::Eor, DpOp::Eor),
            };
            // Straight into the destination pair when it can have one whose low register is
            // not a high operand (the high instruction reads those after the low one writes).
            let his: Vec<usize> =
                [ahi, bhi].iter().filter_map(|r| self.pool.iter().position(|p| p == r)).collect();
            let (dlo, dhi) = self.pair_destination(dst, pos, &his).unwrap_or((R12, LR));
            self.emit(dp(lo, dlo, alo, blo));
            let hi = if injected!(self.inject, I64AddCarryDroppedInPoolPair) && hi == DpOp::Adc && dlo != R12
            {
                DpOp::Add
            } else {
                hi
            };
            self.emit(dp(hi, dhi, ahi, bhi));
            if dlo == R12 {
                self.def_pair(dst, pos, R12, LR);
            }
            return;
        }
        if matches!(op, BinOp::Mul | BinOp::Shl | BinOp::ShrU | BinOp::ShrS) {
            // Expansions that only read the first operand: it stays where it is.
            let mut pinned = Vec::new();
            let (lo, hi) = self.pair_operand(a, R0, R1, pos, &mut pinned);
            if op == BinOp::Mul {
                // lo*lo as 64 bits, plus both cross products into the high word.
                let (blo, bhi) = self.pair_operand(b, R2, R3, pos, &mut pinned);
                self.emit(Inst::Umull { rdlo: R12, rdhi: LR, rn: lo, rm: blo });
                self.emit(Inst::Mla { rd: LR, rn: lo, rm: bhi, ra: LR });
                self.emit(Inst::Mla { rd: LR, rn: hi, rm: blo, ra: LR });
            } else {
                // A shift amount is taken mod 64: only its low word is read, masked into R2
                // (R3 is scratch).
                let amount = self.operand_into(Operand::Var(b), R2);
                let mask = if injected!(self.inject, I64ShiftAmountMaskedMod256) { 255 } else { 63 };
                self.emit(dpi(DpOp::And, R2, amount, mask));
                self.shift64(op, lo, hi);
            }
            self.def_pair(dst, pos, R12, LR);
            return;
        }
        self.load_pair_reloading(a, R0, R1, pos);
        if matches!(op, BinOp::Rotl | BinOp::Rotr) {
            // A rotate amount is taken mod 64: its high word is never read (R3 is scratch).
            let low = self.operand_into(Operand::Var(b), R2);
            if low != R2 {
                self.emit(Inst::Mov { rd: R2, rm: low });
            }
        } else {
            self.load_pair_reloading(b, R2, R3, pos);
        }
        let mut result = (R12, LR);
        match op {
            BinOp::Rotl | BinOp::Rotr => {
                if op == BinOp::Rotr {
                    self.emit(dpi(DpOp::Rsb, R2, R2, 0));
                }
                self.emit(dpi(DpOp::And, R2, R2, 63));
                // By 32 or more: swap the words, then rotate by n mod 32.
                let swap_bit = if injected!(self.inject, I64RotateSwapTestsWrongBit) { 64 } else { 32 };
                self.emit(dpi(DpOp::And, R3, R2, swap_bit));
                let swap = [
                    Inst::Mov { rd: R12, rm: R0 },
                    Inst::Mov { rd: R0, rm: R1 },
                    Inst::Mov { rd: R1, rm: R12 },
                ];
                self.emit_it(Cond::Ne, ItPattern::new(&[true, true]).unwrap(), &swap);
                self.emit(dpi(DpOp::And, R2, R2, 31));
                self.emit(dpi(DpOp::Rsb, R3, R2, 32));
                self.emit(shift(ShiftOp::Lsl, LR, R1, R2));
                self.emit(shift(ShiftOp::Lsr, R12, R0, R3));
                self.emit(dp(DpOp::Orr, LR, LR, R12));
                self.emit(shift(ShiftOp::Lsl, R12, R0, R2));
                self.emit(shift(ShiftOp::Lsr, R3, R1, R3));
                self.emit(dp(DpOp::Orr, R12, R12, R3));
            }
            BinOp::DivS | BinOp::DivU | BinOp::RemS | BinOp::RemU => {
                self.emit(dp(DpOp::Orr, R12, R2, R3));
                self.trap_if(Cond::Eq, TrapCode::IntegerDivideByZero);
                if op == BinOp::DivS {
                    // MIN / -1 overflows: Z = (b == -1 && a == MIN), each compare made only
                    // while the ones before it found equality; one branch.
                    self.emit(dp(DpOp::And, R12, R2, R3));
                    self.emit(Inst::CmnImm { rn: R12, imm: modimm(1) });
                    let low = Inst::CmpImm { rn: R0, imm: modimm(0) };
                    let high = Inst::CmpImm { rn: R1, imm: modimm(0x8000_0000) };
                    self.emit_it(Cond::Eq, ItPattern::new(&[true]).unwrap(), &[low, high]);
                    self.trap_if(Cond::Eq, TrapCode::IntegerOverflow);
                }
                let signed = matches!(op, BinOp::DivS | BinOp::RemS);
                self.code.push(Emit::CallHelper(if signed { Helper::DivMod64S } else { Helper::DivMod64U }));
                result = if matches!(op, BinOp::DivS | BinOp::DivU) { (R0, R1) } else { (R2, R3) };
            }
            _ => unreachable!("comparisons are Cmp64"),
        }
        self.def_pair(dst, pos, result.0, result.1);
    }

    /// i64 shift `op` of `lo`:`hi` (read only) by R2 (0..=63) into R12:LR (R3 is free).
    fn shift64(&mut self, op: BinOp, lo: Reg, hi: Reg) {
        match op {
            BinOp::Shl => {
                // Register shifts of 32 or more give 0, so no branch is needed.
                self.emit(dpi(DpOp::Sub, R3, R2, 32));
                self.emit(shift(ShiftOp::Lsl, LR, hi, R2));
                self.emit(dpi(DpOp::Rsb, R12, R2, 32));
                self.emit(shift(ShiftOp::Lsr, R12, lo, R12));
                self.emit(dp(DpOp::Orr, LR, LR, R12));
                self.emit(shift(ShiftOp::Lsl, R12, lo, R3));
                self.emit(dp(DpOp::Orr, LR, LR, R12));
                self.emit(shift(ShiftOp::Lsl, R12, lo, R2));
            }
            BinOp::ShrU => {
                self.emit(dpi(DpOp::Sub, R3, R2, 32));
                self.emit(shift(ShiftOp::Lsr, R12, lo, R2));
                self.emit(dpi(DpOp::Rsb, LR, R2, 32));
                self.emit(shift(ShiftOp::Lsl, LR, hi, LR));
                self.emit(dp(DpOp::Orr, R12, R12, LR));
                self.emit(shift(ShiftOp::Lsr, LR, hi, R3));
                self.emit(dp(DpOp::Orr, R12, R12, LR));
                self.emit(shift(ShiftOp::Lsr, LR, hi, R2));
            }
            BinOp::ShrS => {
                self.emit(shift(ShiftOp::Lsr, R12, lo, R2));
                self.emit(dpi(DpOp::Rsb, LR, R2, 32));
                self.emit(shift(ShiftOp::Lsl, LR, hi, LR));
                self.emit(dp(DpOp::Orr, R12, R12, LR));
                // n >= 32: the low word is the high word shifted by n - 32 (arithmetically).
                self.emit(dpi(DpOp::Sub, R3, R2, 32));
                let asr = Inst::ShiftReg { op: ShiftOp::Asr, s: false, rd: R12, rn: hi, rm: R3 };
                self.emit_it(Cond::Pl, ItPattern::t(), &[asr]);
                self.emit(shift(ShiftOp::Asr, LR, hi, R2));
            }
            _ => unreachable!("not a shift: {op:?}"),
        }
    }

    /// i64 `op` of `lo`:`hi` (read only) into R12:LR (R2, R3 are free).
    fn un64(&mut self, op: UnOp64, lo: Reg, hi: Reg) {
        let zero_high = Inst::MovImm { s: false, rd: LR, imm: modimm(0) };
        match op {
            UnOp64::Clz => {
                // clz(hi), or 32 + clz(lo) when hi is zero.
                self.emit(Inst::Clz { rd: R12, rm: hi });
                self.emit(Inst::CmpImm { rn: hi, imm: modimm(0) });
                let body = [
                    Inst::Clz { rd: R3, rm: lo },
                    Inst::DpImm { op: DpOp::Add, s: false, rd: R12, rn: R3, imm: modimm(32) },
                ];
                self.emit_it(Cond::Eq, ItPattern::new(&[true]).unwrap(), &body);
                self.emit(zero_high);
            }
            UnOp64::Ctz => {
                // ctz(lo), or 32 + ctz(hi) when lo is zero.
                self.emit(Inst::Rbit { rd: R12, rm: lo });
                self.emit(Inst::Clz { rd: R12, rm: R12 });
                self.emit(Inst::CmpImm { rn: lo, imm: modimm(0) });
                let body = [
                    Inst::Rbit { rd: R3, rm: hi },
                    Inst::Clz { rd: R3, rm: R3 },
                    Inst::DpImm { op: DpOp::Add, s: false, rd: R12, rn: R3, imm: modimm(32) },
                ];
                self.emit_it(Cond::Eq, ItPattern::new(&[true, true]).unwrap(), &body);
                self.emit(zero_high);
            }
            UnOp64::Popcnt => {
                // `popcnt` uses R0 and R1 as temporaries: the words move to R2, R3 first.
                self.emit(Inst::Mov { rd: R2, rm: lo });
                self.emit(Inst::Mov { rd: R3, rm: hi });
                self.popcnt(R12, R2);
                self.popcnt(LR, R3);
                self.emit(dp(DpOp::Add, R12, R12, LR));
                self.emit(zero_high);
            }
            UnOp64::Extend8S | UnOp64::Extend16S => {
                let bits = if op == UnOp64::Extend8S { 24 } else { 16 };
                self.emit(shift_imm(ShiftOp::Lsl, R12, lo, bits));
                self.emit(shift_imm(ShiftOp::Asr, R12, R12, bits));
                self.emit(shift_imm(ShiftOp::Asr, LR, R12, 31));
            }
            UnOp64::Extend32S => {
                self.emit(Inst::Mov { rd: R12, rm: lo });
                self.emit(shift_imm(ShiftOp::Asr, LR, lo, 31));
            }
        }
    }
}

/// The body of a runtime helper, assembled once per module that uses it.
pub fn helper_body(helper: Helper, asm: &mut crate::thumb::Assembler, unsigned: Label) {
    let e = |asm: &mut crate::thumb::Assembler, i: Inst| asm.emit(i);
    let (r4, r5, r6, r7) = (Reg::R4, Reg::R5, Reg::R6, Reg::R7);
    match helper {
        Helper::DivMod64U => {
            // Restoring division, one quotient bit per round: (rem:n) <<= 1; if rem >= d
            // { rem -= d; n |= 1 }. The remainder may reach 65 bits (then it is >= d).
            let (round, big, next) = (asm.new_label(), asm.new_label(), asm.new_label());
            e(asm, Inst::Push(crate::thumb::RegList::new(&[r4, r5, r6, r7, LR])));
            e(asm, Inst::MovImm { s: true, rd: r4, imm: modimm(0) });
            e(asm, Inst::MovImm { s: true, rd: r5, imm: modimm(0) });
            e(asm, Inst::MovImm { s: true, rd: r6, imm: modimm(64) });
            asm.bind(round);
            e(asm, dp(DpOp::Add, R0, R0, R0));
            e(asm, dp(DpOp::Adc, R1, R1, R1));
            e(asm, dp(DpOp::Adc, r4, r4, r4));
            e(asm, dp(DpOp::Adc, r5, r5, r5));
            e(asm, Inst::B { cond: Some(Cond::Hs), target: big });
            e(asm, dp(DpOp::Sub, r7, r4, R2));
            e(asm, dp(DpOp::Sbc, R12, r5, R3));
            e(asm, Inst::B { cond: Some(Cond::Lo), target: next });
            e(asm, Inst::Mov { rd: r4, rm: r7 });
            e(asm, Inst::Mov { rd: r5, rm: R12 });
            e(asm, dpi(DpOp::Orr, R0, R0, 1));
            e(asm, Inst::B { cond: None, target: next });
            asm.bind(big);
            e(asm, dp(DpOp::Sub, r4, r4, R2));
            e(asm, dp(DpOp::Sbc, r5, r5, R3));
            e(asm, dpi(DpOp::Orr, R0, R0, 1));
            asm.bind(next);
            e(asm, dpi(DpOp::Sub, r6, r6, 1));
            e(asm, Inst::B { cond: Some(Cond::Ne), target: round });
            e(asm, Inst::Mov { rd: R2, rm: r4 });
            e(asm, Inst::Mov { rd: R3, rm: r5 });
            e(asm, Inst::Pop(crate::thumb::RegList::new(&[r4, r5, r6, r7, Reg::Pc])));
        }
        Helper::DivMod64S => {
            // Divide magnitudes, then give the quotient the sign of n ^ d and the remainder the
            // sign of n. Negation: lo = 0 - lo, hi = 0 - hi - borrow.
            let negate = |asm: &mut crate::thumb::Assembler, lo: Reg, hi: Reg, sign: Reg| {
                let done = asm.new_label();
                asm.emit(Inst::CmpImm { rn: sign, imm: modimm(0) });
                asm.emit(Inst::B { cond: Some(Cond::Ge), target: done });
                asm.emit(dpi(DpOp::Rsb, lo, lo, 0));
                asm.emit(dp(DpOp::Sbc, hi, r6, hi));
                asm.bind(done);
            };
            e(asm, Inst::Push(crate::thumb::RegList::new(&[r4, r5, r6, LR])));
            e(asm, Inst::Mov { rd: r4, rm: R1 });
            e(asm, dp(DpOp::Eor, r5, R1, R3));
            e(asm, Inst::MovImm { s: true, rd: r6, imm: modimm(0) });
            negate(asm, R0, R1, R1);
            negate(asm, R2, R3, R3);
            e(asm, Inst::Bl { target: unsigned });
            e(asm, Inst::MovImm { s: true, rd: r6, imm: modimm(0) });
            negate(asm, R0, R1, r5);
            negate(asm, R2, R3, r4);
            e(asm, Inst::Pop(crate::thumb::RegList::new(&[r4, r5, r6, Reg::Pc])));
        }
    }
}
