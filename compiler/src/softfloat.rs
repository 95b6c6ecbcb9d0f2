//! Software float routines: where the CPU has no instruction for a float operator (every one on
//! the Cortex-M3, the f64 ones on the M4's single-precision FPU), the operator becomes a call of
//! a routine from `softfloat.wat`, which this compiler compiles with itself (integer code only)
//! and appends to the module, once, with only the routines its functions reach.
//!
//! `route` rewrites a function's IR; `Runtime` is the translated routine module.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::ir::{IrFunction, IrInst, Operand, Prec};
use crate::trap::TrapCode;
use crate::{CompileError, Cpu};

/// The routines' source: one exported function per float operator, named after it.
pub const SOURCE: &str = include_str!("softfloat.wat");

/// The routine module, translated to IR once per process.
pub struct Runtime {
    /// Every function of the module, indexed like it (the routines' own calls use these indices).
    pub functions: Vec<IrFunction>,
    /// Export name of every function (each one is exported).
    pub names: Vec<String>,
}

impl Runtime {
    /// The translated routines (the same for every CPU and option: lowering comes later).
    pub fn get() -> Result<&'static Runtime, CompileError> {
        static RUNTIME: OnceLock<Result<Runtime, CompileError>> = OnceLock::new();
        RUNTIME.get_or_init(translate).as_ref().map_err(Clone::clone)
    }

    /// The routine computing float operator `name` (as `IrInst::float_work` names it).
    pub fn routine(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }

    /// `roots` and every routine they reach through calls.
    pub fn closure(&self, roots: &BTreeSet<u32>) -> BTreeSet<u32> {
        let mut reached = roots.clone();
        let mut todo: Vec<u32> = roots.iter().copied().collect();
        while let Some(f) = todo.pop() {
            for callee in self.functions[f as usize].callees() {
                if reached.insert(callee) {
                    todo.push(callee);
                }
            }
        }
        reached
    }
}

fn translate() -> Result<Runtime, CompileError> {
    let internal = |what: String| CompileError::Internal { function: "<softfloat>".into(), what };
    let wasm = wat::parse_str(SOURCE).map_err(|e| internal(e.to_string()))?;
    let module = crate::frontend::translate_module(&wasm, 0)?;
    let mut functions = Vec::new();
    let mut names = Vec::new();
    for source in module.functions {
        let name =
            source.export.ok_or_else(|| internal(format!("func[{}] is not exported", source.index)))?;
        let mut ir = source.ir.map_err(|e| internal(e.to_string()))?;
        // WebAssembly can only say `unreachable`: these two bodies raise the traps of their names.
        let code = match name.as_str() {
            "trap.invalid_conversion" => Some(TrapCode::InvalidConversionToInteger),
            "trap.integer_overflow" => Some(TrapCode::IntegerOverflow),
            _ => None,
        };
        if let Some(code) = code {
            for inst in &mut ir.insts {
                if let IrInst::Trap(TrapCode::Unreachable) = inst {
                    *inst = IrInst::Trap(code);
                }
            }
        }
        ir.name = format!("softfloat {name}");
        functions.push(ir);
        names.push(name);
    }
    Ok(Runtime { functions, names })
}

/// Whether `cpu` runs float work of precision `prec` in hardware.
pub fn in_hardware(cpu: Cpu, prec: Prec) -> bool {
    matches!((cpu, prec), (Cpu::CortexM7, _) | (Cpu::CortexM4, Prec::F32))
}

/// Replaces every float instruction `cpu` cannot run with a call of its routine, routine `r` being
/// function `base + r` of the module; returns the routines called.
pub fn route(ir: &mut IrFunction, cpu: Cpu, base: u32) -> Result<BTreeSet<u32>, CompileError> {
    let mut called = BTreeSet::new();
    let mut runtime = None;
    for inst in &mut ir.insts {
        let Some((prec, name)) = inst.float_work() else { continue };
        if in_hardware(cpu, prec) {
            continue;
        }
        let rt = match runtime {
            Some(rt) => rt,
            None => *runtime.insert(Runtime::get()?),
        };
        let routine = rt.routine(&name).ok_or_else(|| CompileError::Internal {
            function: ir.name.clone(),
            what: format!("no software routine for {name}"),
        })?;
        let (dst, args) = operands(inst).expect("float_work instructions have operands");
        *inst = IrInst::Call { func: base + routine, args, dsts: vec![dst] };
        called.insert(routine);
    }
    Ok(called)
}

/// The destination and operands of a float instruction, in the routine's parameter order.
fn operands(inst: &IrInst) -> Option<(crate::ir::Var, Vec<Operand>)> {
    Some(match inst {
        IrInst::FloatBin { dst, a, b, .. } | IrInst::FloatCmp { dst, a, b, .. } => (*dst, vec![*a, *b]),
        IrInst::FloatUn { dst, a, .. }
        | IrInst::FloatToInt { dst, a, .. }
        | IrInst::FloatToInt64 { dst, a, .. }
        | IrInst::IntToFloat { dst, a, .. }
        | IrInst::FloatResize { dst, a, .. } => (*dst, vec![*a]),
        IrInst::Int64ToFloat { dst, a, .. } => (*dst, vec![Operand::Var(*a)]),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_float_operator_has_a_routine() {
        let rt = Runtime::get().expect("the routines translate");
        let mut missing = Vec::new();
        for p in ["f32", "f64"] {
            for op in [
                "add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest", "eq",
                "ne", "lt", "gt", "le", "ge",
            ] {
                missing.push(format!("{p}.{op}"));
            }
            for i in ["i32", "i64"] {
                for s in ["s", "u"] {
                    missing.push(format!("{i}.trunc_{p}_{s}"));
                    missing.push(format!("{i}.trunc_sat_{p}_{s}"));
                    missing.push(format!("{p}.convert_{i}_{s}"));
                }
            }
        }
        missing.push("f64.promote_f32".into());
        missing.push("f32.demote_f64".into());
        assert_eq!(missing.len(), 60);
        missing.retain(|name| rt.routine(name).is_none());
        assert!(missing.is_empty(), "no routine for {missing:?}");
    }
}
