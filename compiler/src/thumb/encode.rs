//! Bit-level Thumb-2 encoding. Every 16-bit form is chosen only where it is architecturally
//! legal: inside an IT block 16-bit data-processing forms do not set flags, outside they do, so
//! the S bit and the IT state decide together.

use super::inst::*;
use super::reg::{Cond, Reg};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Narrow(u16),
    Wide(u16, u16),
}

impl Encoding {
    pub fn len(self) -> u32 {
        match self {
            Encoding::Narrow(_) => 2,
            Encoding::Wide(..) => 4,
        }
    }

    pub fn is_empty(self) -> bool {
        false
    }

    pub fn is_wide(self) -> bool {
        matches!(self, Encoding::Wide(..))
    }

    pub fn write_to(self, out: &mut Vec<u8>) {
        match self {
            Encoding::Narrow(h) => out.extend_from_slice(&h.to_le_bytes()),
            Encoding::Wide(h1, h2) => {
                out.extend_from_slice(&h1.to_le_bytes());
                out.extend_from_slice(&h2.to_le_bytes());
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    pub inst: Inst,
    pub reason: &'static str,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot encode {:?}: {}", self.inst, self.reason)
    }
}

impl std::error::Error for EncodeError {}

/// Where an instruction sits relative to an IT block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItState {
    Outside,
    Inside(Cond),
}

impl ItState {
    pub fn cond(self) -> Option<Cond> {
        match self {
            ItState::Outside => None,
            ItState::Inside(c) => Some(c),
        }
    }
}

/// Branch widths, with the offset ranges (relative to PC + 4) each can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchWidth {
    Narrow,
    Wide,
}

pub fn branch_range(cond: Option<Cond>, width: BranchWidth) -> (i32, i32) {
    match (cond.is_some(), width) {
        (true, BranchWidth::Narrow) => (-256, 254),
        (false, BranchWidth::Narrow) => (-2048, 2046),
        (true, BranchWidth::Wide) => (-(1 << 20), (1 << 20) - 2),
        (false, BranchWidth::Wide) => (-(1 << 24), (1 << 24) - 2),
    }
}

fn wide(h1: u32, h2: u32) -> Encoding {
    Encoding::Wide(h1 as u16, h2 as u16)
}

fn narrow(h: u32) -> Encoding {
    Encoding::Narrow(h as u16)
}

/// Whether a 16-bit data-processing form with the given flag behaviour is usable here: outside
/// an IT block those forms set flags, inside they do not.
fn narrow_flags_ok(s: bool, it: ItState) -> bool {
    match it {
        ItState::Outside => s,
        ItState::Inside(_) => !s,
    }
}

fn all_low(regs: &[Reg]) -> bool {
    regs.iter().all(|r| r.is_low())
}

