//! The structured control tree of a function body, read off a flat list of instructions: what
//! wasmparser's validator says about the operand stack before and after each instruction, the
//! nesting of `block`/`loop`/`if`, and the *expressions* the passes replace — a run of
//! instructions that takes nothing from the stack below it and leaves some typed values (the
//! stack-machine form of a subtree).

use super::module::{Module, Op};
use wasmparser::{FuncValidatorAllocations, Operator, Parser, ValType, Validator, WasmFeatures};

/// What the validator knew around one instruction.
#[derive(Clone, Debug)]
pub struct OpInfo {
    /// Values the instruction pops and pushes (a block: its parameters; `if` also its condition).
    pub pops: u32,
    pub pushes: u32,
    pub height_before: u32,
    pub height_after: u32,
    /// Whether code before it can reach it (in unreachable code the stack is polymorphic).
    pub reachable: bool,
    /// Types of the top values after it, top last (at most `TOP`).
    pub top_after: Vec<Option<ValType>>,
}

const TOP: usize = 4;

/// The features the reducer's output may use: the compiler's (MVP integer code, multi-value).
pub fn features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::FLOATS
}

/// Validates `wasm` and describes every instruction of every function body. `Err`: invalid.
pub fn analyze(wasm: &[u8]) -> Result<Vec<Vec<OpInfo>>, String> {
    let mut validator = Validator::new_with_features(features());
    let mut bodies = Vec::new();
    let mut allocations = FuncValidatorAllocations::default();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| e.to_string())?;
        let valid = validator.payload(&payload).map_err(|e| e.to_string())?;
        let wasmparser::ValidPayload::Func(to_validate, body) = valid else { continue };
        let mut v = to_validate.into_validator(std::mem::take(&mut allocations));
        let mut locals = body.get_locals_reader().map_err(|e| e.to_string())?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (n, ty) = locals.read().map_err(|e| e.to_string())?;
            v.define_locals(offset, n, ty).map_err(|e| e.to_string())?;
        }
        let mut ops = body.get_operators_reader().map_err(|e| e.to_string())?;
        let mut infos = Vec::new();
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset().map_err(|e| e.to_string())?;
            let (pops, pushes) = op.operator_arity(&v).unwrap_or((u32::MAX, u32::MAX));
            let height_before = v.operand_stack_height();
            let reachable = v.get_control_frame(0).is_some_and(|f| !f.unreachable);
            v.op(offset, &op).map_err(|e| e.to_string())?;
            let height_after = v.operand_stack_height();
            let top = (height_after as usize).min(TOP);
            let top_after = (0..top).rev().map(|d| v.get_operand_type(d).flatten()).collect();
            infos.push(OpInfo { pops, pushes, height_before, height_after, reachable, top_after });
        }
        if v.control_stack_height() != 0 {
            return Err("a function body ends inside a block".into());
        }
        allocations = v.into_allocations();
        // The function's final `end` is not one of the module's `Op`s.
        infos.pop();
        bodies.push(infos);
    }
    Ok(bodies)
}

/// One element of a sequence: a plain instruction (`first == last`) or a whole
/// `block`/`loop`/`if` up to its `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    pub first: usize,
    pub last: usize,
}

/// The shape of one body: its sequences of items (the function's, each block's, each arm's).
pub struct Tree {
    pub sequences: Vec<Vec<Item>>,
    /// For an `if`: where its `else` is.
    pub else_of: Vec<Option<usize>>,
}

impl Tree {
    /// `None` if the nesting is broken (never for a valid body).
    pub fn new(body: &[Op]) -> Option<Tree> {
        let mut sequences = vec![Vec::new()];
        // Open constructs: (opening index, index of its sequence in `sequences`, the sequence
        // its item belongs to).
        let mut open: Vec<(usize, usize, usize)> = Vec::new();
        let mut current = 0;
        let mut else_of = vec![None; body.len()];
        for (i, op) in body.iter().enumerate() {
            match op.operator() {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    sequences.push(Vec::new());
                    open.push((i, sequences.len() - 1, current));
                    current = sequences.len() - 1;
                }
                Operator::Else => {
                    let &(opener, _, _) = open.last()?;
                    else_of[opener] = Some(i);
                    sequences.push(Vec::new());
                    current = sequences.len() - 1;
                }
                Operator::End => {
                    let (opener, _, outer) = open.pop()?;
                    current = outer;
                    sequences[current].push(Item { first: opener, last: i });
                }
                _ => sequences[current].push(Item { first: i, last: i }),
            }
        }
        open.is_empty().then_some(Tree { sequences, else_of })
    }
}

