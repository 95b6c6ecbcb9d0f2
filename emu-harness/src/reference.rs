//! The reference: wasmtime, with fuel so a non-terminating call ends.

use crate::outcome::{Outcome, TrapKind};
use wasmtime::{Config, Engine, Instance, Module, Store, Trap, Val};

pub struct Reference {
    engine: Engine,
}

pub struct ReferenceInstance {
    store: Store<()>,
    instance: Instance,
}

impl Reference {
    pub fn new() -> Reference {
        let mut config = Config::new();
        config.consume_fuel(true);
        Reference { engine: Engine::new(&config).expect("wasmtime configuration is valid") }
    }

    pub fn instantiate(&self, wasm: &[u8]) -> Result<ReferenceInstance, String> {
        let module = Module::new(&self.engine, wasm).map_err(|e| format!("wasmtime: {e:#}"))?;
        let mut store = Store::new(&self.engine, ());
        store.set_fuel(u64::MAX).map_err(|e| e.to_string())?;
        let instance = Instance::new(&mut store, &module, &[]).map_err(|e| format!("wasmtime: {e:#}"))?;
        Ok(ReferenceInstance { store, instance })
    }
}

impl Default for Reference {
    fn default() -> Self {
        Reference::new()
    }
}

impl ReferenceInstance {
    /// The value of exported i32 global `name`.
    pub fn global(&mut self, name: &str) -> Option<u32> {
        let g = self.instance.get_global(&mut self.store, name)?;
        g.get(&mut self.store).i32().map(|v| v as u32)
    }

    /// Calls export `name` with i32 arguments and `fuel`.
    pub fn call(&mut self, name: &str, args: &[u32], has_result: bool, fuel: u64) -> Outcome {
        let Some(func) = self.instance.get_func(&mut self.store, name) else {
            return Outcome::EmulatorError { message: "reference: no such export" };
        };
        self.store.set_fuel(fuel).expect("fuel is enabled");
        let params: Vec<Val> = args.iter().map(|a| Val::I32(*a as i32)).collect();
        let mut results = vec![Val::I32(0); has_result as usize];
        match func.call(&mut self.store, &params, &mut results) {
            Ok(()) => Outcome::Returned { value: results.first().and_then(|v| v.i32()).map(|v| v as u32) },
            Err(e) => match e.downcast_ref::<Trap>() {
                Some(Trap::OutOfFuel) => Outcome::BudgetExhausted { budget: fuel },
                Some(t) => Outcome::Trapped { trap: trap_kind(*t) },
                None => Outcome::Trapped { trap: TrapKind::Other },
            },
        }
    }
}

fn trap_kind(t: Trap) -> TrapKind {
    match t {
        Trap::UnreachableCodeReached => TrapKind::Unreachable,
        Trap::IntegerDivisionByZero => TrapKind::IntegerDivideByZero,
        Trap::IntegerOverflow => TrapKind::IntegerOverflow,
        Trap::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        Trap::TableOutOfBounds => TrapKind::TableOutOfBounds,
        Trap::IndirectCallToNull => TrapKind::IndirectCallToNull,
        Trap::BadSignature => TrapKind::BadSignature,
        Trap::StackOverflow => TrapKind::StackOverflow,
        _ => TrapKind::Other,
    }
}
