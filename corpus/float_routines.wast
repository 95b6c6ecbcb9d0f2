;; Operands built for the software float routines' hard cases (they compute every float operator
;; on the M3 and f64 on the M4; the FPU on the M7), where random bit patterns rarely land:
;; subtraction of neighbours (cancellation, renormalization), products and quotients that land
;; in the denormal range or round into the smallest normal, square roots of squares, sums with
;; exponents from 0 to 63 apart (the sticky shift), and integers of 54 to 64 significant bits
;; converted to f32 and f64 (a sticky bit far below the rounding point). Each function takes
;; integers or floats and builds its operands, so generated vectors (boundary and random) reach
;; these cases against wasmtime.
(module
  ;; 2^k for -1022 <= k <= 1023 (k clamped), exactly.
  (func $pow2_64 (param $k i32) (result f64)
    (f64.reinterpret_i64
      (i64.shl
        (i64.extend_i32_u
          (i32.add
            (select (i32.const -1022)
              (select (i32.const 1023) (local.get $k) (i32.gt_s (local.get $k) (i32.const 1023)))
              (i32.lt_s (local.get $k) (i32.const -1022)))
            (i32.const 1023)))
        (i64.const 52))))
  (func $pow2_32 (param $k i32) (result f32)
    (f32.reinterpret_i32
      (i32.shl
        (i32.add
          (select (i32.const -126)
            (select (i32.const 127) (local.get $k) (i32.gt_s (local.get $k) (i32.const 127)))
            (i32.lt_s (local.get $k) (i32.const -126)))
          (i32.const 127))
        (i32.const 23))))
  ;; a - (a moved by d units in the last place)
  (func (export "f64.sub_neighbour") (param $a f64) (param $d i32) (result f64)
    (f64.sub (local.get $a)
      (f64.reinterpret_i64
        (i64.add (i64.reinterpret_f64 (local.get $a)) (i64.extend_i32_s (i32.shr_s (local.get $d) (i32.const 24)))))))
  (func (export "f32.sub_neighbour") (param $a f32) (param $d i32) (result f32)
    (f32.sub (local.get $a)
      (f32.reinterpret_i32 (i32.add (i32.reinterpret_f32 (local.get $a)) (i32.shr_s (local.get $d) (i32.const 24))))))
  ;; a + b * 2^-(s mod 64): exponents s apart
  (func (export "f64.add_apart") (param $a i64) (param $b i64) (param $s i32) (result f64)
    (f64.add
      (f64.convert_i64_s (local.get $a))
      (f64.mul (f64.convert_i64_s (local.get $b))
        (call $pow2_64 (i32.sub (i32.const 0) (i32.and (local.get $s) (i32.const 63)))))))
  (func (export "f32.add_apart") (param $a i32) (param $b i32) (param $s i32) (result f32)
    (f32.add
      (f32.convert_i32_s (local.get $a))
      (f32.mul (f32.convert_i32_s (local.get $b))
        (call $pow2_32 (i32.sub (i32.const 0) (i32.and (local.get $s) (i32.const 31)))))))
  ;; a * b * 2^-(1000 + k mod 80): results near and in the denormal range
  (func (export "f64.mul_tiny") (param $a f64) (param $b f64) (param $k i32) (result f64)
    (f64.mul
      (f64.mul
        (f64.mul (f64.copysign (f64.const 1.5) (local.get $a)) (f64.abs (local.get $b)))
        (call $pow2_64 (i32.const -1000)))
      (call $pow2_64 (i32.sub (i32.const 0) (i32.rem_u (local.get $k) (i32.const 80))))))
  (func (export "f64.mul_small") (param $a i64) (param $b i64) (param $k i32) (result f64)
    (f64.mul
      (f64.mul (f64.convert_i64_s (local.get $a)) (call $pow2_64 (i32.const -1022)))
      (f64.mul (f64.convert_i64_u (local.get $b))
        (call $pow2_64 (i32.sub (i32.const -40) (i32.rem_u (local.get $k) (i32.const 40)))))))
  (func (export "f32.mul_tiny") (param $a i32) (param $b i32) (param $k i32) (result f32)
    (f32.mul
      (f32.mul (f32.convert_i32_s (local.get $a)) (call $pow2_32 (i32.const -126)))
      (f32.mul (f32.convert_i32_u (local.get $b))
        (call $pow2_32 (i32.sub (i32.const -10) (i32.rem_u (local.get $k) (i32.const 40)))))))
  ;; quotients of integers, scaled into the denormal range
  (func (export "f64.div_tiny") (param $a i64) (param $b i64) (param $k i32) (result f64)
    (f64.div
      (f64.mul (f64.convert_i64_s (local.get $a)) (call $pow2_64 (i32.const -1022)))
      (f64.mul (f64.convert_i64_u (local.get $b)) (call $pow2_64 (i32.rem_u (local.get $k) (i32.const 64))))))
  (func (export "f32.div_ints") (param $a i32) (param $b i32) (result f32)
    (f32.div (f32.convert_i32_s (local.get $a)) (f32.convert_i32_u (local.get $b))))
  (func (export "f64.div_ints") (param $a i64) (param $b i64) (result f64)
    (f64.div (f64.convert_i64_s (local.get $a)) (f64.convert_i64_u (local.get $b))))
  ;; sqrt(a * a) and sqrt of integers (exact squares and their neighbours)
  (func (export "f64.sqrt_square") (param $a f64) (result f64)
    (f64.sqrt (f64.mul (local.get $a) (local.get $a))))
  (func (export "f64.sqrt_int") (param $a i64) (result f64)
    (f64.sqrt (f64.convert_i64_u (local.get $a))))
  (func (export "f32.sqrt_int") (param $a i32) (result f32)
    (f32.sqrt (f32.convert_i32_u (local.get $a))))
  ;; integers of many significant bits: x shifted left by s, with low bits set from y
  (func (export "f32.convert_wide") (param $x i64) (param $y i32) (param $s i32) (result f32)
    (f32.convert_i64_s
      (i64.or (i64.shl (local.get $x) (i64.extend_i32_u (local.get $s)))
        (i64.extend_i32_u (i32.and (local.get $y) (i32.const 7))))))
  (func (export "f32.convert_wide_u") (param $x i64) (param $y i32) (param $s i32) (result f32)
    (f32.convert_i64_u
      (i64.or (i64.shl (local.get $x) (i64.extend_i32_u (local.get $s)))
        (i64.extend_i32_u (i32.and (local.get $y) (i32.const 7))))))
  (func (export "f64.convert_wide") (param $x i64) (param $y i32) (param $s i32) (result f64)
    (f64.convert_i64_u
      (i64.or (i64.shl (local.get $x) (i64.extend_i32_u (local.get $s)))
        (i64.extend_i32_u (i32.and (local.get $y) (i32.const 7))))))
  ;; demotion of values near f32's largest and smallest, and halfway points
  (func (export "demote_near") (param $a i32) (param $d i32) (result f32)
    (f32.demote_f64
      (f64.reinterpret_i64
        (i64.add
          (i64.reinterpret_f64 (f64.promote_f32 (f32.reinterpret_i32 (local.get $a))))
          (i64.extend_i32_s (i32.shr_s (local.get $d) (i32.const 2)))))))
  ;; rounding of halves: (n + 1/2) and (n + 1/2 +- 1 ulp)
  (func (export "f64.nearest_half") (param $n i64) (param $d i32) (result f64)
    (f64.nearest
      (f64.reinterpret_i64
        (i64.add
          (i64.reinterpret_f64 (f64.add (f64.convert_i64_s (i64.shr_s (local.get $n) (i64.const 12))) (f64.const 0.5)))
          (i64.extend_i32_s (i32.shr_s (local.get $d) (i32.const 30)))))))
  (func (export "f32.nearest_half") (param $n i32) (param $d i32) (result f32)
    (f32.nearest
      (f32.reinterpret_i32
        (i32.add
          (i32.reinterpret_f32 (f32.add (f32.convert_i32_s (i32.shr_s (local.get $n) (i32.const 9))) (f32.const 0.5)))
          (i32.shr_s (local.get $d) (i32.const 30))))))
  ;; truncation of values next to the conversion bounds
  (func (export "trunc_sat_near") (param $k i32) (param $d i32) (result i64)
    (i64.trunc_sat_f64_s
      (f64.reinterpret_i64
        (i64.add
          (i64.reinterpret_f64 (call $pow2_64 (i32.and (local.get $k) (i32.const 63))))
          (i64.extend_i32_s (i32.shr_s (local.get $d) (i32.const 28)))))))
  (func (export "trunc_u_near") (param $k i32) (param $d i32) (result i32)
    (i32.trunc_sat_f32_u
      (f32.reinterpret_i32
        (i32.add
          (i32.reinterpret_f32 (call $pow2_32 (i32.and (local.get $k) (i32.const 31))))
          (i32.shr_s (local.get $d) (i32.const 28))))))
)

