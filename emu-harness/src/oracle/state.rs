//! Instance state beside the call's outcome: which functions can change memory or other state,
//! and how two memories differ.

use std::collections::{BTreeSet, HashMap};
use wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef};

/// A piece of instance state a function may read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StateItem {
    /// Linear memory: its size or contents.
    Memory,
    /// Written only: linear memory's contents (a store, not just `memory.grow`), besides `Memory`.
    MemoryContents,
    Global(u32),
    /// Tables and passive segments.
    Tables,
    /// Anything (imported functions, indirect calls, operators not understood).
    Everything,
}

/// A set of state items.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects(BTreeSet<StateItem>);

impl Effects {
    pub fn everything() -> Effects {
        Effects(BTreeSet::from([StateItem::Everything]))
    }

    pub fn contains(&self, item: StateItem) -> bool {
        self.0.contains(&StateItem::Everything) || self.0.contains(&item)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn overlaps(&self, other: &Effects) -> bool {
        let everything = |e: &Effects| e.0.contains(&StateItem::Everything);
        (everything(self) && !other.is_empty())
            || (everything(other) && !self.is_empty())
            || self.0.intersection(&other.0).next().is_some()
    }

    pub fn add(&mut self, item: StateItem) {
        self.0.insert(item);
    }

    pub fn extend(&mut self, other: &Effects) {
        self.0.extend(other.0.iter().copied());
    }
}

/// What each function of a module may read and change, read from the WebAssembly itself (not
/// from the compiler under test), including what the functions it calls directly do.
#[derive(Clone, Debug, Default)]
pub struct ModuleFacts {
    /// By function index.
    pub reads: Vec<Effects>,
    /// By function index.
    pub writes: Vec<Effects>,
    /// Exported functions: name → index.
    pub exports: HashMap<String, u32>,
}

impl ModuleFacts {
    pub fn of(wasm: &[u8]) -> ModuleFacts {
        let mut reads = Vec::new();
        let mut writes = Vec::new();
        let mut calls: Vec<Vec<u32>> = Vec::new();
        let mut exports = HashMap::new();
        // Functions in tables, for indirect calls (valid while no table is ever changed).
        let mut table_functions: Vec<u32> = Vec::new();
        let mut calls_indirectly: Vec<usize> = Vec::new();
        let mut tables_change = false;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload {
                Ok(Payload::ImportSection(r)) => {
                    for imp in r.into_imports().flatten() {
                        if matches!(imp.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                            reads.push(Effects::everything());
                            writes.push(Effects::everything());
                            calls.push(Vec::new());
                        }
                    }
                }
                Ok(Payload::ExportSection(r)) => {
                    for e in r.into_iter().flatten() {
                        if e.kind == ExternalKind::Func {
                            exports.entry(e.name.to_string()).or_insert(e.index);
                        }
                    }
                }
                Ok(Payload::ElementSection(r)) => {
                    for e in r.into_iter().flatten() {
                        match e.items {
                            wasmparser::ElementItems::Functions(f) => {
                                table_functions.extend(f.into_iter().flatten())
                            }
                            wasmparser::ElementItems::Expressions(..) => tables_change = true,
                        }
                    }
                }
                Ok(Payload::CodeSectionEntry(body)) => {
                    let (mut r, mut w, mut c) = (Effects::default(), Effects::default(), Vec::new());
                    let ops = body.get_operators_reader().map(|reader| reader.into_iter());
                    for op in ops.into_iter().flatten() {
                        match op {
                            Ok(
                                Operator::Call { function_index } | Operator::ReturnCall { function_index },
                            ) => c.push(function_index),
                            Ok(Operator::CallIndirect { .. } | Operator::ReturnCallIndirect { .. }) => {
                                calls_indirectly.push(calls.len())
                            }
                            Ok(op) => {
                                tables_change |= changes_tables(&op);
                                effects_of(&op, &mut r, &mut w)
                            }
                            Err(_) => {
                                r = Effects::everything();
                                w = Effects::everything();
                            }
                        }
                    }
                    reads.push(r);
                    writes.push(w);
                    calls.push(c);
                }
                _ => {}
            }
        }
        for f in calls_indirectly {
            if tables_change {
                reads[f] = Effects::everything();
                writes[f] = Effects::everything();
            } else {
                reads[f].add(StateItem::Tables);
                calls[f].extend(&table_functions);
            }
        }
        ModuleFacts {
            reads: close_over_calls(reads, &calls),
            writes: close_over_calls(writes, &calls),
            exports,
        }
    }

    /// Whether a call of function `index` may change linear memory, its size or contents.
    pub fn writes_memory(&self, index: u32) -> bool {
        self.writes.get(index as usize).is_none_or(|w| w.contains(StateItem::Memory))
    }

