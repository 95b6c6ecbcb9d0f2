//! Every comparison the harness makes can fail: hand-broken images (correct compilation, then a
//! patched instruction) must be reported as mismatches of the right kind.

use emu_harness::exit;
use emu_harness::oracle::outcome::{self as emulated_outcome, AbiViolation, Outcome, TrapKind};
use emu_harness::report::Report;
use emu_harness::run::wast::ScriptModule;
use emu_harness::run::{FileReport, FunctionReport, RunConfig, Runner, Status};
use wasm2thumb::thumb::{encode, Cond, DpOp, Inst, ItState, Reg};
use wasm2thumb::{compile, CompileOptions, CompiledModule};

fn module(wat: &str) -> (ScriptModule, CompiledModule) {
    let wasm = wat::parse_str(wat).unwrap();
    let compiled = compile(&wasm, &CompileOptions::default()).unwrap();
    (ScriptModule::new(1, Ok(wasm)), compiled)
}

fn run(module: &ScriptModule, compiled: &CompiledModule) -> Vec<FunctionReport> {
    let config = RunConfig { vectors: 200, ..RunConfig::default() };
    Runner::new(config).unwrap().run_compiled("test", module, compiled).unwrap().functions
}

/// Replaces the first instruction of `function` whose text starts with `prefix` by `with`
/// (same length, padded with 16-bit NOPs).
fn patch(compiled: &mut CompiledModule, function: &str, prefix: &str, with: &[Inst]) {
    let f = compiled.function(function).unwrap().clone();
    let listing = f.listing();
    let idx = listing
        .iter()
        .position(|(_, t)| t.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` in {listing:#?}"));
    let addr = listing[idx].0;
    let end = f.addr + f.stats.code_bytes;
    let len = listing.get(idx + 1).map_or(end, |n| n.0) as usize - addr as usize;
    let mut bytes = Vec::new();
    for i in with {
        encode(i, ItState::Outside).unwrap().write_to(&mut bytes);
    }
    while bytes.len() < len {
        encode(&Inst::Nop, ItState::Outside).unwrap().write_to(&mut bytes);
    }
    assert_eq!(bytes.len(), len, "patch must keep the instruction length");
    let off = (addr - compiled.text_addr) as usize;
    compiled.text[off..off + len].copy_from_slice(&bytes);
}

fn only(reports: &[FunctionReport]) -> &FunctionReport {
    assert_eq!(reports.len(), 1);
    &reports[0]
}

const ADD: &str =
    r#"(module (func (export "f") (param i32 i32) (result i32) local.get 0 local.get 1 i32.sub))"#;

#[test]
fn unpatched_image_matches() {
    let (m, c) = module(ADD);
    assert_eq!(only(&run(&m, &c)).status, Status::Match);
}

#[test]
fn wrong_result_is_a_mismatch() {
    let (m, mut c) = module(ADD);
    // subs rD, r4, r5 → adds rD, r4, r5 (same destination, same 16-bit length).
    let listing = c.function("f").unwrap().listing();
    let sub = listing.iter().find(|(_, t)| t.starts_with("subs")).unwrap().1.clone();
    let rd = sub.split_whitespace().nth(1).unwrap().trim_end_matches(',');
    let rd = Reg::ALL.into_iter().find(|r| r.to_string() == rd).unwrap();
    patch(&mut c, "f", "subs", &[Inst::Dp { op: DpOp::Add, s: true, rd, rn: Reg::R4, rm: Reg::R5 }]);
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    assert!(matches!(f.examples[0].emulated, Outcome::Returned { .. }));
    assert!(!f.disassembly.is_empty(), "a mismatch carries the disassembly");
    assert!(!f.disassembly[0].starts_with("(compiler's own listing"), "llvm-objdump's: {:?}", f.disassembly);
    // The function reads no state, so the case is the one call: its command names the vector.
    let e = &f.examples[0];
    let typed: Vec<String> = e.args.iter().map(|a| a.typed_hex()).collect();
    assert!(e.rerun.ends_with(&format!("--args {}", typed.join(","))), "{}", e.rerun);
    assert!(
        e.rerun.contains("--function 'f' --pool-size 5 --float-pool 16 --strategy pool --cpu m4"),
        "{}",
        e.rerun
    );
}

#[test]
fn missing_trap_is_a_mismatch() {
    let (m, mut c) = module(
        r#"(module (func (export "d") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u))"#,
    );
    patch(&mut c, "d", "udf", &[Inst::Nop]);
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    // Divide by zero: the reference traps, the patched code returns (UDIV by 0 gives 0).
    let e = f
        .examples
        .iter()
        .find(|e| e.args[1] == emulated_outcome::Value::I32(0))
        .expect("a zero divisor among the vectors");
    assert_eq!(e.reference, Outcome::Trapped { trap: TrapKind::IntegerDivideByZero });
    assert!(matches!(e.emulated, Outcome::Returned { .. }));
}

#[test]
fn wrong_trap_kind_is_a_mismatch() {
    let (m, mut c) = module(r#"(module (func (export "u") (param i32) (result i32) unreachable))"#);
    patch(&mut c, "u", "udf", &[Inst::Udf { imm: wasm2thumb::TrapCode::IntegerOverflow.udf_imm() }]);
    let r = run(&m, &c);
    assert_eq!(only(&r).status, Status::Mismatch);
    assert_eq!(only(&r).examples[0].emulated, Outcome::Trapped { trap: TrapKind::IntegerOverflow });
}

/// Replaces `function`'s code by `insts`, assembled and appended to `.text`.
fn replace_code(compiled: &mut CompiledModule, function: &str, insts: &[Inst]) {
    let mut a = wasm2thumb::thumb::Assembler::new();
    for i in insts {
        a.emit(*i);
    }
    let code = a.finish().unwrap();
    let addr = compiled.text_addr + compiled.text.len() as u32;
    compiled.text.extend_from_slice(&code.bytes);
    compiled.functions.iter_mut().find(|f| f.name == function).unwrap().addr = addr;
}

const IDENTITY: &str = r#"(module (func (export "id") (param i32) (result i32) local.get 0))"#;

#[test]
fn clobbered_callee_saved_register_is_a_mismatch() {
    let (m, mut c) = module(IDENTITY);
    // Returns the right value but writes R4 without saving it.
    let zero = wasm2thumb::thumb::ModImm::new(0).unwrap();
    replace_code(
        &mut c,
        "id",
        &[Inst::MovImm { s: false, rd: Reg::R4, imm: zero }, Inst::Bx { rm: Reg::Lr }],
    );
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    assert!(matches!(
        f.examples[0].emulated,
        Outcome::AbiViolation { what: AbiViolation::CalleeSaved { reg: 4, .. } }
    ));
}

#[test]
fn unbalanced_stack_pointer_is_a_mismatch() {
    let (m, mut c) = module(IDENTITY);
    // Returns the right value with SP 8 bytes lower than at the call.
    replace_code(&mut c, "id", &[Inst::AdjustSp { sub: true, imm: 8 }, Inst::Bx { rm: Reg::Lr }]);
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    assert!(matches!(
        f.examples[0].emulated,
        Outcome::AbiViolation { what: AbiViolation::StackPointer { .. } }
    ));
}

#[test]
fn a_write_outside_mapped_memory_is_a_fault() {
    let (m, mut c) = module(IDENTITY);
    let offset = wasm2thumb::thumb::MemOffset::new(0).unwrap();
    let kind = wasm2thumb::thumb::StoreKind::Word;
    // r0 holds the argument: storing through it faults for most vectors (e.g. 0, -1).
    replace_code(
        &mut c,
        "id",
        &[Inst::Store { kind, rt: Reg::R0, rn: Reg::R0, offset }, Inst::Bx { rm: Reg::Lr }],
    );
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    assert!(f
        .examples
        .iter()
        .any(|e| matches!(e.emulated, Outcome::MemoryFault { access: "write unmapped", .. })));
}

#[test]
fn hang_is_a_mismatch_not_inconclusive() {
    let (m, mut c) = module(ADD);
    // An infinite loop in compiled code while the reference returns.
    let listing = c.function("f").unwrap().listing();
    let first_after_push = listing[1].0;
    let off = (first_after_push - c.text_addr) as usize;
    // b . (branch to itself): 0xE7FE.
    c.text[off..off + 2].copy_from_slice(&0xE7FEu16.to_le_bytes());
    let config = RunConfig { vectors: 2, fuel: 1000, ..RunConfig::default() };
    let r = Runner::new(config).unwrap().run_compiled("test", &m, &c).unwrap().functions;
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    assert!(matches!(f.examples[0].emulated, Outcome::BudgetExhausted { .. }));
}

#[test]
fn both_sides_out_of_budget_is_inconclusive() {
    let (m, c) = module(r#"(module (func (export "spin") (loop (br 0))))"#);
    let config = RunConfig { vectors: 3, fuel: 1000, ..RunConfig::default() };
    let r = Runner::new(config).unwrap().run_compiled("test", &m, &c).unwrap().functions;
    let f = only(&r);
    assert_eq!(f.status, Status::Inconclusive);
    assert_eq!(f.inconclusive, f.vectors);
}

#[test]
fn conditional_flag_fault_is_a_mismatch() {
    // Compare with the condition inverted in the IT block: eq ↔ ne.
    let (m, mut c) =
        module(r#"(module (func (export "e") (param i32 i32) (result i32) local.get 0 local.get 1 i32.eq))"#);
    patch(&mut c, "e", "ite", &[Inst::It { first: Cond::Ne, pattern: wasm2thumb::thumb::ItPattern::te() }]);
    let r = run(&m, &c);
    assert_eq!(only(&r).status, Status::Mismatch);
}

#[test]
fn changed_global_is_a_mismatch() {
    let (m, mut c) = module(
        r#"(module (global $g (export "g") (mut i32) (i32.const 5))
            (func (export "touch") (param i32) (result i32) local.get 0))"#,
    );
    // Returns the right value but also overwrites the exported global.
    let addr = wasm2thumb::global_addr(0);
    let mut code: Vec<Inst> = wasm2thumb::lower::mov_imm(Reg::R12, addr);
    code.push(Inst::Store {
        kind: wasm2thumb::thumb::StoreKind::Word,
        rt: Reg::R0,
        rn: Reg::R12,
        offset: wasm2thumb::thumb::MemOffset::new(0).unwrap(),
    });
    code.push(Inst::Bx { rm: Reg::Lr });
    replace_code(&mut c, "touch", &code);
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    let state = f.examples[0].state.as_deref().expect("a state difference");
    assert!(state.contains("global `g`"), "{state}");
    assert_eq!(f.examples[0].emulated, f.examples[0].reference, "the results agree; only the global differs");
}

#[test]
fn corrupted_memory_byte_is_a_mismatch() {
    let (m, mut c) = module(
        r#"(module (memory 1)
            (func (export "put") (param i32) (i32.store8 (i32.const 100) (local.get 0))))"#,
    );
    // The store lands one byte above where it should: same instruction, offset 1 instead of 0
    // (R0 holds the address of the access's last byte; a 16-bit encoding either way).
    let listing = c.function("put").unwrap().listing();
    let strb = listing.iter().find(|(_, t)| t.starts_with("strb")).unwrap().1.clone();
    let rt = strb.split_whitespace().nth(1).unwrap().trim_end_matches(',');
    let rt = Reg::ALL.into_iter().find(|r| r.to_string() == rt).unwrap();
    patch(
        &mut c,
        "put",
        "strb",
        &[Inst::Store {
            kind: wasm2thumb::thumb::StoreKind::Byte,
            rt,
            rn: Reg::R0,
            offset: wasm2thumb::thumb::MemOffset::new(1).unwrap(),
        }],
    );
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    let state = f.examples[0].state.as_deref().expect("a memory difference");
    // The first byte that differs is the one the store missed.
    assert!(state.starts_with("memory[0x64]: reference 0x"), "{state}");
    assert!(state.contains(", compiled 0x00"), "{state}");
    assert!(state.contains("at 0x60: reference ["), "a hexdump window: {state}");
    assert_eq!(f.examples[0].emulated, f.examples[0].reference, "the results agree; only memory differs");
}

#[test]
fn memory_grown_wrongly_is_a_mismatch() {
    let (m, mut c) = module(
        r#"(module (memory 1 3)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    // Grows by one page too many: `lsls r3, rn, #16` becomes `lsls r3, rn, #17`.
    let listing = c.function("grow").unwrap().listing();
    let lsl = listing.iter().find(|(_, t)| t.starts_with("lsls") && t.ends_with("#16")).unwrap().1.clone();
    let rm = lsl.split_whitespace().nth(2).unwrap().trim_end_matches(',');
    let rm = Reg::ALL.into_iter().find(|r| r.to_string() == rm).unwrap();
    let amount = wasm2thumb::thumb::ShiftAmount::new(17).unwrap();
    let wrong = Inst::ShiftImm { op: wasm2thumb::thumb::ShiftOp::Lsl, s: true, rd: Reg::R3, rm, amount };
    patch(&mut c, "grow", "lsls", &[wrong]);
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    let state = f.examples[0].state.as_deref().expect("a memory size difference");
    assert!(state.starts_with("memory size: reference 2 pages, compiled 3 pages"), "{state}");
}

#[test]
fn dropped_carry_into_the_high_word_is_a_mismatch() {
    let (m, mut c) = module(
        r#"(module (func (export "add") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1))))"#,
    );
    // adcs.w lr, r1, r3 → adds.w lr, r1, r3: the low word's carry is lost.
    patch(
        &mut c,
        "add",
        "adcs.w",
        &[Inst::Dp { op: DpOp::Add, s: true, rd: Reg::Lr, rn: Reg::R1, rm: Reg::R3 }],
    );
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    let single_i64 = |o: &Outcome| match o {
        Outcome::Returned { values } => match values.as_slice() {
            [emulated_outcome::Value::I64(v)] => *v,
            _ => panic!("{o:?}"),
        },
        _ => panic!("{o:?}"),
    };
    let got = single_i64(&f.examples[0].emulated);
    let want = single_i64(&f.examples[0].reference);
    assert_eq!(got as u32, want as u32, "the low words agree");
    assert_eq!(((want >> 32) as u32).wrapping_sub((got >> 32) as u32), 1, "the high word misses the carry");
}

#[test]
fn instruction_counts_are_exact_for_straight_line_code() {
    let (m, c) = module(ADD);
    let r = run(&m, &c);
    let f = only(&r);
    let counts = f.instructions.expect("calls returned");
    // Straight-line code: every call executes every instruction of the listing once.
    let listed = c.function("f").unwrap().insts.len() as u64;
    assert_eq!((counts.min, counts.max), (listed, listed), "{:#?}", c.function("f").unwrap().listing());
    assert_eq!(counts.calls, f.vectors as u64);
}

fn store_word(rn: Reg, offset: i32) -> Inst {
    let offset = wasm2thumb::thumb::MemOffset::new(offset).unwrap();
    Inst::Store { kind: wasm2thumb::thumb::StoreKind::Word, rt: Reg::R0, rn, offset }
}

fn stray_write(f: &FunctionReport) -> emulated_outcome::StrayWrite {
    assert_eq!(f.status, Status::Mismatch);
    match f.examples[0].emulated {
        Outcome::AbiViolation { what: AbiViolation::StrayWrite(stray) } => stray,
        ref other => panic!("expected a stray write, got {other}"),
    }
}

#[test]
fn a_write_below_the_stack_frame_is_a_mismatch() {
    let (m, mut c) = module(IDENTITY);
    // Returns the right value, but stores below SP without ever lowering it: an interrupt at that
    // point would overwrite the word.
    replace_code(&mut c, "id", &[store_word(Reg::Sp, -8), Inst::Bx { rm: Reg::Lr }]);
    let r = run(&m, &c);
    let stray = stray_write(only(&r));
    assert_eq!(stray.region, emulated_outcome::Region::BelowStackFrame);
    assert_eq!(stray.addr, emu_harness::exec::emulator::STACK_TOP - 8);
}

#[test]
fn a_write_inside_the_own_frame_is_fine() {
    let (m, mut c) = module(IDENTITY);
    // The same store, after SP was lowered to cover it: a correct frame.
    replace_code(
        &mut c,
        "id",
        &[
            Inst::AdjustSp { sub: true, imm: 8 },
            store_word(Reg::Sp, 0),
            Inst::AdjustSp { sub: false, imm: 8 },
            Inst::Bx { rm: Reg::Lr },
        ],
    );
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Match, "{:#?}", f.examples);
    assert_eq!(f.max_stack_bytes, 8, "stack use is measured from the lowest SP");
}

