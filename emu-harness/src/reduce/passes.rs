//! The reduction passes, coarse to fine. A pass lists `Edit`s for the current state; the driver
//! (`mod.rs`) applies them one at a time and keeps the first that is smaller and still fails
//! the same way. Every edit is built to give a valid module (the driver validates anyway and
//! counts any that is not).

use super::body::{self, item_results, Item, OpInfo, Tree};
use super::module::{constant, zero, Module, Op};
use crate::oracle::outcome::Value;
use wasm_encoder::{ExportKind, Instruction};
use wasmparser::Operator;

/// A module and the call that fails on it.
#[derive(Clone, Debug)]
pub struct State {
    pub module: Module,
    /// The function the failing call enters (`None`: a compile failure, no call).
    pub target: Option<u32>,
    pub args: Vec<Value>,
}

/// What the passes shrink, compared in this order: WebAssembly instructions first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Size {
    pub instructions: usize,
    pub functions: usize,
    /// Globals, exports, segments, memories, tables, types, start.
    pub items: usize,
    pub locals: usize,
    /// Instructions that name a local, a global or a function (a constant is simpler).
    pub references: usize,
    /// Bits of every constant's magnitude.
    pub constant_bits: u32,
    /// Bits of every argument's magnitude.
    pub argument_bits: u32,
}

fn bits(v: i64) -> u32 {
    let magnitude = if v < 0 { !v } else { v };
    64 - magnitude.leading_zeros() + (v < 0) as u32
}

fn value_bits(v: &Value) -> u32 {
    match *v {
        Value::I32(x) => bits(x as i32 as i64),
        Value::I64(x) => bits(x as i64),
        Value::F32(x) => float_size(f32::from_bits(x) as f64),
        Value::F64(x) => float_size(f64::from_bits(x)),
    }
}

/// How big a float argument is for a reader: a small integer is as small as that integer;
/// anything else (fractions, infinities, NaNs) is larger than every such integer.
fn float_size(v: f64) -> u32 {
    if v.fract() == 0.0 && v.abs() < (1u64 << 53) as f64 {
        bits(v as i64) + (v.is_sign_negative() && v == 0.0) as u32
    } else {
        65
    }
}

impl State {
    pub fn size(&self) -> Size {
        let m = &self.module;
        let constant_bits = m
            .functions
            .iter()
            .flat_map(|f| &f.body)
            .map(|op| match op.operator() {
                Operator::I32Const { value } => bits(value as i64),
                Operator::I64Const { value } => bits(value),
                _ => 0,
            })
            .sum();
        Size {
            instructions: m.instructions(),
            functions: m.functions.len(),
            items: m.globals.len()
                + m.exports.len()
                + m.elements.len()
                + m.data.len()
                + m.memories.len()
                + m.tables.len()
                + m.types.len()
                + m.start.is_some() as usize,
            locals: m.functions.iter().map(|f| f.locals.len() + m.types[f.ty as usize].params.len()).sum(),
            references: m
                .functions
                .iter()
                .flat_map(|f| &f.body)
                .filter(|op| {
                    matches!(
                        op.operator(),
                        Operator::LocalGet { .. }
                            | Operator::LocalSet { .. }
                            | Operator::LocalTee { .. }
                            | Operator::GlobalGet { .. }
                            | Operator::GlobalSet { .. }
                            | Operator::Call { .. }
                            | Operator::CallIndirect { .. }
                    )
                })
                .count(),
            constant_bits,
            argument_bits: self.args.iter().map(value_bits).sum(),
        }
    }
}

/// One change to a state.
#[derive(Clone, Debug)]
pub enum Edit {
    /// Drop every export but the target's.
    OnlyTargetExported,
    RemoveStart,
    /// Remove these functions (never the target); calls to them become their results' zeros.
    RemoveFunctions(Vec<u32>),
    RemoveGlobals(Vec<u32>),
    RemoveData(Vec<usize>),
    RemoveElements(Vec<usize>),
    RemoveMemory,
    RemoveTable,
    RemoveUnusedTypes,
    /// Replace `body[start..=end]` of `function` by `with`.
    Splice {
        function: u32,
        start: usize,
        end: usize,
        with: Vec<Op>,
    },
    /// Remove a declared local (index counted with the parameters) nothing uses.
    RemoveLocal {
        function: u32,
        local: u32,
    },
    /// Remove a parameter of the target nothing reads, and its argument.
    RemoveParameter {
        index: u32,
    },
    Argument {
        index: usize,
        value: Value,
    },
}

