//! Static facts about Thumb instructions, decoded from their bytes: their length, IT blocks,
//! and how they change SP (what the hooks need to count instructions and find a call's lowest
//! SP without a per-instruction hook). Checked against llvm-mc's encodings below.

/// How an instruction changes SP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SpEffect {
    None,
    /// By a constant the encoding gives.
    Static(i32),
    /// By something only a run knows (a register, a load, a condition).
    Dynamic,
}

/// The effect on SP of the Thumb instruction `code`, decoded for the instructions a compiler
/// moves SP with: PUSH/POP, ADD/SUB SP by an immediate, LDM/STM with SP writeback, LDR/STR
/// (single or dual) with SP writeback. Any other instruction `may_write_sp` flags, and any
/// SP writer in an IT block (it may not execute), is dynamic.
pub(super) fn sp_effect(code: &[u8], in_it_block: bool) -> SpEffect {
    if !may_write_sp(code) {
        return SpEffect::None;
    }
    if in_it_block {
        return SpEffect::Dynamic;
    }
    let known = match *code {
        [a, b] => {
            let h = u16::from_le_bytes([a, b]);
            let list = (h & 0xFF).count_ones() as i32 + ((h >> 8) & 1) as i32;
            match h & 0xFF80 {
                0xB000 => Some(4 * (h & 0x7F) as i32),
                0xB080 => Some(-4 * (h & 0x7F) as i32),
                _ => match h & 0xFE00 {
                    0xB400 => Some(-4 * list),
                    0xBC00 => Some(4 * list),
                    _ => None,
                },
            }
        }
        [a, b, c, d] => {
            let h1 = u16::from_le_bytes([a, b]);
            let h2 = u16::from_le_bytes([c, d]);
            let (rn, rd) = (h1 & 0xF, (h2 >> 8) & 0xF);
            let words = (h2.count_ones()) as i32;
            let imm12 = (((h1 >> 10) & 1) << 11 | ((h2 >> 12) & 0x7) << 8 | (h2 & 0xFF)) as i32;
            let single_wb = h1 & 0xFE00 == 0xF800 && h1 & 0x0080 == 0 && h2 & 0x0900 == 0x0900;
            let dual_wb = h1 & 0xFE40 == 0xE840 && h1 & 0x0120 != 0 && h1 & 0x0020 != 0;
            let loads_sp = (h1 & 0x0010 != 0) && (h2 >> 12 == 13 || (dual_wb && rd == 13));
            match h1 {
                // STMDB / STMIA / LDMIA / LDMDB SP! (a list with SP or PC is dynamic).
                0xE92D if h2 & 0xA000 == 0 => Some(-4 * words),
                0xE8AD if h2 & 0xA000 == 0 => Some(4 * words),
                0xE8BD if h2 & 0x2000 == 0 => Some(4 * (words)),
                0xE93D if h2 & 0xA000 == 0 => Some(-4 * words),
                // ADDW / SUBW SP, SP, #imm12.
                0xF20D | 0xF60D if rd == 13 => Some(imm12),
                0xF2AD | 0xF6AD if rd == 13 => Some(-imm12),
                // ADD.W / SUB.W SP, SP, #const (flags not set).
                0xF10D | 0xF50D if rd == 13 => thumb_expand_imm(h1, h2).map(|v| v as i32),
                0xF1AD | 0xF5AD if rd == 13 => thumb_expand_imm(h1, h2).map(|v| -(v as i32)),
                _ if single_wb && rn == 13 && !loads_sp => {
                    let imm8 = (h2 & 0xFF) as i32;
                    Some(if h2 & 0x0200 != 0 { imm8 } else { -imm8 })
                }
                _ if dual_wb && rn == 13 && !loads_sp => {
                    let imm = 4 * (h2 & 0xFF) as i32;
                    Some(if h1 & 0x0080 != 0 { imm } else { -imm })
                }
                _ => None,
            }
        }
        _ => None,
    };
    known.map_or(SpEffect::Dynamic, SpEffect::Static)
}

