;; Found by the built-in campaign's wasm-smith differential generator (campaign seed 1, module
;; 106; `emu-harness fuzz --generator all --iterations 450 --seed 1` on a debug build), reduced
;; by hand. A `br_if` on a constant that is always taken (here to the function's end, lowered
;; as a conditional return) makes the code after it dead, but the compiler lowered it anyway:
;; a value live across the branch was neither in a register nor stored there, and the
;; allocator tripped its debug assertion ("non-resident value must be in memory"); in release
;; it read a frame slot nothing wrote, in code that never runs. The compiler now skips code no
;; edge reaches. Each function below is the same shape in another place: i64 and i32 values,
;; a conditional return, a block end after a return, a constant `br_table`.
(module
  (func (export "i64_after_constant_return") (param i32) (result i64)
    local.get 0
    i64.extend_i32_u
    i32.const 128
    br_if 0
    i64.clz)
  (func (export "i32_after_constant_return") (param i32) (result i32)
    local.get 0
    i32.const 5
    i32.add
    i32.const 1
    br_if 0
    i32.clz)
  (func (export "dropped_on_return") (param i32)
    local.get 0
    i64.extend_i32_u
    i32.const 128
    br_if 0
    i64.clz
    drop)
  (func (export "block_end_after_return") (param i32) (result i64)
    local.get 0
    i64.extend_i32_s
    block
      local.get 0
      i64.extend_i32_u
      return
    end
    i64.popcnt)
  (func (export "constant_br_table") (param i32) (result i32)
    (local i64)
    local.get 0
    i64.extend_i32_u
    local.set 1
    block
      block
        i32.const 1
        br_table 0 1 0
      end
      local.get 1
      i32.wrap_i64
      return
    end
    local.get 1
    i64.const 3
    i64.mul
    i32.wrap_i64))

(assert_return (invoke "i64_after_constant_return" (i32.const 5)) (i64.const 5))
(assert_return (invoke "i64_after_constant_return" (i32.const -1)) (i64.const 0xffffffff))
(assert_return (invoke "i32_after_constant_return" (i32.const 5)) (i32.const 10))
(assert_return (invoke "dropped_on_return" (i32.const 7)))
(assert_return (invoke "block_end_after_return" (i32.const -2)) (i64.const 0xfffffffe))
(assert_return (invoke "constant_br_table" (i32.const 4)) (i32.const 12))