/// The passes, coarse to fine; the driver runs them in turn to a fixpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Module,
    /// Dead code, whole expressions to zeros, `block`/`loop`/`if` unwrapped, an operand hoisted
    /// into its parent's place; largest first.
    Tree,
    Locals,
    /// `br_if` never taken, `br_table` trimmed, expressions to 1 and -1, constants halved.
    Simplify,
    Arguments,
}

pub const PASSES: [Pass; 5] = [Pass::Module, Pass::Tree, Pass::Locals, Pass::Simplify, Pass::Arguments];

impl Pass {
    pub fn name(self) -> &'static str {
        match self {
            Pass::Module => "module",
            Pass::Tree => "tree",
            Pass::Locals => "locals",
            Pass::Simplify => "simplify",
            Pass::Arguments => "arguments",
        }
    }

    pub fn edits(self, state: &State, info: &[Vec<OpInfo>]) -> Vec<Edit> {
        match self {
            Pass::Module => module_edits(state),
            Pass::Tree => functions_of(state).flat_map(|f| tree_edits(state, f, &info[f as usize])).collect(),
            Pass::Locals => local_edits(state),
            Pass::Simplify => {
                functions_of(state).flat_map(|f| simplify_edits(state, f, &info[f as usize])).collect()
            }
            Pass::Arguments => argument_edits(state),
        }
    }
}

/// Every function, the target first.
fn functions_of(state: &State) -> impl Iterator<Item = u32> + '_ {
    let n = state.module.functions.len() as u32;
    state.target.into_iter().chain((0..n).filter(move |&f| Some(f) != state.target))
}

/// Halves, quarters, ... then single items of `all` (ddmin's subsets, coarse first).
fn chunks<T: Clone>(all: &[T]) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut size = all.len();
    while size >= 1 {
        for chunk in all.chunks(size) {
            out.push(chunk.to_vec());
        }
        if size == 1 {
            break;
        }
        size = size.div_ceil(2);
    }
    out
}

fn module_edits(state: &State) -> Vec<Edit> {
    let m = &state.module;
    let mut edits = Vec::new();
    let target_export =
        |e: &super::module::Export| e.kind == ExportKind::Func && Some(e.index) == state.target;
    if m.exports.iter().any(|e| !target_export(e)) {
        edits.push(Edit::OnlyTargetExported);
    }
    if m.start.is_some() {
        edits.push(Edit::RemoveStart);
    }
    let others: Vec<u32> = (0..m.functions.len() as u32).filter(|&f| Some(f) != state.target).collect();
    edits.extend(chunks(&others).into_iter().map(Edit::RemoveFunctions));
    let unused_globals: Vec<u32> = (0..m.globals.len() as u32)
        .filter(|&g| {
            !m.functions.iter().flat_map(|f| &f.body).any(|op| {
                matches!(op.operator(), Operator::GlobalGet { global_index } | Operator::GlobalSet { global_index } if global_index == g)
            })
        })
        .collect();
    edits.extend(chunks(&unused_globals).into_iter().map(Edit::RemoveGlobals));
    let data: Vec<usize> = (0..m.data.len()).collect();
    edits.extend(chunks(&data).into_iter().map(Edit::RemoveData));
    let elements: Vec<usize> = (0..m.elements.len()).collect();
    edits.extend(chunks(&elements).into_iter().map(Edit::RemoveElements));
    let bodies = || m.functions.iter().flat_map(|f| &f.body);
    if !m.memories.is_empty() && m.data.is_empty() && !bodies().any(|op| uses_memory(&op.operator())) {
        edits.push(Edit::RemoveMemory);
    }
    if !m.tables.is_empty()
        && m.elements.is_empty()
        && !bodies().any(|op| matches!(op.operator(), Operator::CallIndirect { .. }))
    {
        edits.push(Edit::RemoveTable);
    }
    edits.push(Edit::RemoveUnusedTypes);
    edits
}