#[test]
fn a_write_into_the_callers_stack_is_a_mismatch() {
    let (m, mut c) = module(IDENTITY);
    // No stack arguments: the words above the entry SP belong to the caller.
    replace_code(&mut c, "id", &[store_word(Reg::Sp, 16), Inst::Bx { rm: Reg::Lr }]);
    let r = run(&m, &c);
    let stray = stray_write(only(&r));
    assert_eq!(stray.region, emulated_outcome::Region::CallerStack);
    assert_eq!(stray.addr, emu_harness::exec::emulator::STACK_TOP + 16);
}

/// Code that stores r0 at the absolute address `addr` and returns r0.
fn store_at(addr: u32) -> Vec<Inst> {
    vec![
        Inst::Movw { rd: Reg::R1, imm: addr as u16 },
        Inst::Movt { rd: Reg::R1, imm: (addr >> 16) as u16 },
        store_word(Reg::R1, 0),
        Inst::Bx { rm: Reg::Lr },
    ]
}

#[test]
fn a_write_into_the_data_area_outside_the_globals_is_a_mismatch() {
    let (m, mut c) = module(
        r#"(module (global $g (mut i32) (i32.const 5))
            (func (export "id") (param i32) (result i32) local.get 0))"#,
    );
    // The word after the only global's slot is nobody's (the table would live there).
    let after = wasm2thumb::global_addr(1);
    replace_code(&mut c, "id", &store_at(after));
    let r = run(&m, &c);
    let stray = stray_write(only(&r));
    assert_eq!(stray.region, emulated_outcome::Region::DataArea);
    assert!((after..after + 4).contains(&stray.addr));
}