/// Encodes one non-branch instruction (branches need their offset: see [`encode_branch`]).
pub fn encode(inst: &Inst, it: ItState) -> Result<Encoding, EncodeError> {
    let err = |reason| EncodeError { inst: *inst, reason };
    let gen = |regs: &[Reg]| {
        if regs.iter().all(|r| r.is_general()) {
            Ok(())
        } else {
            Err(err("SP or PC is not allowed here"))
        }
    };
    let n = |r: Reg| r.num();
    Ok(match *inst {
        Inst::Vfp(v) => {
            let word = v.encode().map_err(err)?;
            wide(word >> 16, word & 0xFFFF)
        }
        Inst::Dp { op, s, rd, rn, rm } => {
            let sp_form = matches!(op, DpOp::Add | DpOp::Sub) && !s && rd == Reg::Sp && rn == Reg::Sp;
            if sp_form {
                gen(&[rm])?;
            } else {
                gen(&[rd, rn, rm])?;
            }
            let flags_ok = narrow_flags_ok(s, it);
            match op {
                DpOp::Add | DpOp::Sub if flags_ok && all_low(&[rd, rn, rm]) => {
                    let base = if op == DpOp::Add { 0x1800 } else { 0x1A00 };
                    narrow(base | n(rm) << 6 | n(rn) << 3 | n(rd))
                }
                DpOp::Add if !s && rd == rn && !sp_form && !all_low(&[rd, rm]) => {
                    // ADD (register) T2: never sets flags, any registers but SP/PC. Only with a
                    // high register: with all-low registers UAL reads `add rd, rm` as ADDS.
                    narrow(0x4400 | (n(rd) >> 3) << 7 | n(rm) << 3 | (n(rd) & 7))
                }
                DpOp::And | DpOp::Eor | DpOp::Adc | DpOp::Sbc | DpOp::Orr | DpOp::Bic
                    if flags_ok && rd == rn && all_low(&[rd, rm]) =>
                {
                    let opc = match op {
                        DpOp::And => 0b0000,
                        DpOp::Eor => 0b0001,
                        DpOp::Adc => 0b0101,
                        DpOp::Sbc => 0b0110,
                        DpOp::Orr => 0b1100,
                        _ => 0b1110,
                    };
                    narrow(0x4000 | opc << 6 | n(rm) << 3 | n(rd))
                }
                _ => wide(0xEA00 | op.bits() << 5 | (s as u32) << 4 | n(rn), n(rd) << 8 | n(rm)),
            }
        }
        Inst::DpImm { op, s, rd, rn, imm } => {
            let sp_form = matches!(op, DpOp::Add | DpOp::Sub) && rn == Reg::Sp;
            if sp_form {
                if !(rd.is_general() || rd == Reg::Sp && !s) {
                    return Err(err("bad SP form"));
                }
            } else {
                gen(&[rd, rn])?;
            }
            let v = imm.value();
            let narrow_ok = !sp_form && narrow_flags_ok(s, it) && all_low(&[rd, rn]);
            match op {
                // ADDS/SUBS Rd, Rn, #imm3 (T1), else Rdn, #imm8 (T2); LLVM's preference order.
                DpOp::Add | DpOp::Sub if narrow_ok && v <= 7 => {
                    let base = if op == DpOp::Add { 0x1C00 } else { 0x1E00 };
                    narrow(base | v << 6 | n(rn) << 3 | n(rd))
                }
                DpOp::Add | DpOp::Sub if narrow_ok && rd == rn && v <= 255 => {
                    let base = if op == DpOp::Add { 0x3000 } else { 0x3800 };
                    narrow(base | n(rd) << 8 | v)
                }
                _ => {
                    let f = imm.field();
                    wide(
                        0xF000 | (f >> 11) << 10 | op.bits() << 5 | (s as u32) << 4 | n(rn),
                        (f >> 8 & 7) << 12 | n(rd) << 8 | (f & 0xFF),
                    )
                }
            }
        }
        Inst::AddW { rd, rn, imm } | Inst::SubW { rd, rn, imm } => {
            let ok =
                rn == Reg::Sp && (rd == Reg::Sp || rd.is_general()) || rn.is_general() && rd.is_general();
            if !ok {
                return Err(err("bad registers for ADDW/SUBW"));
            }
            let base = if matches!(inst, Inst::AddW { .. }) { 0xF200 } else { 0xF2A0 };
            let v = imm.value();
            wide(base | (v >> 11) << 10 | n(rn), (v >> 8 & 7) << 12 | n(rd) << 8 | (v & 0xFF))
        }
        Inst::AdjustSp { sub, imm } => {
            if imm % 4 != 0 || imm > 508 {
                return Err(err("SP adjustment must be a multiple of 4 up to 508"));
            }
            narrow(0xB000 | (sub as u32) << 7 | (imm as u32 / 4))
        }
        Inst::Mov { rd, rm } => {
            if rd == Reg::Pc || rm == Reg::Pc {
                return Err(err("PC is not allowed here"));
            }
            narrow(0x4600 | (n(rd) >> 3) << 7 | n(rm) << 3 | (n(rd) & 7))
        }
        Inst::MovImm { s, rd, imm } => {
            gen(&[rd])?;
            if narrow_flags_ok(s, it) && rd.is_low() && imm.value() <= 255 {
                narrow(0x2000 | n(rd) << 8 | imm.value())
            } else {
                let f = imm.field();
                wide(0xF04F | (f >> 11) << 10 | (s as u32) << 4, (f >> 8 & 7) << 12 | n(rd) << 8 | (f & 0xFF))
            }
        }
        Inst::MvnImm { s, rd, imm } => {
            gen(&[rd])?;
            let f = imm.field();
            wide(0xF06F | (f >> 11) << 10 | (s as u32) << 4, (f >> 8 & 7) << 12 | n(rd) << 8 | (f & 0xFF))
        }
        Inst::Movw { rd, imm } | Inst::Movt { rd, imm } => {
            gen(&[rd])?;
            let base = if matches!(inst, Inst::Movw { .. }) { 0xF240 } else { 0xF2C0 };
            let v = imm as u32;
            wide(base | (v >> 11 & 1) << 10 | v >> 12, (v >> 8 & 7) << 12 | n(rd) << 8 | (v & 0xFF))
        }
        Inst::ShiftImm { op, s, rd, rm, amount } => {
            gen(&[rd, rm])?;
            let a = amount.value();
            if op != ShiftOp::Ror && narrow_flags_ok(s, it) && all_low(&[rd, rm]) {
                narrow(op.bits() << 11 | a << 6 | n(rm) << 3 | n(rd))
            } else {
                wide(
                    0xEA4F | (s as u32) << 4,
                    (a >> 2) << 12 | n(rd) << 8 | (a & 3) << 6 | op.bits() << 4 | n(rm),
                )
            }
        }
        Inst::ShiftReg { op, s, rd, rn, rm } => {
            gen(&[rd, rn, rm])?;
            if narrow_flags_ok(s, it) && rd == rn && all_low(&[rd, rm]) {
                let opc = match op {
                    ShiftOp::Lsl => 0b0010,
                    ShiftOp::Lsr => 0b0011,
                    ShiftOp::Asr => 0b0100,
                    ShiftOp::Ror => 0b0111,
                };
                narrow(0x4000 | opc << 6 | n(rm) << 3 | n(rd))
            } else {
                wide(0xFA00 | op.bits() << 5 | (s as u32) << 4 | n(rn), 0xF000 | n(rd) << 8 | n(rm))
            }
        }
        Inst::Mul { rd, rn, rm } => {
            gen(&[rd, rn, rm])?;
            wide(0xFB00 | n(rn), 0xF000 | n(rd) << 8 | n(rm))
        }
        Inst::Mla { rd, rn, rm, ra } | Inst::Mls { rd, rn, rm, ra } => {
            gen(&[rd, rn, rm, ra])?;
            let op = if matches!(inst, Inst::Mls { .. }) { 0x10 } else { 0 };
            wide(0xFB00 | n(rn), n(ra) << 12 | n(rd) << 8 | op | n(rm))
        }
        Inst::Umull { rdlo, rdhi, rn, rm } => {
            gen(&[rdlo, rdhi, rn, rm])?;
            if rdlo == rdhi {
                return Err(err("UMULL with RdLo == RdHi"));
            }
            wide(0xFBA0 | n(rn), n(rdlo) << 12 | n(rdhi) << 8 | n(rm))
        }
        Inst::Sdiv { rd, rn, rm } | Inst::Udiv { rd, rn, rm } => {
            gen(&[rd, rn, rm])?;
            let base = if matches!(inst, Inst::Sdiv { .. }) { 0xFB90 } else { 0xFBB0 };
            wide(base | n(rn), 0xF0F0 | n(rd) << 8 | n(rm))
        }
        Inst::Clz { rd, rm } | Inst::Rbit { rd, rm } => {
            gen(&[rd, rm])?;
            let (h1, op) = if matches!(inst, Inst::Clz { .. }) { (0xFAB0, 0x80) } else { (0xFA90, 0xA0) };
            wide(h1 | n(rm), 0xF000 | n(rd) << 8 | op | n(rm))
        }
        Inst::Cmp { rn, rm } => {
            // SP may be compared (the stack-limit check), as Rn only.
            if rn != Reg::Sp {
                gen(&[rn])?;
            }
            gen(&[rm])?;
            if all_low(&[rn, rm]) {
                narrow(0x4280 | n(rm) << 3 | n(rn))
            } else {
                narrow(0x4500 | (n(rn) >> 3) << 7 | n(rm) << 3 | (n(rn) & 7))
            }
        }
        Inst::CmpImm { rn, imm } | Inst::CmnImm { rn, imm } => {
            gen(&[rn])?;
            let is_cmp = matches!(inst, Inst::CmpImm { .. });
            if is_cmp && rn.is_low() && imm.value() <= 255 {
                narrow(0x2800 | n(rn) << 8 | imm.value())
            } else {
                let op = if is_cmp { DpOp::Sub } else { DpOp::Add };
                let f = imm.field();
                wide(
                    0xF010 | (f >> 11) << 10 | op.bits() << 5 | n(rn),
                    (f >> 8 & 7) << 12 | 0xF00 | (f & 0xFF),
                )
            }
        }
        Inst::Load { kind, rt, rn, offset } => encode_mem_imm(MemOp::Load(kind), rt, rn, offset.value())
            .ok_or_else(|| err("bad load registers"))?,
        Inst::Store { kind, rt, rn, offset } => encode_mem_imm(MemOp::Store(kind), rt, rn, offset.value())
            .ok_or_else(|| err("bad store registers"))?,
        Inst::LoadReg { kind, rt, rn, rm } => {
            encode_mem_reg(MemOp::Load(kind), rt, rn, rm).ok_or_else(|| err("bad load registers"))?
        }
        Inst::StoreReg { kind, rt, rn, rm } => {
            encode_mem_reg(MemOp::Store(kind), rt, rn, rm).ok_or_else(|| err("bad store registers"))?
        }
        Inst::Push(list) => {
            let extra = Reg::Lr;
            if list.is_empty() || list.contains(Reg::Sp) || list.contains(Reg::Pc) {
                return Err(err("bad PUSH list"));
            }
            if list.iter().all(|r| r.is_low() || r == extra) {
                narrow(0xB400 | (list.contains(extra) as u32) << 8 | (list.bits() & 0xFF))
            } else if list.len() >= 2 {
                wide(0xE92D, list.bits())
            } else {
                return Err(err("a single high register needs STR, not PUSH"));
            }
        }
        Inst::Pop(list) => {
            let extra = Reg::Pc;
            if list.is_empty() || list.contains(Reg::Sp) || list.contains(Reg::Pc) && list.contains(Reg::Lr) {
                return Err(err("bad POP list"));
            }
            if list.iter().all(|r| r.is_low() || r == extra) {
                narrow(0xBC00 | (list.contains(extra) as u32) << 8 | (list.bits() & 0xFF))
            } else if list.len() >= 2 {
                wide(0xE8BD, list.bits())
            } else {
                return Err(err("a single high register needs LDR, not POP"));
            }
        }
        Inst::Bx { rm } => {
            if rm == Reg::Pc {
                return Err(err("BX PC"));
            }
            narrow(0x4700 | n(rm) << 3)
        }
        Inst::Blx { rm } => {
            if rm == Reg::Pc || rm == Reg::Sp {
                return Err(err("BLX PC/SP"));
            }
            narrow(0x4780 | n(rm) << 3)
        }
        Inst::It { first, pattern } => {
            if it != ItState::Outside {
                return Err(err("IT inside an IT block"));
            }
            narrow(0xBF00 | first.bits() << 4 | pattern.mask(first))
        }
        Inst::Udf { imm } => {
            if imm <= 255 {
                narrow(0xDE00 | imm as u32)
            } else {
                wide(0xF7F0 | (imm as u32) >> 12, 0xA000 | (imm as u32 & 0xFFF))
            }
        }
        Inst::Nop => narrow(0xBF00),
        Inst::B { .. } | Inst::Bl { .. } => return Err(err("branches are encoded by encode_branch")),
    })
}

