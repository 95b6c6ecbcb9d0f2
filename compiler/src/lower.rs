//! IR → Thumb-2, with the pool allocator: values live in the pool registers (R4–R8 by default);
//! when a value needs a register and the pool is full, the resident value whose next use is
//! farthest away is evicted (Belady's rule) — stored to its frame slot if memory does not already
//! hold it — and reloaded at its next use.
//!
//! Invariants the code relies on:
//! - Values live only in pool registers: the core pool (R4 upwards), or for the f32 values
//!   `spool::classify` picks the float pool (S16 upwards, pool indices after the core ones).
//!   R0–R3, R12, LR and S0–S15 are scratch for a single IR instruction's expansion, so an
//!   expansion can never clobber a value.
//! - Every expansion reads all its operands before it writes its destination, so the destination
//!   may reuse an operand's register (even one just evicted: eviction stores before the
//!   instruction runs).
//! - At every label the state is defined: the first edge lowered into it fixes which live
//!   values are in which pool registers and which memory holds; every other edge conforms to it
//!   before it arrives (see `edges`). This is also what keeps values correct across loop
//!   back-edges: a loop head keeps the state the loop is entered with.

use crate::abi::{arg_locations, result_layout, ArgLoc, Conventions, FloatAbi};
use crate::fault::injected;
use crate::ir::*;
use crate::thumb::vfp::Vfp;
use crate::thumb::{
    Cond, DpOp, Imm12, Inst, ItPattern, Label, LoadKind, MemOffset, ModImm, Reg, ShiftAmount, ShiftOp,
    StoreKind,
};
use crate::trap::TrapCode;
use crate::{CompileError, FunctionStats};

mod edges;
mod floats;
mod pairs;
mod spool;
pub use pairs::{helper_body as pairs_helper_body, Helper};

/// Scratch registers (never hold values across IR instructions).
const SCRATCH_A: Reg = Reg::R2;
const SCRATCH_B: Reg = Reg::R3;
const SCRATCH_C: Reg = Reg::R1;
const EXPANSION: Reg = Reg::R12;
const POOL_ALL: [Reg; 5] = [Reg::R4, Reg::R5, Reg::R6, Reg::R7, Reg::R8];
/// Largest frame: SP-relative 12-bit offsets must reach it, plus the saved registers and up to
/// 12 incoming stack arguments above it.
const MAX_FRAME: u32 = 4000;

/// How values are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// In the register pool between instructions, evicted by Belady's rule under pressure.
    Pool,
    /// In frame slots between instructions: loaded for each instruction, stored after it. Simple
    /// and obviously right: a second opinion for the pool allocator and a code-size reference.
    Baseline,
}

/// Pseudo-instructions resolved once the frame size is known.
#[derive(Clone, Debug)]
pub enum Emit {
    Inst(Inst),
    Bind(Label),
    /// Push the callee-saved registers the function uses and LR; allocate the frame.
    Prologue,
    /// Free the frame; pop the saved registers and return.
    Epilogue,
    /// `bl` to function `0` (by index).
    Call(u32),
    /// Load word `index` of the incoming stack arguments into `rt`; its offset depends on the
    /// frame size.
    IncomingArg {
        rt: Reg,
        index: u32,
    },
    /// `bl` to a runtime helper routine.
    CallHelper(Helper),
    /// `movw rd, #lo; movt rd, #hi` of an address in the data area: `DATA_BASE + offset` in an
    /// image, a MOVW/MOVT relocation pair against the data section in a relocatable object.
    DataAddress {
        rd: Reg,
        offset: u32,
    },
    /// No code: what the next instruction does for the allocator, for the listing.
    Note(Note),
}

/// Allocator events worth seeing in a disassembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// The value is stored to its frame slot (one note per word).
    Spill(Var),
    /// The value is loaded back from its frame slot (one note per word).
    Reload(Var),
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Spill(v) => write!(f, "spill v{}", v.0),
            Note::Reload(v) => write!(f, "reload v{}", v.0),
        }
    }
}

pub struct Lowered {
    pub code: Vec<Emit>,
    pub frame_bytes: u32,
    /// Pool registers the function writes: saved in the prologue, restored in the epilogue.
    pub saved: Vec<Reg>,
    /// The callee-saved S registers (S16 upwards) the float pool wrote: pushed after `saved`
    /// in the prologue, popped before them in the epilogue.
    pub saved_s: Option<crate::thumb::vfp::SRun>,
    pub stats: FunctionStats,
}

#[derive(Clone, Copy, Debug, Default)]
struct VarState {
    /// Pool index holding the value (an i64's low word), if resident: a core register below
    /// `pool.len()`, an S register of the float pool at and above it.
    reg: Option<usize>,
    /// Pool index holding an i64's high word, if resident (always together with `reg`).
    reg_hi: Option<usize>,
    /// Whether the frame slot holds the current value.
    in_memory: bool,
    slot: Option<u32>,
}

struct Liveness {
    /// Sorted positions of every use, per variable.
    uses: Vec<Vec<u32>>,
    /// Temporaries that die at each position (after their last use, or at a dead definition).
    dies_at: Vec<Vec<Var>>,
    /// Last position at which each local may still be read: its last use, extended to the end of
    /// every loop that reads it (the next iteration reads it again). `None`: never read.
    local_end: Vec<Option<u32>>,
    /// Values live at each label, by dataflow over the control-flow graph: exact where the
    /// linear ranges above are not (a block result written again on every path before its
    /// next read is not live at a label in between).
    live_at_label: Vec<VarSet>,
    /// Values read before written on some path from the entry: the locals that must start at
    /// zero (besides the parameters).
    live_at_entry: VarSet,
    max_live: u32,
}

/// A set of variables, one bit each.
#[derive(Clone, Debug, PartialEq, Eq)]
struct VarSet(Vec<u64>);

impl VarSet {
    fn new(n: usize) -> VarSet {
        VarSet(vec![0; n.div_ceil(64)])
    }
    fn insert(&mut self, v: Var) {
        self.0[v.0 as usize / 64] |= 1 << (v.0 % 64);
    }
    fn remove(&mut self, v: Var) {
        self.0[v.0 as usize / 64] &= !(1 << (v.0 % 64));
    }
    fn contains(&self, v: Var) -> bool {
        self.0[v.0 as usize / 64] & (1 << (v.0 % 64)) != 0
    }
    /// `self |= other`; whether anything was added.
    fn union_with(&mut self, other: &VarSet) -> bool {
        let mut changed = false;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            changed |= *b & !*a != 0;
            *a |= *b;
        }
        changed
    }
}

/// The labels control may go to from `inst`, besides the next instruction.
fn successor_labels(inst: &IrInst) -> Vec<LabelId> {
    match inst {
        IrInst::Branch { cond: Operand::Imm(k), if_zero, target } => {
            if (*k != 0) != *if_zero {
                vec![*target]
            } else {
                Vec::new()
            }
        }
        IrInst::BranchTable { index: Operand::Imm(k), targets, default } => {
            vec![*targets.get(*k as u32 as usize).unwrap_or(default)]
        }
        other => other.targets(),
    }
}

/// Every value read at each label before being written: backward dataflow over basic blocks
/// (a block starts at a label or after a control transfer), iterated to a fixed point.
fn live_at_labels(f: &IrFunction, label_pos: &[u32]) -> (Vec<VarSet>, VarSet) {
    let n = f.insts.len();
    let uses_of = |pos: usize, inst: &IrInst| {
        let mut u = inst.uses();
        // Every return writes the results through the result-area address.
        if let (IrInst::Return(_), Some(p)) = (inst, f.ret_ptr) {
            u.push(p);
        }
        let _ = pos;
        u
    };
    let mut starts = vec![0usize];
    for (pos, inst) in f.insts.iter().enumerate() {
        if matches!(inst, IrInst::Label(_)) && pos > 0 {
            starts.push(pos);
        }
        let transfers = !successor_labels(inst).is_empty() || ends_flow(inst);
        if transfers && pos + 1 < n {
            starts.push(pos + 1);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let block_of_pos = |pos: usize| starts.partition_point(|s| *s <= pos) - 1;
    let blocks: Vec<(usize, usize)> =
        starts.iter().enumerate().map(|(b, &s)| (s, starts.get(b + 1).copied().unwrap_or(n))).collect();
    let nv = f.vars.len();
    // gen: read before written in the block; kill: written in the block.
    let mut gen = vec![VarSet::new(nv); blocks.len()];
    let mut kill = vec![VarSet::new(nv); blocks.len()];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); blocks.len()];
    for (b, &(s, e)) in blocks.iter().enumerate() {
        for pos in (s..e).rev() {
            let inst = &f.insts[pos];
            for d in inst.defs() {
                gen[b].remove(d);
                kill[b].insert(d);
            }
            for u in uses_of(pos, inst) {
                gen[b].insert(u);
            }
        }
        if e > s {
            let last = &f.insts[e - 1];
            for l in successor_labels(last) {
                let at = label_pos[l.0 as usize];
                if at != u32::MAX {
                    succs[b].push(block_of_pos(at as usize));
                }
            }
            if !ends_flow(last) && e < n {
                succs[b].push(b + 1);
            }
        }
    }
    let mut live_in = gen.clone();
    let mut changed = true;
    while changed {
        changed = false;
        for b in (0..blocks.len()).rev() {
            let mut out = VarSet::new(nv);
            for &s in &succs[b] {
                out.union_with(&live_in[s]);
            }
            // in = gen ∪ (out \ kill)
            for (o, k) in out.0.iter_mut().zip(&kill[b].0) {
                *o &= !k;
            }
            changed |= live_in[b].union_with(&out);
        }
    }
    let at_labels = label_pos
        .iter()
        .map(|&at| if at == u32::MAX { VarSet::new(nv) } else { live_in[block_of_pos(at as usize)].clone() })
        .collect();
    let at_entry = live_in.first().cloned().unwrap_or_else(|| VarSet::new(nv));
    (at_labels, at_entry)
}

impl Liveness {
    fn compute(f: &IrFunction, label_pos: &[u32]) -> Liveness {
        let n = f.vars.len();
        let mut uses: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut first_def: Vec<Option<u32>> = vec![None; n];
        for (pos, inst) in f.insts.iter().enumerate() {
            for v in inst.uses() {
                uses[v.0 as usize].push(pos as u32);
            }
            // Every return writes the results through the result-area address.
            if let (IrInst::Return(_), Some(p)) = (inst, f.ret_ptr) {
                uses[p.0 as usize].push(pos as u32);
            }
            for d in inst.defs() {
                first_def[d.0 as usize].get_or_insert(pos as u32);
            }
        }
        let local_end = loop_extended_ends(f, &uses);
        let mut dies_at = vec![Vec::new(); f.insts.len() + 1];
        let mut delta = vec![0i64; f.insts.len() + 2];
        for (i, kind) in f.vars.iter().enumerate() {
            let last = uses[i].last().copied();
            match kind {
                VarKind::Temp => {
                    if let Some(d) = first_def[i] {
                        let end = last.unwrap_or(d).max(d);
                        dies_at[end as usize].push(Var(i as u32));
                        delta[d as usize] += 1;
                        delta[end as usize + 1] -= 1;
                    }
                }
                VarKind::Local(_) | VarKind::LoopParam => {
                    // Parameters are live from entry; other locals from their first write (or
                    // first read, which then sees the zero they start with).
                    if let Some(end) = local_end[i] {
                        let first_use = uses[i][0];
                        let from_entry = matches!(kind, VarKind::Local(idx) if *idx < f.params)
                            || f.ret_ptr == Some(Var(i as u32));
                        let start =
                            if from_entry { 0 } else { first_def[i].map_or(first_use, |d| d.min(first_use)) };
                        delta[start as usize] += 1;
                        delta[end as usize + 1] -= 1;
                    }
                }
            }
        }
        let mut live = 0i64;
        let mut max_live = 0i64;
        for d in &delta {
            live += d;
            max_live = max_live.max(live);
        }
        let (live_at_label, live_at_entry) = live_at_labels(f, label_pos);
        Liveness { uses, dies_at, local_end, live_at_label, live_at_entry, max_live: max_live as u32 }
    }