/// ThumbExpandImm of a 32-bit data-processing (modified immediate) encoding; `None` for the
/// forms whose value does not fit an i32 offset sensibly (never used to move SP).
fn thumb_expand_imm(h1: u16, h2: u16) -> Option<u32> {
    let imm12 = ((h1 >> 10) & 1) << 11 | ((h2 >> 12) & 0x7) << 8 | (h2 & 0xFF);
    let imm8 = (imm12 & 0xFF) as u32;
    let value = match imm12 >> 8 {
        0 => imm8,
        1 => imm8 << 16 | imm8,
        2 => imm8 << 24 | imm8 << 8,
        3 => imm8 << 24 | imm8 << 16 | imm8 << 8 | imm8,
        _ => (0x80 | (imm12 & 0x7F) as u32).rotate_right((imm12 >> 7) as u32),
    };
    (value < 0x1000_0000).then_some(value)
}

/// Instructions of an IT block still to come after `code`, given `remaining` before it.
pub(super) fn it_block_after(code: &[u8], remaining: u32) -> u32 {
    match *code {
        [mask, 0xBF] if mask & 0xF != 0 => 4 - (mask & 0xF).trailing_zeros(),
        _ => remaining.saturating_sub(1),
    }
}

/// Bytes of the Thumb instruction starting with `code`: 4 if its first halfword is a 32-bit
/// prefix (top five bits 0b11101, 0b11110 or 0b11111), 2 otherwise.
pub(super) fn instruction_length(code: &[u8]) -> usize {
    match code {
        [_, b, ..] if b >> 3 >= 0b11101 => 4,
        _ => 2,
    }
}

