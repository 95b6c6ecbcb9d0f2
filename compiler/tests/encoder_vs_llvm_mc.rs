//! Checks every instruction form the encoder can emit against LLVM's assembler:
//! `llvm-mc --triple=thumbv7em-none-eabi -show-encoding`. Each form is printed in UAL (with `.w`
//! whenever our encoder chose a 32-bit form that has a 16-bit sibling, so a wrong width choice
//! shows up as a byte difference) and the bytes must be identical. Branch relaxation is checked
//! separately by assembling whole programs with labels through `llvm-mc -filetype=obj`.

use object::{Object, ObjectSection};
use std::process::Command;
use wasm2thumb::thumb::*;

const TRIPLE: &str = "--triple=thumbv7em-none-eabi";

/// One line of assembly and the bytes our encoder produced for it.
struct Case {
    text: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct Cases(Vec<Case>);

impl Cases {
    fn push(&mut self, inst: Inst, it: ItState) {
        let enc = encode(&inst, it).unwrap_or_else(|e| panic!("{e}"));
        self.push_encoded(inst, it, enc, None);
    }

    fn push_encoded(&mut self, inst: Inst, it: ItState, enc: Encoding, branch: Option<BranchOffset>) {
        let text = AsmText { inst: &inst, cond: it.cond(), wide: enc.is_wide(), branch }.to_string();
        let mut bytes = Vec::new();
        enc.write_to(&mut bytes);
        self.0.push(Case { text, bytes });
    }