    /// Whether `v` may be read at `from` or later (so its value must be kept).
    fn live_from(&self, v: Var, from: u32) -> bool {
        match self.local_end.get(v.0 as usize).copied().flatten() {
            Some(end) => end >= from,
            None => self.next_use(v, from) != u32::MAX,
        }
    }

    fn next_use(&self, v: Var, from: u32) -> u32 {
        let u = &self.uses[v.0 as usize];
        let i = u.partition_point(|p| *p < from);
        u.get(i).copied().unwrap_or(u32::MAX)
    }
}

/// Which IR instructions some path from the entry reaches: after an unconditional transfer
/// (jump, return, trap, branch table, a branch on a constant that is always taken) code is
/// dead until a label some reachable branch targets. Iterated to a fixed point, so backward
/// branches count too.
fn reachable_insts(f: &IrFunction) -> Vec<bool> {
    let mut targeted = vec![false; f.num_labels as usize];
    loop {
        let mut changed = false;
        let mut mark = |l: LabelId, targeted: &mut Vec<bool>| {
            changed |= !std::mem::replace(&mut targeted[l.0 as usize], true);
        };
        let mut reach = vec![false; f.insts.len()];
        let mut live = true;
        for (pos, inst) in f.insts.iter().enumerate() {
            if let IrInst::Label(l) = inst {
                live |= targeted[l.0 as usize];
            }
            reach[pos] = live;
            if !live {
                continue;
            }
            match inst {
                IrInst::Jump(l) => {
                    mark(*l, &mut targeted);
                    live = false;
                }
                // A branch on a constant that is never taken: no edge.
                IrInst::Branch { cond: Operand::Imm(k), if_zero, target } if (*k != 0) != *if_zero => {
                    mark(*target, &mut targeted);
                    live = false;
                }
                IrInst::Branch { cond: Operand::Imm(_), .. } => {}
                IrInst::Branch { target, .. } => mark(*target, &mut targeted),
                IrInst::BranchTable { index, targets, default } => {
                    match index {
                        Operand::Imm(k) => {
                            mark(*targets.get(*k as u32 as usize).unwrap_or(default), &mut targeted)
                        }
                        Operand::Var(_) => {
                            for t in targets.iter().chain([default]) {
                                mark(*t, &mut targeted);
                            }
                        }
                    }
                    live = false;
                }
                IrInst::Return(_) | IrInst::Trap(_) => live = false,
                _ => {}
            }
        }
        if !changed {
            return reach;
        }
    }
}

/// For each local, its last use, extended over loops: a back-edge from `j` to a loop head at
/// `h < j` keeps every local read inside `[h, j]` alive past `j`. Iterated to a fixed point
/// (an extension can make a local readable inside an enclosing loop).
fn loop_extended_ends(f: &IrFunction, uses: &[Vec<u32>]) -> Vec<Option<u32>> {
    let mut label_pos = vec![u32::MAX; f.num_labels as usize];
    for (pos, inst) in f.insts.iter().enumerate() {
        if let IrInst::Label(l) = inst {
            label_pos[l.0 as usize] = pos as u32;
        }
    }
    let back_edges: Vec<(u32, u32)> = f
        .insts
        .iter()
        .enumerate()
        .flat_map(|(pos, inst)| {
            let label_pos = &label_pos;
            inst.targets().into_iter().filter_map(move |l| {
                let h = label_pos[l.0 as usize];
                (h < pos as u32).then_some((h, pos as u32))
            })
        })
        .collect();
    let mut end: Vec<Option<u32>> = f
        .vars
        .iter()
        .enumerate()
        .map(|(i, k)| match k {
            VarKind::Local(_) | VarKind::LoopParam => uses[i].last().copied(),
            VarKind::Temp => None,
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for &(h, j) in &back_edges {
            for e in end.iter_mut() {
                if let Some(last) = *e {
                    // Read inside the loop (possibly only through an earlier extension): the
                    // value must survive the back-edge itself, so it lives past `j`.
                    if last >= h && last <= j {
                        *e = Some(j + 1);
                        changed = true;
                    }
                }
            }
        }
    }
    end
}

pub struct Lowerer<'a> {
    f: &'a IrFunction,
    /// A deliberate miscompile (tests of the harness only).
    inject: Option<crate::InjectedFault>,
    live: Liveness,
    pool: Vec<Reg>,
    regs: Vec<Option<Var>>,
    vars: Vec<VarState>,
    free_slots: Vec<u32>,
    next_slot: u32,
    code: Vec<Emit>,
    labels: Vec<Label>,
    next_label: u32,
    stats: FunctionStats,
    /// A spill slot was needed beyond `MAX_FRAME`.
    frame_overflow: bool,
    /// Pool registers ever written (by index).
    used: Vec<bool>,
    /// Address below which SP must not go (checked on entry by functions that call).
    stack_limit: u32,
    /// Out-of-line `udf` stubs that conditional branches trap through, placed after the body.
    trap_stubs: Vec<(TrapCode, Label)>,
    /// Frame word of each local's home (an i64 local takes two words).
    local_home: Vec<u32>,
    /// Free two-word spill slots (for i64 temporaries).
    free_pairs: Vec<u32>,
    /// Frame word where the result area of calls with several results starts.
    sret_base: u32,
    /// Each label's state, once the first edge into it is lowered.
    label_states: Vec<Option<edges::LabelState>>,
    /// A broken allocator invariant: the function is declined instead of miscompiled.
    internal_error: Option<String>,
    /// Whether control can reach the current position from the instruction before it.
    falls_through: bool,
    strategy: Strategy,
    /// Labels some later branch jumps back to.
    loop_heads: Vec<bool>,
    /// Position of each IR label.
    label_pos: Vec<u32>,
    /// A value computed straight into R0 because the next instruction returns it.
    in_r0: Option<Var>,
    /// The pool register a label's state already has an i32 value in: defining the value there
    /// (when free) spares the move on the edge into that label.
    preferred: Vec<Option<usize>>,
    /// Values a division's zero check has seen non-zero since the last label (and not
    /// written since): a later division by them needs no check.
    nonzero: Vec<Var>,
    /// The FPU has FPv5's VRINT and VMINNM/VMAXNM (the M7).
    fpv5: bool,
    /// The float ABI of this function and of its callees.
    conventions: Conventions,
    /// The float pool: callee-saved S registers (S16 upwards), pool indices `pool.len()..`.
    spool: Vec<crate::thumb::vfp::SReg>,
    /// The f32 values that live in the float pool instead of the core pool (see `spool`).
    in_s: Vec<bool>,
    /// Each float-pool value's fixed frame word (within VSTR's reach); `u32::MAX` for others.
    s_home: Vec<u32>,
}

