//! wasm-smith, configured for this compiler: two configurations over the same integer subset.
//!
//! - `Differential`: whole modules (several functions, a memory with a required maximum, a
//!   funcref table, globals, data and element segments), everything exported, no imports,
//!   termination guaranteed by a fuel global (`ensure_termination`); traps allowed in half of
//!   the modules.
//! - `Pressure`: exported functions with a forced signature of many i32/i64 parameters (via
//!   wasm-smith's `exports`) and long bodies, so the operand stack and the locals hold more
//!   values than the five pool registers.
//!
//! Both use only what the compiler claims to support (integer instructions, multi-value,
//! sign extension, one memory and one funcref table); what it still declines is counted by
//! the campaign, never thrown away silently.

use super::shape::{FunctionShape, Generated};
use arbitrary::{Result, Unstructured};
use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, Module, TypeSection, ValType,
};
use wasm_smith::{Config, InstructionKind, InstructionKinds};

/// Which wasm-smith configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmithConfig {
    Differential,
    Pressure,
    /// `Differential` with floats.
    Floats,
}

/// Loop and call fuel the generated modules start with: enough for real work, small enough
/// that an execution stays well inside the emulator's instruction budget.
const FUEL: u32 = 200;

/// The integer subset shared by both configurations.
fn base_config() -> Config {
    Config {
        max_imports: 0,
        allow_floats: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        reference_types_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        memory64_enabled: false,
        threads_enabled: false,
        tail_call_enabled: false,
        wide_arithmetic_enabled: false,
        bulk_memory_enabled: false,
        saturating_float_to_int_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        compact_imports_enabled: false,
        multi_value_enabled: true,
        sign_extension_ops_enabled: true,
        allow_start_export: false,
        max_memories: 1,
        memory_max_size_required: true,
        // At most 4 pages: the whole memory is compared after every call that may write it.
        max_memory32_bytes: 4 * 65536,
        max_tables: 1,
        max_table_elements: 64,
        table_max_size_required: true,
        allowed_instructions: InstructionKinds::new(&[
            InstructionKind::NumericInt,
            InstructionKind::Parametric,
            InstructionKind::Variable,
            InstructionKind::MemoryInt,
            InstructionKind::Control,
        ]),
        ..Config::default()
    }
}

/// A module from wasm-smith in configuration `which`. Every exported function is listed in
/// `functions` (their liveness is filled in from the compiler: `FunctionShape::counted_by_generator`).
pub fn smith_module(
    u: &mut Unstructured,
    which: SmithConfig,
    functions: std::ops::RangeInclusive<u32>,
) -> Result<Generated> {
    let mut config = base_config();
    config.disallow_traps = u.arbitrary()?;
    match which {
        SmithConfig::Floats => {
            config.allow_floats = true;
            config.saturating_float_to_int_enabled = true;
            config.allowed_instructions = InstructionKinds::new(&[
                InstructionKind::Numeric,
                InstructionKind::Parametric,
                InstructionKind::Variable,
                InstructionKind::Memory,
                InstructionKind::Control,
            ]);
            config.export_everything = true;
            config.min_funcs = 1;
            config.max_funcs = 8;
            config.max_instructions = 200;
            config.max_globals = 8;
        }
        SmithConfig::Differential => {
            config.export_everything = true;
            config.min_funcs = 1;
            config.max_funcs = 8;
            config.max_instructions = 200;
            config.max_globals = 8;
        }
        SmithConfig::Pressure => {
            config.exports = Some(pressure_signatures(u, functions)?);
            config.max_funcs = 4;
            config.max_instructions = 600;
            config.max_globals = 4;
            config.min_memories = 1;
        }
    }
    let mut module = wasm_smith::Module::new(config, u)?;
    module.ensure_termination(FUEL).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    let wasm = module.to_bytes();
    let functions = exported_functions(&wasm)
        .into_iter()
        .map(|name| FunctionShape {
            name,
            counted_by_generator: false,
            max_live: 0,
            max_live_words: 0,
            i64_over_pool: false,
            constructs: Vec::new(),
        })
        .collect();
    Ok(Generated { wasm, functions })
}

/// A module whose exports wasm-smith must reproduce: functions `p0`.. (as many as `functions`
/// allows) with 6–16 parameters and 1–2 results, each i32 or i64.
fn pressure_signatures(u: &mut Unstructured, functions: std::ops::RangeInclusive<u32>) -> Result<Vec<u8>> {
    let mut types = TypeSection::new();
    let mut funcs = FunctionSection::new();
    let mut exports = ExportSection::new();
    let mut code = CodeSection::new();
    let ty = |u: &mut Unstructured| -> Result<ValType> {
        Ok(if u.ratio(1, 3)? { ValType::I64 } else { ValType::I32 })
    };
    let count = u.int_in_range(functions)?;
    for f in 0..count {
        let params = (0..u.int_in_range(6..=16)?).map(|_| ty(u)).collect::<Result<Vec<_>>>()?;
        let results = (0..u.int_in_range(1..=2)?).map(|_| ty(u)).collect::<Result<Vec<_>>>()?;
        types.ty().function(params, results);
        funcs.function(f);
        exports.export(&format!("p{f}"), ExportKind::Func, f);
        let mut body = Function::new([]);
        body.instruction(&wasm_encoder::Instruction::Unreachable)
            .instruction(&wasm_encoder::Instruction::End);
        code.function(&body);
    }
    let mut module = Module::new();
    module.section(&types).section(&funcs).section(&exports).section(&code);
    Ok(module.finish())
}

/// Names of the module's exported functions, in export order.
fn exported_functions(wasm: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::ExportSection(reader)) = payload {
            for export in reader.into_iter().flatten() {
                if export.kind == wasmparser::ExternalKind::Func {
                    names.push(export.name.to_string());
                }
            }
        }
    }
    names
}
