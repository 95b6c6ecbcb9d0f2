;; Reduced by `emu-harness reduce` from a `bench-detect` campaign case (smith-floats generator, seed 2, module 863, function 6; the injected fault of that run plays no part).
;; Signature: compile-error-internal-pool1-m4
;; The compiler fails on this module (no call runs).
;; Compile configuration: --pool-size 1 --float-pool 1 --strategy pool --cpu m4 --max-memory-pages 1024
;; Size: 2091 -> 13 WebAssembly instructions, 7 -> 1 functions (the failing function: 327 -> 13).
;; Re-run: emu-harness run repro/float_pool_truncation_reinterpreted_as_f32.wast --pool-size 1 --float-pool 1 --strategy pool --cpu m4 --max-memory-pages 1024
(module
  (type (;0;) (func))
  (export "6" (func 0))
  (func (;0;) (type 0)
    (local f32 f32)
    i64.const 0
    i32.const 0
    i64.const 0
    i32.const 0
    local.get 0
    i32.trunc_f32_s
    f32.reinterpret_i32
    local.tee 1
    f32.const 0x0p+0 (;=0;)
    f32.ne
    drop
    i64.const 0
    br 0
  )
)