    /// Whether a call of function `index` may change linear memory's contents (then the whole
    /// memory is compared after it; after one that only grows it, the size).
    pub fn writes_memory_contents(&self, index: u32) -> bool {
        self.writes.get(index as usize).is_none_or(|w| w.contains(StateItem::MemoryContents))
    }

    /// What calling export `name` may change (unknown names: anything).
    pub fn export_writes(&self, name: &str) -> Effects {
        self.of_export(&self.writes, name)
    }

    /// What calling export `name` may read (unknown names: anything).
    pub fn export_reads(&self, name: &str) -> Effects {
        self.of_export(&self.reads, name)
    }

    fn of_export(&self, per_function: &[Effects], name: &str) -> Effects {
        self.exports
            .get(name)
            .and_then(|i| per_function.get(*i as usize))
            .cloned()
            .unwrap_or_else(Effects::everything)
    }
}

/// A function's effects include those of every function it calls directly.
fn close_over_calls(mut effects: Vec<Effects>, calls: &[Vec<u32>]) -> Vec<Effects> {
    loop {
        let mut changed = false;
        for (f, callees) in calls.iter().enumerate() {
            for c in callees {
                let add = effects.get(*c as usize).cloned().unwrap_or_else(Effects::everything);
                let before = effects[f].0.len();
                effects[f].extend(&add);
                changed |= effects[f].0.len() != before;
            }
        }
        if !changed {
            return effects;
        }
    }
}

/// Whether an operator changes a table's contents or size.
fn changes_tables(op: &Operator) -> bool {
    matches!(
        op,
        Operator::TableSet { .. }
            | Operator::TableGrow { .. }
            | Operator::TableFill { .. }
            | Operator::TableCopy { .. }
            | Operator::TableInit { .. }
    )
}

/// The state an operator (other than a direct call) may read and write. Conservative: indirect
/// calls and anything not understood touch everything.
/// The common operators that read and write no state, recognized without printing their name
/// (which costs an allocation per operator).
fn touches_no_state(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        LocalGet { .. }
            | LocalSet { .. }
            | LocalTee { .. }
            | I32Const { .. }
            | I64Const { .. }
            | Drop
            | Select
            | Nop
            | Block { .. }
            | Loop { .. }
            | If { .. }
            | Else
            | End
            | Br { .. }
            | BrIf { .. }
            | BrTable { .. }
            | Return
            | Unreachable
            | I32Add
            | I32Sub
            | I32Mul
            | I32DivS
            | I32DivU
            | I32RemS
            | I32RemU
            | I32And
            | I32Or
            | I32Xor
            | I32Shl
            | I32ShrS
            | I32ShrU
            | I32Rotl
            | I32Rotr
            | I32Clz
            | I32Ctz
            | I32Popcnt
            | I32Eqz
            | I32Eq
            | I32Ne
            | I32LtS
            | I32LtU
            | I32GtS
            | I32GtU
            | I32LeS
            | I32LeU
            | I32GeS
            | I32GeU
            | I64Add
            | I64Sub
            | I64Mul
            | I64DivS
            | I64DivU
            | I64RemS
            | I64RemU
            | I64And
            | I64Or
            | I64Xor
            | I64Shl
            | I64ShrS
            | I64ShrU
            | I64Rotl
            | I64Rotr
            | I64Clz
            | I64Ctz
            | I64Popcnt
            | I64Eqz
            | I64Eq
            | I64Ne
            | I64LtS
            | I64LtU
            | I64GtS
            | I64GtU
            | I64LeS
            | I64LeU
            | I64GeS
            | I64GeU
            | I32WrapI64
            | I64ExtendI32S
            | I64ExtendI32U
            | I32Extend8S
            | I32Extend16S
            | I64Extend8S
            | I64Extend16S
            | I64Extend32S
    )
}

fn effects_of(op: &Operator, reads: &mut Effects, writes: &mut Effects) {
    use StateItem::*;
    match op {
        Operator::GlobalGet { global_index } => return reads.add(Global(*global_index)),
        Operator::GlobalSet { global_index } => return writes.add(Global(*global_index)),
        Operator::MemorySize { .. } => return reads.add(Memory),
        _ => {}
    }
    if touches_no_state(op) {
        return;
    }
    let name = wasm2thumb::frontend::operator_name(op);
    if name.contains("call_ref") || name.starts_with("global.") {
        reads.add(Everything);
        writes.add(Everything);
    } else if name.contains("atomic") || name.starts_with("memory.") {
        reads.add(Memory);
        writes.add(Memory);
        // `memory.grow` changes the size only: the pages it adds are zero on both sides.
        if name != "memory.grow" {
            writes.add(MemoryContents);
        }
        if name == "memory.init" {
            reads.add(Tables);
        }
    } else if name.contains("store") {
        // A store reads the memory's size too: whether it traps depends on it.
        reads.add(Memory);
        writes.add(Memory);
        writes.add(MemoryContents);
    } else if name.contains("load") {
        reads.add(Memory);
    } else if name.starts_with("table.") || name.starts_with("elem.") || name.starts_with("data.") {
        reads.add(Everything);
        writes.add(Everything);
    }
}

