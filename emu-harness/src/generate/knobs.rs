//! How a generator draws its programs, beyond the raw input bytes: boundary tables for
//! constants, amounts and addresses, swarm testing, and richer shapes. All are general (nothing here knows
//! of any particular bug); each can be turned off to measure what it adds
//! (`emu-harness bench-detect --without ...`).

use crate::oracle::vectors::{boundary_values, boundary_values64, without_repeats};
use arbitrary::{Result, Unstructured};
use serde::Serialize;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Knobs {
    /// Constants, shift and rotate amounts and memory addresses drawn part of the time from
    /// boundary tables: the vectors' table, the encoding edges of Thumb immediates, the last
    /// bytes of linear memory and one past them.
    pub boundary: bool,
    /// Swarm testing: each module enables a random subset of the generator's constructs and
    /// operator classes (and picks its share of i64 values), so rare combinations are not
    /// drowned by common ones.
    pub swarm: bool,
    /// Richer program shapes: conditions that are comparisons (which compilers fuse into the
    /// branch or select), `if`/`else`, loop bodies that work on several values, and calls with
    /// i64 and stack arguments.
    pub shapes: bool,
    /// f32 and f64 values among the live ones: float arithmetic, comparisons and rounding in
    /// their definitions, converted to and from the integer values (bit-exact reinterpretation
    /// into the integer fold, so a float value lost or clobbered changes the result), float
    /// stores and loads, and (with `shapes`) float parameters of the called helper.
    pub floats: bool,
}

impl Knobs {
    /// The generators as they were before either knob existed.
    pub const PLAIN: Knobs = Knobs { boundary: false, swarm: false, shapes: false, floats: false };
}

impl Knobs {
    /// Names of the knobs (`--without`).
    pub const NAMES: [&'static str; 4] = ["boundary", "swarm", "shapes", "floats"];

    /// Every knob on but those named (names outside `NAMES` are ignored).
    pub fn without(names: &[String]) -> Knobs {
        let off = |name: &str| names.iter().any(|n| n == name);
        Knobs {
            boundary: !off("boundary"),
            swarm: !off("swarm"),
            shapes: !off("shapes"),
            floats: !off("floats"),
        }
    }
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs { boundary: true, swarm: true, shapes: true, floats: true }
    }
}

/// Where Thumb-2 immediate encodings change: 8-bit, 12-bit (ADDW/SUBW, load/store offsets),
/// 16-bit (MOVW) fields, the replicated and rotated modified-immediate patterns, and one past
/// each.
const ENCODING_EDGES: [u32; 24] = [
    0xFF,
    0x100,
    0x101,
    0xFFF,
    0x1000,
    0x1001,
    0xFFFF,
    0x1_0000,
    0x1_0001,
    0x00FF_00FF,
    0xFF00_FF00,
    0xFFFF_FFFF,
    0x00AB_00AB,
    0xABAB_ABAB,
    0x0000_0102,
    0x3FC0_0000,
    0x0FF0_0000,
    0x1FE,
    0x3FC,
    0xFF00_0000,
    0x8000_0001,
    0x7F80_0000,
    0x0001_FFFF,
    0xFFFF_0000,
];

/// i32 constants worth drawing: the vectors' boundary table, the encoding edges, and the
/// negations of both.
pub fn boundary_constants() -> &'static [u32] {
    static TABLE: LazyLock<Vec<u32>> = LazyLock::new(|| {
        let mut v = boundary_values();
        v.extend(ENCODING_EDGES);
        let negated: Vec<u32> = v.iter().map(|x| x.wrapping_neg()).collect();
        v.extend(negated);
        without_repeats(v)
    });
    &TABLE
}

/// i64 constants worth drawing: the vectors' i64 table and the i32 ones sign- and zero-extended.
pub fn boundary_constants64() -> &'static [u64] {
    static TABLE: LazyLock<Vec<u64>> = LazyLock::new(|| {
        let mut v = boundary_values64();
        for &k in boundary_constants() {
            v.extend([k as i32 as i64 as u64, k as u64, (k as u64) << 32]);
        }
        without_repeats(v)
    });
    &TABLE
}

/// Which parts of the generator one module uses (swarm testing).
#[derive(Clone, Debug)]
pub struct Swarm {
    /// Per construct of `ALL_CONSTRUCTS` but `I64Values`: whether functions may contain it.
    pub constructs: [bool; 7],
    /// Per operator class of the pressure generator (plain, compare, divide, select, unary).
    pub classes: [bool; 5],
    /// Share of the values that are i64, in eighths.
    pub i64_eighths: u32,
    /// Share of the values that are floats (f32 among the 32-bit ones, f64 among the 64-bit
    /// ones), in eighths (with the `floats` knob).
    pub float_eighths: u32,
}

impl Swarm {
    /// Everything on, i64 a quarter of the values (the generator without swarm testing).
    pub fn everything() -> Swarm {
        Swarm { constructs: [true; 7], classes: [true; 5], i64_eighths: 2, float_eighths: 2 }
    }

    /// A random subset for one module: each construct and class on with probability 1/2 (at
    /// least one class), i64 share 0, 1/4, 1/2 or 3/4 of the values; with `floats`, the f32
    /// share of the rest likewise (nothing more is drawn without: the generator stays as it was).
    pub fn draw(u: &mut Unstructured, floats: bool) -> Result<Swarm> {
        let mut s = Swarm::everything();
        for c in s.constructs.iter_mut() {
            *c = u.arbitrary()?;
        }
        for c in s.classes.iter_mut() {
            *c = u.arbitrary()?;
        }
        if !s.classes.contains(&true) {
            s.classes = [true; 5];
        }
        s.i64_eighths = 2 * u.int_in_range(0..=3)?;
        if floats {
            s.float_eighths = 2 * u.int_in_range(0..=3)?;
        }
        Ok(s)
    }
}