/// Whether the Thumb instruction `code` (2 or 4 bytes) may write SP. Conservative: a 32-bit
/// load or store (single or dual) qualifies if it loads SP or writes back to SP as the base
/// (a spill slot access `[sp, #imm]` does not); a data-processing or multiply instruction if
/// its destination is R13 (`add r0, sp, #8` and `cmp sp, r1` do not); any other 32-bit
/// instruction if any of its register fields names R13, or it is an LDM whose list has SP, or an MSR; a 16-bit one if it is PUSH/POP, ADD/SUB SP #imm, or a high-register
/// ADD/MOV into R13 (other 16-bit encodings cannot name SP as a destination). An instruction
/// flagged wrongly only costs an extra SP read; one missed would make the frame look smaller
/// than it is, and the harness would report a correct frame as a stray write — the corpus runs
/// guard against that, and `may_write_sp` is tested against llvm-mc's encodings.
pub(super) fn may_write_sp(code: &[u8]) -> bool {
    match *code {
        [a, b] => {
            let h = u16::from_le_bytes([a, b]);
            let high_rd = (h >> 4) & 0x8 | h & 0x7;
            h & 0xF600 == 0xB400 // push / pop
                || h & 0xFF00 == 0xB000 // add / sub sp, #imm7
                || (matches!(h & 0xFF00, 0x4400 | 0x4600) && high_rd == 13) // add / mov sp, rm
        }
        [a, b, c, d] => {
            let h1 = u16::from_le_bytes([a, b]);
            let h2 = u16::from_le_bytes([c, d]);
            let (rn, rt, rt2) = (h1 & 0xF, h2 >> 12, (h2 >> 8) & 0xF);
            let load = h1 & 0x0010 != 0;
            // LDR/STR (any size) and LDRD/STRD: SP is written only as the loaded register or
            // by writeback to Rn. Everything else: any register field naming R13.
            let single = h1 & 0xFE00 == 0xF800 && (load || h1 & 0x0100 == 0);
            let dual = h1 & 0xFE40 == 0xE840 && h1 & 0x0120 != 0;
            if single {
                let writeback = h1 & 0x0080 == 0 && h2 & 0x0900 == 0x0900;
                return (load && rt == 13) || (writeback && rn == 13);
            }
            if dual {
                let writeback = h1 & 0x0020 != 0;
                return (load && (rt == 13 || rt2 == 13)) || (writeback && rn == 13);
            }
            // Data processing (modified or plain immediate, shifted register, register),
            // multiply: the only destination is Rd (h2[11:8]); long multiply: RdLo and RdHi.
            let data_processing = (h1 & 0xF800 == 0xF000 && h2 & 0x8000 == 0)
                || h1 & 0xFE00 == 0xEA00
                || h1 & 0xFF00 == 0xFA00
                || h1 & 0xFF80 == 0xFB00;
            if data_processing {
                return rt2 == 13;
            }
            if h1 & 0xFF80 == 0xFB80 {
                return rt2 == 13 || rt == 13;
            }
            // B.W, BL, and B<c>.W (not the MSR/MRS/hint space that shares its prefix): only
            // immediates.
            let branch = h1 & 0xF800 == 0xF000
                && match h2 & 0xD000 {
                    0x9000 | 0xD000 => true,
                    0x8000 => (h1 >> 7) & 0x7 != 0x7,
                    _ => false,
                };
            if branch {
                return false;
            }
            let fields = [rn, rt2, rt, h2 & 0xF];
            let ldm = matches!(h1 & 0xFFD0, 0xE890 | 0xE910); // LDMIA / LDMDB, any Rn, any W
            fields.contains(&13) || (ldm && h2 & 0x2000 != 0) || h1 & 0xFFF0 == 0xF380
        }
        // Not in the loaded image: assume the worst.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::{may_write_sp, sp_effect, SpEffect};
    use std::process::Command;

    /// Bytes of each instruction, assembled by llvm-mc (one per line of `source`).
    fn assemble(source: &str) -> Vec<Vec<u8>> {
        let out = Command::new("llvm-mc")
            .args(["-triple=thumbv7em-none-eabi", "-show-encoding"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().expect("stdin").write_all(source.as_bytes())?;
                child.wait_with_output()
            })
            .expect("llvm-mc runs");
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .filter_map(|l| l.split_once("encoding: [").map(|(_, e)| e.trim_end_matches(']')))
            .map(|e| {
                e.split(',')
                    .map(|b| u8::from_str_radix(b.trim().trim_start_matches("0x"), 16).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_sp_writing_encoding_is_flagged() {
        let writers = "push {r4, lr}\npush.w {r4, r5, r6, r7, r8, lr}\npop {r4, pc}\npop.w {r4, r8, pc}\n\
            sub sp, #8\nadd sp, #508\nsub.w sp, sp, #1024\nsubw sp, sp, #4095\naddw sp, sp, #4000\n\
            add sp, r0\nmov sp, r0\nadd.w sp, sp, r2\nsub.w sp, sp, r3\nmov.w sp, r4\n\
            ldr.w sp, [r0]\nldr sp, [r1, #4]!\nstr r0, [sp, #-4]!\nldr r0, [sp], #4\n\
            ldr sp, [sp, #8]\nldrb r1, [sp], #1\nstrh r2, [sp, #-2]!\nldr sp, [r3, r4]\n\
            ldrd r4, r5, [sp, #8]!\nstrd r4, r5, [sp], #-8\n\
            stmdb sp!, {r4, r5}\nldmia.w sp!, {r4, r5}\nmsr msp, r0\nmsr psp, r1\n";
        let encoded = assemble(writers);
        assert_eq!(encoded.len(), writers.lines().count(), "llvm-mc assembled every line");
        for (code, line) in encoded.iter().zip(writers.lines()) {
            assert!(may_write_sp(code), "`{line}` ({code:02x?}) may write SP but is not flagged");
        }
        // And the check is not a constant: ordinary instructions are not flagged.
        let others =
            "adds r0, r1, r2\nmul r4, r5, r6\nldr r0, [r1]\nstr.w r8, [r4, #16]\nmovs r0, #1\nbx lr\n\
            ldr.w r4, [sp, #100]\nstr.w r8, [sp, #2000]\nldr r5, [sp, #-8]\nstr r6, [sp, #-12]\n\
            ldrb.w r4, [sp, #3]\nstrh.w r7, [sp, #6]\nldrsh.w r1, [sp, #2]\nldr.w r2, [sp, r3, lsl #2]\n\
            ldrd r4, r5, [sp, #8]\nstrd r6, r7, [sp, #16]\nstrd r4, r5, [r0], #8\nstr.w sp, [r0]\n\
            movw r0, #0xD000\nmovt r1, #0xDEAD\nmovw r3, #59229\nbl #-1092\nb.w #0x1D00\nbhi.w #378\n\
            beq.w #-0x2000\naddw r0, sp, #16\nadd.w r1, sp, #256\ncmp.w sp, r12\nsub.w r12, sp, r3\n\
            mov.w r4, sp\nsubs.w r2, sp, #4\nmul r3, r4, r5\numull r0, r1, r2, r3\n";
        let encoded = assemble(others);
        assert_eq!(encoded.len(), others.lines().count());
        for (code, line) in encoded.iter().zip(others.lines()) {
            assert!(!may_write_sp(code), "`{line}` ({code:02x?}) flagged");
        }
    }

    #[test]
    fn sp_effects_match_llvm_mc_encodings() {
        use SpEffect::{Dynamic, Static};
        let cases: &[(&str, SpEffect)] = &[
            ("push {r4, lr}", Static(-8)),
            ("push {r0, r1, r2, r3, r4, r5, r6, r7}", Static(-32)),
            ("push.w {r4, r5, r6, r7, r8, lr}", Static(-24)),
            ("pop {r4, pc}", Static(8)),
            ("pop.w {r4, r5, r6, r7, r8, pc}", Static(24)),
            ("sub sp, #8", Static(-8)),
            ("add sp, #508", Static(508)),
            ("sub.w sp, sp, #1024", Static(-1024)),
            ("add.w sp, sp, #0x10000", Static(0x10000)),
            ("subw sp, sp, #4095", Static(-4095)),
            ("addw sp, sp, #4000", Static(4000)),
            ("str r0, [sp, #-4]!", Static(-4)),
            ("ldr r0, [sp], #4", Static(4)),
            ("strh r2, [sp, #-2]!", Static(-2)),
            ("ldrd r4, r5, [sp, #8]!", Static(8)),
            ("strd r4, r5, [sp], #-8", Static(-8)),
            ("stmdb sp!, {r4, r5}", Static(-8)),
            ("ldmia.w sp!, {r4, r5}", Static(8)),
            ("add sp, r0", Dynamic),
            ("mov sp, r0", Dynamic),
            ("add.w sp, sp, r2", Dynamic),
            ("sub.w sp, sp, r3", Dynamic),
            ("ldr.w sp, [r0]", Dynamic),
            ("ldr sp, [sp, #8]", Dynamic),
            ("msr msp, r0", Dynamic),
            ("ldr.w r4, [sp, #100]", SpEffect::None),
            ("strd r6, r7, [sp, #16]", SpEffect::None),
            ("movw r0, #0xD000", SpEffect::None),
            ("adds r0, r1, r2", SpEffect::None),
        ];
        let source: String = cases.iter().map(|(line, _)| format!("{line}\n")).collect();
        let encoded = assemble(&source);
        assert_eq!(encoded.len(), cases.len(), "llvm-mc assembled every line");
        for (code, (line, want)) in encoded.iter().zip(cases) {
            assert_eq!(sp_effect(code, false), *want, "`{line}` ({code:02x?})");
        }
        // In an IT block a known writer may not execute: dynamic.
        assert_eq!(sp_effect(&encoded[0], true), Dynamic);
    }
}
