//! The pool allocator's eviction choice is Belady's (farthest next use), not LRU's (oldest).

use wasm2thumb::{compile, CompileOptions};

#[test]
fn eviction_picks_the_farthest_next_use() {
    // Params p0..p3 sit in R4–R7 and t0 = p0 * p1 takes R8: the pool is full when t1 = p0 + p1
    // needs a register. Next uses after that point: t0 immediately, p2 next, then p0, p1, and
    // p3 last. Belady evicts p3 (R7, stored to its home slot at SP+12); LRU would evict p0 (R4).
    let wat = r#"(module (func (export "f") (param i32 i32 i32 i32) (result i32)
        local.get 0 local.get 1 i32.mul
        local.get 0 local.get 1 i32.add
        i32.sub
        local.get 2 i32.xor
        local.get 0 i32.add
        local.get 1 i32.add
        local.get 3 i32.sub))"#;
    let m = compile(&wat::parse_str(wat).unwrap(), &CompileOptions::default()).unwrap();
    let f = m.function("f").unwrap();
    let stores: Vec<&str> =
        f.listing.iter().map(|(_, t)| t.as_str()).filter(|t| t.starts_with("str")).collect();
    assert_eq!(stores.first(), Some(&"str r7, [sp, #12]"), "{:#?}", f.listing);
    assert_eq!(f.stats.spills, 1);
    assert_eq!(f.stats.reloads, 1);
    assert!(f
        .listing
        .iter()
        .any(|(_, t)| t == "ldr r7, [sp, #12]" || t.ends_with(", [sp, #12]") && t.starts_with("ldr")));
}

#[test]
fn no_spills_below_the_pressure_edge() {
    // Five values live at most: everything stays in R4–R8.
    let wat = r#"(module (func (export "g") (param i32 i32 i32 i32) (result i32)
        local.get 0 local.get 1 i32.mul
        local.get 2 local.get 3 i32.sub
        i32.xor))"#;
    let m = compile(&wat::parse_str(wat).unwrap(), &CompileOptions::default()).unwrap();
    let s = m.function("g").unwrap().stats;
    assert_eq!((s.spills, s.reloads), (0, 0));
    assert!(s.max_live <= 5);
}

#[test]
fn every_pool_size_declines_nothing_and_spills_more_when_smaller() {
    let wat = include_str!("../../corpus/hp10.wast").split("\n(assert").next().unwrap();
    let wasm = wat::parse_str(wat).unwrap();
    let mut last = 0;
    for pool_size in (1..=5).rev() {
        let m = compile(&wasm, &CompileOptions { pool_size, ..CompileOptions::default() }).unwrap();
        assert!(m.declined.is_empty());
        let spills: u32 = m.functions.iter().map(|f| f.stats.spills).sum();
        assert!(spills >= last, "pool {pool_size}: {spills} spills, fewer than with a larger pool ({last})");
        last = spills;
    }
    assert!(compile(&wasm, &CompileOptions { pool_size: 0, ..CompileOptions::default() }).is_err());
    assert!(compile(&wasm, &CompileOptions { pool_size: 6, ..CompileOptions::default() }).is_err());
}
