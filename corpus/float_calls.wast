;; Float arguments and results across calls, for each calling convention: AAPCS-VFP on the M4
;; and the M7 (f32 in the lowest free S register, back-filling the hole an f64 left; f64 in D0-D7;
;; once a float goes to the stack every later one does, though S registers are free; integers in
;; R0-R3 meanwhile; results in S0 / D0) and the base AAPCS on the M3 (floats like integers).
;; The exported functions are called by the harness, which places arguments by its own reading
;; of the convention; the callers call them directly, through the table, and the software float
;; routines' calls (the base convention on every CPU) sit among them.
(module
  (type $mixed (func (param f64 f64 f64 f32 f64 f64 f64 f64 f64 f32 i32 i64 f32 i32) (result f64)))
  (table funcref (elem $mixed_sum $backfill))
  ;; Every argument, folded into one value by its exact bits (so a swapped or lost one shows).
  (func $mixed_sum (export "mixed_sum") (type $mixed)
    (f64.reinterpret_i64
      (i64.add
        (i64.add
          (i64.add
            (i64.xor (i64.reinterpret_f64 (local.get 0)) (i64.rotl (i64.reinterpret_f64 (local.get 1)) (i64.const 7)))
            (i64.xor (i64.rotl (i64.reinterpret_f64 (local.get 2)) (i64.const 13))
              (i64.extend_i32_u (i32.reinterpret_f32 (local.get 3)))))
          (i64.add
            (i64.xor (i64.rotl (i64.reinterpret_f64 (local.get 4)) (i64.const 19)) (i64.rotl (i64.reinterpret_f64 (local.get 5)) (i64.const 23)))
            (i64.xor (i64.rotl (i64.reinterpret_f64 (local.get 6)) (i64.const 29)) (i64.rotl (i64.reinterpret_f64 (local.get 7)) (i64.const 31)))))
        (i64.add
          (i64.xor (i64.rotl (i64.reinterpret_f64 (local.get 8)) (i64.const 37))
            (i64.shl (i64.extend_i32_u (i32.reinterpret_f32 (local.get 9))) (i64.const 11)))
          (i64.add
            (i64.xor (i64.extend_i32_u (local.get 10)) (i64.rotl (local.get 11) (i64.const 41)))
            (i64.xor (i64.shl (i64.extend_i32_u (i32.reinterpret_f32 (local.get 12))) (i64.const 21))
              (i64.shl (i64.extend_i32_u (local.get 13)) (i64.const 32))))))))
  ;; f32, f64, f32: the second f32 back-fills S1.
  (func $backfill (export "backfill") (param f32 f64 f32 i32) (result f32)
    (f32.reinterpret_i32
      (i32.add
        (i32.add (i32.reinterpret_f32 (local.get 0)) (i32.rotl (i32.reinterpret_f32 (local.get 2)) (i32.const 9)))
        (i32.xor (i32.wrap_i64 (i64.rotl (i64.reinterpret_f64 (local.get 1)) (i64.const 17))) (local.get 3)))))
  ;; Float arithmetic on arguments and a result that came through registers and the stack.
  (func (export "arith") (param f32 f64 f32 f64) (result f64)
    (f64.add
      (f64.mul (local.get 1) (f64.promote_f32 (local.get 0)))
      (f64.div (local.get 3) (f64.promote_f32 (f32.sub (local.get 2) (local.get 0))))))
  (func (export "result_f32") (param i32) (result f32) (f32.convert_i32_s (local.get 0)))
  (func (export "result_f64") (param i64) (result f64) (f64.convert_i64_s (local.get 0)))
  (func (export "const_args") (param i32) (result f32)
    (call $backfill (f32.const 1.5) (f64.const -0.25) (f32.const -0x1p-149) (local.get 0)))
  ;; Direct and indirect calls with arguments derived from the caller's own.
  (func (export "direct") (param $a f64) (param $b f32) (param $i i32) (param $j i64) (result f64)
    (call $mixed_sum
      (local.get $a) (f64.neg (local.get $a)) (f64.const 1.0) (local.get $b)
      (f64.add (local.get $a) (f64.const 2.0)) (local.get $a) (f64.const -0.0) (local.get $a)
      (f64.reinterpret_i64 (local.get $j)) (f32.neg (local.get $b)) (local.get $i) (local.get $j)
      (f32.const 3.5) (i32.add (local.get $i) (i32.const 1))))
  (func (export "indirect") (param $a f64) (param $b f32) (param $i i32) (param $j i64) (result f64)
    (call_indirect (type $mixed)
      (local.get $a) (f64.const 0.5) (f64.neg (local.get $a)) (local.get $b)
      (local.get $a) (local.get $a) (local.get $a) (local.get $a)
      (f64.promote_f32 (local.get $b)) (local.get $b) (local.get $i) (local.get $j)
      (f32.demote_f64 (local.get $a)) (local.get $i)
      (i32.const 0)))
  ;; Values live across calls that clobber S0-S15 and R0-R3.
  (func (export "live_across") (param $a f32) (param $b f64) (param $i i32) (result f64)
    (local $x f32) (local $y f64)
    (local.set $x (f32.mul (local.get $a) (f32.const 3.0)))
    (local.set $y (f64.sub (local.get $b) (f64.const 1.0)))
    (f64.add
      (f64.add (local.get $y) (f64.promote_f32 (local.get $x)))
      (f64.promote_f32
        (call $backfill (local.get $x) (local.get $y) (local.get $a) (local.get $i)))))
)

(assert_return (invoke "backfill" (f32.const 1.0) (f64.const 0.0) (f32.const 0.0) (i32.const 0)) (f32.const 1.0))
(assert_return (invoke "result_f32" (i32.const -3)) (f32.const -3.0))
(assert_return (invoke "result_f64" (i64.const 1)) (f64.const 1.0))
(assert_return (invoke "arith" (f32.const 1.0) (f64.const 2.0) (f32.const 3.0) (f64.const 4.0)) (f64.const 4.0))