#[derive(Clone, Copy)]
enum MemOp {
    Load(LoadKind),
    Store(StoreKind),
}

impl MemOp {
    /// Access size in bytes, for the scaled 16-bit immediate forms.
    fn size(self) -> i32 {
        match self {
            MemOp::Load(LoadKind::Word) | MemOp::Store(StoreKind::Word) => 4,
            MemOp::Load(LoadKind::Half | LoadKind::SignedHalf) | MemOp::Store(StoreKind::Half) => 2,
            _ => 1,
        }
    }

    /// First halfword of the 32-bit forms, without Rn; bit 7 selects the 12-bit positive-offset form.
    fn wide_base(self) -> u32 {
        match self {
            MemOp::Store(StoreKind::Byte) => 0xF800,
            MemOp::Store(StoreKind::Half) => 0xF820,
            MemOp::Store(StoreKind::Word) => 0xF840,
            MemOp::Load(LoadKind::Byte) => 0xF810,
            MemOp::Load(LoadKind::Half) => 0xF830,
            MemOp::Load(LoadKind::Word) => 0xF850,
            MemOp::Load(LoadKind::SignedByte) => 0xF910,
            MemOp::Load(LoadKind::SignedHalf) => 0xF930,
        }
    }

    /// The `opc` field of the 16-bit register-offset form.
    fn narrow_reg_opc(self) -> u32 {
        match self {
            MemOp::Store(StoreKind::Word) => 0,
            MemOp::Store(StoreKind::Half) => 1,
            MemOp::Store(StoreKind::Byte) => 2,
            MemOp::Load(LoadKind::SignedByte) => 3,
            MemOp::Load(LoadKind::Word) => 4,
            MemOp::Load(LoadKind::Half) => 5,
            MemOp::Load(LoadKind::Byte) => 6,
            MemOp::Load(LoadKind::SignedHalf) => 7,
        }
    }