#[test]
fn a_write_past_the_memory_size_is_a_mismatch() {
    let (m, mut c) = module(
        r#"(module (memory 1 2)
            (func (export "poke") (param i32) (result i32)
              (i32.store (i32.const 0) (local.get 0)) (local.get 0)))"#,
    );
    // Memory is mapped up to its maximum (2 pages); the store lands in the second page, which
    // WebAssembly has not grown into.
    replace_code(&mut c, "poke", &store_at(wasm2thumb::MEMORY_BASE + 0x1_0000));
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    let e = f.examples.iter().find(|e| e.args[0] != emulated_outcome::Value::I32(0)).unwrap();
    let state = e.state.as_deref().expect("a state difference");
    assert!(state.contains("in linear memory past its current size at 0x60010000"), "{state}");
}

#[test]
fn a_memory_fault_names_the_address() {
    let (m, mut c) = module(IDENTITY);
    replace_code(&mut c, "id", &store_at(0x5000_0000));
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    assert!(matches!(
        f.examples[0].emulated,
        Outcome::MemoryFault { access: "write unmapped", addr: 0x5000_0000, .. }
    ));
}

#[test]
fn registers_swapped_on_every_call_are_caught_in_a_batch_too() {
    let (m, mut c) = module(IDENTITY);
    // Swaps R4 and R5 and returns the right value: after an even number of calls they are back
    // in place, so a batch must check them after every call, not only at its end.
    replace_code(
        &mut c,
        "id",
        &[
            Inst::Mov { rd: Reg::R12, rm: Reg::R4 },
            Inst::Mov { rd: Reg::R4, rm: Reg::R5 },
            Inst::Mov { rd: Reg::R5, rm: Reg::R12 },
            Inst::Bx { rm: Reg::Lr },
        ],
    );
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    assert!(matches!(
        f.examples[0].emulated,
        Outcome::AbiViolation { what: AbiViolation::CalleeSaved { .. } }
    ));
    assert_eq!(f.mismatches, f.vectors, "every call is caught");
}

