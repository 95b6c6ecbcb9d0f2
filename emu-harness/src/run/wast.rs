//! `.wast` scripts as input: each module with the `invoke` / `assert_return` / `assert_trap`
//! directives that follow it.
//!
//! `assert_exhaustion` is read as a trap assertion (call stack exhausted).
//!
//! Strict mode (corpus fixtures) rejects anything else as bad input, so a fixture is never
//! silently half-checked. Lenient mode (the WebAssembly spec testsuite) records every directive it
//! cannot run as [`Skipped`], with the reason, so the counts say exactly what was not checked.

use crate::oracle::outcome::{Expected, Value};
use wasm2thumb::ir::Ty;
use wast::core::NanPattern;
use wast::core::{WastArgCore, WastRetCore};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastRet};

/// What an assertion expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// `invoke`: only that it does not disagree with the reference.
    Nothing,
    Return(Vec<Expected>),
    Trap(String),
}

#[derive(Clone, Debug)]
pub struct Assertion {
    pub line: usize,
    pub function: String,
    pub args: Vec<Value>,
    pub expect: Expect,
}

#[derive(Clone, Debug)]
pub struct ScriptModule {
    pub line: usize,
    /// The binary, or why the module could not be encoded.
    pub wasm: Result<Vec<u8>, String>,
    pub assertions: Vec<Assertion>,
    /// Calls of this module's functions that could not be run (lenient mode), with where they
    /// fall among `assertions`: if such a call may change state, the assertions after it cannot
    /// be trusted to see the state the script expects.
    pub skipped_calls: Vec<SkippedCall>,
}

