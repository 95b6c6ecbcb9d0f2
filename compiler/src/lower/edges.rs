//! Where values are at each label. The first edge lowered into a label (a branch to it, or the
//! code falling into it) fixes its state: which live values sit in which pool registers and
//! which of them memory also holds. Every later edge conforms to that state (stores, register
//! moves, reloads) before it reaches the label, so the code after the label can trust it.
//!
//! A conditional edge whose state differs gets its fix-up on the taken path only:
//! `b<!cc> skip; <fix-up>; b label; skip:`. A loop head's state is the one the loop is entered
//! with; its back-edges conform to it, which keeps loop-carried values in registers.

use super::spool::{Loc, CYCLE_S};
use super::{Emit, Lowerer, Note, VarState, EXPANSION};
use crate::fault::injected;
use crate::ir::{LabelId, Var};
use crate::thumb::{Cond, Inst, Label};

/// A label's state: every value live at the label, where it is (`slot` unused).
#[derive(Clone, Debug)]
pub(super) struct LabelState {
    label: LabelId,
    vars: Vec<(Var, VarState)>,
}

/// Register state of the lowerer, saved around a fix-up that only the taken path runs.
pub(super) struct SavedState {
    regs: Vec<Option<Var>>,
    vars: Vec<(Option<usize>, Option<usize>, bool)>,
}

