;; Found by the corpus (`corpus/float_calls.wast`, function `direct`, on the M4 and the M7) the
;; day floats began to pass in S0-S15 (AAPCS-VFP), and reduced by `emu-harness reduce`, unattended,
;; from 162 to 20 instructions. An f64 argument made by integer work (an `f64.const`, or
;; `f64.reinterpret_i64`) is an IR variable of type i64 until copied; the caller placed arguments
;; by the IR types, so it passed those f64 arguments in R0-R3 where the callee (placing by its
;; signature) read them from D registers and the stack: every later argument shifted. Fixed in
;; the frontend: a call's float arguments are variables of the parameter's type.
;; Reduced by `emu-harness reduce` from corpus/float_calls.wast.
;; Signature: wrong-value-pool5-m4
;; Compiled code: returned f64 0x0000000040600000 (5.3360734e-315); the reference (wasmtime, Cranelift): returned f64 0x0000000000000000 (0.0).
;; Compile configuration: --pool-size 5 --strategy pool --cpu m4 --max-memory-pages 1024
;; Size: 162 -> 20 WebAssembly instructions, 9 -> 2 functions (the failing function: 22 -> 16).
;; Re-run: emu-harness run /tmp/sf/red/float_calls-direct/reduced.wast --pool-size 5 --strategy pool --cpu m4 --max-memory-pages 1024
(module
  (type (;0;) (func (param f64 f64 f64 f32 f64 f64 f64 f64 f64 f32 i32 i64 f32 i32) (result f64)))
  (type (;1;) (func (result f64)))
  (export "direct" (func 1))
  (func (;0;) (type 0) (param f64 f64 f64 f32 f64 f64 f64 f64 f64 f32 i32 i64 f32 i32) (result f64)
    local.get 9
    i32.reinterpret_f32
    i64.extend_i32_u
    f64.reinterpret_i64
  )
  (func (;1;) (type 1) (result f64)
    f64.const 0x0p+0 (;=0;)
    f64.const 0x0p+0 (;=0;)
    f64.const 0x1p+0 (;=1;)
    f32.const 0x0p+0 (;=0;)
    f64.const 0x0p+0 (;=0;)
    f64.const 0x0p+0 (;=0;)
    f64.const -0x0p+0 (;=-0;)
    f64.const 0x0p+0 (;=0;)
    i64.const 0
    f64.reinterpret_i64
    f32.const 0x0p+0 (;=0;)
    i32.const 0
    i64.const 0
    f32.const 0x1.cp+1 (;=3.5;)
    i32.const 0
    call 0
  )
)
(assert_return (invoke "direct") (f64.const 0.0))