impl ScriptModule {
    pub fn new(line: usize, wasm: Result<Vec<u8>, String>) -> ScriptModule {
        ScriptModule { line, wasm, assertions: Vec::new(), skipped_calls: Vec::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedCall {
    /// The index in `assertions` of the first assertion after the call.
    pub before: usize,
    pub function: String,
}

/// A directive that was not run, and why (`float`, `i64`, `directive assert_invalid`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct Script {
    pub modules: Vec<ScriptModule>,
    pub skipped: Vec<Skipped>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// Anything that cannot be run is an error.
    Strict,
    /// Anything that cannot be run is recorded in `Script::skipped`.
    Lenient,
}

pub fn parse_script(text: &str, strictness: Strictness) -> Result<Script, String> {
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let located = |e: wast::Error| {
        let (line, col) = e.span().linecol_in(text);
        format!("line {}, column {}: {}", line + 1, col + 1, e.message())
    };
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(located)?;
    let wast: Wast = parser::parse(&buf).map_err(located)?;
    let mut script = Script::default();
    for directive in wast.directives {
        let (line, _) = directive.span().linecol_in(text);
        let line = line + 1;
        let invoked = invoked_function(&directive);
        if let Err(reason) = add_directive(&mut script, directive, line) {
            match strictness {
                Strictness::Strict => return Err(format!("line {line}: {reason}")),
                Strictness::Lenient => script.skipped.push(Skipped { line, reason }),
            }
            if let (Some(function), Some(module)) = (invoked, script.modules.last_mut()) {
                module.skipped_calls.push(SkippedCall { before: module.assertions.len(), function });
            }
        }
    }
    if script.modules.is_empty() && strictness == Strictness::Strict {
        return Err("no module in script".into());
    }
    Ok(script)
}

fn add_directive(script: &mut Script, directive: WastDirective<'_>, line: usize) -> Result<(), String> {
    match directive {
        WastDirective::Module(QuoteWat::Wat(mut wat)) => {
            let wasm = wat.encode().map_err(|e| first_line(&e.to_string()));
            script.modules.push(ScriptModule::new(line, wasm));
            Ok(())
        }
        WastDirective::Module(mut m) => {
            let wasm = m.encode().map_err(|e| first_line(&e.to_string()));
            script.modules.push(ScriptModule::new(line, wasm));
            Ok(())
        }
        WastDirective::Invoke(inv) => push(script, line, inv, Expect::Nothing),
        WastDirective::AssertReturn { exec, results, .. } => {
            let inv = invoke_of(exec)?;
            let expect = Expect::Return(
                results
                    .iter()
                    .map(|r| match r {
                        WastRet::Core(WastRetCore::I32(v)) => Ok(Expected::Exactly(Value::I32(*v as u32))),
                        WastRet::Core(WastRetCore::I64(v)) => Ok(Expected::Exactly(Value::I64(*v as u64))),
                        WastRet::Core(WastRetCore::F32(p)) => Ok(match p {
                            NanPattern::CanonicalNan => Expected::CanonicalNan(Ty::F32),
                            NanPattern::ArithmeticNan => Expected::ArithmeticNan(Ty::F32),
                            NanPattern::Value(v) => Expected::Exactly(Value::F32(v.bits)),
                        }),
                        WastRet::Core(WastRetCore::F64(p)) => Ok(match p {
                            NanPattern::CanonicalNan => Expected::CanonicalNan(Ty::F64),
                            NanPattern::ArithmeticNan => Expected::ArithmeticNan(Ty::F64),
                            NanPattern::Value(v) => Expected::Exactly(Value::F64(v.bits)),
                        }),
                        r => Err(ret_type(r).to_string()),
                    })
                    .collect::<Result<_, _>>()?,
            );
            push(script, line, inv, expect)
        }
        WastDirective::AssertTrap { exec, message, .. } => {
            let inv = invoke_of(exec)?;
            push(script, line, inv, Expect::Trap(message.to_string()))
        }
        // Stack exhaustion is a trap here (compiled code checks its stack limit).
        WastDirective::AssertExhaustion { call, message, .. } => {
            push(script, line, call, Expect::Trap(message.to_string()))
        }
        other => Err(format!("directive {}", directive_name(&other))),
    }
}

/// The function a directive calls, if it calls one. A call on a named module counts as a call
/// on the current one: it may be the same instance.
fn invoked_function(d: &WastDirective<'_>) -> Option<String> {
    let inv = match d {
        WastDirective::Invoke(inv) | WastDirective::AssertExhaustion { call: inv, .. } => inv,
        WastDirective::AssertReturn { exec: WastExecute::Invoke(inv), .. }
        | WastDirective::AssertTrap { exec: WastExecute::Invoke(inv), .. } => inv,
        _ => return None,
    };
    Some(inv.name.to_string())
}

fn directive_name(d: &WastDirective<'_>) -> String {
    wasm2thumb::frontend::snake_case_variant(&format!("{d:?}"))
}

fn ret_type(r: &WastRet<'_>) -> &'static str {
    match r {
        WastRet::Core(WastRetCore::I64(_)) => "i64",
        _ => "reference or vector types",
    }
}

fn invoke_of(exec: WastExecute<'_>) -> Result<wast::WastInvoke<'_>, String> {
    match exec {
        WastExecute::Invoke(inv) => Ok(inv),
        WastExecute::Get { .. } => Err("global get action".into()),
        WastExecute::Wat(_) => Err("module instantiation action".into()),
    }
}

fn push(script: &mut Script, line: usize, inv: wast::WastInvoke<'_>, expect: Expect) -> Result<(), String> {
    if inv.module.is_some() {
        return Err("invoking a named module".into());
    }
    let args = inv
        .args
        .iter()
        .map(|a| match a {
            WastArg::Core(WastArgCore::I32(v)) => Ok(Value::I32(*v as u32)),
            WastArg::Core(WastArgCore::I64(v)) => Ok(Value::I64(*v as u64)),
            WastArg::Core(WastArgCore::F32(v)) => Ok(Value::F32(v.bits)),
            WastArg::Core(WastArgCore::F64(v)) => Ok(Value::F64(v.bits)),
            _ => Err("reference or vector types".to_string()),
        })
        .collect::<Result<Vec<Value>, String>>()?;
    let module = script.modules.last_mut().ok_or("directive before any module")?;
    module.assertions.push(Assertion { line, function: inv.name.to_string(), args, expect });
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}