fn uses_memory(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        I32Load { .. }
            | I64Load { .. }
            | F32Load { .. }
            | F64Load { .. }
            | I32Load8S { .. }
            | I32Load8U { .. }
            | I32Load16S { .. }
            | I32Load16U { .. }
            | I64Load8S { .. }
            | I64Load8U { .. }
            | I64Load16S { .. }
            | I64Load16U { .. }
            | I64Load32S { .. }
            | I64Load32U { .. }
            | I32Store { .. }
            | I64Store { .. }
            | F32Store { .. }
            | F64Store { .. }
            | I32Store8 { .. }
            | I32Store16 { .. }
            | I64Store8 { .. }
            | I64Store16 { .. }
            | I64Store32 { .. }
            | MemorySize { .. }
            | MemoryGrow { .. }
    )
}

/// The zeros of `types` (`None` if one has no constant form).
fn zeros(types: &[wasmparser::ValType]) -> Option<Vec<Op>> {
    types.iter().map(|&t| zero(t)).collect()
}

fn tree_edits(state: &State, function: u32, info: &[OpInfo]) -> Vec<Edit> {
    let body_ops = &state.module.functions[function as usize].body;
    let Some(tree) = Tree::new(body_ops) else { return Vec::new() };
    let splice = |start: usize, end: usize, with: Vec<Op>| Edit::Splice { function, start, end, with };
    // (instructions removed, edit): the driver tries the largest first.
    let mut sized: Vec<(usize, Edit)> = Vec::new();
    for seq in &tree.sequences {
        // Code after an unconditional branch.
        if let Some(k) =
            seq.iter().position(|it| it.first == it.last && body::ends_reachability(&body_ops[it.first]))
        {
            if k + 1 < seq.len() {
                let (start, end) = (seq[k + 1].first, seq[seq.len() - 1].last);
                sized.push((end + 1 - start, splice(start, end, Vec::new())));
            }
        }
        for j in 0..seq.len() {
            // What follows a branch, `return` or `unreachable` may rely on the stack it leaves
            // being anything (a block's result): it stays, its operands may still shrink.
            if seq[j].first == seq[j].last && body::ends_reachability(&body_ops[seq[j].first]) {
                continue;
            }
            let Some(s) = body::expression_start(seq, j, info) else { continue };
            let Some(results) = item_results(seq[j], info) else { continue };
            let (start, end) = (seq[s].first, seq[j].last);
            let len = end + 1 - start;
            if let Some(with) = zeros(&results) {
                if len > with.len() || body_ops[start..=end] != with[..] {
                    sized.push((len.saturating_sub(with.len()), splice(start, end, with)));
                }
            }
            // An operand of the same type in its parent's place.
            if results.len() == 1 {
                if let Some(operands) = body::operands(seq, j, info) {
                    for (a, b) in operands {
                        if item_results(seq[b], info).as_deref() == Some(&results[..]) {
                            let with = body::ops_of(body_ops, seq, a, b);
                            sized.push((len - with.len(), splice(start, end, with)));
                        }
                    }
                }
            }
        }
        for &item in seq {
            sized.extend(
                unwrap_edits(body_ops, &tree, item, info)
                    .into_iter()
                    .map(|(n, e)| (n, splice_of(function, item, e))),
            );
        }
    }
    // Largest first; equal sizes in body order (the sort is stable).
    sized.sort_by_key(|e| std::cmp::Reverse(e.0));
    sized.into_iter().map(|(_, e)| e).collect()
}

fn splice_of(function: u32, item: Item, with: Vec<Op>) -> Edit {
    Edit::Splice { function, start: item.first, end: item.last, with }
}

/// A `block` or `loop` replaced by its body, an `if` by its condition dropped and one arm, when
/// no branch targets the construct: (instructions removed, replacement).
fn unwrap_edits(body_ops: &[Op], tree: &Tree, item: Item, info: &[OpInfo]) -> Vec<(usize, Vec<Op>)> {
    if item.first == item.last || !info[item.first].reachable {
        return Vec::new();
    }
    let len = item.last + 1 - item.first;
    let mut out = Vec::new();
    match body_ops[item.first].operator() {
        Operator::Block { .. } | Operator::Loop { .. } => {
            if let Some(inner) = body::unwrap_branches(&body_ops[item.first + 1..item.last]) {
                out.push((len - inner.len(), inner));
            }
        }
        Operator::If { .. } => {
            let else_at = tree.else_of[item.first];
            let then_arm = &body_ops[item.first + 1..else_at.unwrap_or(item.last)];
            let else_arm = else_at.map_or(&[][..], |e| &body_ops[e + 1..item.last]);
            // Either arm turns the parameters into the results (an `if` without `else` has an
            // empty one, which leaves them as they were), so either may stand for the `if`.
            for arm in [then_arm, else_arm] {
                if let Some(inner) = body::unwrap_branches(arm) {
                    let mut with = vec![Op::new(&Instruction::Drop)];
                    with.extend(inner);
                    out.push((len.saturating_sub(with.len()), with));
                }
            }
        }
        _ => {}
    }
    out
}