/// How an item uses the stack, from the validator's facts.
pub fn item_effect(item: Item, info: &[OpInfo]) -> Option<(u32, u32)> {
    let (first, last) = (&info[item.first], &info[item.last]);
    if first.pops == u32::MAX {
        return None;
    }
    let pushes = (last.height_after + first.pops).checked_sub(first.height_before)?;
    Some((first.pops, pushes))
}

/// The types an item leaves (top last), if all are known.
pub fn item_results(item: Item, info: &[OpInfo]) -> Option<Vec<ValType>> {
    let (_, pushes) = item_effect(item, info)?;
    let top = &info[item.last].top_after;
    if pushes as usize > top.len() {
        return None;
    }
    top[top.len() - pushes as usize..].iter().copied().collect()
}

/// The expression that ends with item `end` of `seq`: the shortest run of items before it
/// (itself included) that takes nothing from below and leaves exactly what `end` pushes, all
/// in reachable code. The index of its first item.
pub fn expression_start(seq: &[Item], end: usize, info: &[OpInfo]) -> Option<usize> {
    if !info[seq[end].first].reachable {
        return None;
    }
    let (mut need, _) = item_effect(seq[end], info)?;
    let mut start = end;
    while need > 0 {
        start = start.checked_sub(1)?;
        if !info[seq[start].first].reachable {
            return None;
        }
        let (pops, pushes) = item_effect(seq[start], info)?;
        // An item leaving more than is needed leaves values below the expression.
        need = need.checked_sub(pushes)? + pops;
    }
    Some(start)
}

/// The operands of item `end`: for each, the items of the expression producing it (a single
/// value), in order; `None` if they are not separate expressions.
pub fn operands(seq: &[Item], end: usize, info: &[OpInfo]) -> Option<Vec<(usize, usize)>> {
    let (pops, _) = item_effect(seq[end], info)?;
    let mut found = Vec::new();
    let mut at = end;
    let mut got = 0;
    while got < pops {
        at = at.checked_sub(1)?;
        let start = expression_start(seq, at, info)?;
        let (_, pushes) = item_effect(seq[at], info)?;
        if pushes == 1 {
            found.push((start, at));
        } else if pushes != 0 {
            return None;
        }
        got += pushes;
        at = start;
    }
    found.reverse();
    Some(found)
}

/// The operations of `items` (first..=last of a sequence), as a list.
pub fn ops_of(body: &[Op], seq: &[Item], first: usize, last: usize) -> Vec<Op> {
    body[seq[first].first..=seq[last].last].to_vec()
}

/// Replaces `body[start..=end]` by `with`.
pub fn splice(body: &[Op], start: usize, end: usize, with: &[Op]) -> Vec<Op> {
    let mut out = Vec::with_capacity(body.len() - (end + 1 - start) + with.len());
    out.extend_from_slice(&body[..start]);
    out.extend_from_slice(with);
    out.extend_from_slice(&body[end + 1..]);
    out
}

/// The body of a construct being removed, with every branch out of it renumbered (one label
/// fewer around it). `None` if a branch targets the construct itself.
pub fn unwrap_branches(inner: &[Op]) -> Option<Vec<Op>> {
    use wasm_encoder::Instruction as I;
    let mut depth = 0u32;
    let mut out = Vec::with_capacity(inner.len());
    // `d` counts labels from the branch: `depth` of them are inside the construct.
    let shift = |d: u32, depth: u32| -> Option<u32> {
        match d.cmp(&depth) {
            std::cmp::Ordering::Less => Some(d),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => Some(d - 1),
        }
    };
    for op in inner {
        let new = match op.operator() {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                depth += 1;
                op.clone()
            }
            Operator::End => {
                depth = depth.checked_sub(1)?;
                op.clone()
            }
            Operator::Br { relative_depth } => Op::new(&I::Br(shift(relative_depth, depth)?)),
            Operator::BrIf { relative_depth } => Op::new(&I::BrIf(shift(relative_depth, depth)?)),
            Operator::BrTable { targets } => {
                let mut list = Vec::new();
                for t in targets.targets() {
                    list.push(shift(t.ok()?, depth)?);
                }
                Op::new(&I::BrTable(list.into(), shift(targets.default(), depth)?))
            }
            _ => op.clone(),
        };
        out.push(new);
    }
    Some(out)
}

