;; Reduced by `emu-harness reduce` from a module written to test the float pool (a call result reinterpreted into a local of the other type), found on the M4 and M7 with or without the float pool.
;; Signature: wrong-value-pool5-m4
;; Compiled code: returned f32 0xddbb3c6d (-1.686472303807824e18); the reference (wasmtime, Cranelift): returned f32 0x00000000 (0.0).
;; Compile configuration: --pool-size 5 --float-pool 16 --strategy pool --cpu m4 --max-memory-pages 1024
;; Size: 23 -> 6 WebAssembly instructions, 5 -> 2 functions (the failing function: 7 -> 5).
;; Re-run: emu-harness run repro/hard_float_call_result_reinterpreted_into_local.wast --pool-size 5 --float-pool 16 --strategy pool --cpu m4 --max-memory-pages 1024
(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (result f32)))
  (export "a" (func 1))
  (func (;0;) (type 0) (param i32) (result i32)
    i32.const 0
  )
  (func (;1;) (type 1) (result f32)
    (local f32)
    i32.const 0
    call 0
    f32.reinterpret_i32
    local.set 0
    local.get 0
  )
)
(assert_return (invoke "a") (f32.const 0.0))
