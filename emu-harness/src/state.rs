//! Instance state beside the call's outcome: which functions can change memory or other state,
//! and how two memories differ.

use std::collections::HashMap;
use wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef};

/// What each function of a module may change, read from the WebAssembly itself (not from the
/// compiler under test). Conservative: imported functions and indirect calls may change anything.
#[derive(Clone, Debug, Default)]
pub struct ModuleFacts {
    /// By function index: whether a call may change linear memory (then it is compared).
    pub memory_writers: Vec<bool>,
    /// By function index: whether a call may change any state (memory, globals, tables).
    pub state_writers: Vec<bool>,
    /// Exported functions: name → index.
    pub exports: HashMap<String, u32>,
}

impl ModuleFacts {
    pub fn of(wasm: &[u8]) -> ModuleFacts {
        let mut memory = Vec::new();
        let mut state = Vec::new();
        let mut calls: Vec<Vec<u32>> = Vec::new();
        let mut exports = HashMap::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload {
                Ok(Payload::ImportSection(r)) => {
                    for imp in r.into_imports().flatten() {
                        if matches!(imp.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                            memory.push(true);
                            state.push(true);
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
                Ok(Payload::CodeSectionEntry(body)) => {
                    let (mut m, mut s, mut c) = (false, false, Vec::new());
                    match body.get_operators_reader() {
                        Ok(reader) => {
                            for op in reader {
                                match op {
                                    Ok(
                                        Operator::Call { function_index }
                                        | Operator::ReturnCall { function_index },
                                    ) => c.push(function_index),
                                    Ok(op) => {
                                        let w = writes_memory(&op);
                                        m |= w;
                                        s |= w || writes_other_state(&op);
                                    }
                                    Err(_) => (m, s) = (true, true),
                                }
                            }
                        }
                        Err(_) => (m, s) = (true, true),
                    }
                    memory.push(m);
                    state.push(s);
                    calls.push(c);
                }
                _ => {}
            }
        }
        ModuleFacts {
            memory_writers: close_over_calls(memory, &calls),
            state_writers: close_over_calls(state, &calls),
            exports,
        }
    }

    /// Whether calling export `name` may change the instance's state (unknown names: yes).
    pub fn export_may_change_state(&self, name: &str) -> bool {
        self.exports.get(name).and_then(|i| self.state_writers.get(*i as usize)).copied().unwrap_or(true)
    }
}

/// A function has the property if it or any function it calls directly has it.
fn close_over_calls(mut has: Vec<bool>, calls: &[Vec<u32>]) -> Vec<bool> {
    loop {
        let before = has.clone();
        for (f, callees) in calls.iter().enumerate() {
            if callees.iter().any(|c| before.get(*c as usize).copied().unwrap_or(true)) {
                has[f] = true;
            }
        }
        if has == before {
            return has;
        }
    }
}

/// Whether an operator (other than a direct call) may change linear memory. Conservative:
/// anything named like a store, every `memory.*` but `memory.size`, atomics, indirect calls.
fn writes_memory(op: &Operator) -> bool {
    if matches!(op, Operator::MemorySize { .. }) {
        return false;
    }
    let name = wasm2thumb::frontend::operator_name(op);
    name.contains("store")
        || name.starts_with("memory.")
        || name.contains("atomic")
        || name.contains("call_indirect")
        || name.contains("call_ref")
}

/// Whether an operator changes state other than memory: globals, tables, passive segments.
fn writes_other_state(op: &Operator) -> bool {
    let name = wasm2thumb::frontend::operator_name(op);
    name == "global.set"
        || (name.starts_with("table.") && name != "table.get" && name != "table.size")
        || name.ends_with(".drop") && name != "drop"
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
    fn writers_follow_direct_calls() {
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
        assert_eq!(facts.memory_writers, vec![true, true, false, true, false]);
        assert_eq!(facts.state_writers, vec![true, true, false, true, false]);
    }

    #[test]
    fn global_set_changes_state_not_memory() {
        let wasm = wat::parse_str(
            r#"(module (global $g (mut i32) (i32.const 0))
                 (func (export "set") (global.set $g (i32.const 1)))
                 (func (export "get") (result i32) (global.get $g)))"#,
        )
        .unwrap();
        let facts = ModuleFacts::of(&wasm);
        assert_eq!(facts.memory_writers, vec![false, false]);
        assert!(facts.export_may_change_state("set"));
        assert!(!facts.export_may_change_state("get"));
        assert!(facts.export_may_change_state("no such export"));
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