    /// First halfword of the 16-bit scaled-immediate form, if the kind has one.
    fn narrow_imm_base(self) -> Option<u32> {
        match self {
            MemOp::Store(StoreKind::Word) => Some(0x6000),
            MemOp::Load(LoadKind::Word) => Some(0x6800),
            MemOp::Store(StoreKind::Byte) => Some(0x7000),
            MemOp::Load(LoadKind::Byte) => Some(0x7800),
            MemOp::Store(StoreKind::Half) => Some(0x8000),
            MemOp::Load(LoadKind::Half) => Some(0x8800),
            _ => None,
        }
    }
}

fn encode_mem_imm(op: MemOp, rt: Reg, rn: Reg, offset: i32) -> Option<Encoding> {
    if !rt.is_general() || rn == Reg::Pc {
        return None;
    }
    let size = op.size();
    let scaled_ok = offset >= 0 && offset % size == 0;
    if let Some(base) = op.narrow_imm_base() {
        if scaled_ok && offset / size < 32 && all_low(&[rt, rn]) {
            return Some(narrow(base | ((offset / size) as u32) << 6 | rn.num() << 3 | rt.num()));
        }
    }
    if size == 4 && rn == Reg::Sp && rt.is_low() && scaled_ok && offset / 4 < 256 {
        let base = if matches!(op, MemOp::Load(_)) { 0x9800 } else { 0x9000 };
        return Some(narrow(base | rt.num() << 8 | (offset / 4) as u32));
    }
    let base = op.wide_base() | rn.num();
    Some(if offset >= 0 {
        wide(base | 0x80, rt.num() << 12 | offset as u32)
    } else {
        wide(base, rt.num() << 12 | 0xC00 | (-offset) as u32)
    })
}

