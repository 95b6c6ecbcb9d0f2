//! The float pool: f32 values in callee-saved S registers (S16 upwards, AAPCS-VFP), on CPUs
//! with an FPU under the hard-float convention. It is the core pool's machinery over a second
//! range of pool indices (`pool.len()..`): the same Belady eviction (`alloc_in`), the same
//! label states and parallel moves (`edges`, per pool), the same frame slots. Only which
//! values go there, and the instructions that move them, are new here.
//!
//! Which values: an f32 that float code defines or reads and that only float operators,
//! copies, single-result calls and parameters define (`classify`). Integer code still reads
//! them (a VMOV into its scratch register), but never writes them, so no integer expansion
//! has to know the float pool exists. Each such value has a fixed frame word below 1,020
//! bytes, where VLDR/VSTR reach from SP with no core register.

use super::*;
use crate::thumb::vfp::{self as vfp_regs, SReg, SRun, Two, VImm, VOffset};

/// S15: breaks cycles of S-register moves on edges (no float operation is in progress there).
pub(super) const CYCLE_S: SReg = match SReg::new(15) {
    Some(s) => s,
    None => unreachable!(),
};

/// The float pool's registers, in the order it takes them: a leaf whose float parameters
/// arrive in S0–S9 first takes the caller-saved S10–S14, which no expansion uses (they need
/// S0–S9, and S15 for cycles) and no call clobbers, so it saves nothing until it needs more;
/// then the callee-saved S16–S31.
pub(super) fn registers(f: &IrFunction, float_pool: usize) -> Vec<SReg> {
    let float_words: usize = f.types[..f.params as usize]
        .iter()
        .map(|t| match t {
            Ty::F32 => 1,
            Ty::F64 => 2,
            _ => 0,
        })
        .sum();
    let caller_saved = if f.is_leaf() && float_words <= 10 { 10..15 } else { 0..0 };
    caller_saved.chain(16..32).take(float_pool).filter_map(SReg::new).collect()
}

/// Where a pool index lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Loc {
    Core(Reg),
    S(SReg),
}

