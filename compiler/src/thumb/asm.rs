//! The assembler: a list of instructions and labels becomes bytes. It tracks IT blocks (which
//! decide the legal 16-bit forms) and relaxes branches: every branch starts narrow and is widened
//! while its target is out of reach, until nothing changes (widening only lengthens code, so this
//! terminates and each narrow branch is in range).

use super::encode::{branch_range, encode, encode_branch, BranchWidth, EncodeError, Encoding, ItState};
use super::flags::drop_dead_flag_writes;
use super::inst::{AsmText, BranchOffset, Inst, Label};
use super::reg::Cond;

#[derive(Clone, Debug, Default)]
pub struct Assembler {
    items: Vec<Item>,
    labels: u32,
}

#[derive(Clone, Debug)]
enum Item {
    Inst(Inst),
    Bind(Label),
}

/// One assembled instruction: where it is, its encoding, and how to print it.
#[derive(Clone, Debug)]
pub struct Placed {
    pub offset: u32,
    pub inst: Inst,
    pub it: ItState,
    pub encoding: Encoding,
    pub branch: Option<BranchOffset>,
}

impl Placed {
    pub fn asm_text(&self) -> String {
        AsmText { inst: &self.inst, cond: self.it.cond(), wide: self.encoding.is_wide(), branch: self.branch }
            .to_string()
    }
}

#[derive(Clone, Debug)]
pub struct Assembled {
    pub bytes: Vec<u8>,
    pub insts: Vec<Placed>,
    /// Byte offset of every label (index = label number); `None` if never bound.
    pub labels: Vec<Option<u32>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsmError {
    Encode(EncodeError),
    UnboundLabel(Label),
    BranchOutOfRange(Label),
    UnterminatedIt,
}

impl std::fmt::Display for AsmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AsmError::Encode(e) => write!(f, "{e}"),
            AsmError::UnboundLabel(l) => write!(f, "label L{} is never bound", l.0),
            AsmError::BranchOutOfRange(l) => write!(f, "branch to L{} is out of range", l.0),
            AsmError::UnterminatedIt => write!(f, "IT block not followed by enough instructions"),
        }
    }
}

impl std::error::Error for AsmError {}

impl Assembler {
    pub fn new() -> Assembler {
        Assembler::default()
    }

    pub fn new_label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    pub fn bind(&mut self, label: Label) {
        self.items.push(Item::Bind(label));
    }

    pub fn emit(&mut self, inst: Inst) {
        self.items.push(Item::Inst(inst));
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The IT state each instruction executes in, in order.
    pub fn it_states(&self) -> Result<Vec<ItState>, AsmError> {
        let mut it_states = Vec::new();
        let mut pending: Vec<Cond> = Vec::new();
        for item in &self.items {
            if let Item::Inst(inst) = item {
                let state = match pending.first() {
                    Some(&c) => {
                        pending.remove(0);
                        ItState::Inside(c)
                    }
                    None => ItState::Outside,
                };
                if let Inst::It { first, pattern } = *inst {
                    if state != ItState::Outside {
                        return Err(AsmError::UnterminatedIt);
                    }
                    pending = (0..pattern.len()).map(|i| pattern.cond_of(first, i)).collect();
                }
                it_states.push(state);
            }
        }
        if !pending.is_empty() {
            return Err(AsmError::UnterminatedIt);
        }
        Ok(it_states)
    }

    pub fn finish(&self) -> Result<Assembled, AsmError> {
        // IT state and (for non-branches) the encoding do not depend on layout: compute once.
        let it_states = self.it_states()?;
        let mut insts: Vec<Inst> = self
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Inst(inst) => Some(*inst),
                Item::Bind(_) => None,
            })
            .collect();
        let mut fixed: Vec<Option<Encoding>> = insts
            .iter()
            .zip(&it_states)
            .map(|(inst, it)| match inst {
                Inst::B { .. } | Inst::Bl { .. } => Ok(None),
                _ => encode(inst, *it).map(Some),
            })
            .collect::<Result<_, _>>()
            .map_err(AsmError::Encode)?;
        let wide = |k: usize| matches!(fixed[k], Some(Encoding::Wide(..)));
        for k in drop_dead_flag_writes(&mut insts, &it_states, wide) {
            fixed[k] = Some(encode(&insts[k], it_states[k]).map_err(AsmError::Encode)?);
        }
        let mut widths: Vec<BranchWidth> = insts
            .iter()
            .map(|i| match i {
                Inst::Bl { .. } => BranchWidth::Wide,
                _ => BranchWidth::Narrow,
            })
            .collect();

        loop {
            let (offsets, labels) = self.layout(&insts, &fixed, &widths);
            let mut changed = false;
            for (k, inst) in insts.iter().enumerate() {
                let (cond, target) = match *inst {
                    Inst::B { cond, target } => (cond, target),
                    Inst::Bl { target } => (None, target),
                    _ => continue,
                };
                let dest =
                    labels.get(target.0 as usize).copied().flatten().ok_or(AsmError::UnboundLabel(target))?;
                let off = dest as i64 - (offsets[k] as i64 + 4);
                let (lo, hi) = branch_range(cond, widths[k]);
                if off < lo as i64 || off > hi as i64 {
                    if widths[k] == BranchWidth::Wide {
                        return Err(AsmError::BranchOutOfRange(target));
                    }
                    widths[k] = BranchWidth::Wide;
                    changed = true;
                }
            }
            if changed {
                continue;
            }
            let mut bytes = Vec::new();
            let mut placed = Vec::with_capacity(insts.len());
            for (k, inst) in insts.iter().enumerate() {
                let (encoding, branch) = match fixed[k] {
                    Some(e) => (e, None),
                    None => {
                        let target = match *inst {
                            Inst::B { target, .. } | Inst::Bl { target } => target,
                            _ => unreachable!("only branches lack a fixed encoding"),
                        };
                        let dest = labels[target.0 as usize].expect("checked above");
                        let off = dest as i32 - (offsets[k] as i32 + 4);
                        let e = encode_branch(inst, off, widths[k]).map_err(AsmError::Encode)?;
                        (e, Some(BranchOffset(off)))
                    }
                };
                encoding.write_to(&mut bytes);
                placed.push(Placed { offset: offsets[k], inst: *inst, it: it_states[k], encoding, branch });
            }
            return Ok(Assembled { bytes, insts: placed, labels });
        }
    }

    fn layout(
        &self,
        insts: &[Inst],
        fixed: &[Option<Encoding>],
        widths: &[BranchWidth],
    ) -> (Vec<u32>, Vec<Option<u32>>) {
        let mut offsets = Vec::with_capacity(insts.len());
        let mut labels = vec![None; self.labels as usize];
        let mut pc = 0u32;
        let mut k = 0;
        for item in &self.items {
            match item {
                Item::Bind(l) => labels[l.0 as usize] = Some(pc),
                Item::Inst(_) => {
                    offsets.push(pc);
                    pc += match fixed[k] {
                        Some(e) => e.len(),
                        None if widths[k] == BranchWidth::Wide => 4,
                        None => 2,
                    };
                    k += 1;
                }
            }
        }
        (offsets, labels)
    }
}