fn simplify_edits(state: &State, function: u32, info: &[OpInfo]) -> Vec<Edit> {
    let body_ops = &state.module.functions[function as usize].body;
    let Some(tree) = Tree::new(body_ops) else { return Vec::new() };
    let mut edits = Vec::new();
    let splice = |at: usize, with: Vec<Op>| Edit::Splice { function, start: at, end: at, with };
    for (at, op) in body_ops.iter().enumerate() {
        if !info[at].reachable {
            continue;
        }
        let next = body_ops.get(at + 1).map(|o| o.operator());
        match op.operator() {
            // A value stored and loaded straight back stays on the stack instead.
            Operator::LocalSet { local_index } if matches!(next, Some(Operator::LocalGet { local_index: l }) if l == local_index) =>
            {
                edits.push(Edit::Splice { function, start: at, end: at + 1, with: Vec::new() });
            }
            Operator::LocalTee { .. } => {
                edits.push(Edit::Splice { function, start: at, end: at, with: Vec::new() })
            }
            // Never taken: its condition dropped, its values left where they were.
            Operator::BrIf { .. } => edits.push(splice(at, vec![Op::new(&Instruction::Drop)])),
            Operator::BrTable { targets } => {
                let list: Vec<u32> = targets.targets().filter_map(Result::ok).collect();
                let default = targets.default();
                edits.push(splice(at, vec![Op::new(&Instruction::Drop), Op::new(&Instruction::Br(default))]));
                for k in 0..list.len() {
                    let mut fewer = list.clone();
                    fewer.remove(k);
                    edits.push(splice(at, vec![Op::new(&Instruction::BrTable(fewer.into(), default))]));
                }
            }
            Operator::I32Const { value } if value != 0 => {
                for v in simpler(value as i64) {
                    edits.push(splice(at, vec![Op::new(&Instruction::I32Const(v as i32))]));
                }
            }
            Operator::I64Const { value } if value != 0 => {
                for v in simpler(value) {
                    edits.push(splice(at, vec![Op::new(&Instruction::I64Const(v))]));
                }
            }
            _ => {}
        }
    }
    // Whole expressions to 1 and -1 (zeros are the tree pass's).
    for seq in &tree.sequences {
        for j in 0..seq.len() {
            let Some(s) = body::expression_start(seq, j, info) else { continue };
            let Some(results) = item_results(seq[j], info) else { continue };
            let (start, end) = (seq[s].first, seq[j].last);
            if results.len() != 1 || end == start {
                continue;
            }
            for v in [1, -1] {
                if let Some(c) = constant(results[0], v) {
                    edits.push(Edit::Splice { function, start, end, with: vec![c] });
                }
            }
        }
    }
    edits
}