#[allow(clippy::too_many_arguments)]
pub fn lower(
    f: &IrFunction,
    pool_size: usize,
    float_pool: usize,
    strategy: Strategy,
    cpu: crate::Cpu,
    stack_limit: u32,
    inject: Option<crate::InjectedFault>,
    conventions: Conventions,
) -> Result<Lowered, CompileError> {
    assert!((1..=5).contains(&pool_size), "pool size is validated by CompileOptions");
    let too_large = |bytes: u64| CompileError::Unsupported {
        function: f.name.clone(),
        what: format!("a frame of at least {bytes} bytes (at most {MAX_FRAME})"),
    };
    let out_words = f
        .insts
        .iter()
        .filter_map(|i| match i {
            IrInst::Call { func, args, dsts } => {
                Some(out_args_words(f, args, dsts, conventions.of_callee(Some(*func))))
            }
            IrInst::CallIndirect { args, dsts, .. } => {
                Some(out_args_words(f, args, dsts, conventions.of_callee(None)))
            }
            _ => None,
        })
        .max()
        .unwrap_or(0);
    // Result areas of calls with several results sit above the outgoing arguments, 8-aligned.
    let sret_words = f
        .insts
        .iter()
        .filter_map(|i| match i {
            IrInst::Call { dsts, .. } | IrInst::CallIndirect { dsts, .. } if dsts.len() > 1 => {
                Some(result_layout(&dsts.iter().map(|d| f.types[d.0 as usize]).collect::<Vec<_>>()).1 / 4)
            }
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let sret_base = if sret_words > 0 { out_words.next_multiple_of(2) } else { out_words };
    let locals_base = sret_base + sret_words;
    // Incoming stack arguments are read at 12-bit offsets from the start of their area.
    let incoming: Vec<Ty> =
        f.ret_ptr.iter().map(|_| Ty::I32).chain(f.types[..f.params as usize].iter().copied()).collect();
    let incoming_words = arg_locations(&incoming, conventions.own).1;
    if incoming_words * 4 > 4095 {
        return Err(CompileError::Unsupported {
            function: f.name.clone(),
            what: format!("parameters taking {} bytes of stack (at most 4095)", incoming_words * 4),
        });
    }
    // Results are stored at 12-bit offsets from the result area's address.
    if f.ret_ptr.is_some() && result_layout(&f.results).1 > 4096 {
        return Err(CompileError::Unsupported {
            function: f.name.clone(),
            what: format!("results taking {} bytes (at most 4096)", result_layout(&f.results).1),
        });
    }
    if locals_base as u64 * 4 > MAX_FRAME as u64 {
        return Err(too_large(locals_base as u64 * 4));
    }
    let labels = (0..f.num_labels).map(Label).collect();
    let mut label_pos = vec![u32::MAX; f.num_labels as usize];
    for (pos, inst) in f.insts.iter().enumerate() {
        if let IrInst::Label(l) = inst {
            label_pos[l.0 as usize] = pos as u32;
        }
    }
    let live = Liveness::compute(f, &label_pos);
    // Float-pool values first: their frame words must be within VSTR's reach.
    let float_pool =
        if strategy == Strategy::Pool && conventions.own == FloatAbi::Hard { float_pool } else { 0 };
    let (in_s, s_home, s_words) = spool::classify(f, float_pool, locals_base, &live);
    let s_words = s_words as u64;
    let mut local_home = Vec::with_capacity(f.num_locals as usize);
    let mut local_words = s_words;
    for i in 0..f.num_locals {
        if in_s[i as usize] {
            local_home.push(s_home[i as usize]);
            continue;
        }
        local_home.push(locals_base + local_words as u32);
        local_words += f.types[i as usize].words() as u64;
        if (locals_base as u64 + local_words) * 4 > MAX_FRAME as u64 {
            return Err(too_large((locals_base as u64 + local_words) * 4));
        }
    }
    let mut loop_heads = vec![false; f.num_labels as usize];
    for (pos, inst) in f.insts.iter().enumerate() {
        for t in inst.targets() {
            loop_heads[t.0 as usize] |= label_pos[t.0 as usize] <= pos as u32;
        }
    }
    let mut l = Lowerer {
        f,
        pool: POOL_ALL[..pool_size].to_vec(),
        regs: vec![None; pool_size + float_pool],
        vars: vec![VarState::default(); f.vars.len()],
        free_slots: Vec::new(),
        next_slot: locals_base + local_words as u32,
        code: Vec::new(),
        labels,
        next_label: f.num_labels,
        frame_overflow: false,
        used: vec![false; pool_size + float_pool],

        stack_limit,
        inject,
        stats: FunctionStats {
            max_live: live.max_live,
            float_pool_values: in_s.iter().filter(|s| **s).count() as u32,
            ..Default::default()
        },
        live,
        trap_stubs: Vec::new(),
        local_home,
        free_pairs: Vec::new(),
        sret_base,
        label_states: vec![None; f.num_labels as usize],
        internal_error: None,
        falls_through: true,
        strategy,
        loop_heads,
        label_pos,
        in_r0: None,
        preferred: vec![None; f.vars.len()],
        nonzero: Vec::new(),
        fpv5: cpu == crate::Cpu::CortexM7,
        conventions,
        spool: spool::registers(f, float_pool),
        in_s,
        s_home,
    };
    l.prologue();
    let reachable = reachable_insts(f);
    let mut pos = 0;
    while pos < f.insts.len() as u32 {
        // Code no edge reaches is not lowered: its operands' states are undefined (a label
        // nothing branches to says memory holds what is live, but nothing stored it).
        if !reachable[pos as usize] {
            if let IrInst::Label(label) = f.insts[pos as usize] {
                l.code.push(Emit::Bind(l.labels[label.0 as usize]));
            }
            l.free_dead(pos);
            l.falls_through = false;
            pos += 1;
            continue;
        }
        if strategy == Strategy::Baseline {
            // Every value lives in its frame slot between IR instructions.
            l.spill_all(pos);
        }
        let handled = if l.fused_compare_branch(pos) || l.fused_compare_select(pos) {
            l.falls_through = true;
            2
        } else {
            l.inst(pos);
            l.falls_through = !ends_flow(&f.insts[pos as usize]);
            1
        };
        // A value written again is no longer known to be non-zero.
        for d in f.insts[pos as usize..(pos + handled) as usize].iter().flat_map(|i| i.defs()) {
            l.nonzero.retain(|v| *v != d);
        }
        pos += handled;
    }
    if let Some(what) = l.internal_error {
        return Err(CompileError::Internal { function: f.name.clone(), what });
    }
    for (code, label) in std::mem::take(&mut l.trap_stubs) {
        l.code.push(Emit::Bind(label));
        l.emit(Inst::Udf { imm: code.udf_imm() });
    }
    drop_branches_to_next(&mut l.code);
    let saved: Vec<Reg> = (0..l.pool.len())
        .filter(|i| l.used[*i] && !(injected!(l.inject, R8NotSavedInPrologue) && l.pool[*i] == Reg::R8))
        .map(|i| l.pool[i])
        .collect();
    // SP stays 8-byte aligned (AAPCS) across the pushed registers, LR and the frame, where it
    // matters: at calls. A leaf makes none (its runtime helpers are ours and need no alignment),
    // so its frame is not padded.
    let saved_s = l.saved_s();
    let pushed = 4 * (saved.len() as u32 + 1 + saved_s.map_or(0, |r| r.count() as u32));
    let align = if f.is_leaf() { 4 } else { 8 };
    // Slots are reserved as lowering goes (locals' homes up front); a function whose code never
    // addresses its frame needs none of them. Incoming stack arguments are above the frame
    // whatever its size.
    let frame_used = l.code.iter().any(|e| matches!(e, Emit::Inst(i) if addresses_frame(i)));
    let slots = if frame_used { l.next_slot } else { 0 };
    let frame_bytes = (slots * 4 + pushed).next_multiple_of(align) - pushed;
    if l.frame_overflow || frame_bytes > MAX_FRAME {
        return Err(too_large(frame_bytes as u64 + 4 * l.frame_overflow as u64));
    }
    Ok(Lowered { code: l.code, frame_bytes, saved, saved_s, stats: l.stats })
}

/// Drops branches whose target is bound right after them (only label binds and notes between):
/// an edge that needed no fix-up, to code that follows anyway.
fn drop_branches_to_next(code: &mut Vec<Emit>) {
    let to_next = |i: usize| match &code[i] {
        Emit::Inst(Inst::B { target, .. }) => code[i + 1..]
            .iter()
            .take_while(|e| matches!(e, Emit::Bind(_) | Emit::Note(_)))
            .any(|e| matches!(e, Emit::Bind(l) if l == target)),
        _ => false,
    };
    let keep: Vec<bool> = (0..code.len()).map(|i| !to_next(i)).collect();
    let mut k = keep.into_iter();
    code.retain(|_| k.next().unwrap_or(true));
}

/// Whether control never continues to the next instruction after `inst`.
fn ends_flow(inst: &IrInst) -> bool {
    match inst {
        IrInst::Jump(_) | IrInst::BranchTable { .. } | IrInst::Return(_) | IrInst::Trap(_) => true,
        IrInst::Branch { cond: Operand::Imm(k), if_zero, .. } => (*k != 0) != *if_zero,
        _ => false,
    }
}

/// Whether an instruction reads or writes memory relative to SP, or computes an address from it.
fn addresses_frame(i: &Inst) -> bool {
    match *i {
        Inst::Load { rn, .. } | Inst::Store { rn, .. } => rn == Reg::Sp,
        Inst::LoadReg { rn, rm, .. } | Inst::StoreReg { rn, rm, .. } => rn == Reg::Sp || rm == Reg::Sp,
        Inst::AddW { rn, .. } | Inst::SubW { rn, .. } => rn == Reg::Sp,
        Inst::Dp { rn, rm, .. } => rn == Reg::Sp || rm == Reg::Sp,
        Inst::DpImm { rn, .. } => rn == Reg::Sp,
        Inst::Vfp(Vfp::Load { rn, .. } | Vfp::Store { rn, .. }) => rn == Reg::Sp,
        // `cmp sp, r12` of the stack-limit check compares SP itself, whatever the frame.
        _ => false,
    }
}

/// The stack words of a call's arguments, with the hidden result-area address of several results.
fn out_args_words(f: &IrFunction, args: &[Operand], dsts: &[Var], abi: FloatAbi) -> u32 {
    let hidden = (dsts.len() > 1).then_some(Ty::I32);
    let types: Vec<Ty> = hidden.into_iter().chain(operand_types(f, args)).collect();
    arg_locations(&types, abi).1
}

/// The type of each call argument (immediates are i32: i64 constants are variables, and the
/// frontend makes f32 constant arguments variables).
fn operand_types(f: &IrFunction, args: &[Operand]) -> Vec<Ty> {
    args.iter()
        .map(|a| match a {
            Operand::Imm(_) => Ty::I32,
            Operand::Var(v) => f.types[v.0 as usize],
        })
        .collect()
}

fn sp_offset(slot: u32) -> MemOffset {
    MemOffset::new(slot as i32 * 4).expect("frame size is checked against MAX_FRAME")
}

/// A constant known to be a modified immediate.
fn modimm(value: u32) -> ModImm {
    ModImm::new(value).expect("constant is a modified immediate")
}

/// Instructions that put `value` in `rd`.
pub fn mov_imm(rd: Reg, value: u32) -> Vec<Inst> {
    if let Some(imm) = ModImm::new(value) {
        vec![Inst::MovImm { s: false, rd, imm }]
    } else if let Some(imm) = ModImm::new(!value) {
        vec![Inst::MvnImm { s: false, rd, imm }]
    } else {
        let mut v = vec![Inst::Movw { rd, imm: value as u16 }];
        if value >> 16 != 0 {
            v.push(Inst::Movt { rd, imm: (value >> 16) as u16 });
        }
        v
    }
}

impl Lowerer<'_> {
    /// Emits an instruction outside an IT block. Flags are never live across instructions here
    /// (every compare is immediately followed by its IT or branch), so data-processing forms are
    /// emitted flag-setting: that is what makes their 16-bit encodings legal outside IT blocks.
    fn emit(&mut self, i: Inst) {
        let i = match i {
            Inst::Dp { op, rd, rn, rm, .. } => Inst::Dp { op, s: true, rd, rn, rm },
            Inst::DpImm { op, rd, rn, imm, .. } => Inst::DpImm { op, s: true, rd, rn, imm },
            Inst::ShiftImm { op, rd, rm, amount, .. } => Inst::ShiftImm { op, s: true, rd, rm, amount },
            Inst::ShiftReg { op, rd, rn, rm, .. } => Inst::ShiftReg { op, s: true, rd, rn, rm },
            Inst::MovImm { rd, imm, .. } => Inst::MovImm { s: true, rd, imm },
            other => other,
        };
        self.code.push(Emit::Inst(i));
    }

    /// Emits an IT block: its instructions as given (inside IT, 16-bit forms do not set flags).
    fn emit_it(&mut self, first: Cond, pattern: ItPattern, body: &[Inst]) {
        debug_assert_eq!(pattern.len(), body.len());
        self.code.push(Emit::Inst(Inst::It { first, pattern }));
        for i in body {
            self.code.push(Emit::Inst(*i));
        }
    }

    fn new_label(&mut self) -> Label {
        self.next_label += 1;
        Label(self.next_label - 1)
    }

    fn is_temp(&self, v: Var) -> bool {
        self.f.vars[v.0 as usize] == VarKind::Temp
    }

    /// The frame slot of local `i` (its first word).
    fn home(&self, i: u32) -> u32 {
        self.local_home[i as usize]
    }

    fn is_i64(&self, v: Var) -> bool {
        self.f.types[v.0 as usize].is_pair()
    }

    /// The frame slot (first word) of `v`: a local's home, or a temporary's spill slot (two
    /// words for an i64), allocated on first use.
    fn slot_of(&mut self, v: Var) -> u32 {
        if let VarKind::Local(i) = self.f.vars[v.0 as usize] {
            return self.home(i);
        }
        if self.in_s[v.0 as usize] {
            return self.s_home[v.0 as usize];
        }
        if let Some(s) = self.vars[v.0 as usize].slot {
            return s;
        }
        let words = self.f.types[v.0 as usize].words();
        let free = if words == 2 { &mut self.free_pairs } else { &mut self.free_slots };
        let s = match free.pop() {
            Some(s) => s,
            None if self.next_slot + words > MAX_FRAME / 4 => {
                // Declined by `lower` once lowering ends; slot 0 keeps the encoding valid meanwhile.
                self.frame_overflow = true;
                return 0;
            }
            None => {
                self.next_slot += words;
                self.next_slot - words
            }
        };
        self.vars[v.0 as usize].slot = Some(s);
        s
    }

    fn prologue(&mut self) {
        self.code.push(Emit::Prologue);
        if !self.f.is_leaf() {
            // Call stack exhaustion traps instead of running into memory below the stack. Leaves
            // need no check: the limit leaves room for the largest frame below it. R0–R3 still
            // hold the arguments.
            for i in mov_imm(EXPANSION, self.stack_limit) {
                self.emit(i);
            }
            self.emit(Inst::Cmp { rn: Reg::Sp, rm: EXPANSION });
            self.trap_unless(Cond::Hs, TrapCode::StackOverflow);
        }
        // Parameters arrive per AAPCS; stack ones above the saved registers. i32 parameters take
        // pool registers in order while there are some; the rest, and every i64, go home.
        // With several results the result-area address comes first (R0), then the parameters.
        let incoming: Vec<Var> = self.f.ret_ptr.into_iter().chain((0..self.f.params).map(Var)).collect();
        let types: Vec<Ty> = incoming.iter().map(|v| self.f.types[v.0 as usize]).collect();
        let (locs, _) = arg_locations(&types, self.conventions.own);
        let mut next_pool = 0;
        for (v, loc) in incoming.into_iter().zip(locs) {
            let i = v.0;
            let in_pool = next_pool < self.pool.len() && !self.is_i64(Var(i));
            let home = self.home(i);
            if self.in_s[i as usize] {
                self.float_pool_parameter(v, loc);
                continue;
            }
            let store = |l: &mut Self, rt: Reg, word: u32| {
                let offset = sp_offset(home + word);
                l.code.push(Emit::Note(Note::Spill(v)));
                l.emit(Inst::Store { kind: StoreKind::Word, rt, rn: Reg::Sp, offset });
            };
            match loc {
                ArgLoc::Reg(_) | ArgLoc::Stack(_) | ArgLoc::S(_) => {
                    // Through R12, not R0: with hard-float arguments a core register one may come
                    // after a stack one.
                    let rt = if in_pool { self.pool[next_pool] } else { EXPANSION };
                    let src = match loc {
                        ArgLoc::Stack(word) => {
                            self.code.push(Emit::IncomingArg { rt, index: word });
                            rt
                        }
                        ArgLoc::S(sn) => {
                            self.emit(Inst::Vfp(Vfp::ToCore { rt, sn }));
                            rt
                        }
                        ArgLoc::Reg(r) => r,
                        _ => unreachable!("matched above"),
                    };
                    if in_pool {
                        let r = self.pool[next_pool];
                        if r != src {
                            self.emit(Inst::Mov { rd: r, rm: src });
                        }
                        self.used[next_pool] = true;
                        self.regs[next_pool] = Some(Var(i));
                        self.vars[i as usize] =
                            VarState { reg: Some(next_pool), reg_hi: None, in_memory: false, slot: None };
                        next_pool += 1;
                        continue;
                    }
                    store(self, src, 0);
                }
                ArgLoc::Pair(..) | ArgLoc::D(_) if next_pool + 2 <= self.pool.len() => {
                    // An i64 or f64 parameter arriving in registers takes a pool pair while two
                    // are left.
                    let (a, b) = (next_pool, next_pool + 1);
                    match loc {
                        ArgLoc::Pair(lo, hi) => {
                            self.emit(Inst::Mov { rd: self.pool[a], rm: lo });
                            self.emit(Inst::Mov { rd: self.pool[b], rm: hi });
                        }
                        ArgLoc::D(dm) => {
                            self.emit(Inst::Vfp(Vfp::ToCorePair { rt: self.pool[a], rt2: self.pool[b], dm }))
                        }
                        _ => unreachable!("matched above"),
                    }
                    self.used[a] = true;
                    self.used[b] = true;
                    self.regs[a] = Some(Var(i));
                    self.regs[b] = Some(Var(i));
                    self.vars[i as usize] =
                        VarState { reg: Some(a), reg_hi: Some(b), in_memory: false, slot: None };
                    next_pool += 2;
                    continue;
                }
                ArgLoc::Pair(lo, hi) => {
                    store(self, lo, 0);
                    store(self, hi, 1);
                }
                ArgLoc::D(dm) => {
                    // LR is free once the prologue saved it.
                    self.emit(Inst::Vfp(Vfp::ToCorePair { rt: EXPANSION, rt2: Reg::Lr, dm }));
                    store(self, EXPANSION, 0);
                    store(self, Reg::Lr, 1);
                }
                ArgLoc::StackPair(word) => {
                    // R12 is free here (the stack-limit check is done).
                    for k in 0..2 {
                        self.code.push(Emit::IncomingArg { rt: EXPANSION, index: word + k });
                        store(self, EXPANSION, k);
                    }
                }
            }
            self.vars[i as usize].in_memory = true;
        }
        // The parameters have left R0–R3: R0 (low, so 16-bit stores) carries the zero.
        let zeroed: Vec<u32> = (self.f.params..self.f.num_locals)
            .filter(|i| self.f.ret_ptr != Some(Var(*i)) && self.live.live_at_entry.contains(Var(*i)))
            .collect();
        // Float-pool locals start with zero in memory.
        let (zeroed_s, mut zeroed): (Vec<u32>, Vec<u32>) =
            zeroed.into_iter().partition(|i| self.in_s[*i as usize]);
        let zero_words: usize = zeroed.iter().map(|i| self.f.types[*i as usize].words() as usize).sum();
        let free_regs = self.regs[..self.pool.len()].iter().filter(|r| r.is_none()).count();
        let read_soon = zeroed.iter().all(|i| self.live.uses[*i as usize].first().is_some_and(|u| *u < 16));
        if self.strategy == Strategy::Pool && zero_words <= free_regs && read_soon {
            // When the pool registers the parameters left free can hold them all and they are
            // read soon, the locals start with zero in registers (otherwise a register held
            // for a far read costs evictions that the stores of zero do not).
            zeroed.sort_by_key(|i| self.live.uses[*i as usize].first().copied());
            let mut free =
                (0..self.pool.len()).filter(|i| self.regs[*i].is_none()).collect::<Vec<_>>().into_iter();
            let mut in_memory = Vec::new();
            for i in zeroed {
                let words = self.f.types[i as usize].words() as usize;
                if free.len() < words {
                    in_memory.push(i);
                    continue;
                }
                let idx: Vec<usize> = free.by_ref().take(words).collect();
                for &k in &idx {
                    self.emit(Inst::MovImm { s: false, rd: self.pool[k], imm: modimm(0) });
                    self.regs[k] = Some(Var(i));
                    self.used[k] = true;
                }
                let st = &mut self.vars[i as usize];
                st.reg = Some(idx[0]);
                st.reg_hi = idx.get(1).copied();
                st.in_memory = false;
            }
            zeroed = in_memory;
        }
        zeroed.extend(zeroed_s);
        if !zeroed.is_empty() {
            self.emit(Inst::MovImm { s: false, rd: Reg::R0, imm: modimm(0) });
        }
        for i in self.f.params..self.f.num_locals {
            if self.f.ret_ptr == Some(Var(i)) {
                continue; // arrived as an argument above
            }
            if zeroed.contains(&i) {
                for word in 0..self.f.types[i as usize].words() {
                    let offset = sp_offset(self.home(i) + word);
                    self.emit(Inst::Store { kind: StoreKind::Word, rt: Reg::R0, rn: Reg::Sp, offset });
                }
            }
            // Memory holds the local's value from here on: zero, or (if not zeroed) a value
            // nobody reads before the local's first write; or a pool register holds zero.
            if self.vars[i as usize].reg.is_none() {
                self.vars[i as usize].in_memory = true;
            }
        }
    }

    /// Stores resident `v` (both words of an i64) to its frame slot.
    fn write_back(&mut self, v: Var) {
        let slot = self.slot_of(v);
        let st = self.vars[v.0 as usize];
        let words = [st.reg, st.reg_hi];
        for (k, idx) in words.iter().enumerate() {
            if let Some(idx) = idx {
                self.code.push(Emit::Note(Note::Spill(v)));
                self.store_word(*idx, slot + k as u32);
            }
        }
        self.vars[v.0 as usize].in_memory = true;
    }

    /// Forgets `v`'s registers (both of an i64 pair).
    fn release(&mut self, v: Var) {
        let st = &mut self.vars[v.0 as usize];
        for idx in [st.reg.take(), st.reg_hi.take()].into_iter().flatten() {
            self.regs[idx] = None;
        }
    }

    /// Makes `v` not resident, storing it first if memory does not hold it and it may still be
    /// read at `from` or later.
    /// An i64 pair is evicted as one unit: both registers are freed.
    fn evict(&mut self, idx: usize, from: u32) {
        let v = self.regs[idx].expect("evicting an occupied register");
        if injected!(self.inject, LoopLocalEvictedWithoutStore)
            && !self.is_temp(v)
            && self.live.next_use(v, from) == u32::MAX
        {
            self.vars[v.0 as usize].in_memory = true;
        }
        if !self.vars[v.0 as usize].in_memory && self.live.live_from(v, from) {
            self.write_back(v);
            self.stats.spills += 1;
        }
        self.stats.float_evictions += (idx >= self.pool.len()) as u32;
        self.release(v);
    }

    /// A free pool register, evicting by Belady's rule (farthest next use from `from`) if none is
    /// free. Registers in `pinned` are not evicted. Ties prefer a value already in memory (no
    /// store), then the lowest register.
    fn alloc(&mut self, pinned: &[usize], from: u32) -> usize {
        self.alloc_in(0..self.pool.len(), pinned, from)
    }

    /// `alloc` among the pool indices `class` (the core pool, or the float pool).
    fn alloc_in(&mut self, class: std::ops::Range<usize>, pinned: &[usize], from: u32) -> usize {
        if let Some(i) = class.clone().find(|i| self.regs[*i].is_none() && !pinned.contains(i)) {
            self.used[i] = true;
            return i;
        }
        let (position, victim) = class
            .filter(|i| !pinned.contains(i))
            .enumerate()
            .max_by_key(|&(_, i)| {
                let v = self.regs[i].expect("pool is full");
                let st = &self.vars[v.0 as usize];
                (self.live.next_use(v, from), st.in_memory, std::cmp::Reverse(i))
            })
            .expect("an instruction pins at most 3 registers and the pool has at least 1 free after pinning");
        let victim =
            if injected!(self.inject, BeladyVictimFromFilteredPosition) && self.regs[position].is_some() {
                position
            } else {
                victim
            };
        if injected!(self.inject, SpillStoreDroppedOnEviction) {
            let v = self.regs[victim].expect("pool is full");
            if self.is_temp(v) {
                self.vars[v.0 as usize].in_memory = true;
            }
        }
        self.evict(victim, from);
        self.used[victim] = true;
        victim
    }

    /// Puts an operand in a register: a resident value's pool register, a reloaded value, or a
    /// constant materialized into `scratch`.
    fn use_operand(&mut self, op: Operand, pinned: &mut Vec<usize>, pos: u32, scratch: Reg) -> Reg {
        if let Operand::Var(v) = op {
            if self.in_s[v.0 as usize] {
                // A float-pool value read by integer code: copied into the scratch register.
                return self.operand_into(op, scratch);
            }
            if let Some(idx) = self.vars[v.0 as usize].reg {
                pinned.push(idx);
                return self.pool[idx];
            }
            debug_assert!(self.vars[v.0 as usize].in_memory, "non-resident value must be in memory");
            // Reload into the pool, unless this instruction's own operands fill it.
            if pinned.iter().filter(|i| **i < self.pool.len()).count() < self.pool.len() {
                let slot = self.slot_of(v);
                self.stats.reloads += 1;
                let idx = self.alloc(pinned, pos);
                let r = self.pool[idx];
                self.code.push(Emit::Note(Note::Reload(v)));
                self.emit(Inst::Load { kind: LoadKind::Word, rt: r, rn: Reg::Sp, offset: sp_offset(slot) });
                self.regs[idx] = Some(v);
                self.vars[v.0 as usize].reg = Some(idx);
                pinned.push(idx);
                return r;
            }
        }
        // A constant, or a value read straight from memory into the scratch register.
        self.operand_into(op, scratch)
    }

    /// The register holding `op` for reading without disturbing the pool: its pool register if
    /// resident, else `scratch` loaded from memory or with the constant.
    fn operand_into(&mut self, op: Operand, scratch: Reg) -> Reg {
        match op {
            Operand::Imm(k) => {
                for i in mov_imm(scratch, k as u32) {
                    if injected!(self.inject, LargeConstantMovtDropped) && matches!(i, Inst::Movt { .. }) {
                        continue;
                    }
                    self.emit(i);
                }
                scratch
            }
            Operand::Var(v) => match self.vars[v.0 as usize].reg {
                Some(idx) if self.in_s[v.0 as usize] => {
                    self.emit(Inst::Vfp(Vfp::ToCore { rt: scratch, sn: self.s_at(idx) }));
                    scratch
                }
                Some(idx) => self.pool[idx],
                None => {
                    let slot = self.slot_of(v);
                    self.stats.reloads += 1;
                    self.code.push(Emit::Note(Note::Reload(v)));
                    self.emit(Inst::Load {
                        kind: LoadKind::Word,
                        rt: scratch,
                        rn: Reg::Sp,
                        offset: sp_offset(slot),
                    });
                    scratch
                }
            },
        }
    }

    /// Releases temporaries whose last use is `pos` (their registers and slots).
    fn free_dead(&mut self, pos: u32) {
        for k in 0..self.live.dies_at[pos as usize].len() {
            let v = self.live.dies_at[pos as usize][k];
            self.release(v);
            let st = &mut self.vars[v.0 as usize];
            st.in_memory = false;
            if let Some(s) = st.slot.take() {
                if self.f.types[v.0 as usize].is_pair() {
                    self.free_pairs.push(s);
                } else {
                    self.free_slots.push(s);
                }
            }
        }
    }

    /// The register `dst` is written to: its current register if resident (overwritten in place),
    /// otherwise a free or evicted pool register. Memory no longer holds `dst` afterwards.
    fn def(&mut self, dst: Var, pos: u32) -> Reg {
        if self.in_s[dst.0 as usize] {
            // `spool::classify` keeps such definitions out of the float pool.
            let inst = &self.f.insts[pos as usize];
            self.inconsistent(format!(
                "v{} is in the float pool but defined by integer code ({inst:?})",
                dst.0
            ));
        }
        if self.returned_next(dst, pos) {
            self.in_r0 = Some(dst);
            return Reg::R0;
        }
        let idx = match self.vars[dst.0 as usize].reg {
            Some(idx) => idx,
            None => {
                let idx = match self.preferred[dst.0 as usize] {
                    Some(p) if self.regs[p].is_none() => {
                        self.used[p] = true;
                        p
                    }
                    _ => self.alloc(&[], pos + 1),
                };
                self.regs[idx] = Some(dst);
                self.vars[dst.0 as usize].reg = Some(idx);
                idx
            }
        };
        self.vars[dst.0 as usize].in_memory = false;
        self.pool[idx]
    }

    /// Whether `dst`, defined at `pos`, is only the function's single result returned right
    /// after: it is then computed into R0 (R0:R1 for an i64, see `def_pair`; it never enters
    /// the pool, nothing runs in between). For an i32, only expansions that write their
    /// destination last and use no R0 scratch after it; an i64 result is always placed from
    /// scratch registers once its operands are read.
    fn returned_next(&self, dst: Var, pos: u32) -> bool {
        let inst = &self.f.insts[pos as usize];
        let several_results =
            matches!(inst, IrInst::Call { dsts, .. } | IrInst::CallIndirect { dsts, .. } if dsts.len() > 1);
        let expansion_allows_r0 = (self.is_i64(dst) && !several_results)
            || match inst {
                IrInst::Bin { .. }
                | IrInst::Copy { .. }
                | IrInst::Select { .. }
                | IrInst::GlobalGet { .. }
                | IrInst::Load { .. }
                | IrInst::Wrap { .. }
                | IrInst::MemorySize { .. } => true,
                IrInst::Un { op, .. } => *op != UnOp::Popcnt,
                IrInst::Call { dsts, .. } | IrInst::CallIndirect { dsts, .. } => dsts.len() == 1,
                _ => false,
            };
        expansion_allows_r0
            && self.strategy == Strategy::Pool
            && self.f.ret_ptr.is_none()
            && self.is_temp(dst)
            && self.live.uses[dst.0 as usize] == [pos + 1]
            && matches!(self.f.insts.get(pos as usize + 1), Some(IrInst::Return(v)) if v[..] == [Operand::Var(dst)])
    }

    /// Stores and forgets every resident value (the baseline strategy, before each instruction).
    fn spill_all(&mut self, pos: u32) {
        for idx in 0..self.regs.len() {
            if self.regs[idx].is_some() {
                self.evict(idx, pos);
            }
        }
    }

    /// Forgets every register (after a label or an unconditional transfer).
    fn clear(&mut self) {
        for idx in 0..self.regs.len() {
            if let Some(v) = self.regs[idx] {
                self.release(v);
            }
        }
    }

    /// Branches to the function's `udf` stub for `code` when `cond` holds.
    fn trap_if(&mut self, cond: Cond, code: TrapCode) {
        let target = match self.trap_stubs.iter().find(|(c, _)| *c == code) {
            Some((_, l)) => *l,
            None => {
                let l = self.new_label();
                self.trap_stubs.push((code, l));
                l
            }
        };
        self.emit(Inst::B { cond: Some(cond), target });
    }

    /// `rd` = `addr`, an address in the data area (always MOVW + MOVT, so the relocatable
    /// object's code is the image's byte for byte once linked).
    fn data_address(&mut self, rd: Reg, addr: u32) {
        debug_assert!((crate::DATA_BASE..crate::DATA_BASE + crate::DATA_SIZE).contains(&addr));
        self.code.push(Emit::DataAddress { rd, offset: addr - crate::DATA_BASE });
    }

    /// `rd` = the linear memory's current size in bytes.
    fn memory_size_bytes(&mut self, rd: Reg) {
        self.data_address(rd, crate::MEMORY_SIZE_ADDR);
        self.emit(Inst::Load { kind: LoadKind::Word, rt: rd, rn: rd, offset: MemOffset::new(0).unwrap() });
    }

    /// Bounds check of a `bytes`-byte access at `ra + offset`: traps unless the whole access is
    /// inside the memory's current size, computing the end address without wrapping. Leaves
    /// the host address of the access's end in R0 and returns the offset that reaches its start;
    /// `None` if the access can never be in bounds (a `udf` was emitted instead).
    fn memory_access(&mut self, ra: Reg, offset: u32, bytes: u32) -> Option<MemOffset> {
        if offset as u64 + bytes as u64 > u32::MAX as u64 {
            self.emit(Inst::Udf { imm: TrapCode::MemoryOutOfBounds.udf_imm() });
            return None;
        }
        // R0 = the address of the access's last byte, `ra + offset + bytes - 1`. Out of bounds
        // if that wraps past 2^32 (carry) or is not below the memory size: one compare, made
        // only when the add did not carry, and one branch for both.
        let last = offset + (bytes - 1);
        self.memory_size_bytes(EXPANSION);
        match ModImm::new(last) {
            Some(imm) => self.emit(Inst::DpImm { op: DpOp::Add, s: true, rd: Reg::R0, rn: ra, imm }),
            None => {
                for i in mov_imm(Reg::R0, last) {
                    self.emit(i);
                }
                self.emit(Inst::Dp { op: DpOp::Add, s: true, rd: Reg::R0, rn: ra, rm: Reg::R0 });
            }
        }
        self.emit_it(Cond::Lo, ItPattern::t(), &[Inst::Cmp { rn: Reg::R0, rm: EXPANSION }]);
        let out_of_bounds =
            if injected!(self.inject, BoundsCheckLastByteOffByOne) { Cond::Hi } else { Cond::Hs };
        self.trap_if(out_of_bounds, TrapCode::MemoryOutOfBounds);
        self.emit(Inst::DpImm {
            op: DpOp::Add,
            s: true,
            rd: Reg::R0,
            rn: Reg::R0,
            imm: modimm(crate::MEMORY_BASE),
        });
        Some(MemOffset::new(1 - bytes as i32).expect("access widths are at most 8 bytes"))
    }

    fn trap_unless(&mut self, cond: Cond, code: TrapCode) {
        let ok = self.new_label();
        self.emit(Inst::B { cond: Some(cond), target: ok });
        self.emit(Inst::Udf { imm: code.udf_imm() });
        self.code.push(Emit::Bind(ok));
    }

    /// Whether `inst` only computes a value (it cannot trap or write anything else) that is
    /// never read. Divisions can trap: their checks stay (see `bin`).
    fn computes_unread_value(&self, inst: &IrInst) -> bool {
        inst.is_pure()
            && inst.def().is_some_and(|d| self.is_temp(d) && self.live.uses[d.0 as usize].is_empty())
    }

    /// A comparison whose only use is the `select` right after it compiles to `cmp` + `ite` +
    /// two moves instead of materializing 0/1 and testing it. Returns whether it handled `pos`
    /// and `pos + 1`.
    fn fused_compare_select(&mut self, pos: u32) -> bool {
        let (cc, x, y, c) = match self.f.insts[pos as usize] {
            IrInst::Bin { op, dst, a, b } if is_compare(op) => (compare_cond(op), a, b, dst),
            IrInst::Un { op: UnOp::Eqz, dst, a } => (Cond::Eq, a, Operand::Imm(0), dst),
            _ => return false,
        };
        let Some(&IrInst::Select { dst, a, b, cond: Operand::Var(cv) }) = self.f.insts.get(pos as usize + 1)
        else {
            return false;
        };
        if cv != c || !self.is_temp(c) || self.live.uses[c.0 as usize] != [pos + 1] || self.is_i64(dst) {
            return false;
        }
        let mut pinned = Vec::new();
        let rx = self.use_operand(x, &mut pinned, pos, SCRATCH_A);
        let immediate = match y {
            Operand::Imm(k) => CmpImm::choose(k),
            Operand::Var(_) => None,
        };
        let compare = match immediate {
            Some(c) => c.inst(rx),
            None => Inst::Cmp { rn: rx, rm: self.use_operand(y, &mut pinned, pos, SCRATCH_B) },
        };
        let ra = self.use_operand(a, &mut pinned, pos + 1, SCRATCH_C);
        let late =
            injected!(self.inject, FusedSelectConstantArmClobbersFlags) && matches!(b, Operand::Imm(_));
        let rb = if late { EXPANSION } else { self.use_operand(b, &mut pinned, pos + 1, EXPANSION) };
        self.free_dead(pos);
        self.free_dead(pos + 1);
        let rd = self.def(dst, pos + 1);
        self.emit(compare);
        if late {
            self.operand_into(b, EXPANSION);
        }
        self.select_into(rd, cc, ra, rb);
        self.after_def(dst, pos + 1);
        true
    }

    /// A comparison whose only use is the branch right after it compiles to `cmp` + `b<cc>`
    /// instead of materializing 0/1 and testing it. Returns whether it handled `pos` and `pos + 1`.
    fn fused_compare_branch(&mut self, pos: u32) -> bool {
        let (cc, a, b, dst) = match self.f.insts[pos as usize] {
            IrInst::Bin { op, dst, a, b } if is_compare(op) => (compare_cond(op), a, b, dst),
            IrInst::Un { op: UnOp::Eqz, dst, a } => (Cond::Eq, a, Operand::Imm(0), dst),
            _ => return false,
        };
        let Some(&IrInst::Branch { cond: Operand::Var(c), if_zero, target }) =
            self.f.insts.get(pos as usize + 1)
        else {
            return false;
        };
        if c != dst || !self.is_temp(dst) || self.live.uses[dst.0 as usize] != [pos + 1] {
            return false;
        }
        let cc = match if_zero {
            true if injected!(self.inject, IfLtSInvertedToGt) && cc == Cond::Lt => Cond::Gt,
            true => cc.invert(),
            false => cc,
        };
        let mut pinned = Vec::new();
        let ra = self.use_operand(a, &mut pinned, pos, SCRATCH_A);
        let immediate = match b {
            Operand::Imm(k) => CmpImm::choose(k),
            Operand::Var(_) => None,
        };
        let compare = match immediate {
            Some(c) => c.inst(ra),
            None => Inst::Cmp { rn: ra, rm: self.use_operand(b, &mut pinned, pos, SCRATCH_B) },
        };
        self.free_dead(pos);
        self.free_dead(pos + 1);
        self.edge(target, Some((compare, cc)));
        true
    }

    fn inst(&mut self, pos: u32) {
        let inst = self.f.insts[pos as usize].clone();
        if self.computes_unread_value(&inst) {
            // No effect but its value, which nobody reads (`drop`, an unused result).
            self.free_dead(pos);
            return;
        }
        if self.inst64(pos, &inst) || self.float_pool_copy(pos, &inst) || self.float_inst(pos, &inst) {
            return;
        }
        match inst {
            IrInst::Bin { op, dst, a, b } => self.bin(pos, op, dst, a, b),
            IrInst::Un { op, dst, a } => {
                let mut pinned = Vec::new();
                let ra = self.use_operand(a, &mut pinned, pos, SCRATCH_A);
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                match op {
                    UnOp::Clz => self.emit(Inst::Clz { rd, rm: ra }),
                    UnOp::Ctz => {
                        self.emit(Inst::Rbit { rd: EXPANSION, rm: ra });
                        self.emit(Inst::Clz { rd, rm: EXPANSION });
                    }
                    UnOp::Popcnt => self.popcnt(rd, ra),
                    UnOp::Extend8S | UnOp::Extend16S => {
                        let bits = if op == UnOp::Extend8S { 24 } else { 16 };
                        let amount = ShiftAmount::new(bits).unwrap();
                        self.emit(Inst::ShiftImm { op: ShiftOp::Lsl, s: true, rd, rm: ra, amount });
                        self.emit(Inst::ShiftImm { op: ShiftOp::Asr, s: true, rd, rm: rd, amount });
                    }
                    UnOp::Eqz => {
                        self.emit(Inst::CmpImm { rn: ra, imm: modimm(0) });
                        self.set_bool(rd, Cond::Eq);
                    }
                }
                self.after_def(dst, pos);
            }
            IrInst::Copy { dst, src: Operand::Imm(k) } => {
                // A constant goes straight into the destination.
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                for i in mov_imm(rd, k as u32) {
                    self.emit(i);
                }
                self.after_def(dst, pos);
            }
            IrInst::Copy { dst, src } => {
                let mut pinned = Vec::new();
                let rs = self.use_operand(src, &mut pinned, pos, SCRATCH_A);
                // A temporary dying here is renamed instead of copied.
                if let Operand::Var(s) = src {
                    let dies = self.is_temp(s) && self.live.next_use(s, pos + 1) == u32::MAX;
                    if dies
                        && !self.in_s[s.0 as usize]
                        && self.vars[dst.0 as usize].reg.is_none()
                        && self.vars[s.0 as usize].reg.is_some()
                    {
                        let idx = self.vars[s.0 as usize].reg.take().unwrap();
                        self.free_dead(pos);
                        self.regs[idx] = Some(dst);
                        self.vars[dst.0 as usize].reg = Some(idx);
                        self.vars[dst.0 as usize].in_memory = false;
                        self.after_def(dst, pos);
                        return;
                    }
                }
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                if rd != rs {
                    self.emit(Inst::Mov { rd, rm: rs });
                }
                self.after_def(dst, pos);
            }
            IrInst::Select { dst, a, b, cond } => {
                let mut pinned = Vec::new();
                let ra = self.use_operand(a, &mut pinned, pos, SCRATCH_A);
                let rb = self.use_operand(b, &mut pinned, pos, SCRATCH_B);
                let rc = self.use_operand(cond, &mut pinned, pos, SCRATCH_C);
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                self.emit(Inst::CmpImm { rn: rc, imm: modimm(0) });
                self.select_into(rd, Cond::Ne, ra, rb);
                self.after_def(dst, pos);
            }
            IrInst::Label(l) => self.enter_label(l, self.falls_through),
            IrInst::Jump(l) => {
                self.edge(l, None);
                self.clear();
            }
            IrInst::Branch { cond, if_zero, target } => match cond {
                Operand::Imm(k) => {
                    if (k != 0) != if_zero {
                        self.edge(target, None);
                        self.clear();
                    }
                }
                Operand::Var(_) => {
                    let mut pinned = Vec::new();
                    let rc = self.use_operand(cond, &mut pinned, pos, SCRATCH_A);
                    self.free_dead(pos);
                    let c = if if_zero { Cond::Eq } else { Cond::Ne };
                    self.edge(target, Some((Inst::CmpImm { rn: rc, imm: modimm(0) }, c)));
                }
            },
            IrInst::GlobalGet { dst, global } => {
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                self.data_address(EXPANSION, crate::global_addr(global));
                self.emit(Inst::Load {
                    kind: LoadKind::Word,
                    rt: rd,
                    rn: EXPANSION,
                    offset: MemOffset::new(0).unwrap(),
                });
                self.after_def(dst, pos);
            }
            IrInst::GlobalSet { global, src } => {
                let r = self.operand_into(src, SCRATCH_A);
                self.free_dead(pos);
                self.data_address(EXPANSION, crate::global_addr(global));
                self.emit(Inst::Store {
                    kind: StoreKind::Word,
                    rt: r,
                    rn: EXPANSION,
                    offset: MemOffset::new(0).unwrap(),
                });
            }
            IrInst::Call { func, args, dsts } => {
                let abi = self.conventions.of_callee(Some(func));
                let (args, locs) = self.call_args(&args, &dsts, abi);
                self.args_outside_core_registers(&args, &locs);
                self.register_args(&args, &locs);
                self.free_dead(pos);
                // Pool registers are callee-saved: resident values survive the call.
                self.code.push(Emit::Call(func));
                self.call_results(&dsts, pos, abi);
            }
            IrInst::CallIndirect { sig, table_addr, table_size, index, args, dsts } => {
                let abi = self.conventions.of_callee(None);
                let (args, locs) = self.call_args(&args, &dsts, abi);
                self.args_outside_core_registers(&args, &locs);
                // The entry is checked while R0–R3 are still free; LR then holds the target.
                let ri = self.operand_into(index, Reg::Lr);
                match CmpImm::choose(table_size as i32) {
                    Some(c) if table_size <= i32::MAX as u32 => self.emit(c.inst(ri)),
                    _ => {
                        for i in mov_imm(EXPANSION, table_size) {
                            self.emit(i);
                        }
                        self.emit(Inst::Cmp { rn: ri, rm: EXPANSION });
                    }
                }
                self.trap_if(Cond::Hs, TrapCode::TableOutOfBounds);
                let three = ShiftAmount::new(3).unwrap();
                self.emit(Inst::ShiftImm { op: ShiftOp::Lsl, s: true, rd: Reg::Lr, rm: ri, amount: three });
                self.data_address(EXPANSION, table_addr);
                self.emit(Inst::Dp { op: DpOp::Add, s: true, rd: EXPANSION, rn: EXPANSION, rm: Reg::Lr });
                let at = |k| MemOffset::new(k).unwrap();
                self.emit(Inst::Load { kind: LoadKind::Word, rt: Reg::Lr, rn: EXPANSION, offset: at(0) });
                self.emit(Inst::CmpImm { rn: Reg::Lr, imm: modimm(0) });
                self.trap_if(Cond::Eq, TrapCode::IndirectCallToNull);
                self.emit(Inst::Load { kind: LoadKind::Word, rt: EXPANSION, rn: EXPANSION, offset: at(4) });
                match CmpImm::choose(sig as i32) {
                    Some(c) => self.emit(c.inst(EXPANSION)),
                    None => {
                        for i in mov_imm(Reg::R0, sig) {
                            self.emit(i);
                        }
                        self.emit(Inst::Cmp { rn: EXPANSION, rm: Reg::R0 });
                    }
                }
                self.trap_if(Cond::Ne, TrapCode::BadSignature);
                self.register_args(&args, &locs);
                self.free_dead(pos);
                self.emit(Inst::Blx { rm: Reg::Lr });
                self.call_results(&dsts, pos, abi);
            }
            IrInst::BranchTable { index, targets, default } => {
                match index {
                    Operand::Imm(k) => {
                        let target = targets.get(k as u32 as usize).copied().unwrap_or(default);
                        self.edge(target, None);
                    }
                    Operand::Var(_) => {
                        let mut pinned = Vec::new();
                        let ri = self.use_operand(index, &mut pinned, pos, SCRATCH_A);
                        self.free_dead(pos);
                        let states = self.table_states(&targets);
                        // A compare chain: the index stays in its register throughout (fix-ups
                        // run only on taken paths).
                        for (k, (target, state)) in targets.iter().zip(&states).enumerate() {
                            match ModImm::new(k as u32) {
                                Some(imm) => self.emit(Inst::CmpImm { rn: ri, imm }),
                                None => {
                                    for i in mov_imm(SCRATCH_B, k as u32) {
                                        self.emit(i);
                                    }
                                    self.emit(Inst::Cmp { rn: ri, rm: SCRATCH_B });
                                }
                            }
                            let target = self.labels[target.0 as usize];
                            let last = k + 1 == targets.len();
                            let cc = if injected!(self.inject, BrTableOutOfRangeToLastCase) && last {
                                Cond::Hs
                            } else {
                                Cond::Eq
                            };
                            self.conditional_edge(state, target, cc);
                        }
                        self.edge(default, None);
                    }
                }
                self.clear();
            }
            IrInst::Load { kind, dst, addr, offset } => {
                let mut pinned = Vec::new();
                let ra = self.use_operand(addr, &mut pinned, pos, SCRATCH_A);
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                if let Some(offset) = self.memory_access(ra, offset, kind.bytes()) {
                    let kind = match kind {
                        MemLoad::I32 => LoadKind::Word,
                        MemLoad::I8S => LoadKind::SignedByte,
                        MemLoad::I8U => LoadKind::Byte,
                        MemLoad::I16S => LoadKind::SignedHalf,
                        MemLoad::I16U => LoadKind::Half,
                    };
                    self.emit(Inst::Load { kind, rt: rd, rn: Reg::R0, offset });
                }
                self.after_def(dst, pos);
            }
            IrInst::Store { kind, addr, value, offset } => {
                let mut pinned = Vec::new();
                let ra = self.use_operand(addr, &mut pinned, pos, SCRATCH_A);
                let rv = self.use_operand(value, &mut pinned, pos, SCRATCH_B);
                self.free_dead(pos);
                if let Some(offset) = self.memory_access(ra, offset, kind.bytes()) {
                    self.emit(Inst::Store { kind: store_kind(kind), rt: rv, rn: Reg::R0, offset });
                }
            }
            IrInst::MemorySize { dst } => {
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                self.memory_size_bytes(EXPANSION);
                let amount = ShiftAmount::new(16).unwrap();
                self.emit(Inst::ShiftImm { op: ShiftOp::Lsr, s: true, rd, rm: EXPANSION, amount });
                self.after_def(dst, pos);
            }
            IrInst::MemoryGrow { dst, delta, max_pages } => {
                let mut pinned = Vec::new();
                let rn = self.use_operand(delta, &mut pinned, pos, SCRATCH_A);
                self.free_dead(pos);
                let rd = self.def(dst, pos);
                let sixteen = ShiftAmount::new(16).unwrap();
                // R12 = &size, R1 = size in bytes, R0 = old pages, R3 = pages still allowed.
                self.data_address(EXPANSION, crate::MEMORY_SIZE_ADDR);
                let at_r12 = MemOffset::new(0).unwrap();
                self.emit(Inst::Load { kind: LoadKind::Word, rt: Reg::R1, rn: EXPANSION, offset: at_r12 });
                self.emit(Inst::ShiftImm {
                    op: ShiftOp::Lsr,
                    s: true,
                    rd: Reg::R0,
                    rm: Reg::R1,
                    amount: sixteen,
                });
                for i in mov_imm(SCRATCH_B, max_pages) {
                    self.emit(i);
                }
                self.emit(Inst::Dp { op: DpOp::Sub, s: true, rd: SCRATCH_B, rn: SCRATCH_B, rm: Reg::R0 });
                self.emit(Inst::Cmp { rn, rm: SCRATCH_B });
                let (fail, done) = (self.new_label(), self.new_label());
                let too_large =
                    if injected!(self.inject, MemoryGrowFailsAtExactCap) { Cond::Hs } else { Cond::Hi };
                self.emit(Inst::B { cond: Some(too_large), target: fail });
                // New memory is already zero: bytes past the size are never written.
                self.emit(Inst::ShiftImm {
                    op: ShiftOp::Lsl,
                    s: true,
                    rd: SCRATCH_B,
                    rm: rn,
                    amount: sixteen,
                });
                self.emit(Inst::Dp { op: DpOp::Add, s: true, rd: Reg::R1, rn: Reg::R1, rm: SCRATCH_B });
                self.emit(Inst::Store { kind: StoreKind::Word, rt: Reg::R1, rn: EXPANSION, offset: at_r12 });
                self.emit(Inst::Mov { rd, rm: Reg::R0 });
                self.emit(Inst::B { cond: None, target: done });
                self.code.push(Emit::Bind(fail));
                self.emit(Inst::MvnImm { s: false, rd, imm: modimm(0) });
                self.code.push(Emit::Bind(done));
                self.after_def(dst, pos);
            }
            IrInst::Return(values) => {
                if let Some(ptr) = self.f.ret_ptr {
                    // Several results: stored to the caller's area (its address in R12).
                    let types: Vec<Ty> = operand_types(self.f, &values);
                    let (offsets, _) = result_layout(&types);
                    let rp = self.operand_into(Operand::Var(ptr), EXPANSION);
                    for ((v, ty), off) in values.iter().zip(&types).zip(offsets) {
                        let at = |k: u32| MemOffset::new((off + 4 * k) as i32).expect("small result area");
                        if ty.is_pair() {
                            self.load_pair(v.var().expect("i64 values are variables"), Reg::R0, Reg::R1);
                            self.emit(Inst::Store {
                                kind: StoreKind::Word,
                                rt: Reg::R0,
                                rn: rp,
                                offset: at(0),
                            });
                            self.emit(Inst::Store {
                                kind: StoreKind::Word,
                                rt: Reg::R1,
                                rn: rp,
                                offset: at(1),
                            });
                        } else {
                            let r = self.operand_into(*v, Reg::R0);
                            self.emit(Inst::Store { kind: StoreKind::Word, rt: r, rn: rp, offset: at(0) });
                        }
                    }
                } else if let Some(v) = values.first() {
                    if self.float_pool_result(*v) {
                        self.code.push(Emit::Epilogue);
                        self.free_dead(pos);
                        self.clear();
                        return;
                    }
                    let r = match *v {
                        Operand::Var(v) if self.in_r0 == Some(v) => Reg::R0,
                        _ => self.operand_into(*v, Reg::R0),
                    };
                    if let ArgLoc::S(sn) =
                        crate::abi::result_location(self.f.results[0], self.conventions.own)
                    {
                        self.emit(Inst::Vfp(Vfp::FromCore { sn, rt: r }));
                    } else if r != Reg::R0 {
                        self.emit(Inst::Mov { rd: Reg::R0, rm: r });
                    }
                }
                self.code.push(Emit::Epilogue);
                self.free_dead(pos);
                self.clear();
            }
            IrInst::Load64 { .. }
            | IrInst::Store64 { .. }
            | IrInst::Const64 { .. }
            | IrInst::Bin64 { .. }
            | IrInst::Cmp64 { .. }
            | IrInst::Un64 { .. }
            | IrInst::Eqz64 { .. }
            | IrInst::Wrap { .. }
            | IrInst::Extend { .. } => unreachable!("lowered by inst64"),
            IrInst::FloatBin { .. }
            | IrInst::FloatUn { .. }
            | IrInst::FloatCmp { .. }
            | IrInst::FloatToInt { .. }
            | IrInst::IntToFloat { .. }
            | IrInst::FloatResize { .. }
            | IrInst::FloatToInt64 { .. }
            | IrInst::Int64ToFloat { .. } => unreachable!("lowered by float_inst"),
            IrInst::Trap(code) => {
                self.emit(Inst::Udf { imm: code.udf_imm() });
                self.free_dead(pos);
                self.clear();
            }
        }
    }

    /// A call's arguments and where they go; with several results the result area's address
    /// comes first (a hidden argument, `None` here).
    fn call_args(
        &self,
        args: &[Operand],
        dsts: &[Var],
        abi: FloatAbi,
    ) -> (Vec<Option<Operand>>, Vec<ArgLoc>) {
        let hidden = dsts.len() > 1;
        let mut types = operand_types(self.f, args);
        if hidden {
            types.insert(0, Ty::I32);
        }
        let all = hidden.then_some(None).into_iter().chain(args.iter().map(|a| Some(*a))).collect();
        (all, arg_locations(&types, abi).0)
    }

    /// Outgoing stack arguments, stored through R12 at the bottom of the frame, and float ones
    /// into S0–S15 through R12 (and LR): first, before anything uses LR or R0–R3.
    fn args_outside_core_registers(&mut self, args: &[Option<Operand>], locs: &[ArgLoc]) {
        let at = |word: u32| MemOffset::new(4 * word as i32).expect("the out-args area is in the frame");
        for (a, loc) in args.iter().zip(locs) {
            // The hidden result-area argument is always first, in R0.
            let Some(a) = a else { continue };
            match *loc {
                ArgLoc::Stack(word) => {
                    let r = self.operand_into(*a, EXPANSION);
                    self.emit(Inst::Store { kind: StoreKind::Word, rt: r, rn: Reg::Sp, offset: at(word) });
                }
                ArgLoc::StackPair(word) => {
                    // Through R12 and LR, which hold nothing here.
                    self.load_pair(a.var().expect("i64 arguments are variables"), EXPANSION, Reg::Lr);
                    self.emit(Inst::Store {
                        kind: StoreKind::Word,
                        rt: EXPANSION,
                        rn: Reg::Sp,
                        offset: at(word),
                    });
                    self.emit(Inst::Store {
                        kind: StoreKind::Word,
                        rt: Reg::Lr,
                        rn: Reg::Sp,
                        offset: at(word + 1),
                    });
                }
                ArgLoc::S(sn) => match a.var().and_then(|v| self.resident_s(v)) {
                    Some(s) => self.move_loc(spool::Loc::S(sn), spool::Loc::S(s)),
                    None => {
                        let r = self.operand_into(*a, EXPANSION);
                        self.emit(Inst::Vfp(Vfp::FromCore { sn, rt: r }));
                    }
                },
                ArgLoc::D(dm) => {
                    self.load_pair(a.var().expect("f64 arguments are variables"), EXPANSION, Reg::Lr);
                    self.emit(Inst::Vfp(Vfp::FromCorePair { dm, rt: EXPANSION, rt2: Reg::Lr }));
                }
                ArgLoc::Reg(_) | ArgLoc::Pair(..) => {}
            }
        }
    }

    /// Register arguments into R0–R3: each is loaded straight into its own registers, so none of
    /// them holds a value another needs.
    fn register_args(&mut self, args: &[Option<Operand>], locs: &[ArgLoc]) {
        for (a, loc) in args.iter().zip(locs) {
            let Some(a) = a else {
                let imm = crate::thumb::Imm12::new(4 * self.sret_base).expect("inside the frame");
                self.emit(Inst::AddW { rd: Reg::R0, rn: Reg::Sp, imm });
                continue;
            };
            match *loc {
                ArgLoc::Reg(target) => {
                    let r = self.operand_into(*a, target);
                    if r != target {
                        self.emit(Inst::Mov { rd: target, rm: r });
                    }
                }
                ArgLoc::Pair(lo, _)
                    if injected!(self.inject, I64CallArgHighHalfNotPlaced) && lo == Reg::R2 =>
                {
                    let r = self.operand_into(*a, lo);
                    if r != lo {
                        self.emit(Inst::Mov { rd: lo, rm: r });
                    }
                }
                ArgLoc::Pair(lo, hi) => self.load_pair(a.var().expect("i64 arguments are variables"), lo, hi),
                ArgLoc::Stack(_) | ArgLoc::StackPair(_) | ArgLoc::S(_) | ArgLoc::D(_) => {}
            }
        }
    }

    /// The call's results: one from R0 (an i64 from R0:R1), several from the result area. A
    /// result nobody reads (`call` + `drop`) takes no register.
    fn call_results(&mut self, dsts: &[Var], pos: u32, abi: FloatAbi) {
        if dsts.len() > 1 {
            let types: Vec<Ty> = dsts.iter().map(|d| self.f.types[d.0 as usize]).collect();
            let (offsets, _) = result_layout(&types);
            for (d, off) in dsts.iter().zip(offsets) {
                if self.live.uses[d.0 as usize].is_empty() {
                    continue;
                }
                let base = self.sret_base;
                let word = |k: u32| sp_offset(base + off / 4 + k);
                if self.is_i64(*d) {
                    self.emit(Inst::Load { kind: LoadKind::Word, rt: Reg::R0, rn: Reg::Sp, offset: word(0) });
                    self.emit(Inst::Load { kind: LoadKind::Word, rt: Reg::R1, rn: Reg::Sp, offset: word(1) });
                    self.def_pair(*d, pos, Reg::R0, Reg::R1);
                } else {
                    let rd = self.def(*d, pos);
                    self.emit(Inst::Load { kind: LoadKind::Word, rt: rd, rn: Reg::Sp, offset: word(0) });
                    self.after_def(*d, pos);
                }
            }
            return;
        }
        let dst = dsts.first().copied().filter(|d| !self.live.uses[d.0 as usize].is_empty());
        if let Some(d) = dst.filter(|d| self.in_s[d.0 as usize]) {
            // Into the float pool, from S0 (hard float) or R0 (a routine's base AAPCS).
            let from = match crate::abi::result_location(Ty::F32, abi) {
                ArgLoc::S(sn) => spool::Loc::S(sn),
                _ => spool::Loc::Core(Reg::R0),
            };
            let s = self.def_s(d, pos);
            self.move_loc(spool::Loc::S(s), from);
            self.after_def(d, pos);
            return;
        }
        // A hard-float result comes in S0 or D0: into R0 (R0:R1) like any other.
        if let Some(d) = dst {
            match crate::abi::result_location(self.f.types[d.0 as usize], abi) {
                ArgLoc::S(sn) => self.emit(Inst::Vfp(Vfp::ToCore { rt: Reg::R0, sn })),
                ArgLoc::D(dm) => self.emit(Inst::Vfp(Vfp::ToCorePair { rt: Reg::R0, rt2: Reg::R1, dm })),
                _ => {}
            }
        }
        self.call_result(dst, pos);
    }

    fn call_result(&mut self, dst: Option<Var>, pos: u32) {
        if let Some(dst) = dst.filter(|d| !self.live.uses[d.0 as usize].is_empty()) {
            if self.is_i64(dst) {
                self.def_pair(dst, pos, Reg::R0, Reg::R1);
                return;
            }
            let rd = self.def(dst, pos);
            if rd != Reg::R0 {
                self.emit(Inst::Mov { rd, rm: Reg::R0 });
            }
            self.after_def(dst, pos);
        }
    }

    /// Frees a definition nobody reads.
    fn after_def(&mut self, dst: Var, pos: u32) {
        if self.is_temp(dst) && self.live.next_use(dst, pos + 1) == u32::MAX {
            self.release(dst);
        }
    }

    /// `rd = cc ? ra : rb` after a compare; a move onto itself is left out.
    fn select_into(&mut self, rd: Reg, cc: Cond, ra: Reg, rb: Reg) {
        if rd == ra && rd == rb {
            return;
        }
        if rd == ra {
            self.emit_it(cc.invert(), ItPattern::t(), &[Inst::Mov { rd, rm: rb }]);
        } else if rd == rb {
            self.emit_it(cc, ItPattern::t(), &[Inst::Mov { rd, rm: ra }]);
        } else {
            self.emit_it(cc, ItPattern::te(), &[Inst::Mov { rd, rm: ra }, Inst::Mov { rd, rm: rb }]);
        }
    }

    /// `rd = cond ? 1 : 0` after a compare.
    fn set_bool(&mut self, rd: Reg, cond: Cond) {
        let set = |v| Inst::MovImm { s: false, rd, imm: modimm(v) };
        self.emit_it(cond, ItPattern::te(), &[set(1), set(0)]);
    }

    fn popcnt(&mut self, rd: Reg, ra: Reg) {
        let (t0, t1) = (Reg::R0, Reg::R1);
        let sh = |v| ShiftAmount::new(v).unwrap();
        // x - ((x >> 1) & 0x55555555)
        self.emit(Inst::ShiftImm { op: ShiftOp::Lsr, s: false, rd: t0, rm: ra, amount: sh(1) });
        self.emit(Inst::DpImm { op: DpOp::And, s: false, rd: t0, rn: t0, imm: modimm(0x5555_5555) });
        self.emit(Inst::Dp { op: DpOp::Sub, s: false, rd: t0, rn: ra, rm: t0 });
        // (x & 0x33333333) + ((x >> 2) & 0x33333333)
        self.emit(Inst::DpImm { op: DpOp::And, s: false, rd: t1, rn: t0, imm: modimm(0x3333_3333) });
        self.emit(Inst::ShiftImm { op: ShiftOp::Lsr, s: false, rd: t0, rm: t0, amount: sh(2) });
        self.emit(Inst::DpImm { op: DpOp::And, s: false, rd: t0, rn: t0, imm: modimm(0x3333_3333) });
        self.emit(Inst::Dp { op: DpOp::Add, s: false, rd: t0, rn: t0, rm: t1 });
        // (x + (x >> 4)) & 0x0F0F0F0F
        self.emit(Inst::ShiftImm { op: ShiftOp::Lsr, s: false, rd: t1, rm: t0, amount: sh(4) });
        self.emit(Inst::Dp { op: DpOp::Add, s: false, rd: t0, rn: t0, rm: t1 });
        self.emit(Inst::DpImm { op: DpOp::And, s: false, rd: t0, rn: t0, imm: modimm(0x0F0F_0F0F) });
        // (x * 0x01010101) >> 24
        self.emit(Inst::MovImm { s: false, rd: t1, imm: modimm(0x0101_0101) });
        self.emit(Inst::Mul { rd: t0, rn: t0, rm: t1 });
        self.emit(Inst::ShiftImm { op: ShiftOp::Lsr, s: false, rd, rm: t0, amount: sh(24) });
    }

    fn bin(&mut self, pos: u32, op: BinOp, dst: Var, a: Operand, b: Operand) {
        use BinOp::*;
        // Immediate forms first: they need only `a` in a register.
        let imm_b = match b {
            Operand::Imm(k)
                if injected!(self.inject, AddImmediateMaskedTo12Bits)
                    && op == Add
                    && k > 4095
                    && ModImm::new(k as u32).is_none()
                    && ModImm::new((k as u32).wrapping_neg()).is_none() =>
            {
                k & 0xFFF
            }
            _ => b_imm(b),
        };
        if let (Operand::Imm(k), Some(form)) = (b, ImmForm::choose(op, imm_b)) {
            let _ = k;
            let mut pinned = Vec::new();
            let ra = self.use_operand(a, &mut pinned, pos, SCRATCH_A);
            self.free_dead(pos);
            let rd = self.def(dst, pos);
            self.emit_imm_form(form, rd, ra);
            self.after_def(dst, pos);
            return;
        }
        let mut pinned = Vec::new();
        let ra = self.use_operand(a, &mut pinned, pos, SCRATCH_A);
        let rb = self.use_operand(b, &mut pinned, pos, SCRATCH_B);
        self.free_dead(pos);
        let rd = self.def(dst, pos);
        let dp = |op| Inst::Dp { op, s: false, rd, rn: ra, rm: rb };
        match op {
            Add => self.emit(dp(DpOp::Add)),
            Sub if injected!(self.inject, SwapSubOperandsWhenPoolFull)
                && self.regs[..self.pool.len()].iter().all(Option::is_some) =>
            {
                self.emit(Inst::Dp { op: DpOp::Sub, s: false, rd, rn: rb, rm: ra })
            }
            Sub => self.emit(dp(DpOp::Sub)),
            And => self.emit(dp(DpOp::And)),
            Or => self.emit(dp(DpOp::Orr)),
            Xor => self.emit(dp(DpOp::Eor)),
            Mul => self.emit(Inst::Mul { rd, rn: ra, rm: rb }),
            Shl | ShrS | ShrU => {
                let sop = match op {
                    Shl => ShiftOp::Lsl,
                    ShrS => ShiftOp::Asr,
                    _ => ShiftOp::Lsr,
                };
                // Register shifts use the amount's low byte; WebAssembly takes it mod 32.
                if injected!(self.inject, ShrUAmountNotMasked) && op == ShrU {
                    self.emit(Inst::ShiftReg { op: sop, s: false, rd, rn: ra, rm: rb });
                } else {
                    self.emit(Inst::DpImm {
                        op: DpOp::And,
                        s: false,
                        rd: EXPANSION,
                        rn: rb,
                        imm: modimm(31),
                    });
                    self.emit(Inst::ShiftReg { op: sop, s: false, rd, rn: ra, rm: EXPANSION });
                }
            }
            Rotr => self.emit(Inst::ShiftReg { op: ShiftOp::Ror, s: false, rd, rn: ra, rm: rb }),
            Rotl => {
                // rotl(x, n) = ror(x, 32 - n); ROR takes its amount mod 32 (low byte, 256 ≡ 0).
                self.emit(Inst::DpImm { op: DpOp::Rsb, s: false, rd: EXPANSION, rn: rb, imm: modimm(32) });
                self.emit(Inst::ShiftReg { op: ShiftOp::Ror, s: false, rd, rn: ra, rm: EXPANSION });
            }
            DivU | RemU | DivS | RemS => {
                // Checks a constant operand already settles are left out.
                let known = match b {
                    Operand::Imm(k) => k != 0,
                    Operand::Var(v) => self.nonzero.contains(&v),
                };
                let zero_check_dropped = injected!(self.inject, RemUZeroCheckDropped) && op == RemU;
                if !known && !zero_check_dropped {
                    self.emit(Inst::CmpImm { rn: rb, imm: modimm(0) });
                    self.trap_unless(Cond::Ne, TrapCode::IntegerDivideByZero);
                    if let Operand::Var(v) = b {
                        self.nonzero.push(v);
                    }
                }
                let may_overflow = !matches!(b, Operand::Imm(k) if k != -1)
                    && !matches!(a, Operand::Imm(k) if k != i32::MIN);
                if op == DivS
                    && may_overflow
                    && !(injected!(self.inject, DivSOverflowCheckSkippedForKnownDivisor) && known)
                {
                    // MIN / -1 overflows: Z = (b == -1 && a == MIN), the second compare made
                    // only if the first found -1; one branch.
                    self.emit(Inst::CmnImm { rn: rb, imm: modimm(1) });
                    let min = Inst::CmpImm { rn: ra, imm: modimm(0x8000_0000) };
                    self.emit_it(Cond::Eq, ItPattern::t(), &[min]);
                    self.trap_unless(Cond::Ne, TrapCode::IntegerOverflow);
                }
                let signed = matches!(op, DivS | RemS);
                let div = |rd, rn, rm| {
                    if signed {
                        Inst::Sdiv { rd, rn, rm }
                    } else {
                        Inst::Udiv { rd, rn, rm }
                    }
                };
                if self.is_temp(dst) && self.live.uses[dst.0 as usize].is_empty() {
                    // Only the traps were wanted (the quotient is dropped).
                } else if matches!(op, DivS | DivU) {
                    self.emit(div(rd, ra, rb));
                } else {
                    // a - (a / b) * b; for MIN rem -1 SDIV wraps to MIN and this gives 0.
                    self.emit(div(EXPANSION, ra, rb));
                    self.emit(Inst::Mls { rd, rn: EXPANSION, rm: rb, ra });
                }
            }
            Eq | Ne | LtS | LtU | GtS | GtU | LeS | LeU | GeS | GeU => {
                self.emit(Inst::Cmp { rn: ra, rm: rb });
                let cc = if injected!(self.inject, LtURegisterCompareSigned) && op == LtU {
                    Cond::Lt
                } else {
                    compare_cond(op)
                };
                self.set_bool(rd, cc);
            }
        }
        self.after_def(dst, pos);
    }

    fn emit_imm_form(&mut self, form: ImmForm, rd: Reg, ra: Reg) {
        match form {
            ImmForm::Dp(op, imm) => self.emit(Inst::DpImm { op, s: false, rd, rn: ra, imm }),
            ImmForm::AddW(imm) => self.emit(Inst::AddW { rd, rn: ra, imm }),
            ImmForm::SubW(imm) => self.emit(Inst::SubW { rd, rn: ra, imm }),
            ImmForm::Shift(op, amount) => match amount {
                Some(amount) => self.emit(Inst::ShiftImm { op, s: false, rd, rm: ra, amount }),
                None => {
                    if rd != ra {
                        self.emit(Inst::Mov { rd, rm: ra })
                    }
                }
            },
            ImmForm::Cmp(cmp, cond) => {
                self.emit(cmp.inst(ra));
                self.set_bool(rd, cond);
            }
        }
    }
}

fn store_kind(kind: MemStore) -> StoreKind {
    match kind {
        MemStore::I32 | MemStore::I64 => StoreKind::Word,
        MemStore::I8 => StoreKind::Byte,
        MemStore::I16 => StoreKind::Half,
    }
}

fn b_imm(b: Operand) -> i32 {
    match b {
        Operand::Imm(k) => k,
        Operand::Var(_) => 0,
    }
}

fn is_compare(op: BinOp) -> bool {
    use BinOp::*;
    matches!(op, Eq | Ne | LtS | LtU | GtS | GtU | LeS | LeU | GeS | GeU)
}

fn compare_cond(op: BinOp) -> Cond {
    match op {
        BinOp::Eq => Cond::Eq,
        BinOp::Ne => Cond::Ne,
        BinOp::LtS => Cond::Lt,
        BinOp::LtU => Cond::Lo,
        BinOp::GtS => Cond::Gt,
        BinOp::GtU => Cond::Hi,
        BinOp::LeS => Cond::Le,
        BinOp::LeU => Cond::Ls,
        BinOp::GeS => Cond::Ge,
        BinOp::GeU => Cond::Hs,
        _ => unreachable!("not a comparison"),
    }
}

/// Comparing with a constant: `cmp rn, #k`, or `cmn rn, #-k` when only `-k` is encodable (the
/// flags agree for every `k` but 0 and MIN, which are encodable and take `cmp`).
#[derive(Clone, Copy)]
enum CmpImm {
    Cmp(ModImm),
    Cmn(ModImm),
}

impl CmpImm {
    fn choose(k: i32) -> Option<CmpImm> {
        let u = k as u32;
        ModImm::new(u).map(CmpImm::Cmp).or_else(|| ModImm::new(u.wrapping_neg()).map(CmpImm::Cmn))
    }

    fn inst(self, rn: Reg) -> Inst {
        match self {
            CmpImm::Cmp(imm) => Inst::CmpImm { rn, imm },
            CmpImm::Cmn(imm) => Inst::CmnImm { rn, imm },
        }
    }
}

/// An instruction form that takes the second operand as an immediate.
#[derive(Clone, Copy)]
enum ImmForm {
    Dp(DpOp, ModImm),
    AddW(Imm12),
    SubW(Imm12),
    /// `None`: shift by 0, a move.
    Shift(ShiftOp, Option<ShiftAmount>),
    Cmp(CmpImm, Cond),
}

impl ImmForm {
    fn choose(op: BinOp, k: i32) -> Option<ImmForm> {
        use BinOp::*;
        let u = k as u32;
        let m = ModImm::new;
        let neg = u.wrapping_neg();
        match op {
            Add | Sub => {
                let (pos, negv) = if op == Add { (u, neg) } else { (neg, u) };
                // `pos` is what gets added.
                m(pos)
                    .map(|i| ImmForm::Dp(DpOp::Add, i))
                    .or_else(|| m(negv).map(|i| ImmForm::Dp(DpOp::Sub, i)))
                    .or_else(|| Imm12::new(pos).map(ImmForm::AddW))
                    .or_else(|| Imm12::new(negv).map(ImmForm::SubW))
            }
            And => {
                m(u).map(|i| ImmForm::Dp(DpOp::And, i)).or_else(|| m(!u).map(|i| ImmForm::Dp(DpOp::Bic, i)))
            }
            Or => {
                m(u).map(|i| ImmForm::Dp(DpOp::Orr, i)).or_else(|| m(!u).map(|i| ImmForm::Dp(DpOp::Orn, i)))
            }
            Xor => m(u).map(|i| ImmForm::Dp(DpOp::Eor, i)),
            Shl | ShrS | ShrU | Rotr | Rotl => {
                let amount = if op == Rotl { (32 - (u & 31)) & 31 } else { u & 31 };
                let sop = match op {
                    Shl => ShiftOp::Lsl,
                    ShrS => ShiftOp::Asr,
                    ShrU => ShiftOp::Lsr,
                    _ => ShiftOp::Ror,
                };
                Some(ImmForm::Shift(sop, ShiftAmount::new(amount)))
            }
            Eq | Ne | LtS | LtU | GtS | GtU | LeS | LeU | GeS | GeU => {
                Some(ImmForm::Cmp(CmpImm::choose(k)?, compare_cond(op)))
            }
            Mul | DivS | DivU | RemS | RemU => None,
        }
    }
}