    /// `inst` inside a one-instruction IT block on `cond`.
    fn push_in_it(&mut self, cond: Cond, inst: Inst) {
        self.push(Inst::It { first: cond, pattern: ItPattern::t() }, ItState::Outside);
        self.push(inst, ItState::Inside(cond));
    }
}

fn llvm_mc(source: &str, extra: &[&str]) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("w2t-llvm-mc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("in-{}.s", rand_suffix()));
    std::fs::write(&path, source).unwrap();
    let out = Command::new("llvm-mc")
        .arg(TRIPLE)
        .args(extra)
        .arg(&path)
        .output()
        .expect("llvm-mc must be installed (it is part of every machine of this kind)");
    let _ = std::fs::remove_file(&path);
    out
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Parses `@ encoding: [0x01,0xeb,...]` lines of `llvm-mc -show-encoding`.
fn parse_encodings(stdout: &str) -> Vec<Vec<u8>> {
    stdout
        .lines()
        .filter_map(|l| l.split("encoding: [").nth(1))
        .map(|rest| {
            rest.trim_end_matches(']')
                .split(',')
                .map(|b| u8::from_str_radix(b.trim().trim_start_matches("0x"), 16).unwrap())
                .collect()
        })
        .collect()
}

fn check_against_llvm(cases: &Cases) -> usize {
    check_against_llvm_with(cases, &[])
}

/// `check_against_llvm` with more llvm-mc arguments (an FPU's `-mattr`).
fn check_against_llvm_with(cases: &Cases, extra: &[&str]) -> usize {
    let mut src = String::from(".syntax unified\n.thumb\n");
    for c in &cases.0 {
        src.push_str(&c.text);
        src.push('\n');
    }
    let mut args = vec!["-show-encoding"];
    args.extend_from_slice(extra);
    let out = llvm_mc(&src, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "llvm-mc rejected our assembly:\n{stderr}");
    let theirs = parse_encodings(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(theirs.len(), cases.0.len(), "one encoding per line");
    let mut diffs = Vec::new();
    for (c, t) in cases.0.iter().zip(&theirs) {
        if &c.bytes != t {
            diffs.push(format!("{:<32} ours {:02x?} llvm {:02x?}", c.text, c.bytes, t));
        }
    }
    assert!(diffs.is_empty(), "{} of {} encodings differ:\n{}", diffs.len(), cases.0.len(), diffs.join("\n"));
    cases.0.len()
}

/// Register choices: every register one operand position at a time, plus a cross product of
/// low/high representatives (so every narrow/wide boundary between positions is crossed).
fn reg_tuples(sets: &[&[Reg]]) -> Vec<Vec<Reg>> {
    let reps = [Reg::R0, Reg::R3, Reg::R7, Reg::R8, Reg::R12, Reg::Lr];
    let mut out: Vec<Vec<Reg>> = Vec::new();
    let defaults: [Vec<Reg>; 2] = [
        sets.iter().enumerate().map(|(i, s)| pick(s, [Reg::R1, Reg::R2, Reg::R3, Reg::R4][i])).collect(),
        sets.iter().enumerate().map(|(i, s)| pick(s, [Reg::R9, Reg::R10, Reg::R11, Reg::R12][i])).collect(),
    ];
    for d in &defaults {
        for (i, set) in sets.iter().enumerate() {
            for r in set.iter() {
                let mut t = d.clone();
                t[i] = *r;
                out.push(t);
            }
        }
    }
    let mut cross = vec![vec![]];
    for set in sets {
        let choices: Vec<Reg> = reps.iter().copied().filter(|r| set.contains(r)).collect();
        cross = cross
            .into_iter()
            .flat_map(|t: Vec<Reg>| {
                choices.iter().map(move |r| {
                    let mut t = t.clone();
                    t.push(*r);
                    t
                })
            })
            .collect();
    }
    out.extend(cross);
    out.sort();
    out.dedup();
    out
}

fn pick(set: &[Reg], want: Reg) -> Reg {
    if set.contains(&want) {
        want
    } else {
        set[0]
    }
}

const GEN: &[Reg] = &Reg::GENERAL;
const LOW: &[Reg] = &[Reg::R0, Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5, Reg::R6, Reg::R7];

fn base_regs() -> Vec<Reg> {
    let mut v = Reg::GENERAL.to_vec();
    v.push(Reg::Sp);
    v
}

/// Every value a modified immediate can take at its encoding boundaries: the four replicated
/// patterns and every rotation of the 8-bit forms.
fn modimm_values() -> Vec<u32> {
    let mut v = vec![];
    for b in [0x00u32, 0x01, 0x55, 0x7F, 0x80, 0xAB, 0xFE, 0xFF] {
        v.extend([b, b << 16 | b, b << 24 | b << 8, b * 0x0101_0101]);
        if b >= 0x80 {
            for rot in 8..32 {
                v.push(b.rotate_right(rot));
            }
        }
    }
    v.sort();
    v.dedup();
    v
}

#[test]
fn every_encoder_form_matches_llvm_mc() {
    let mut cases = Cases::default();
    let out = ItState::Outside;

    for op in DpOp::ALL {
        for s in [false, true] {
            for t in reg_tuples(&[GEN, GEN, GEN]) {
                cases.push(Inst::Dp { op, s, rd: t[0], rn: t[1], rm: t[2] }, out);
            }
            for t in reg_tuples(&[GEN, GEN]) {
                for imm in [0, 1, 0xFF, 0x100, 0xFF00_FF00, 0xFFFF_FFFF, 0x8000_0000] {
                    let imm = ModImm::new(imm).unwrap();
                    cases.push(Inst::DpImm { op, s, rd: t[0], rn: t[1], imm }, out);
                }
            }
        }
        for imm in modimm_values() {
            let imm = ModImm::new(imm).unwrap();
            cases.push(Inst::DpImm { op, s: false, rd: Reg::R2, rn: Reg::R9, imm }, out);
        }
    }
    // The 16-bit ADDS/SUBS immediate forms at their edges (imm3: 7/8, imm8: 255/256), in and
    // outside IT blocks.
    for op in [DpOp::Add, DpOp::Sub] {
        for t in reg_tuples(&[LOW, LOW]) {
            for imm in [0, 1, 7, 8, 100, 255, 256] {
                let imm = ModImm::new(imm).unwrap();
                cases.push(Inst::DpImm { op, s: true, rd: t[0], rn: t[1], imm }, out);
                cases.push(Inst::DpImm { op, s: true, rd: t[0], rn: t[0], imm }, out);
                cases.push_in_it(Cond::Eq, Inst::DpImm { op, s: false, rd: t[0], rn: t[0], imm });
            }
        }
    }
    // SP forms of ADD/SUB.
    for sub in [false, true] {
        let op = if sub { DpOp::Sub } else { DpOp::Add };
        for rm in GEN {
            cases.push(Inst::Dp { op, s: false, rd: Reg::Sp, rn: Reg::Sp, rm: *rm }, out);
        }
        for imm in [4, 256, 1024, 0x10000] {
            cases.push(
                Inst::DpImm { op, s: false, rd: Reg::Sp, rn: Reg::Sp, imm: ModImm::new(imm).unwrap() },
                out,
            );
        }
        for imm in [0, 4, 8, 252, 256, 508] {
            cases.push(Inst::AdjustSp { sub, imm }, out);
        }
    }
    for imm in [0, 1, 7, 8, 255, 256, 1023, 1024, 2047, 2048, 4094, 4095] {
        let imm = Imm12::new(imm).unwrap();
        for t in reg_tuples(&[GEN, &base_regs()]) {
            cases.push(Inst::AddW { rd: t[0], rn: t[1], imm }, out);
            cases.push(Inst::SubW { rd: t[0], rn: t[1], imm }, out);
        }
        cases.push(Inst::AddW { rd: Reg::Sp, rn: Reg::Sp, imm }, out);
        cases.push(Inst::SubW { rd: Reg::Sp, rn: Reg::Sp, imm }, out);
    }
    for t in reg_tuples(&[&base_regs(), &base_regs()]) {
        cases.push(Inst::Mov { rd: t[0], rm: t[1] }, out);
    }
    for rd in GEN {
        for imm in modimm_values() {
            let imm = ModImm::new(imm).unwrap();
            for s in [false, true] {
                cases.push(Inst::MovImm { s, rd: *rd, imm }, out);
                cases.push(Inst::MvnImm { s, rd: *rd, imm }, out);
            }
        }
        for imm in [0, 1, 0xFF, 0x100, 0x7FF, 0x800, 0xFFF, 0x1000, 0x7FFF, 0x8000, 0xABCD, 0xFFFF] {
            cases.push(Inst::Movw { rd: *rd, imm }, out);
            cases.push(Inst::Movt { rd: *rd, imm }, out);
        }
    }
    for op in ShiftOp::ALL {
        for s in [false, true] {
            for t in reg_tuples(&[GEN, GEN]) {
                for a in [1, 2, 3, 4, 5, 16, 30, 31] {
                    let amount = ShiftAmount::new(a).unwrap();
                    cases.push(Inst::ShiftImm { op, s, rd: t[0], rm: t[1], amount }, out);
                }
            }
            for a in 1..32 {
                let amount = ShiftAmount::new(a).unwrap();
                cases.push(Inst::ShiftImm { op, s, rd: Reg::R1, rm: Reg::R2, amount }, out);
            }
            for t in reg_tuples(&[GEN, GEN, GEN]) {
                cases.push(Inst::ShiftReg { op, s, rd: t[0], rn: t[1], rm: t[2] }, out);
            }
        }
    }
    for t in reg_tuples(&[GEN, GEN, GEN]) {
        let (rd, rn, rm) = (t[0], t[1], t[2]);
        cases.push(Inst::Mul { rd, rn, rm }, out);
        cases.push(Inst::Sdiv { rd, rn, rm }, out);
        cases.push(Inst::Udiv { rd, rn, rm }, out);
    }
    for t in reg_tuples(&[GEN, GEN, GEN, GEN]) {
        cases.push(Inst::Mla { rd: t[0], rn: t[1], rm: t[2], ra: t[3] }, out);
        cases.push(Inst::Mls { rd: t[0], rn: t[1], rm: t[2], ra: t[3] }, out);
        if t[0] != t[1] {
            cases.push(Inst::Umull { rdlo: t[0], rdhi: t[1], rn: t[2], rm: t[3] }, out);
        }
    }
    for t in reg_tuples(&[GEN, GEN]) {
        cases.push(Inst::Clz { rd: t[0], rm: t[1] }, out);
        cases.push(Inst::Rbit { rd: t[0], rm: t[1] }, out);
        cases.push(Inst::Cmp { rn: t[0], rm: t[1] }, out);
    }
    for rm in GEN {
        cases.push(Inst::Cmp { rn: Reg::Sp, rm: *rm }, out);
    }
    for rn in GEN {
        let mut imms = modimm_values();
        imms.extend([2, 100, 254, 1000, 0xFFFF_FF00]);
        for imm in imms.into_iter().filter_map(ModImm::new) {
            cases.push(Inst::CmpImm { rn: *rn, imm }, out);
            cases.push(Inst::CmnImm { rn: *rn, imm }, out);
        }
    }
    let offsets = [
        -255, -254, -128, -4, -2, -1, 0, 1, 2, 3, 4, 6, 30, 31, 32, 33, 60, 62, 63, 64, 124, 125, 126, 128,
        252, 256, 1016, 1020, 1021, 1024, 2048, 4092, 4094, 4095,
    ];
    let bases = base_regs();
    for t in reg_tuples(&[GEN, &bases]) {
        for off in offsets {
            let offset = MemOffset::new(off).unwrap();
            for kind in LoadKind::ALL {
                cases.push(Inst::Load { kind, rt: t[0], rn: t[1], offset }, out);
            }
            for kind in StoreKind::ALL {
                cases.push(Inst::Store { kind, rt: t[0], rn: t[1], offset }, out);
            }
        }
    }
    for t in reg_tuples(&[GEN, &bases, GEN]) {
        for kind in LoadKind::ALL {
            cases.push(Inst::LoadReg { kind, rt: t[0], rn: t[1], rm: t[2] }, out);
        }
        for kind in StoreKind::ALL {
            cases.push(Inst::StoreReg { kind, rt: t[0], rn: t[1], rm: t[2] }, out);
        }
    }
    // PUSH/POP: every single low register, LR/PC, and lists mixing low and high registers.
    let mut lists: Vec<Vec<Reg>> = LOW.iter().map(|r| vec![*r]).collect();
    lists.extend([
        vec![Reg::R4, Reg::R5, Reg::R6, Reg::R7, Reg::R8],
        vec![Reg::R0, Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5, Reg::R6, Reg::R7],
        vec![Reg::R4, Reg::R8],
        vec![Reg::R8, Reg::R9],
        vec![Reg::R4, Reg::R5, Reg::R6, Reg::R7, Reg::R8, Reg::R9, Reg::R10, Reg::R11],
        vec![Reg::R0, Reg::R12],
        Reg::GENERAL[..13].to_vec(),
    ]);
    for l in &lists {
        for with_ret in [false, true] {
            let mut push = l.clone();
            let mut pop = l.clone();
            if with_ret {
                push.push(Reg::Lr);
                pop.push(Reg::Pc);
            }
            cases.push(Inst::Push(RegList::new(&push)), out);
            cases.push(Inst::Pop(RegList::new(&pop)), out);
        }
    }
    cases.push(Inst::Push(RegList::new(&[Reg::Lr])), out);
    cases.push(Inst::Pop(RegList::new(&[Reg::Pc])), out);
    for rm in Reg::ALL.iter().filter(|r| **r != Reg::Pc) {
        cases.push(Inst::Bx { rm: *rm }, out);
    }
    for rm in Reg::ALL.iter().filter(|r| **r != Reg::Pc && **r != Reg::Sp) {
        cases.push(Inst::Blx { rm: *rm }, out);
    }
    for imm in [0, 1, 0x7F, 0xFF, 0x100, 0xFFF, 0x1000, 0x1001, 0xFFFF] {
        cases.push(Inst::Udf { imm }, out);
    }
    cases.push(Inst::Nop, out);

    // IT blocks: every condition and pattern, with the instructions the compiler predicates.
    for first in Cond::ALL {
        for rest in [&[][..], &[false], &[true], &[true, false], &[false, true, true]] {
            let pattern = ItPattern::new(rest).unwrap();
            cases.push(Inst::It { first, pattern }, out);
            for i in 0..pattern.len() {
                let c = pattern.cond_of(first, i);
                let imm = ModImm::new(i as u32).unwrap();
                cases.push(Inst::MovImm { s: false, rd: Reg::ALL[4 + i], imm }, ItState::Inside(c));
            }
        }
        for rd in GEN {
            for imm in [0, 1, 255, 256] {
                cases.push_in_it(first, Inst::MovImm { s: false, rd: *rd, imm: ModImm::new(imm).unwrap() });
            }
            cases.push_in_it(first, Inst::Mov { rd: *rd, rm: Reg::R3 });
        }
        for t in reg_tuples(&[GEN, GEN, GEN]).into_iter().step_by(7) {
            for op in [DpOp::Add, DpOp::Sub, DpOp::And, DpOp::Eor, DpOp::Orr] {
                cases.push_in_it(first, Inst::Dp { op, s: false, rd: t[0], rn: t[1], rm: t[2] });
            }
            let amount = ShiftAmount::new(3).unwrap();
            cases
                .push_in_it(first, Inst::ShiftImm { op: ShiftOp::Lsl, s: false, rd: t[0], rm: t[1], amount });
        }
    }

    // Branches at every range edge, both widths, every condition; printed with `.w` when wide.
    for cond in std::iter::once(None).chain(Cond::ALL.map(Some)) {
        let b = Inst::B { cond, target: Label(0) };
        for width in [BranchWidth::Narrow, BranchWidth::Wide] {
            let (lo, hi) = encode::branch_range(cond, width);
            for off in [lo, lo + 2, lo + 4, -4, -2, 0, 2, 4, 0x7E, 0x80, hi - 4, hi - 2, hi] {
                let enc = encode_branch(&b, off, width).unwrap();
                cases.push_encoded(b, ItState::Outside, enc, Some(BranchOffset(off)));
            }
            assert!(encode_branch(&b, hi + 2, width).is_err());
            assert!(encode_branch(&b, lo - 2, width).is_err());
            assert!(encode_branch(&b, 1, width).is_err());
        }
    }
    let bl = Inst::Bl { target: Label(0) };
    let (lo, hi) = encode::branch_range(None, BranchWidth::Wide);
    for off in [lo, lo + 2, -(1 << 22) - 2, -(1 << 22), -4, 0, 2, 1 << 22, (1 << 23) - 2, 1 << 23, hi - 2, hi]
    {
        let enc = encode_branch(&bl, off, BranchWidth::Wide).unwrap();
        cases.push_encoded(bl, ItState::Outside, enc, Some(BranchOffset(off)));
    }

    let n = check_against_llvm(&cases);
    println!("encoder: {n} encodings compared with llvm-mc, all identical");
    assert!(n > 10_000);
}

/// The set of values `ModImm` accepts is exactly the set LLVM accepts as a modified immediate
/// (checked with `teq`, which has no complementary alias LLVM could switch to).
#[test]
fn modified_immediate_predicate_matches_llvm_mc() {
    let mut values: Vec<u32> = modimm_values();
    for base in modimm_values() {
        values.extend([base.wrapping_add(1), base.wrapping_sub(1), base ^ 0x8000_0000, base << 1 | 1]);
    }
    let mut x = 0x1234_5678u32;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        values.push(x);
        values.push(x & 0xFF00);
        values.push((x & 0xFF) << (x >> 27));
    }
    values.sort();
    values.dedup();
    let src: String = std::iter::once(".syntax unified\n.thumb\n".to_string())
        .chain(values.iter().map(|v| format!("teq r0, #{v}\n")))
        .collect();
    let out = llvm_mc(&src, &["-show-encoding"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Error lines look like `path:LINE:COL: error: ...`; value k sits on line k + 3.
    let rejected: std::collections::HashSet<usize> = stderr
        .lines()
        .filter(|l| l.contains(": error:"))
        .filter_map(|l| l.split(':').nth(1)?.parse().ok())
        .collect();
    let mut agree = 0;
    for (k, v) in values.iter().enumerate() {
        let llvm_ok = !rejected.contains(&(k + 3));
        assert_eq!(ModImm::new(*v).is_some(), llvm_ok, "value {v:#x}");
        agree += 1;
    }
    println!("modified immediates: {agree} values classified identically to llvm-mc");
}

/// Whole programs with labels: our relaxation must produce the same bytes as LLVM's.
#[test]
fn branch_relaxation_matches_llvm_mc_programs() {
    let mut programs = 0;
    let mut compared_bytes = 0;
    // Fillers of 2-byte NOPs and 4-byte NOP.Ws put the target just inside / outside each range.
    for cond in [None, Some(Cond::Eq), Some(Cond::Lt)] {
        let (lo, hi) = encode::branch_range(cond, BranchWidth::Narrow);
        for forward in [true, false] {
            let edge = if forward { hi } else { -lo };
            for delta in [-4i32, -2, 0, 2, 4] {
                let dist = edge + delta;
                let mut a = Assembler::new();
                let target = a.new_label();
                let nops = |a: &mut Assembler, bytes: i32| {
                    for _ in 0..bytes / 2 {
                        a.emit(Inst::Nop);
                    }
                };
                if forward {
                    // offset = (2 + filler) + ... target at 4 + filler relative to PC+4 → filler = dist.
                    a.emit(Inst::B { cond, target });
                    nops(&mut a, dist);
                    a.bind(target);
                    a.emit(Inst::Nop);
                } else {
                    // Backward: target, filler, branch; offset = -(filler + 4).
                    a.bind(target);
                    nops(&mut a, (dist - 4).max(0));
                    a.emit(Inst::B { cond, target });
                }
                compared_bytes += compare_program(&a);
                programs += 1;
            }
        }
    }
    // A chain where widening one branch pushes the next one out of range.
    let mut a = Assembler::new();
    let labels: Vec<Label> = (0..6).map(|_| a.new_label()).collect();
    for (i, l) in labels.iter().enumerate() {
        a.emit(Inst::B { cond: Some(Cond::ALL[i % 14]), target: *l });
    }
    for _ in 0..(254 - 12) / 2 - 1 {
        a.emit(Inst::Nop);
    }
    for l in &labels {
        a.bind(*l);
        a.emit(Inst::Mov { rd: Reg::R0, rm: Reg::R1 });
    }
    compared_bytes += compare_program(&a);
    programs += 1;
    // BL forward and backward, and a wide unconditional branch.
    let mut a = Assembler::new();
    let (f, g) = (a.new_label(), a.new_label());
    a.bind(f);
    a.emit(Inst::Bl { target: g });
    a.emit(Inst::B { cond: None, target: g });
    for _ in 0..1100 {
        a.emit(Inst::Udf { imm: 300 });
    }
    a.bind(g);
    a.emit(Inst::Bl { target: f });
    a.emit(Inst::B { cond: Some(Cond::Ne), target: f });
    a.emit(Inst::B { cond: None, target: f });
    compared_bytes += compare_program(&a);
    programs += 1;
    println!("branch relaxation: {programs} programs, {compared_bytes} bytes identical to llvm-mc");
}

/// Assembles `a` here and (printed with labels) with llvm-mc, and compares `.text`.
fn compare_program(a: &Assembler) -> usize {
    let ours = a.finish().expect("assembles");
    let mut src = String::from(".syntax unified\n.thumb\n");
    let mut label_at: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, l) in ours.labels.iter().enumerate() {
        if let Some(off) = l {
            label_at.entry(*off).or_default().push(i);
        }
    }
    for p in &ours.insts {
        for l in label_at.remove(&p.offset).unwrap_or_default() {
            src.push_str(&format!("L{l}:\n"));
        }
        // Branches go to llvm-mc by label so it relaxes them itself.
        let text = match p.inst {
            Inst::B { .. } | Inst::Bl { .. } => {
                AsmText { inst: &p.inst, cond: p.it.cond(), wide: false, branch: None }.to_string()
            }
            _ => p.asm_text(),
        };
        src.push_str(&text);
        src.push('\n');
    }
    for ls in label_at.values() {
        for l in ls {
            src.push_str(&format!("L{l}:\n"));
        }
    }
    let dir = std::env::temp_dir().join(format!("w2t-relax-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let obj_path = dir.join(format!("p{}.o", rand_suffix()));
    let out = llvm_mc(&src, &["-filetype=obj", "-o", obj_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let data = std::fs::read(&obj_path).unwrap();
    let _ = std::fs::remove_file(&obj_path);
    let file = object::File::parse(&*data).unwrap();
    let text = file.section_by_name(".text").unwrap().data().unwrap().to_vec();
    assert_eq!(ours.bytes.len(), text.len(), "program size differs:\n{src}");
    assert!(ours.bytes == text, "program bytes differ:\n{src}");
    text.len()
}

/// The M7's FPU (FPv5, double precision, D0–D15) and the M4F's (FPv4, single precision).
const M7_FPU: &str = "-mattr=+fp-armv8d16";
const M4_FPU: &str = "-mattr=+vfp4d16sp";

/// Every VFP form: each operation in each precision with every register in each position
/// (the others fixed), the core transfers with every core register and float register, every
/// VLDR/VSTR offset from -1020 to 1020 with a few bases, every VMOV immediate in both precisions,
/// every conversion, and a few forms inside an IT block.
fn vfp_forms() -> Vec<(Inst, ItState)> {
    use wasm2thumb::thumb::vfp::*;
    let s = |n: u8| SReg::new(n).unwrap();
    let d = |n: u8| DReg::new(n).unwrap();
    let mut out = Vec::new();
    let mut push = |v: Vfp| out.push((Inst::Vfp(v), ItState::Outside));
    for op in BinOp::ALL {
        for r in SReg::all() {
            push(Vfp::Bin { op, regs: Three::S(r, s(1), s(2)) });
            push(Vfp::Bin { op, regs: Three::S(s(3), r, s(30)) });
            push(Vfp::Bin { op, regs: Three::S(s(31), s(16), r) });
        }
        for r in DReg::all() {
            push(Vfp::Bin { op, regs: Three::D(r, d(1), d(2)) });
            push(Vfp::Bin { op, regs: Three::D(d(3), r, d(15)) });
            push(Vfp::Bin { op, regs: Three::D(d(8), d(7), r) });
        }
    }
    for op in UnOp::ALL {
        for r in SReg::all() {
            push(Vfp::Un { op, regs: Two::S(r, s(17)) });
            push(Vfp::Un { op, regs: Two::S(s(6), r) });
        }
        for r in DReg::all() {
            push(Vfp::Un { op, regs: Two::D(r, d(9)) });
            push(Vfp::Un { op, regs: Two::D(d(6), r) });
        }
    }
    for e in [false, true] {
        for r in SReg::all() {
            push(Vfp::Cmp { e, regs: Two::S(r, s(5)) });
            push(Vfp::Cmp { e, regs: Two::S(s(21), r) });
            push(Vfp::CmpZero { e, reg: FReg::S(r) });
        }
        for r in DReg::all() {
            push(Vfp::Cmp { e, regs: Two::D(r, d(5)) });
            push(Vfp::Cmp { e, regs: Two::D(d(10), r) });
            push(Vfp::CmpZero { e, reg: FReg::D(r) });
        }
    }
    push(Vfp::FlagsToCore);
    for rt in Reg::GENERAL {
        for sn in [s(0), s(1), s(14), s(15), s(16), s(31)] {
            push(Vfp::ToCore { rt, sn });
            push(Vfp::FromCore { sn, rt });
        }
        for dm in [d(0), d(7), d(15)] {
            let rt2 = if rt == Reg::R12 { Reg::R0 } else { Reg::R12 };
            push(Vfp::ToCorePair { rt, rt2, dm });
            push(Vfp::FromCorePair { dm, rt, rt2 });
            push(Vfp::FromCorePair { dm, rt: rt2, rt2: rt });
        }
    }
    for sn in SReg::all() {
        push(Vfp::ToCore { rt: Reg::R3, sn });
        push(Vfp::FromCore { sn, rt: Reg::R9 });
    }
    for offset in (-1020..=1020).step_by(4) {
        let offset = VOffset::new(offset).unwrap();
        for (fd, rn) in [
            (FReg::S(s(0)), Reg::R0),
            (FReg::S(s(31)), Reg::Sp),
            (FReg::D(d(15)), Reg::R12),
            (FReg::D(d(0)), Reg::R7),
        ] {
            push(Vfp::Load { fd, rn, offset });
            push(Vfp::Store { fd, rn, offset });
        }
    }
    for rn in Reg::GENERAL.into_iter().chain([Reg::Sp]) {
        for fd in [FReg::S(s(13)), FReg::D(d(11))] {
            push(Vfp::Load { fd, rn, offset: VOffset::new(8).unwrap() });
            push(Vfp::Store { fd, rn, offset: VOffset::new(-8).unwrap() });
        }
    }
    for imm in VImm::all() {
        push(Vfp::MovImm { fd: FReg::S(s(imm.f32().to_bits() as u8 % 32)), imm });
        push(Vfp::MovImm { fd: FReg::D(d((imm.f64().to_bits() >> 48) as u8 % 16)), imm });
    }
    for signed in [false, true] {
        for r in SReg::all() {
            for toward_zero in [false, true] {
                push(Vfp::ToInt { signed, toward_zero, sd: r, m: FReg::S(s(31 - r.num())) });
                push(Vfp::ToInt { signed, toward_zero, sd: r, m: FReg::D(d(r.num() % 16)) });
            }
            push(Vfp::FromInt { signed, fd: FReg::S(s(31 - r.num())), sm: r });
            push(Vfp::FromInt { signed, fd: FReg::D(d(r.num() % 16)), sm: r });
        }
    }
    for r in SReg::all() {
        push(Vfp::Promote { dd: d(r.num() % 16), sm: r });
        push(Vfp::Demote { sd: r, dm: d(15 - r.num() % 16) });
    }
    for round in Round::ALL {
        for r in SReg::all() {
            push(Vfp::Rint { round, regs: Two::S(r, s(31 - r.num())) });
        }
        for r in DReg::all() {
            push(Vfp::Rint { round, regs: Two::D(r, d(15 - r.num())) });
        }
    }
    for max in [false, true] {
        for r in SReg::all() {
            push(Vfp::MinMaxNum { max, regs: Three::S(r, s(1), s(30)) });
            push(Vfp::MinMaxNum { max, regs: Three::S(s(2), r, s(17)) });
            push(Vfp::MinMaxNum { max, regs: Three::S(s(29), s(3), r) });
        }
        for r in DReg::all() {
            push(Vfp::MinMaxNum { max, regs: Three::D(r, d(1), d(14)) });
            push(Vfp::MinMaxNum { max, regs: Three::D(d(2), r, d(9)) });
            push(Vfp::MinMaxNum { max, regs: Three::D(d(13), d(3), r) });
        }
    }
    // Every run of callee-saved registers a function may push, and runs elsewhere.
    for (first, count) in (1..=16).map(|k| (16, k)).chain([(0, 16), (1, 1), (7, 9), (31, 1), (15, 2)]) {
        let run = SRun::new(s(first), count).unwrap();
        push(Vfp::Push(run));
        push(Vfp::Pop(run));
    }
    out
}

#[test]
fn vfp_forms_match_llvm_mc_on_each_fpu() {
    use wasm2thumb::thumb::vfp::*;
    let forms = vfp_forms();
    let mut m7 = Cases::default();
    let mut m4 = Cases::default();
    let mut doubles = Vec::new();
    for &(inst, it) in &forms {
        m7.push(inst, it);
        match inst {
            Inst::Vfp(v) if v.needs_fpv5() => doubles.push(inst),
            _ => m4.push(inst, it),
        }
    }
    // Conditional forms inside an IT block.
    for cond in [Cond::Eq, Cond::Mi, Cond::Gt] {
        let v = Vfp::Bin {
            op: BinOp::Add,
            regs: Three::S(SReg::new(4).unwrap(), SReg::new(5).unwrap(), SReg::new(6).unwrap()),
        };
        m7.push_in_it(cond, Inst::Vfp(v));
        m4.push_in_it(cond, Inst::Vfp(v));
        m7.push_in_it(cond, Inst::Vfp(Vfp::FlagsToCore));
    }
    let on_m7 = check_against_llvm_with(&m7, &[M7_FPU]);
    let on_m4 = check_against_llvm_with(&m4, &[M4_FPU]);
    // The instruction-set gate: every form said to need double precision or FPv5 is one the
    // M4F's FPU rejects.
    let mut src = String::from(".syntax unified\n.thumb\n");
    for inst in &doubles {
        src.push_str(&AsmText { inst, cond: None, wide: true, branch: None }.to_string());
        src.push('\n');
    }
    let out = llvm_mc(&src, &["-show-encoding", M4_FPU]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rejected = stderr.matches("error:").count();
    assert_eq!(
        rejected,
        doubles.len(),
        "llvm-mc for the M4F must reject each of the {} double-precision or FPv5 forms",
        doubles.len()
    );
    println!("VFP encodings identical to llvm-mc: {on_m7} with the M7's FPU, {on_m4} with the M4F's; {} double-precision or FPv5 forms all rejected for the M4F", doubles.len());
}

/// Every float operator, in f32 and f64: the code the compiler emits for them.
const FLOAT_OPERATORS: &str = r#"(module
  (func (export "f32") (param f32 f32 i32) (result i32)
    (local.get 0) (local.get 1) f32.add (local.get 1) f32.sub (local.get 0) f32.mul (local.get 1) f32.div
    (local.get 0) f32.min (local.get 1) f32.max f32.sqrt f32.ceil f32.floor f32.trunc f32.nearest
    (local.get 2) f32.convert_i32_s f32.add (local.get 2) f32.convert_i32_u f32.add
    i32.trunc_f32_s (local.get 0) i32.trunc_f32_u i32.add (local.get 0) i32.trunc_sat_f32_s i32.add
    (local.get 0) i32.trunc_sat_f32_u i32.add
    (local.get 0) (local.get 1) f32.eq i32.add (local.get 0) (local.get 1) f32.ne i32.add
    (local.get 0) (local.get 1) f32.lt i32.add (local.get 0) (local.get 1) f32.gt i32.add
    (local.get 0) (local.get 1) f32.le i32.add (local.get 0) (local.get 1) f32.ge i32.add)
  (func (export "f64") (param f64 f64 i32 f32) (result i32)
    (local.get 0) (local.get 1) f64.add (local.get 1) f64.sub (local.get 0) f64.mul (local.get 1) f64.div
    (local.get 0) f64.min (local.get 1) f64.max f64.sqrt f64.ceil f64.floor f64.trunc f64.nearest
    (local.get 2) f64.convert_i32_s f64.add (local.get 2) f64.convert_i32_u f64.add
    (local.get 3) f64.promote_f32 f64.add f32.demote_f64 i32.reinterpret_f32
    (local.get 0) i32.trunc_f64_s i32.add (local.get 0) i32.trunc_f64_u i32.add
    (local.get 0) i32.trunc_sat_f64_s i32.add (local.get 0) i32.trunc_sat_f64_u i32.add
    (local.get 0) (local.get 1) f64.eq i32.add (local.get 0) (local.get 1) f64.lt i32.add
    (local.get 0) (local.get 1) f64.ge i32.add)
  (func (export "i64_f32") (param i64 f32) (result i64)
    (local.get 0) f32.convert_i64_s (local.get 0) f32.convert_i64_u f32.add (local.get 1) f32.add
    i64.trunc_f32_s (local.get 1) i64.trunc_f32_u i64.add (local.get 1) i64.trunc_sat_f32_s i64.add
    (local.get 1) i64.trunc_sat_f32_u i64.add)
  (func (export "i64_f64") (param i64 f64) (result i64)
    (local.get 0) f64.convert_i64_s (local.get 0) f64.convert_i64_u f64.add (local.get 1) f64.add
    i64.trunc_f64_s (local.get 1) i64.trunc_f64_u i64.add (local.get 1) i64.trunc_sat_f64_s i64.add
    (local.get 1) i64.trunc_sat_f64_u i64.add))"#;

/// The instruction-set gate on real compiler output: every instruction of compiled float code,
/// assembled by llvm-mc with the CPU's own FPU, encodes identically, and llvm-mc for the M4F
/// accepts every one compiled for the M4 (whose f64 work calls the software routines). The M3's
/// code has no VFP instruction at all (and assembles without an FPU).
#[test]
fn compiled_float_code_uses_only_the_cpus_fpu() {
    use wasm2thumb::{compile, CompileOptions, Cpu};
    let wasm = wat::parse_str(FLOAT_OPERATORS).unwrap();
    for (cpu, fpu) in [(Cpu::CortexM4, Some(M4_FPU)), (Cpu::CortexM7, Some(M7_FPU)), (Cpu::CortexM3, None)] {
        let compiled = compile(&wasm, &CompileOptions { cpu, ..CompileOptions::default() }).unwrap();
        assert_eq!(compiled.functions.len(), 4, "{cpu:?}: {:?}", compiled.declined);
        let mut cases = Cases::default();
        let mut vfp = 0;
        // The functions and the software float routines they call.
        let code =
            compiled.functions.iter().map(|f| &f.insts).chain(compiled.runtime.iter().map(|r| &r.insts));
        for insts in code {
            for p in insts {
                if p.branch.is_some() {
                    continue; // offsets: checked by the branch programs above
                }
                vfp += matches!(p.inst, Inst::Vfp(_)) as usize;
                let mut bytes = Vec::new();
                p.encoding.write_to(&mut bytes);
                cases.0.push(Case { text: p.asm_text(), bytes });
            }
        }
        let attrs: Vec<&str> = fpu.into_iter().collect();
        let checked = check_against_llvm_with(&cases, &attrs);
        println!("{cpu:?}: {checked} compiled instructions ({vfp} VFP) identical to llvm-mc {attrs:?}");
        if fpu.is_some() {
            assert!(vfp > 50, "{cpu:?}: the float code must be there ({vfp})");
        } else {
            assert_eq!(vfp, 0, "{cpu:?} has no FPU");
        }
    }
}