/// How the compiled code's memory differs from the reference's, if it does: the size, or the
/// first differing byte with a hexdump window around it on both sides.
pub fn memory_diff(reference: &[u8], compiled: &[u8]) -> Option<String> {
    const PAGE: usize = wasm2thumb::PAGE_BYTES as usize;
    if reference.len() != compiled.len() {
        return Some(format!(
            "memory size: reference {} pages, compiled {} pages",
            reference.len() / PAGE,
            compiled.len() / PAGE
        ));
    }
    if reference == compiled {
        return None;
    }
    let first = reference.iter().zip(compiled).position(|(a, b)| a != b)?;
    let differing = reference.iter().zip(compiled).filter(|(a, b)| a != b).count();
    let start = first & !15;
    let end = (start + 32).min(reference.len());
    let hex = |m: &[u8]| m[start..end].iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ");
    Some(format!(
        "memory[{first:#x}]: reference {:#04x}, compiled {:#04x} ({differing} byte(s) differ); \
         at {start:#x}: reference [{}], compiled [{}]",
        reference[first],
        compiled[first],
        hex(reference),
        hex(compiled)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_follow_direct_calls() {
        let wasm = wat::parse_str(
            r#"(module (memory 1)
                 (func $store (i32.store (i32.const 0) (i32.const 1)))
                 (func $calls_store (call $store))
                 (func $reads (drop (i32.load (i32.const 0))))
                 (func $grows (drop (memory.grow (i32.const 1))))
                 (func $size (drop (memory.size))))"#,
        )
        .unwrap();
        let facts = ModuleFacts::of(&wasm);
        let writers: Vec<bool> = (0..5).map(|i| facts.writes_memory(i)).collect();
        assert_eq!(writers, vec![true, true, false, true, false]);
        assert!(facts.reads[2].contains(StateItem::Memory));
        assert!(facts.reads[4].contains(StateItem::Memory));
        // A store reads the memory's size (whether it traps depends on it), through calls too.
        assert!(facts.reads[1].contains(StateItem::Memory));
        assert!(!facts.reads[1].contains(StateItem::Global(0)));
    }

    #[test]
    fn indirect_calls_have_the_effects_of_every_table_function() {
        let wasm = wat::parse_str(
            r#"(module (memory 1) (global $g (mut i32) (i32.const 0)) (table 2 funcref)
                 (elem (i32.const 0) $store $get)
                 (func $store (i32.store (i32.const 0) (i32.const 1)))
                 (func $get (result i32) (global.get $g))
                 (func (export "call") (call_indirect (i32.const 0))))"#,
        )
        .unwrap();
        let facts = ModuleFacts::of(&wasm);
        assert!(facts.writes_memory(2));
        assert!(facts.reads[2].contains(StateItem::Global(0)));
        assert!(!facts.writes[2].contains(StateItem::Global(0)));
        let changing = wat::parse_str(
            r#"(module (table 1 funcref) (func $f) (elem (i32.const 0) $f)
                 (func (export "call") (call_indirect (i32.const 0)))
                 (func (export "set") (table.set (i32.const 0) (ref.null func))))"#,
        )
        .unwrap();
        assert!(ModuleFacts::of(&changing).writes[1].contains(StateItem::Global(7)), "targets unknown");
    }

    #[test]
    fn globals_are_tracked_one_by_one() {
        let wasm = wat::parse_str(
            r#"(module (global $g (mut i32) (i32.const 0)) (global $h (mut i32) (i32.const 0))
                 (func (export "set_g") (global.set $g (i32.const 1)))
                 (func (export "get_g") (result i32) (global.get $g))
                 (func (export "get_h") (result i32) (global.get $h)))"#,
        )
        .unwrap();
        let facts = ModuleFacts::of(&wasm);
        assert!(!facts.writes_memory(0));
        let changed = facts.export_writes("set_g");
        assert!(changed.overlaps(&facts.export_reads("get_g")));
        assert!(!changed.overlaps(&facts.export_reads("get_h")));
        assert!(facts.export_writes("no such export").overlaps(&facts.export_reads("get_h")));
    }
    #[test]
    fn diff_names_size_then_first_byte() {
        let a = vec![0u8; 65536];
        assert_eq!(memory_diff(&a, &a), None);
        assert_eq!(memory_diff(&a, &[]).unwrap(), "memory size: reference 1 pages, compiled 0 pages");
        let mut b = a.clone();
        b[0x23] = 0x7f;
        b[0x30] = 1;
        let d = memory_diff(&a, &b).unwrap();
        assert!(
            d.starts_with("memory[0x23]: reference 0x00, compiled 0x7f (2 byte(s) differ); at 0x20:"),
            "{d}"
        );
        assert!(d.contains("compiled [00 00 00 7f 00"), "{d}");
    }
}