/// The f32 values that live in the float pool (at most `float_pool` registers; none if 0),
/// each one's frame word, from `first_word` upwards while VSTR reaches it, and how many words
/// that takes. Locals have a word each; temporaries whose ranges (first definition to last
/// use, as `Liveness` frees them) do not overlap share one.
pub(super) fn classify(
    f: &IrFunction,
    float_pool: usize,
    first_word: u32,
    live: &Liveness,
) -> (Vec<bool>, Vec<u32>, u32) {
    let n = f.vars.len();
    let mut home = vec![u32::MAX; n];
    if float_pool == 0 {
        return (vec![false; n], home, 0);
    }
    let mut first_def: Vec<Option<u32>> = vec![None; n];
    let f32_var = |v: &Var| f.types[v.0 as usize] == Ty::F32 && f.ret_ptr != Some(*v);
    let mut eligible: Vec<bool> = (0..n).map(|i| f32_var(&Var(i as u32))).collect();
    let mut touches_fpu = vec![false; n];
    for (pos, inst) in f.insts.iter().enumerate() {
        let float_op = matches!(
            inst,
            IrInst::FloatBin { .. }
                | IrInst::FloatUn { .. }
                | IrInst::FloatCmp { .. }
                | IrInst::FloatToInt { .. }
                | IrInst::IntToFloat { .. }
                | IrInst::FloatResize { .. }
                | IrInst::FloatToInt64 { .. }
                | IrInst::Int64ToFloat { .. }
        );
        // Only what leaves an f32 in an S register: an f32-typed variable may also be the
        // destination of integer work reinterpreted (`i32.trunc_f32_s` + `f32.reinterpret_i32`
        // is a FloatToInt into it: `repro/float_pool_truncation_reinterpreted_as_f32.wast`).
        let defines_float_pool = matches!(
            inst,
            IrInst::FloatBin { prec: Prec::F32, .. }
                | IrInst::FloatUn { prec: Prec::F32, .. }
                | IrInst::IntToFloat { prec: Prec::F32, .. }
                | IrInst::Int64ToFloat { prec: Prec::F32, .. }
                | IrInst::FloatResize { to: Prec::F32, .. }
                | IrInst::Copy { .. }
        ) || matches!(inst, IrInst::Call { dsts, .. } | IrInst::CallIndirect { dsts, .. } if dsts.len() == 1);
        for d in inst.defs() {
            first_def[d.0 as usize].get_or_insert(pos as u32);
            eligible[d.0 as usize] &= defines_float_pool;
            touches_fpu[d.0 as usize] |= float_op;
        }
        if float_op {
            for u in inst.uses() {
                touches_fpu[u.0 as usize] = true;
            }
        }
    }
    // A copy between two f32 values that could both live in the float pool takes the other
    // along (the operand stack's copies of locals, block results): no trip through a core
    // register. Values joined by such copies go together (union-find over the copies).
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for inst in &f.insts {
        if let IrInst::Copy { dst, src: Operand::Var(src) } = *inst {
            let (d, s) = (dst.0 as usize, src.0 as usize);
            if eligible[d] && eligible[s] {
                let (rd, rs) = (root(&mut parent, d), root(&mut parent, s));
                parent[rd] = rs;
            }
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| root(&mut parent, i)).collect();
    let mut group_touches = vec![false; n];
    for (touches, r) in touches_fpu.iter().zip(&roots) {
        group_touches[*r] |= *touches;
    }
    for (touches, r) in touches_fpu.iter_mut().zip(&roots) {
        *touches |= group_touches[*r];
    }
    // Temporaries by the start of their range; each takes the first word free before it.
    let range = |i: usize| -> Option<(u32, u32)> {
        let start = first_def[i]?;
        Some((start, live.uses[i].last().copied().unwrap_or(start).max(start)))
    };
    let mut order: Vec<usize> = (0..n).filter(|i| eligible[*i] && touches_fpu[*i]).collect();
    order.sort_by_key(|&i| {
        (f.vars[i] == VarKind::Temp).then(|| range(i)).flatten().map_or((0, 0), |r| (1, r.0))
    });
    let mut in_s = vec![false; n];
    // Each word's last occupant's range end (`u32::MAX`: a local's, for good).
    let mut busy_until: Vec<u32> = Vec::new();
    for i in order {
        let shared = match (f.vars[i], range(i)) {
            (VarKind::Temp, Some((start, end))) => {
                let free = busy_until.iter().position(|until| *until < start);
                free.map(|w| (w, end)).or(Some((busy_until.len(), end)))
            }
            _ => None,
        };
        let (w, until) = shared.unwrap_or((busy_until.len(), u32::MAX));
        // VSTR's offset reaches 1,020 bytes.
        if first_word + w as u32 >= 255 {
            continue;
        }
        if w == busy_until.len() {
            busy_until.push(until);
        } else {
            busy_until[w] = until;
        }
        in_s[i] = true;
        home[i] = first_word + w as u32;
    }
    (in_s, home, busy_until.len() as u32)
}

impl Lowerer<'_> {
    /// The pool indices `v` may take: the float pool's or the core pool's.
    pub(super) fn class_of(&self, v: Var) -> std::ops::Range<usize> {
        if self.in_s[v.0 as usize] {
            self.pool.len()..self.regs.len()
        } else {
            0..self.pool.len()
        }
    }

    pub(super) fn loc(&self, idx: usize) -> Loc {
        match idx.checked_sub(self.pool.len()) {
            Some(k) => Loc::S(self.spool[k]),
            None => Loc::Core(self.pool[idx]),
        }
    }

    /// The S register of float-pool index `idx`.
    pub(super) fn s_at(&self, idx: usize) -> SReg {
        debug_assert!(idx >= self.pool.len(), "pool index {idx} is a core register");
        // Callers check the class first; S15 keeps the encoding valid if one did not.
        idx.checked_sub(self.pool.len()).and_then(|k| self.spool.get(k)).copied().unwrap_or(CYCLE_S)
    }

    /// `dst = src` between two locations of the same kind.
    pub(super) fn move_loc(&mut self, dst: Loc, src: Loc) {
        match (dst, src) {
            (Loc::Core(rd), Loc::Core(rm)) => self.emit(Inst::Mov { rd, rm }),
            (Loc::S(d), Loc::S(m)) => {
                self.emit(Inst::Vfp(Vfp::Un { op: vfp_regs::UnOp::Mov, regs: Two::S(d, m) }))
            }
            (Loc::S(sn), Loc::Core(rt)) => self.emit(Inst::Vfp(Vfp::FromCore { sn, rt })),
            (Loc::Core(rt), Loc::S(sn)) => self.emit(Inst::Vfp(Vfp::ToCore { rt, sn })),
        }
    }

    /// The VLDR/VSTR offset of frame word `slot` (float-pool values' words are in reach).
    fn s_offset(&mut self, slot: u32) -> VOffset {
        match VOffset::new(slot as i32 * 4) {
            Some(o) => o,
            None => {
                self.inconsistent(format!("frame word {slot} is beyond VSTR's reach"));
                VOffset::new(0).expect("zero is an offset")
            }
        }
    }

    /// Stores pool index `idx` to frame word `slot`.
    pub(super) fn store_word(&mut self, idx: usize, slot: u32) {
        match self.loc(idx) {
            Loc::Core(rt) => {
                self.emit(Inst::Store { kind: StoreKind::Word, rt, rn: Reg::Sp, offset: sp_offset(slot) })
            }
            Loc::S(s) => {
                let offset = self.s_offset(slot);
                self.emit(Inst::Vfp(Vfp::Store { fd: vfp_regs::FReg::S(s), rn: Reg::Sp, offset }));
            }
        }
    }

    /// Loads frame word `slot` into pool index `idx`.
    pub(super) fn load_word(&mut self, idx: usize, slot: u32) {
        match self.loc(idx) {
            Loc::Core(rt) => {
                self.emit(Inst::Load { kind: LoadKind::Word, rt, rn: Reg::Sp, offset: sp_offset(slot) })
            }
            Loc::S(s) => self.load_s(s, slot),
        }
    }

    fn load_s(&mut self, s: SReg, slot: u32) {
        let offset = self.s_offset(slot);
        self.emit(Inst::Vfp(Vfp::Load { fd: vfp_regs::FReg::S(s), rn: Reg::Sp, offset }));
    }

    /// The callee-saved S registers the float pool wrote, as the run from S16 that VPUSH saves.
    pub(super) fn saved_s(&self) -> Option<SRun> {
        let highest = (self.pool.len()..self.regs.len())
            .filter(|i| self.used[*i])
            .map(|i| self.s_at(i).num())
            .filter(|n| *n >= 16)
            .max()?;
        let count = highest - 15;
        let count = if injected!(self.inject, FloatPoolTopRegisterNotSaved) { count - 1 } else { count };
        SRun::new(SReg::new(16)?, count)
    }

    /// Float-pool parameter `v` arriving at `loc`: into a free float-pool register, else to
    /// its frame word.
    pub(super) fn float_pool_parameter(&mut self, v: Var, loc: ArgLoc) {
        let src = match loc {
            ArgLoc::S(sn) => Loc::S(sn),
            ArgLoc::Reg(r) => Loc::Core(r),
            ArgLoc::Stack(word) => {
                self.code.push(Emit::IncomingArg { rt: EXPANSION, index: word });
                Loc::Core(EXPANSION)
            }
            ArgLoc::Pair(..) | ArgLoc::D(_) | ArgLoc::StackPair(_) => {
                self.inconsistent(format!("f32 parameter v{} arrives as a pair", v.0));
                return;
            }
        };
        let free = (self.pool.len()..self.regs.len()).find(|i| self.regs[*i].is_none());
        match free {
            Some(idx) => {
                let s = self.s_at(idx);
                self.move_loc(Loc::S(s), src);
                self.used[idx] = true;
                self.regs[idx] = Some(v);
                self.vars[v.0 as usize].reg = Some(idx);
                self.vars[v.0 as usize].in_memory = false;
            }
            None => {
                let slot = self.slot_of(v);
                self.code.push(Emit::Note(Note::Spill(v)));
                match src {
                    Loc::S(s) => {
                        let offset = self.s_offset(slot);
                        self.emit(Inst::Vfp(Vfp::Store { fd: vfp_regs::FReg::S(s), rn: Reg::Sp, offset }));
                    }
                    Loc::Core(rt) => self.emit(Inst::Store {
                        kind: StoreKind::Word,
                        rt,
                        rn: Reg::Sp,
                        offset: sp_offset(slot),
                    }),
                }
                self.vars[v.0 as usize].in_memory = true;
            }
        }
    }

    /// Float-pool value `v`'s register for reading at `pos`: resident, or reloaded into the
    /// float pool (Belady) unless this instruction's operands fill it; `None`: read it from its
    /// frame word yourself. The register is pinned.
    pub(super) fn s_operand(&mut self, v: Var, pinned: &mut Vec<usize>, pos: u32) -> Option<SReg> {
        if let Some(idx) = self.vars[v.0 as usize].reg {
            pinned.push(idx);
            return Some(self.s_at(idx));
        }
        let class = self.class_of(v);
        if pinned.iter().filter(|i| class.contains(i)).count() >= class.len() {
            return None;
        }
        let slot = self.slot_of(v);
        self.stats.reloads += 1;
        let idx = self.alloc_in(class, pinned, pos);
        self.code.push(Emit::Note(Note::Reload(v)));
        self.load_word(idx, slot);
        self.regs[idx] = Some(v);
        self.vars[v.0 as usize].reg = Some(idx);
        pinned.push(idx);
        Some(self.s_at(idx))
    }

    /// Float-pool value `v` into S register `n` (not a pool register), whether resident or not.
    pub(super) fn s_into(&mut self, v: Var, n: SReg, pinned: &mut Vec<usize>, pos: u32) {
        match self.s_operand(v, pinned, pos) {
            Some(s) => self.move_loc(Loc::S(n), Loc::S(s)),
            None => {
                let slot = self.slot_of(v);
                self.stats.reloads += 1;
                self.code.push(Emit::Note(Note::Reload(v)));
                self.load_s(n, slot);
            }
        }
    }

    /// The float-pool register `dst` is written to (operands have been read or are read by the
    /// one instruction that writes it): its own if resident, the label's preferred one if free,
    /// else one by Belady's rule. Memory no longer holds `dst` afterwards.
    pub(super) fn def_s(&mut self, dst: Var, pos: u32) -> SReg {
        let idx = match self.vars[dst.0 as usize].reg {
            Some(idx) => idx,
            None => {
                let class = self.class_of(dst);
                let idx = match self.preferred[dst.0 as usize] {
                    Some(p) if class.contains(&p) && self.regs[p].is_none() => {
                        self.used[p] = true;
                        p
                    }
                    _ => self.alloc_in(class, &[], pos + 1),
                };
                self.regs[idx] = Some(dst);
                self.vars[dst.0 as usize].reg = Some(idx);
                idx
            }
        };
        self.vars[dst.0 as usize].in_memory = false;
        self.s_at(idx)
    }

    /// A copy into a float-pool value. Returns whether `inst` was one.
    pub(super) fn float_pool_copy(&mut self, pos: u32, inst: &IrInst) -> bool {
        let IrInst::Copy { dst, src } = *inst else { return false };
        if !self.in_s[dst.0 as usize] {
            return false;
        }
        let mut pinned = Vec::new();
        match src {
            Operand::Var(s) if self.in_s[s.0 as usize] => {
                let dies = self.is_temp(s) && self.live.next_use(s, pos + 1) == u32::MAX;
                let resident = self.vars[s.0 as usize].reg;
                if let (true, None, Some(idx)) = (dies, self.vars[dst.0 as usize].reg, resident) {
                    // A resident temporary dying here is renamed instead of copied.
                    self.vars[s.0 as usize].reg = None;
                    self.free_dead(pos);
                    self.regs[idx] = Some(dst);
                    self.vars[dst.0 as usize].reg = Some(idx);
                    self.vars[dst.0 as usize].in_memory = false;
                } else {
                    let from = self.s_operand(s, &mut pinned, pos);
                    self.free_dead(pos);
                    let d = self.def_s(dst, pos);
                    match from {
                        Some(m) if m == d => {}
                        Some(m) => self.move_loc(Loc::S(d), Loc::S(m)),
                        None => {
                            let slot = self.slot_of(s);
                            self.stats.reloads += 1;
                            self.code.push(Emit::Note(Note::Reload(s)));
                            self.load_s(d, slot);
                        }
                    }
                }
            }
            Operand::Imm(k) => {
                self.free_dead(pos);
                let d = self.def_s(dst, pos);
                match VImm::from_f32(f32::from_bits(k as u32)) {
                    Some(imm) => self.emit(Inst::Vfp(Vfp::MovImm { fd: vfp_regs::FReg::S(d), imm })),
                    None => {
                        for i in mov_imm(EXPANSION, k as u32) {
                            self.emit(i);
                        }
                        self.move_loc(Loc::S(d), Loc::Core(EXPANSION));
                    }
                }
            }
            Operand::Var(_) => {
                let r = self.use_operand(src, &mut pinned, pos, SCRATCH_A);
                self.free_dead(pos);
                let d = self.def_s(dst, pos);
                self.move_loc(Loc::S(d), Loc::Core(r));
            }
        }
        self.after_def(dst, pos);
        true
    }

    /// The S register holding float-pool value `v`, if resident.
    pub(super) fn resident_s(&self, v: Var) -> Option<SReg> {
        let idx = self.vars[v.0 as usize].reg.filter(|_| self.in_s[v.0 as usize])?;
        Some(self.s_at(idx))
    }

    /// A single result that is a resident float-pool value, returned in S0 (or R0 under the
    /// base AAPCS) straight from its register. Returns whether it was.
    pub(super) fn float_pool_result(&mut self, value: Operand) -> bool {
        let Some(s) = value.var().and_then(|v| self.resident_s(v)) else { return false };
        let to = match crate::abi::result_location(Ty::F32, self.conventions.own) {
            ArgLoc::S(sn) => Loc::S(sn),
            _ => Loc::Core(Reg::R0),
        };
        self.move_loc(to, Loc::S(s));
        true
    }
}
