//! `.wast` scripts as corpus input: each module with the `invoke` / `assert_return` /
//! `assert_trap` directives that follow it. Other directives are rejected as bad input, so a
//! script is never silently half-checked.

use wast::core::{WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastArg, WastDirective, WastExecute, WastRet};

/// What an assertion expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `invoke`: only that it does not disagree with the reference.
    Nothing,
    Return(Option<u32>),
    Trap(String),
}

#[derive(Clone, Debug)]
pub struct Assertion {
    pub line: usize,
    pub function: String,
    pub args: Vec<u32>,
    pub expect: Expect,
}

#[derive(Clone, Debug)]
pub struct ScriptModule {
    pub wasm: Vec<u8>,
    pub assertions: Vec<Assertion>,
}

pub fn parse_script(text: &str) -> Result<Vec<ScriptModule>, String> {
    let buf = ParseBuffer::new(text).map_err(|e| first_line(&e.to_string()))?;
    let script: Wast = parser::parse(&buf).map_err(|e| first_line(&e.to_string()))?;
    let mut modules: Vec<ScriptModule> = Vec::new();
    for directive in script.directives {
        let (line, _) = directive.span().linecol_in(text);
        let line = line + 1;
        match directive {
            WastDirective::Module(mut m) => {
                let wasm = m.encode().map_err(|e| format!("line {line}: {}", first_line(&e.to_string())))?;
                modules.push(ScriptModule { wasm, assertions: Vec::new() });
            }
            WastDirective::Invoke(inv) => push(&mut modules, line, inv, Expect::Nothing)?,
            WastDirective::AssertReturn { exec, results, .. } => {
                let inv = invoke_of(exec, line)?;
                let expect = match results.as_slice() {
                    [] => Expect::Return(None),
                    [WastRet::Core(WastRetCore::I32(v))] => Expect::Return(Some(*v as u32)),
                    _ => return Err(format!("line {line}: only i32 results are supported in assertions")),
                };
                push(&mut modules, line, inv, expect)?;
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let inv = invoke_of(exec, line)?;
                push(&mut modules, line, inv, Expect::Trap(message.to_string()))?;
            }
            _ => {
                return Err(format!(
                    "line {line}: unsupported directive (module, invoke, assert_return, assert_trap only)"
                ))
            }
        }
    }
    if modules.is_empty() {
        return Err("no module in script".into());
    }
    Ok(modules)
}

fn invoke_of(exec: WastExecute<'_>, line: usize) -> Result<wast::WastInvoke<'_>, String> {
    match exec {
        WastExecute::Invoke(inv) => Ok(inv),
        _ => Err(format!("line {line}: only `invoke` actions are supported")),
    }
}

fn push(
    modules: &mut [ScriptModule],
    line: usize,
    inv: wast::WastInvoke<'_>,
    expect: Expect,
) -> Result<(), String> {
    if inv.module.is_some() {
        return Err(format!("line {line}: invoking a named module is not supported"));
    }
    let args = inv
        .args
        .iter()
        .map(|a| match a {
            WastArg::Core(WastArgCore::I32(v)) => Ok(*v as u32),
            _ => Err(format!("line {line}: only i32 arguments are supported")),
        })
        .collect::<Result<Vec<u32>, String>>()?;
    let module = modules.last_mut().ok_or(format!("line {line}: directive before any module"))?;
    module.assertions.push(Assertion { line, function: inv.name.to_string(), args, expect });
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}