/// What `compile` leaves when one function fails: that function out of the image, the reason in
/// `declined`. An internal error (a checker inside the compiler caught a broken invariant) is the
/// compiler's bug and must fail the run; a clean decline must not.
fn without_function(wat: &str, function: &str, error: wasm2thumb::CompileError) -> Vec<FunctionReport> {
    let (m, mut compiled) = module(wat);
    compiled.functions.retain(|f| f.name != function);
    compiled.declined.push(error);
    run(&m, &compiled)
}

/// The exit code `emu-harness run` gives a file with these reports.
fn exit_code(reports: Vec<FunctionReport>) -> i32 {
    let file =
        FileReport { file: "test".into(), error: None, functions: reports, skipped: Default::default() };
    Report::new(&RunConfig::default(), vec![file]).exit_code()
}

const TWO: &str = r#"(module
    (func (export "kept") (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
    (func (export "failed") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#;

#[test]
fn an_internal_error_in_one_function_is_a_mismatch_and_the_others_still_run() {
    let error = wasm2thumb::CompileError::Internal { function: "failed".into(), what: "injected".into() };
    let reports = without_function(TWO, "failed", error);
    let failed = reports.iter().find(|f| f.function == "failed").expect("reported");
    assert_eq!(failed.status, Status::Mismatch);
    assert!(failed.examples[0].is_compile_failure());
    assert!(failed.examples[0].state.as_deref().is_some_and(|s| s.contains("injected")), "{failed:?}");
    let kept = reports.iter().find(|f| f.function == "kept").expect("reported");
    assert_eq!(kept.status, Status::Match);
    assert!(kept.vectors > 0);
    assert_eq!(exit_code(reports), exit::MISMATCH);
}

#[test]
fn a_clean_decline_is_reported_as_declined_not_as_a_mismatch() {
    let error = wasm2thumb::CompileError::Unsupported { function: "failed".into(), what: "injected".into() };
    let reports = without_function(TWO, "failed", error);
    let failed = reports.iter().find(|f| f.function == "failed").expect("reported");
    assert_eq!(failed.status, Status::Declined);
    assert!(failed.examples.is_empty());
    assert!(failed.decline.as_deref().is_some_and(|s| s.contains("injected")));
    assert_eq!(exit_code(reports), exit::BAD_INPUT);
}

fn vfp(v: wasm2thumb::thumb::vfp::Vfp) -> Inst {
    Inst::Vfp(v)
}

#[test]
fn a_clobbered_callee_saved_float_register_is_an_abi_violation_and_a_saved_one_is_not() {
    use wasm2thumb::thumb::vfp::{SReg, Vfp};
    let s16 = SReg::new(16).unwrap();
    // Float code written by hand: the compiler itself never touches S16–S31.
    let (m, mut c) = module(IDENTITY);
    c.fpscr = Some(0);
    replace_code(&mut c, "id", &[vfp(Vfp::FromCore { sn: s16, rt: Reg::R0 }), Inst::Bx { rm: Reg::Lr }]);
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    assert!(
        matches!(
            f.examples[0].emulated,
            Outcome::AbiViolation { what: AbiViolation::CalleeSavedFloat { reg: 16, .. } }
        ),
        "{:?}",
        f.examples[0].emulated
    );
    // The same write, with S16 saved in R1 and restored: nothing to report.
    replace_code(
        &mut c,
        "id",
        &[
            vfp(Vfp::ToCore { rt: Reg::R1, sn: s16 }),
            vfp(Vfp::FromCore { sn: s16, rt: Reg::R0 }),
            vfp(Vfp::ToCore { rt: Reg::R0, sn: s16 }),
            vfp(Vfp::FromCore { sn: s16, rt: Reg::R1 }),
            Inst::Bx { rm: Reg::Lr },
        ],
    );
    assert_eq!(only(&run(&m, &c)).status, Status::Match);
}

#[test]
fn each_call_runs_under_the_fpscr_the_code_requires() {
    use wasm2thumb::thumb::vfp::{FReg, SReg, VImm, Vfp};
    let s0 = SReg::new(0).unwrap();
    // `two` returns 2.5 converted by FPSCR's rounding mode: 2 to nearest (even), 3 toward +inf.
    let code = [
        vfp(Vfp::MovImm { fd: FReg::S(s0), imm: VImm::from_f32(2.5).unwrap() }),
        vfp(Vfp::ToInt { signed: true, toward_zero: false, sd: s0, m: FReg::S(s0) }),
        vfp(Vfp::ToCore { rt: Reg::R0, sn: s0 }),
        Inst::Bx { rm: Reg::Lr },
    ];
    let host = r#"(module (func (export "two") (result i32) i32.const 2))"#;
    let (m, mut c) = module(host);
    replace_code(&mut c, "two", &code);
    c.fpscr = Some(0);
    assert_eq!(only(&run(&m, &c)).status, Status::Match, "round to nearest: 2");
    c.fpscr = Some(0b01 << 22);
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch, "toward +inf: 3");
    assert_eq!(f.examples[0].emulated, Outcome::Returned { values: vec![emulated_outcome::Value::I32(3)] });
}

#[test]
fn the_m4_model_rejects_double_precision_and_the_m7_runs_it() {
    use wasm2thumb::thumb::vfp::{DReg, Three, Vfp};
    let d0 = DReg::new(0).unwrap();
    let code = [
        vfp(Vfp::Bin { op: wasm2thumb::thumb::vfp::BinOp::Add, regs: Three::D(d0, d0, d0) }),
        Inst::Bx { rm: Reg::Lr },
    ];
    for (cpu, runs) in [(wasm2thumb::Cpu::CortexM4, false), (wasm2thumb::Cpu::CortexM7, true)] {
        let wasm = wat::parse_str(IDENTITY).unwrap();
        let mut c = compile(&wasm, &CompileOptions { cpu, ..CompileOptions::default() }).unwrap();
        c.fpscr = Some(0);
        replace_code(&mut c, "id", &code);
        let config = RunConfig {
            vectors: 20,
            compile: CompileOptions { cpu, ..CompileOptions::default() },
            ..RunConfig::default()
        };
        let r = Runner::new(config)
            .unwrap()
            .run_compiled("test", &ScriptModule::new(1, Ok(wasm)), &c)
            .unwrap()
            .functions;
        let f = only(&r);
        if runs {
            assert_eq!(f.status, Status::Match, "{cpu:?}: {:?}", f.examples);
        } else {
            assert!(
                matches!(f.examples[0].emulated, Outcome::InvalidInstruction { .. }),
                "{cpu:?}: {:?}",
                f.examples[0].emulated
            );
        }
    }
}

/// Float results: a wrong value is a mismatch; NaNs are judged by WebAssembly's NaN rule, or
/// (`--nan-rule`), or bit for bit (the default).
#[test]
fn float_nans_are_judged_by_the_nan_rule_or_bit_for_bit() {
    use emu_harness::oracle::outcome::NanComparison;
    // The reference canonicalizes: 0/0 is 0x7FC00000, its negation 0xFFC00000.
    let wat = r#"(module (func (export "n") (result f32) f32.const 0 f32.const 0 f32.div f32.neg))"#;
    let status = |bits: u32, nan: NanComparison| {
        let (m, mut c) = module(wat);
        assert!(c.fpscr.is_some(), "float code states its FPSCR");
        let mut code = wasm2thumb::lower::mov_imm(Reg::R0, bits);
        // The M4 returns an f32 in S0 (hard-float).
        let s0 = wasm2thumb::thumb::vfp::SReg::new(0).unwrap();
        code.push(Inst::Vfp(wasm2thumb::thumb::vfp::Vfp::FromCore { sn: s0, rt: Reg::R0 }));
        code.push(Inst::Bx { rm: Reg::Lr });
        replace_code(&mut c, "n", &code);
        let config = RunConfig { vectors: 5, nan, ..RunConfig::default() };
        let r = Runner::new(config).unwrap().run_compiled("test", &m, &c).unwrap().functions;
        only(&r).status
    };
    use NanComparison::{Rule, Strict};
    assert_eq!(status(0xFFC0_0000, Strict), Status::Match, "the right bits");
    // The canonical NaN of the other sign: allowed by the rule (it cannot know a neg made
    // it), caught in strict mode.
    assert_eq!(status(0x7FC0_0000, Rule), Status::Match);
    assert_eq!(status(0x7FC0_0000, Strict), Status::Mismatch);
    // A payload NaN where the reference gave a canonical one: the operands may all have been
    // canonical, so the rule requires a canonical result.
    assert_eq!(status(0xFFC0_0001, Rule), Status::Mismatch);
    // Not a NaN at all.
    assert_eq!(status(0x3F80_0000, Rule), Status::Mismatch);
}

#[test]
fn a_wrong_float_operation_is_a_mismatch() {
    // f32.sub compiled as f32.add: same length, one VFP instruction.
    use wasm2thumb::thumb::vfp::{BinOp, SReg, Three, Vfp};
    let (m, mut c) = module(
        r#"(module (func (export "s") (param f32 f32) (result f32) local.get 0 local.get 1 f32.sub))"#,
    );
    let s = |n| SReg::new(n).unwrap();
    patch(&mut c, "s", "vsub", &[vfp(Vfp::Bin { op: BinOp::Add, regs: Three::S(s(2), s(0), s(1)) })]);
    let r = run(&m, &c);
    let f = only(&r);
    assert_eq!(f.status, Status::Mismatch);
    // llvm-objdump decodes the M4's float instructions.
    assert!(f.disassembly.iter().any(|l| l.contains("vadd.f32")), "{:#?}", f.disassembly);
}