/// Simpler values than `v`, simplest first: 1, -1, then halfway to 0.
fn simpler(v: i64) -> Vec<i64> {
    let mut out = Vec::new();
    for c in [1, -1, v / 2] {
        if c != v && bits(c) < bits(v) && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

fn local_edits(state: &State) -> Vec<Edit> {
    let m = &state.module;
    let mut edits = Vec::new();
    let reads = |f: u32, local: u32| {
        m.functions[f as usize].body.iter().any(|op| {
            matches!(op.operator(),
                Operator::LocalGet { local_index } | Operator::LocalSet { local_index } | Operator::LocalTee { local_index }
                if local_index == local)
        })
    };
    for f in 0..m.functions.len() as u32 {
        let params = m.function_type(f).params.len() as u32;
        let declared = m.functions[f as usize].locals.len() as u32;
        for local in (params..params + declared).rev() {
            if !reads(f, local) {
                edits.push(Edit::RemoveLocal { function: f, local });
            }
        }
    }
    if let Some(t) = state.target {
        if !body::is_called(m, t) {
            for index in (0..m.function_type(t).params.len() as u32).rev() {
                if !reads(t, index) {
                    edits.push(Edit::RemoveParameter { index });
                }
            }
        }
    }
    edits
}

/// Smaller float arguments than `a` (by `value_bits`): 0, 1, -1, and the integers from its
/// truncation halving toward 0.
fn float_candidates(a: Value) -> Vec<Value> {
    let (v, make): (f64, fn(f64) -> Value) = match a {
        Value::F32(x) => (f32::from_bits(x) as f64, |v| Value::F32((v as f32).to_bits())),
        _ => (f64::from_bits(a.bits()), |v| Value::F64(v.to_bits())),
    };
    let mut candidates = vec![0.0, 1.0, -1.0];
    if v.is_finite() {
        let mut t = v.trunc();
        while t.abs() >= 2.0 {
            candidates.push(t);
            t = (t / 2.0).trunc();
        }
    }
    let size = value_bits(&a);
    let mut out: Vec<Value> = candidates.into_iter().map(make).filter(|c| value_bits(c) < size).collect();
    out.dedup();
    out
}

fn argument_edits(state: &State) -> Vec<Edit> {
    let mut edits = Vec::new();
    for (index, a) in state.args.iter().enumerate() {
        let (v, make): (i64, fn(i64) -> Value) = match *a {
            Value::I32(x) => (x as i32 as i64, |v| Value::I32(v as i32 as u32)),
            Value::I64(x) => (x as i64, |v| Value::I64(v as u64)),
            // Floats: 0, 1, -1, then the integer toward zero, halving as for integers.
            Value::F32(_) | Value::F64(_) => {
                edits.extend(float_candidates(*a).into_iter().map(|value| Edit::Argument { index, value }));
                continue;
            }
        };
        if v == 0 {
            continue;
        }
        // 0, the simple values, then a binary search on the magnitude toward 0: halfway first,
        // then ever closer to the value (each accepted step lists the halves again from there).
        let mut candidates = vec![0, 1, -1];
        let mut step = v / 2;
        while step != 0 {
            candidates.push(v - step);
            step /= 2;
        }
        candidates.retain(|&c| c != v && bits(c) < bits(v));
        candidates.dedup();
        edits.extend(candidates.into_iter().map(|c| Edit::Argument { index, value: make(c) }));
    }
    edits
}

/// `state` with `edit` made; `None` if it does not apply.
pub fn apply(state: &State, edit: &Edit) -> Option<State> {
    let mut s = state.clone();
    let m = &mut s.module;
    match edit {
        Edit::OnlyTargetExported => {
            m.exports.retain(|e| e.kind == ExportKind::Func && Some(e.index) == state.target);
        }
        Edit::RemoveStart => m.start = None,
        Edit::RemoveFunctions(gone) => remove_functions(&mut s, gone),
        Edit::RemoveGlobals(gone) => {
            let new_index = renumbering(m.globals.len(), gone);
            m.globals = keep(&m.globals, &new_index);
            m.exports.retain(|e| e.kind != ExportKind::Global || new_index[e.index as usize].is_some());
            for e in m.exports.iter_mut().filter(|e| e.kind == ExportKind::Global) {
                e.index = new_index[e.index as usize]?;
            }
            for f in &mut m.functions {
                for op in &mut f.body {
                    *op = op.map(|o| match o {
                        Operator::GlobalGet { global_index } => {
                            Some(Instruction::GlobalGet(new_index[global_index as usize]?))
                        }
                        Operator::GlobalSet { global_index } => {
                            Some(Instruction::GlobalSet(new_index[global_index as usize]?))
                        }
                        _ => None,
                    });
                }
            }
        }
        Edit::RemoveData(gone) => {
            let new_index = renumbering(m.data.len(), &gone.iter().map(|&i| i as u32).collect::<Vec<_>>());
            m.data = keep(&m.data, &new_index);
        }
        Edit::RemoveElements(gone) => {
            let new_index =
                renumbering(m.elements.len(), &gone.iter().map(|&i| i as u32).collect::<Vec<_>>());
            m.elements = keep(&m.elements, &new_index);
        }
        Edit::RemoveMemory => {
            m.memories.clear();
            m.exports.retain(|e| e.kind != ExportKind::Memory);
        }
        Edit::RemoveTable => {
            m.tables.clear();
            m.exports.retain(|e| e.kind != ExportKind::Table);
        }
        Edit::RemoveUnusedTypes => remove_unused_types(m)?,
        Edit::Splice { function, start, end, with } => {
            let f = &mut m.functions[*function as usize];
            f.body = body::splice(&f.body, *start, *end, with);
        }
        Edit::RemoveLocal { function, local } => {
            let params = m.function_type(*function).params.len() as u32;
            let f = &mut m.functions[*function as usize];
            f.locals.remove((local - params) as usize);
            renumber_locals(&mut f.body, *local);
        }
        Edit::RemoveParameter { index } => {
            let target = state.target?;
            let mut ty = m.function_type(target).clone();
            ty.params.remove(*index as usize);
            let ty = m.intern_type(ty);
            let f = &mut m.functions[target as usize];
            f.ty = ty;
            renumber_locals(&mut f.body, *index);
            s.args.remove(*index as usize);
            // The old type, if nothing else has it, goes too.
            let _ = remove_unused_types(&mut s.module);
        }
        Edit::Argument { index, value } => s.args[*index] = *value,
    }
    Some(s)
}

/// New index of each of `n` items with `gone` removed.
fn renumbering(n: usize, gone: &[u32]) -> Vec<Option<u32>> {
    let mut next = 0;
    (0..n as u32)
        .map(|i| {
            if gone.contains(&i) {
                None
            } else {
                next += 1;
                Some(next - 1)
            }
        })
        .collect()
}

fn keep<T: Clone>(items: &[T], new_index: &[Option<u32>]) -> Vec<T> {
    items.iter().zip(new_index).filter(|(_, n)| n.is_some()).map(|(t, _)| t.clone()).collect()
}

fn renumber_locals(body: &mut [Op], removed: u32) {
    let shift = |i: u32| if i > removed { i - 1 } else { i };
    for op in body {
        *op = op.map(|o| match o {
            Operator::LocalGet { local_index } => Some(Instruction::LocalGet(shift(local_index))),
            Operator::LocalSet { local_index } => Some(Instruction::LocalSet(shift(local_index))),
            Operator::LocalTee { local_index } => Some(Instruction::LocalTee(shift(local_index))),
            _ => None,
        });
    }
}

fn remove_functions(s: &mut State, gone: &[u32]) {
    let m = &mut s.module;
    let new_index = renumbering(m.functions.len(), gone);
    // A call to a removed function: its arguments dropped, zeros of its results instead.
    let replacement: Vec<Option<Vec<Op>>> = (0..m.functions.len() as u32)
        .map(|f| {
            let ty = m.function_type(f);
            let mut ops: Vec<Op> = ty.params.iter().map(|_| Op::new(&Instruction::Drop)).collect();
            ops.extend(zeros(&ty.results)?);
            Some(ops)
        })
        .collect();
    for f in &mut m.functions {
        let mut body = Vec::with_capacity(f.body.len());
        for op in &f.body {
            match op.operator() {
                Operator::Call { function_index } => match new_index[function_index as usize] {
                    Some(n) => body.push(Op::new(&Instruction::Call(n))),
                    None => match &replacement[function_index as usize] {
                        Some(ops) => body.extend(ops.iter().cloned()),
                        // A result with no constant form: leave the function.
                        None => body.push(op.clone()),
                    },
                },
                _ => body.push(op.clone()),
            }
        }
        f.body = body;
    }
    m.functions = keep(&m.functions, &new_index);
    m.exports.retain(|e| e.kind != ExportKind::Func || new_index[e.index as usize].is_some());
    for e in m.exports.iter_mut().filter(|e| e.kind == ExportKind::Func) {
        e.index = new_index[e.index as usize].expect("kept");
    }
    m.start = m.start.and_then(|f| new_index[f as usize]);
    for e in &mut m.elements {
        e.functions = e.functions.iter().filter_map(|&f| new_index[f as usize]).collect();
    }
    s.target = s.target.and_then(|t| new_index[t as usize]);
}

/// Drops types no function, `call_indirect` or block names, renumbering the rest.
fn remove_unused_types(m: &mut Module) -> Option<()> {
    let mut used = vec![false; m.types.len()];
    for f in &m.functions {
        used[f.ty as usize] = true;
        for op in &f.body {
            match op.operator() {
                Operator::CallIndirect { type_index, .. } => used[type_index as usize] = true,
                Operator::Block { blockty: wasmparser::BlockType::FuncType(t) }
                | Operator::Loop { blockty: wasmparser::BlockType::FuncType(t) }
                | Operator::If { blockty: wasmparser::BlockType::FuncType(t) } => used[t as usize] = true,
                _ => {}
            }
        }
    }
    let gone: Vec<u32> = (0..m.types.len() as u32).filter(|&t| !used[t as usize]).collect();
    if gone.is_empty() {
        return None;
    }
    let new_index = renumbering(m.types.len(), &gone);
    m.types = keep(&m.types, &new_index);
    for f in &mut m.functions {
        f.ty = new_index[f.ty as usize]?;
        for op in &mut f.body {
            let block = |t: u32| wasm_encoder::BlockType::FunctionType(new_index[t as usize].expect("used"));
            *op = op.map(|o| match o {
                Operator::CallIndirect { type_index, table_index } => Some(Instruction::CallIndirect {
                    type_index: new_index[type_index as usize]?,
                    table_index,
                }),
                Operator::Block { blockty: wasmparser::BlockType::FuncType(t) } => {
                    Some(Instruction::Block(block(t)))
                }
                Operator::Loop { blockty: wasmparser::BlockType::FuncType(t) } => {
                    Some(Instruction::Loop(block(t)))
                }
                Operator::If { blockty: wasmparser::BlockType::FuncType(t) } => {
                    Some(Instruction::If(block(t)))
                }
                _ => None,
            });
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(wat: &str, target: u32) -> State {
        let module = Module::parse(&wat::parse_str(wat).unwrap()).unwrap();
        State { module, target: Some(target), args: vec![Value::I32(0x1234)] }
    }

    #[test]
    fn a_call_to_a_removed_function_becomes_its_results_zeros() {
        let s = state(
            r#"(module (func $g (param i32 i64) (result i32) local.get 0)
                 (func (export "f") (param i32) (result i32) local.get 0 i64.const 5 call $g))"#,
            1,
        );
        let out = apply(&s, &Edit::RemoveFunctions(vec![0])).unwrap();
        assert_eq!(out.target, Some(0));
        assert_eq!(out.module.functions.len(), 1);
        let ops: Vec<String> =
            out.module.functions[0].body.iter().map(|o| format!("{:?}", o.operator())).collect();
        assert_eq!(
            ops,
            ["LocalGet { local_index: 0 }", "I64Const { value: 5 }", "Drop", "Drop", "I32Const { value: 0 }"]
        );
        body::analyze(&out.module.encode()).expect("valid");
    }

    #[test]
    fn every_edit_of_every_pass_on_a_structured_function_gives_a_valid_module() {
        let s = state(
            r#"(module (global (mut i32) (i32.const 0)) (memory 1)
                 (func (export "f") (param i32) (result i32) (local i32 i64)
                   block (result i32)
                     loop
                       local.get 0 i32.const 1 i32.sub local.tee 0
                       br_if 0
                     end
                     local.get 0 local.get 0 i32.const 3 i32.and
                     br_table 0 1 0
                   end
                   if (result i32) i32.const 7 else global.get 0 end
                   i32.const 4 i32.load offset=2
                   i32.add))"#,
            0,
        );
        let info = body::analyze(&s.module.encode()).unwrap();
        let mut tried = 0;
        for pass in PASSES {
            for edit in pass.edits(&s, &info) {
                if let Some(c) = apply(&s, &edit) {
                    tried += 1;
                    assert!(
                        body::analyze(&c.module.encode()).is_ok(),
                        "{pass:?} {edit:?} made an invalid module"
                    );
                }
            }
        }
        assert!(tried > 40, "{tried} edits");
    }

    #[test]
    fn arguments_shrink_toward_zero_by_halves() {
        let s = state("(module (func (export \"f\") (param i32)))", 0);
        let values: Vec<Value> = argument_edits(&s)
            .into_iter()
            .map(|e| match e {
                Edit::Argument { value, .. } => value,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(&values[..3], &[Value::I32(0), Value::I32(1), Value::I32(u32::MAX)]);
        // Then the binary search: halfway, then 3/4, 7/8, ... of the way (nearest 0 first).
        assert_eq!(values[3], Value::I32(0x1234 - 0x91a));
        assert_eq!(values[4], Value::I32(0x1234 - 0x48d));
        assert!(values.iter().all(|v| value_bits(v) < value_bits(&Value::I32(0x1234))));
    }
}