(assert_return (invoke "f64.sub_neighbour" (f64.const 1.0) (i32.const 0x01000000)) (f64.const -0x1p-52))
(assert_return (invoke "f32.sub_neighbour" (f32.const 1.0) (i32.const 0xff000000)) (f32.const 0x1p-24))
(assert_return (invoke "f64.add_apart" (i64.const 1) (i64.const 1) (i32.const 53)) (f64.const 1.0))
(assert_return (invoke "f64.add_apart" (i64.const 1) (i64.const 3) (i32.const 53)) (f64.const 0x1.0000000000002p+0))
(assert_return (invoke "f64.mul_tiny" (f64.const 1.0) (f64.const 1.0) (i32.const 74)) (f64.const 0x0.0000000000002p-1022))
(assert_return (invoke "f32.div_ints" (i32.const 1) (i32.const 3)) (f32.const 0x1.555556p-2))
(assert_return (invoke "f64.sqrt_int" (i64.const 2)) (f64.const 0x1.6a09e667f3bcdp+0))
(assert_return (invoke "f32.convert_wide" (i64.const 0x1000001) (i32.const 1) (i32.const 38)) (f32.const 0x1.000002p+62))
(assert_return (invoke "f64.nearest_half" (i64.const 0x3000) (i32.const 0)) (f64.const 4.0))
(assert_return (invoke "f32.nearest_half" (i32.const 0x400) (i32.const 0)) (f32.const 2.0))
(assert_return (invoke "trunc_sat_near" (i32.const 63) (i32.const 0)) (i64.const 0x7fffffffffffffff))