impl Lowerer<'_> {
    /// The current state restricted to the values live at label `l`.
    fn snapshot(&self, l: LabelId) -> LabelState {
        let live = &self.live.live_at_label[l.0 as usize];
        let vars = (0..self.vars.len())
            .map(|i| (Var(i as u32), self.vars[i]))
            .filter(|(v, _)| live.contains(*v))
            .collect();
        LabelState { label: l, vars }
    }

    /// The state of `l`, fixed by this edge if it is the first.
    fn label_state(&mut self, l: LabelId) -> LabelState {
        if let Some(t) = &self.label_states[l.0 as usize] {
            return t.clone();
        }
        let t = self.snapshot(l);
        if let Some((v, _)) = t.vars.iter().find(|(_, st)| st.reg.is_none() && !st.in_memory) {
            self.inconsistent(format!(
                "v{} is live at label {} but has no value on its first edge",
                v.0, l.0
            ));
        }
        for &(v, st) in &t.vars {
            if st.reg_hi.is_none() {
                self.preferred[v.0 as usize] = st.reg;
            }
        }
        self.label_states[l.0 as usize] = Some(t.clone());
        t
    }

    /// Stores the values `t` expects in memory that only a register holds now. Stores leave the
    /// flags alone, so they may precede a compare and its branch.
    fn store_for(&mut self, t: &LabelState) {
        for &(v, st) in &t.vars {
            let cur = self.vars[v.0 as usize];
            if (st.in_memory || st.reg.is_none()) && !cur.in_memory {
                if cur.reg.is_none() {
                    self.inconsistent(format!("v{} has no value on an edge into label {}", v.0, t.label.0));
                    continue;
                }
                self.write_back(v);
                self.stats.spills += 1;
            }
        }
    }

    /// Whether the registers already are as `t` has them (after `store_for`).
    fn matches(&self, t: &LabelState) -> bool {
        t.vars.iter().all(|&(v, st)| {
            let cur = self.vars[v.0 as usize];
            cur.reg == st.reg && cur.reg_hi == st.reg_hi
        })
    }

    /// Makes the current state `t`'s: stores, then register moves (a parallel move per pool,
    /// cycles broken through R12 or S15), then reloads; values `t` does not list are dropped.
    fn conform(&mut self, t: &LabelState) {
        self.store_for(t);
        let mut moves: Vec<(Loc, Loc)> = Vec::new();
        let mut loads: Vec<(Var, u32, usize)> = Vec::new();
        for &(v, st) in &t.vars {
            let cur = self.vars[v.0 as usize];
            for (k, (want, have)) in [(st.reg, cur.reg), (st.reg_hi, cur.reg_hi)].into_iter().enumerate() {
                let Some(want) = want else { continue };
                match have {
                    Some(have) if have == want => {}
                    Some(have) => moves.push((self.loc(have), self.loc(want))),
                    None => loads.push((v, k as u32, want)),
                }
            }
        }
        if injected!(self.inject, ParallelMoveDoneSequentially) {
            for (src, dst) in moves.drain(..) {
                self.move_loc(dst, src);
            }
        }
        while !moves.is_empty() {
            // A move whose destination no other pending move still reads; else break a cycle.
            match moves.iter().position(|&(_, dst)| !moves.iter().any(|&(src, _)| src == dst)) {
                Some(i) => {
                    let (src, dst) = moves.remove(i);
                    self.move_loc(dst, src);
                }
                None => {
                    let (src, _) = moves[0];
                    let spare = match src {
                        Loc::Core(_) => Loc::Core(EXPANSION),
                        Loc::S(_) => Loc::S(CYCLE_S),
                    };
                    self.move_loc(spare, src);
                    for m in moves.iter_mut().filter(|m| m.0 == src) {
                        m.0 = spare;
                    }
                }
            }
        }
        for (v, word, idx) in loads {
            let slot = self.slot_of(v);
            self.stats.reloads += 1;
            self.code.push(Emit::Note(Note::Reload(v)));
            let word = if injected!(self.inject, I64LabelReloadHighFromLowWord) { 0 } else { word };
            self.load_word(idx, slot + word);
        }
        self.adopt(t);
    }

    /// The state becomes `t` (nothing emitted).
    fn adopt(&mut self, t: &LabelState) {
        self.clear();
        for st in self.vars.iter_mut() {
            st.in_memory = false;
        }
        for &(v, st) in &t.vars {
            let cur = &mut self.vars[v.0 as usize];
            cur.reg = st.reg;
            cur.reg_hi = st.reg_hi;
            cur.in_memory = st.in_memory || st.reg.is_none();
            for idx in [st.reg, st.reg_hi].into_iter().flatten() {
                self.regs[idx] = Some(v);
                self.used[idx] = true;
            }
        }
    }

    fn save_state(&self) -> SavedState {
        SavedState {
            regs: self.regs.clone(),
            vars: self.vars.iter().map(|s| (s.reg, s.reg_hi, s.in_memory)).collect(),
        }
    }

    fn restore_state(&mut self, saved: SavedState) {
        self.regs = saved.regs;
        for (st, (reg, reg_hi, in_memory)) in self.vars.iter_mut().zip(saved.vars) {
            st.reg = reg;
            st.reg_hi = reg_hi;
            st.in_memory = in_memory;
        }
    }

    /// An edge to label `l`: unconditional (`test` is `None`), or taken when the flags set by
    /// `test`'s compare satisfy its condition. A conditional edge leaves the state as it was for
    /// the path that falls through; an unconditional one leaves it `l`'s.
    pub(super) fn edge(&mut self, l: LabelId, test: Option<(Inst, Cond)>) {
        let t = self.label_state(l);
        let target = self.labels[l.0 as usize];
        self.store_for(&t);
        match test {
            None => {
                self.conform(&t);
                self.emit(Inst::B { cond: None, target });
            }
            Some((compare, cc)) => {
                self.emit(compare);
                self.conditional_edge(&t, target, cc);
            }
        }
    }

    /// After a compare: branch to `target` (state `t`) when `cc` holds; the stores `t` needs
    /// are done.
    pub(super) fn conditional_edge(&mut self, t: &LabelState, target: Label, cc: Cond) {
        // The fault: an edge that only needs reloads (every resident value already where `t`
        // wants it) is taken as matching.
        let only_reloads = injected!(self.inject, ConditionalFixupSkippedForReload)
            && t.vars.iter().all(|&(v, st)| {
                let cur = self.vars[v.0 as usize];
                cur.reg.is_none() || (cur.reg == st.reg && cur.reg_hi == st.reg_hi)
            });
        if self.matches(t) || only_reloads {
            self.emit(Inst::B { cond: Some(cc), target });
            return;
        }
        let skip = self.new_label();
        self.emit(Inst::B { cond: Some(cc.invert()), target: skip });
        let saved = self.save_state();
        self.conform(t);
        self.emit(Inst::B { cond: None, target });
        self.restore_state(saved);
        self.code.push(Emit::Bind(skip));
    }

    /// A branch table's targets' states (each fixed now if this is its first edge), with the
    /// stores they need done: the compare chain then only moves registers on taken paths.
    pub(super) fn table_states(&mut self, targets: &[LabelId]) -> Vec<LabelState> {
        let states: Vec<LabelState> = targets.iter().map(|&l| self.label_state(l)).collect();
        for t in &states {
            self.store_for(t);
        }
        states
    }

    /// Label `l` is reached here: by falling into it (conforming to its state, or fixing it) or
    /// only by branches (taking the state they agreed on).
    pub(super) fn enter_label(&mut self, l: LabelId, falls_through: bool) {
        self.nonzero.clear();
        if falls_through {
            let pool = self.strategy == super::Strategy::Pool;
            if pool && self.label_states[l.0 as usize].is_none() && self.loop_heads[l.0 as usize] {
                self.enter_loop(l);
            }
            let t = self.label_state(l);
            self.conform(&t);
        } else {
            match self.label_states[l.0 as usize].clone() {
                Some(t) => self.adopt(&t),
                None => {
                    self.inconsistent(format!("label {} is reached but no edge into it was lowered", l.0));
                    self.adopt(&LabelState { label: l, vars: Vec::new() });
                }
            }
        }
        self.code.push(Emit::Bind(self.labels[l.0 as usize]));
    }

    /// Fixes the state of loop head `l`, entered from above: free pool registers take the live
    /// values memory holds, nearest next use first, so the loop body finds them in registers;
    /// and memory is not promised for resident values, so back-edges need not store them.
    fn enter_loop(&mut self, l: LabelId) {
        let at = self.label_pos[l.0 as usize];
        let live = &self.live.live_at_label[l.0 as usize];
        let mut waiting: Vec<(u32, Var)> = (0..self.vars.len())
            .map(|i| Var(i as u32))
            .filter(|v| {
                live.contains(*v)
                    && self.vars[v.0 as usize].reg.is_none()
                    && self.vars[v.0 as usize].in_memory
            })
            .map(|v| (self.live.next_use(v, at), v))
            .collect();
        waiting.sort_unstable();
        // Each pool fills until the first value that does not fit.
        let mut full = [false; 2];
        for (_, v) in waiting {
            let pool = self.in_s[v.0 as usize] as usize;
            let free: Vec<usize> = self.class_of(v).filter(|i| self.regs[*i].is_none()).collect();
            let words = if self.is_i64(v) { 2 } else { 1 };
            if full[pool] || free.len() < words {
                full[pool] = true;
                continue;
            }
            let slot = self.slot_of(v);
            for (word, &idx) in free[..words].iter().enumerate() {
                self.stats.reloads += 1;
                self.code.push(Emit::Note(Note::Reload(v)));
                self.load_word(idx, slot + word as u32);
                self.regs[idx] = Some(v);
                self.used[idx] = true;
            }
            self.vars[v.0 as usize].reg = Some(free[0]);
            self.vars[v.0 as usize].reg_hi = (words == 2).then(|| free[1]);
        }
        let mut t = self.snapshot(l);
        for (_, st) in t.vars.iter_mut() {
            if st.reg.is_some() {
                st.in_memory = false;
            }
        }
        self.label_states[l.0 as usize] = Some(t);
    }

    /// Records a broken allocator invariant: lowering finishes, then the function is declined
    /// with an internal error instead of compiling to wrong code.
    pub(super) fn inconsistent(&mut self, what: String) {
        debug_assert!(false, "{what}");
        self.internal_error.get_or_insert(what);
    }
}