fn encode_mem_reg(op: MemOp, rt: Reg, rn: Reg, rm: Reg) -> Option<Encoding> {
    if !rt.is_general() || !rm.is_general() || rn == Reg::Pc {
        return None;
    }
    Some(if all_low(&[rt, rn, rm]) {
        narrow(0x5000 | op.narrow_reg_opc() << 9 | rm.num() << 6 | rn.num() << 3 | rt.num())
    } else {
        wide(op.wide_base() | rn.num(), rt.num() << 12 | rm.num())
    })
}

/// Encodes `b{cond}` / `bl` with a byte offset relative to the branch's PC + 4.
pub fn encode_branch(inst: &Inst, offset: i32, width: BranchWidth) -> Result<Encoding, EncodeError> {
    let err = |reason| EncodeError { inst: *inst, reason };
    let (cond, link) = match *inst {
        Inst::B { cond, .. } => (cond, false),
        Inst::Bl { .. } => (None, true),
        _ => return Err(err("not a branch")),
    };
    if link && width == BranchWidth::Narrow {
        return Err(err("BL has no narrow form"));
    }
    let (lo, hi) = branch_range(cond, width);
    if offset % 2 != 0 || offset < lo || offset > hi {
        return Err(err("branch offset out of range"));
    }
    let o = offset as u32;
    Ok(match (cond, width) {
        (Some(c), BranchWidth::Narrow) => narrow(0xD000 | c.bits() << 8 | (o >> 1 & 0xFF)),
        (None, BranchWidth::Narrow) => narrow(0xE000 | (o >> 1 & 0x7FF)),
        (Some(c), BranchWidth::Wide) => {
            let (s, j2, j1) = (o >> 20 & 1, o >> 19 & 1, o >> 18 & 1);
            wide(
                0xF000 | s << 10 | c.bits() << 6 | (o >> 12 & 0x3F),
                0x8000 | j1 << 13 | j2 << 11 | (o >> 1 & 0x7FF),
            )
        }
        (None, BranchWidth::Wide) => {
            let (s, i1, i2) = (o >> 24 & 1, o >> 23 & 1, o >> 22 & 1);
            let (j1, j2) = ((i1 ^ s) ^ 1, (i2 ^ s) ^ 1);
            let kind = if link { 0xD000 } else { 0x9000 };
            wide(0xF000 | s << 10 | (o >> 12 & 0x3FF), kind | j1 << 13 | j2 << 11 | (o >> 1 & 0x7FF))
        }
    })
}