/// Whether the op ends reachable code (the rest of its sequence is dead).
pub fn ends_reachability(op: &Op) -> bool {
    matches!(
        op.operator(),
        Operator::Br { .. } | Operator::BrTable { .. } | Operator::Return | Operator::Unreachable
    )
}

/// Whether anything in `module` calls `function` or could (a call, an element segment, the
/// start function); exports do not count.
pub fn is_called(module: &Module, function: u32) -> bool {
    module.functions.iter().any(|f| {
        f.body.iter().any(
            |op| matches!(op.operator(), Operator::Call { function_index } if function_index == function),
        )
    }) || module.elements.iter().any(|e| e.functions.contains(&function))
        || module.start == Some(function)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(wat: &str) -> (Vec<Op>, Vec<OpInfo>) {
        let wasm = wat::parse_str(wat).unwrap();
        let module = Module::parse(&wasm).unwrap();
        let info = analyze(&module.encode()).unwrap().remove(0);
        (module.functions[0].body.clone(), info)
    }

    #[test]
    fn an_expression_is_the_run_of_items_that_produces_what_its_last_one_leaves() {
        let (body, info) = body_of(
            "(module (func (param i32) (result i32)
               i32.const 1 local.set 0
               local.get 0 i32.const 2 i32.add
               block (result i32) i32.const 3 end
               i32.mul))",
        );
        let tree = Tree::new(&body).unwrap();
        let seq = &tree.sequences[0];
        // const, set, get, const, add, block, mul
        assert_eq!(seq.len(), 7);
        assert_eq!(expression_start(seq, 1, &info), Some(0), "local.set takes the constant");
        assert_eq!(expression_start(seq, 4, &info), Some(2), "i32.add takes local.get and the constant");
        assert_eq!(expression_start(seq, 6, &info), Some(2), "i32.mul: the add and the block");
        assert_eq!(item_results(seq[5], &info), Some(vec![ValType::I32]));
        assert_eq!(operands(seq, 6, &info), Some(vec![(2, 4), (5, 5)]));
        assert_eq!(operands(seq, 4, &info), Some(vec![(2, 2), (3, 3)]));
    }

    #[test]
    fn unwrapping_renumbers_branches_out_and_refuses_branches_to_the_construct() {
        use wasm_encoder::Instruction as I;
        let out = unwrap_branches(&[
            Op::new(&I::Br(1)),
            Op::new(&I::Block(wasm_encoder::BlockType::Empty)),
            Op::new(&I::Br(2)),
            Op::new(&I::Br(0)),
            Op::new(&I::End),
        ])
        .unwrap();
        assert_eq!(out[0], Op::new(&I::Br(0)));
        assert_eq!(out[2], Op::new(&I::Br(1)));
        assert_eq!(out[3], Op::new(&I::Br(0)), "a branch to an inner block is unchanged");
        assert!(unwrap_branches(&[Op::new(&I::Br(0))]).is_none(), "a branch to the construct itself");
    }

    #[test]
    fn a_module_reads_and_writes_back_unchanged() {
        let wat = r#"(module (type (func (param i64) (result i64))) (memory 1 2) (global (mut i32) (i32.const 7))
            (table 2 funcref) (elem (i32.const 0) 0 1)
            (func (export "a") (param i64) (result i64) local.get 0 i32.const 0 call_indirect (type 0))
            (func (param i64) (result i64) local.get 0 i64.const 1 i64.add global.get 0 drop)
            (data (i32.const 8) "hi"))"#;
        let wasm = wat::parse_str(wat).unwrap();
        let m = Module::parse(&wasm).unwrap();
        assert_eq!(m.instructions(), 8);
        let again = Module::parse(&m.encode()).unwrap();
        assert_eq!(again.encode(), m.encode());
        assert_eq!(analyze(&m.encode()).unwrap().len(), 2);
    }
}
