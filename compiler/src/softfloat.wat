;; The compiler's software float routines: WebAssembly float operators written with integer
;; operators only, over the bit patterns (an f32 is its i32 bits, an f64 its i64 bits).
;;
;; The compiler compiles this module with itself and calls an exported routine, named after the
;; operator it computes ("f64.add", "i32.trunc_sat_f32_s", ...), wherever the CPU has no
;; instruction for that operator: every float operator on the Cortex-M3, the f64 ones on the
;; Cortex-M4 (FPv4-SP). The routines take and return bits in R0-R3 like any function (the base
;; AAPCS, softfp), so a call is the same whether the caller's value is a float or its bits.
;;
;; Semantics: round to nearest, ties to even; denormals kept; every NaN result is the canonical
;; NaN (0x7FC00000 / 0x7FF8000000000000), what the VFP computes under FPSCR.DN = 1, so a module
;; gives the same bits with or without an FPU.
;;
;; f64 is computed here in full; each f32 operator is the f64 one on promoted operands, rounded
;; once to f32 by the demotion. That is exact for min/max, comparisons, rounding, conversions and
;; multiplication (a 48-bit product is an f64), and correct for +, -, /, sqrt because double
;; rounding is innocuous when the wide precision is at least twice the narrow one plus two
;; (53 >= 2 * 24 + 2). f32.convert_i64 is the exception: an i64 can have 64 significant bits, so it
;; is first rounded to odd on 53 bits (exact in f64, and a correct input to the second rounding).
;;
;; Finite f64 values are handled as a sign, an exponent e and a significand m with the value
;; m * 2^(e - 1085): for m with its top bit at bit 62, e is the biased exponent and bits 9..0 are
;; round bits. `pack64` rounds and packs any such (e, m != 0 below 2^63).
(module
  ;; The two traps WebAssembly code cannot raise by name; the compiler gives these bodies their
  ;; trap codes (invalid conversion to integer, integer overflow).
  (func $trap_invalid_conversion (export "trap.invalid_conversion") unreachable)
  (func $trap_integer_overflow (export "trap.integer_overflow") unreachable)

  ;; ---- helpers over the bits ----

  ;; 1 if x is a NaN.
  (func $nan64 (export "rt.nan64") (param $x i64) (result i32)
    (i64.gt_u (i64.and (local.get $x) (i64.const 0x7FFFFFFFFFFFFFFF)) (i64.const 0x7FF0000000000000)))

  ;; |x| as bits.
  (func $abs64 (export "rt.abs64") (param $x i64) (result i64)
    (i64.and (local.get $x) (i64.const 0x7FFFFFFFFFFFFFFF)))

  ;; The sign bit alone.
  (func $sign64 (export "rt.sign64") (param $x i64) (result i64)
    (i64.and (local.get $x) (i64.const 0x8000000000000000)))

  ;; A signed integer in the order of the floats (-0 and +0 both 0); x is not a NaN.
  (func $key64 (export "rt.key64") (param $x i64) (result i64)
    (select
      (i64.sub (i64.const 0) (call $abs64 (local.get $x)))
      (local.get $x)
      (i64.lt_s (local.get $x) (i64.const 0))))

  ;; The significand of a finite x (with the hidden bit when x is normal): x = sig * 2^(exp - 1075).
  (func $sig64 (export "rt.sig64") (param $x i64) (result i64)
    (local $f i64)
    (local.set $f (i64.and (local.get $x) (i64.const 0x000FFFFFFFFFFFFF)))
    (select
      (local.get $f)
      (i64.or (local.get $f) (i64.const 0x0010000000000000))
      (i64.eqz (i64.and (local.get $x) (i64.const 0x7FF0000000000000)))))

  ;; The exponent that goes with `sig64`: the biased exponent, 1 for a denormal.
  (func $exp64 (export "rt.exp64") (param $x i64) (result i32)
    (local $e i32)
    (local.set $e (i32.wrap_i64 (i64.and (i64.shr_u (local.get $x) (i64.const 52)) (i64.const 0x7FF))))
    (select (i32.const 1) (local.get $e) (i32.eqz (local.get $e))))

  ;; m >> d, every bit shifted out ORed into bit 0 (sticky); any d >= 0.
  (func $shr_jam (export "rt.shr_jam") (param $m i64) (param $d i32) (result i64)
    (if (result i64) (i32.ge_u (local.get $d) (i32.const 63))
      (then (i64.extend_i32_u (i64.ne (local.get $m) (i64.const 0))))
      (else
        (i64.or
          (i64.shr_u (local.get $m) (i64.extend_i32_u (local.get $d)))
          (i64.extend_i32_u
            (i64.ne
              (i64.and
                (local.get $m)
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $d))) (i64.const 1)))
              (i64.const 0)))))))

  ;; Rounds sign * m * 2^(e - 1085) to the nearest f64 (ties to even); 0 < m < 2^63.
  (func $pack64 (export "rt.pack64") (param $sign i64) (param $e i32) (param $m i64) (result i64)
    (local $n i32) (local $q i64)
    (local.set $n (i32.sub (i32.wrap_i64 (i64.clz (local.get $m))) (i32.const 1)))
    (local.set $m (i64.shl (local.get $m) (i64.extend_i32_u (local.get $n))))
    (local.set $e (i32.sub (local.get $e) (local.get $n)))
    (if (i32.gt_s (local.get $e) (i32.const 0x7FE))
      (then (return (i64.or (local.get $sign) (i64.const 0x7FF0000000000000)))))
    ;; A denormal result: the significand as if the exponent were 1 (no hidden bit).
    (if (i32.lt_s (local.get $e) (i32.const 1))
      (then
        (local.set $m (call $shr_jam (local.get $m) (i32.sub (i32.const 1) (local.get $e))))
        (local.set $e (i32.const 1))))
    (local.set $q (i64.shr_u (i64.add (local.get $m) (i64.const 0x200)) (i64.const 10)))
    (if (i64.eq (i64.and (local.get $m) (i64.const 0x3FF)) (i64.const 0x200))
      (then (local.set $q (i64.and (local.get $q) (i64.const -2)))))
    ;; The hidden bit adds into the exponent field, and so does a carry out of the rounding.
    (i64.or
      (local.get $sign)
      (i64.add
        (i64.shl (i64.extend_i32_u (i32.sub (local.get $e) (i32.const 1))) (i64.const 52))
        (local.get $q))))

  ;; Rounds sign * m * 2^(e - 189) to the nearest f32 bits (ties to even); 0 < m < 2^63.
  (func $pack32 (export "rt.pack32") (param $sign i32) (param $e i32) (param $m i64) (result i32)
    (local $n i32) (local $q i64)
    (local.set $n (i32.sub (i32.wrap_i64 (i64.clz (local.get $m))) (i32.const 1)))
    (local.set $m (i64.shl (local.get $m) (i64.extend_i32_u (local.get $n))))
    (local.set $e (i32.sub (local.get $e) (local.get $n)))
    (if (i32.gt_s (local.get $e) (i32.const 0xFE))
      (then (return (i32.or (local.get $sign) (i32.const 0x7F800000)))))
    (if (i32.lt_s (local.get $e) (i32.const 1))
      (then
        (local.set $m (call $shr_jam (local.get $m) (i32.sub (i32.const 1) (local.get $e))))
        (local.set $e (i32.const 1))))
    (local.set $q (i64.shr_u (i64.add (local.get $m) (i64.const 0x4000000000)) (i64.const 39)))
    (if (i64.eq (i64.and (local.get $m) (i64.const 0x7FFFFFFFFF)) (i64.const 0x4000000000))
      (then (local.set $q (i64.and (local.get $q) (i64.const -2)))))
    (i32.or
      (local.get $sign)
      (i32.add
        (i32.shl (i32.sub (local.get $e) (i32.const 1)) (i32.const 23))
        (i32.wrap_i64 (local.get $q)))))

  ;; ---- f64 arithmetic ----

  (func $f64_add (export "f64.add") (param $a i64) (param $b i64) (result i64)
    (local $ea i32) (local $eb i32) (local $ma i64) (local $mb i64) (local $t i64) (local $ti i32)
    (if (i32.or (call $nan64 (local.get $a)) (call $nan64 (local.get $b)))
      (then (return (i64.const 0x7FF8000000000000))))
    (if (i64.eq (call $abs64 (local.get $a)) (i64.const 0x7FF0000000000000))
      (then
        ;; inf - inf
        (if (i32.and
              (i64.eq (call $abs64 (local.get $b)) (i64.const 0x7FF0000000000000))
              (i64.lt_s (i64.xor (local.get $a) (local.get $b)) (i64.const 0)))
          (then (return (i64.const 0x7FF8000000000000))))
        (return (local.get $a))))
    (if (i64.eq (call $abs64 (local.get $b)) (i64.const 0x7FF0000000000000))
      (then (return (local.get $b))))
    (if (i64.eqz (call $abs64 (local.get $a)))
      (then
        ;; -0 + -0 is -0; every other sum of zeros is +0.
        (if (i64.eqz (call $abs64 (local.get $b)))
          (then (return (i64.and (local.get $a) (local.get $b)))))
        (return (local.get $b))))
    (if (i64.eqz (call $abs64 (local.get $b)))
      (then (return (local.get $a))))
    ;; |a| >= |b| from here on.
    (if (i64.lt_u (call $abs64 (local.get $a)) (call $abs64 (local.get $b)))
      (then
        (local.set $t (local.get $a))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))))
    ;; Significands with 9 guard bits: x = m * 2^(e - 1084).
    (local.set $ma (i64.shl (call $sig64 (local.get $a)) (i64.const 9)))
    (local.set $mb (i64.shl (call $sig64 (local.get $b)) (i64.const 9)))
    (local.set $ea (call $exp64 (local.get $a)))
    (local.set $eb (call $exp64 (local.get $b)))
    (local.set $mb (call $shr_jam (local.get $mb) (i32.sub (local.get $ea) (local.get $eb))))
    (if (i64.ge_s (i64.xor (local.get $a) (local.get $b)) (i64.const 0))
      (then (local.set $ma (i64.add (local.get $ma) (local.get $mb))))
      (else
        (local.set $ma (i64.sub (local.get $ma) (local.get $mb)))
        ;; x - x is +0.
        (if (i64.eqz (local.get $ma)) (then (return (i64.const 0))))))
    (call $pack64 (call $sign64 (local.get $a)) (i32.add (local.get $ea) (i32.const 1)) (local.get $ma)))

  (func $f64_sub (export "f64.sub") (param $a i64) (param $b i64) (result i64)
    (call $f64_add (local.get $a) (i64.xor (local.get $b) (i64.const 0x8000000000000000))))

  (func $f64_mul (export "f64.mul") (param $a i64) (param $b i64) (result i64)
    (local $sign i64) (local $ea i32) (local $eb i32) (local $ma i64) (local $mb i64) (local $n i32)
    (local $ll i64) (local $mid i64) (local $lo i64) (local $hi i64)
    (local.set $sign (call $sign64 (i64.xor (local.get $a) (local.get $b))))
    (if (i32.or (call $nan64 (local.get $a)) (call $nan64 (local.get $b)))
      (then (return (i64.const 0x7FF8000000000000))))
    (if (i32.or
          (i64.eq (call $abs64 (local.get $a)) (i64.const 0x7FF0000000000000))
          (i64.eq (call $abs64 (local.get $b)) (i64.const 0x7FF0000000000000)))
      (then
        ;; inf * 0
        (if (i32.or (i64.eqz (call $abs64 (local.get $a))) (i64.eqz (call $abs64 (local.get $b))))
          (then (return (i64.const 0x7FF8000000000000))))
        (return (i64.or (local.get $sign) (i64.const 0x7FF0000000000000)))))
    (if (i32.or (i64.eqz (call $abs64 (local.get $a))) (i64.eqz (call $abs64 (local.get $b))))
      (then (return (local.get $sign))))
    ;; Normalized 53-bit significands (a denormal's leading one moved to bit 52).
    (local.set $ma (call $sig64 (local.get $a)))
    (local.set $ea (call $exp64 (local.get $a)))
    (local.set $n (i32.sub (i32.wrap_i64 (i64.clz (local.get $ma))) (i32.const 11)))
    (local.set $ma (i64.shl (local.get $ma) (i64.extend_i32_u (local.get $n))))
    (local.set $ea (i32.sub (local.get $ea) (local.get $n)))
    (local.set $mb (call $sig64 (local.get $b)))
    (local.set $eb (call $exp64 (local.get $b)))
    (local.set $n (i32.sub (i32.wrap_i64 (i64.clz (local.get $mb))) (i32.const 11)))
    (local.set $mb (i64.shl (local.get $mb) (i64.extend_i32_u (local.get $n))))
    (local.set $eb (i32.sub (local.get $eb) (local.get $n)))
    ;; The 106-bit product hi:lo from 32-bit halves (the high halves are below 2^21).
    (local.set $ll
      (i64.mul (i64.and (local.get $ma) (i64.const 0xFFFFFFFF)) (i64.and (local.get $mb) (i64.const 0xFFFFFFFF))))
    (local.set $mid
      (i64.add
        (i64.mul (i64.and (local.get $ma) (i64.const 0xFFFFFFFF)) (i64.shr_u (local.get $mb) (i64.const 32)))
        (i64.mul (i64.shr_u (local.get $ma) (i64.const 32)) (i64.and (local.get $mb) (i64.const 0xFFFFFFFF)))))
    (local.set $lo (i64.add (local.get $ll) (i64.shl (local.get $mid) (i64.const 32))))
    (local.set $hi
      (i64.add
        (i64.add
          (i64.mul (i64.shr_u (local.get $ma) (i64.const 32)) (i64.shr_u (local.get $mb) (i64.const 32)))
          (i64.shr_u (local.get $mid) (i64.const 32)))
        (i64.extend_i32_u (i64.lt_u (local.get $lo) (local.get $ll)))))
    ;; product >> 43, sticky: the value is m * 2^(ea + eb - 1022 - 1085).
    (call $pack64
      (local.get $sign)
      (i32.sub (i32.add (local.get $ea) (local.get $eb)) (i32.const 1022))
      (i64.or
        (i64.or (i64.shl (local.get $hi) (i64.const 21)) (i64.shr_u (local.get $lo) (i64.const 43)))
        (i64.extend_i32_u (i64.ne (i64.and (local.get $lo) (i64.const 0x7FFFFFFFFFF)) (i64.const 0))))))

  (func $f64_div (export "f64.div") (param $a i64) (param $b i64) (result i64)
    (local $sign i64) (local $ea i32) (local $eb i32) (local $ma i64) (local $mb i64) (local $n i32)
    (local $e i32) (local $q i64) (local $i i32)
    (local.set $sign (call $sign64 (i64.xor (local.get $a) (local.get $b))))
    (if (i32.or (call $nan64 (local.get $a)) (call $nan64 (local.get $b)))
      (then (return (i64.const 0x7FF8000000000000))))
    (if (i64.eq (call $abs64 (local.get $a)) (i64.const 0x7FF0000000000000))
      (then
        (if (i64.eq (call $abs64 (local.get $b)) (i64.const 0x7FF0000000000000))
          (then (return (i64.const 0x7FF8000000000000))))
        (return (i64.or (local.get $sign) (i64.const 0x7FF0000000000000)))))
    (if (i64.eq (call $abs64 (local.get $b)) (i64.const 0x7FF0000000000000))
      (then (return (local.get $sign))))
    (if (i64.eqz (call $abs64 (local.get $b)))
      (then
        (if (i64.eqz (call $abs64 (local.get $a)))
          (then (return (i64.const 0x7FF8000000000000))))
        (return (i64.or (local.get $sign) (i64.const 0x7FF0000000000000)))))
    (if (i64.eqz (call $abs64 (local.get $a)))
      (then (return (local.get $sign))))
    (local.set $ma (call $sig64 (local.get $a)))
    (local.set $ea (call $exp64 (local.get $a)))
    (local.set $n (i32.sub (i32.wrap_i64 (i64.clz (local.get $ma))) (i32.const 11)))
    (local.set $ma (i64.shl (local.get $ma) (i64.extend_i32_u (local.get $n))))
    (local.set $ea (i32.sub (local.get $ea) (local.get $n)))
    (local.set $mb (call $sig64 (local.get $b)))
    (local.set $eb (call $exp64 (local.get $b)))
    (local.set $n (i32.sub (i32.wrap_i64 (i64.clz (local.get $mb))) (i32.const 11)))
    (local.set $mb (i64.shl (local.get $mb) (i64.extend_i32_u (local.get $n))))
    (local.set $eb (i32.sub (local.get $eb) (local.get $n)))
    (local.set $e (i32.add (i32.sub (local.get $ea) (local.get $eb)) (i32.const 1023)))
    (if (i64.lt_u (local.get $ma) (local.get $mb))
      (then
        (local.set $ma (i64.shl (local.get $ma) (i64.const 1)))
        (local.set $e (i32.sub (local.get $e) (i32.const 1)))))
    ;; 63 quotient bits, restoring: q = floor(ma * 2^62 / mb), ma the running remainder.
    (local.set $i (i32.const 63))
    (loop $bits
      (local.set $q (i64.shl (local.get $q) (i64.const 1)))
      (if (i64.ge_u (local.get $ma) (local.get $mb))
        (then
          (local.set $ma (i64.sub (local.get $ma) (local.get $mb)))
          (local.set $q (i64.or (local.get $q) (i64.const 1)))))
      (local.set $ma (i64.shl (local.get $ma) (i64.const 1)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $bits (local.get $i)))
    (call $pack64
      (local.get $sign)
      (local.get $e)
      (i64.or (local.get $q) (i64.extend_i32_u (i64.ne (local.get $ma) (i64.const 0))))))

  (func $f64_sqrt (export "f64.sqrt") (param $a i64) (result i64)
    (local $m i64) (local $k i32) (local $n i32) (local $root i64) (local $rem i64) (local $t i64)
    (local $i i32)
    (if (call $nan64 (local.get $a))
      (then (return (i64.const 0x7FF8000000000000))))
    (if (i64.eqz (call $abs64 (local.get $a)))
      (then (return (local.get $a))))
    (if (i64.lt_s (local.get $a) (i64.const 0))
      (then (return (i64.const 0x7FF8000000000000))))
    (if (i64.eq (local.get $a) (i64.const 0x7FF0000000000000))
      (then (return (local.get $a))))
    (local.set $m (call $sig64 (local.get $a)))
    (local.set $n (i32.sub (i32.wrap_i64 (i64.clz (local.get $m))) (i32.const 11)))
    (local.set $m (i64.shl (local.get $m) (i64.extend_i32_u (local.get $n))))
    ;; a = m * 2^k with k even (m below 2^54).
    (local.set $k (i32.sub (i32.sub (call $exp64 (local.get $a)) (i32.const 1075)) (local.get $n)))
    (if (i32.and (local.get $k) (i32.const 1))
      (then
        (local.set $m (i64.shl (local.get $m) (i64.const 1)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))))
    ;; Digit by digit: 27 pairs of m's bits then 29 pairs of zeros, root = floor(sqrt(m) * 2^29).
    (local.set $i (i32.const 56))
    (loop $pairs
      (local.set $rem
        (i64.or
          (i64.shl (local.get $rem) (i64.const 2))
          (i64.and (i64.shr_u (local.get $m) (i64.const 52)) (i64.const 3))))
      (local.set $m (i64.and (i64.shl (local.get $m) (i64.const 2)) (i64.const 0x3FFFFFFFFFFFFF)))
      (local.set $t (i64.or (i64.shl (local.get $root) (i64.const 2)) (i64.const 1)))
      (if (i64.ge_u (local.get $rem) (local.get $t))
        (then
          (local.set $rem (i64.sub (local.get $rem) (local.get $t)))
          (local.set $root (i64.or (i64.shl (local.get $root) (i64.const 1)) (i64.const 1))))
        (else (local.set $root (i64.shl (local.get $root) (i64.const 1)))))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $pairs (local.get $i)))
    ;; sqrt(a) = (2 root + sticky) * 2^(k/2 - 30).
    (call $pack64
      (i64.const 0)
      (i32.add (i32.shr_s (local.get $k) (i32.const 1)) (i32.const 1055))
      (i64.or
        (i64.shl (local.get $root) (i64.const 1))
        (i64.extend_i32_u (i64.ne (local.get $rem) (i64.const 0))))))

  (func $f64_min (export "f64.min") (param $a i64) (param $b i64) (result i64)
    (if (i32.or (call $nan64 (local.get $a)) (call $nan64 (local.get $b)))
      (then (return (i64.const 0x7FF8000000000000))))
    (if (i64.lt_s (call $key64 (local.get $a)) (call $key64 (local.get $b)))
      (then (return (local.get $a))))
    (if (i64.lt_s (call $key64 (local.get $b)) (call $key64 (local.get $a)))
      (then (return (local.get $b))))
    ;; Equal: the same bits, or zeros of either sign (-0 is the smaller).
    (i64.or (local.get $a) (local.get $b)))

  (func $f64_max (export "f64.max") (param $a i64) (param $b i64) (result i64)
    (if (i32.or (call $nan64 (local.get $a)) (call $nan64 (local.get $b)))
      (then (return (i64.const 0x7FF8000000000000))))
    (if (i64.gt_s (call $key64 (local.get $a)) (call $key64 (local.get $b)))
      (then (return (local.get $a))))
    (if (i64.gt_s (call $key64 (local.get $b)) (call $key64 (local.get $a)))
      (then (return (local.get $b))))
    (i64.and (local.get $a) (local.get $b)))

  ;; Whether rounding mode `mode` (below) moves an inexact x away from zero: ceil when x is
  ;; positive, floor when negative, trunc never, nearest when `nearest_away`.
  (func $away (export "rt.away") (param $mode i32) (param $neg i32) (param $nearest_away i32) (result i32)
    (select
      (i32.eqz (local.get $neg))
      (select
        (local.get $neg)
        (select (i32.const 0) (local.get $nearest_away) (i32.eq (local.get $mode) (i32.const 2)))
        (i32.eq (local.get $mode) (i32.const 1)))
      (i32.eqz (local.get $mode))))

  ;; Rounds to an integral value: mode 0 ceil, 1 floor, 2 trunc, 3 nearest (ties to even).
  (func $round64 (export "rt.round64") (param $x i64) (param $mode i32) (result i64)
    (local $e i32) (local $fb i64) (local $mask i64) (local $r i64) (local $t i64) (local $neg i32)
    (local $up i32) (local $half i64)
    (if (call $nan64 (local.get $x))
      (then (return (i64.const 0x7FF8000000000000))))
    (local.set $e (i32.wrap_i64 (i64.and (i64.shr_u (local.get $x) (i64.const 52)) (i64.const 0x7FF))))
    ;; |x| >= 2^52 (or inf): already integral.
    (if (i32.ge_u (local.get $e) (i32.const 1075))
      (then (return (local.get $x))))
    (local.set $neg (i64.lt_s (local.get $x) (i64.const 0)))
    (if (i32.lt_u (local.get $e) (i32.const 1023))
      (then
        ;; |x| < 1: the result is a zero or one, with x's sign.
        (if (i64.eqz (call $abs64 (local.get $x)))
          (then (return (local.get $x))))
        (local.set $up
          (call $away
            (local.get $mode)
            (local.get $neg)
            ;; nearest: away when |x| > 0.5
            (i32.and
              (i32.eq (local.get $e) (i32.const 1022))
              (i64.ne (i64.and (local.get $x) (i64.const 0x000FFFFFFFFFFFFF)) (i64.const 0)))))
        (return
          (i64.or
            (call $sign64 (local.get $x))
            (select (i64.const 0x3FF0000000000000) (i64.const 0) (local.get $up))))))
    ;; 1 <= |x| < 2^52: the low fb bits of the fraction are below the units.
    (local.set $fb (i64.extend_i32_u (i32.sub (i32.const 1075) (local.get $e))))
    (local.set $mask (i64.sub (i64.shl (i64.const 1) (local.get $fb)) (i64.const 1)))
    (local.set $r (i64.and (local.get $x) (local.get $mask)))
    (if (i64.eqz (local.get $r))
      (then (return (local.get $x))))
    (local.set $t (i64.xor (local.get $x) (local.get $r)))
    (local.set $half (i64.shl (i64.const 1) (i64.sub (local.get $fb) (i64.const 1))))
    (local.set $up
      (call $away
        (local.get $mode)
        (local.get $neg)
        ;; nearest: away above the half, and on the half when that makes the result even
        (i32.or
          (i64.gt_u (local.get $r) (local.get $half))
          (i32.and
            (i64.eq (local.get $r) (local.get $half))
            (i32.wrap_i64 (i64.and (i64.shr_u (local.get $t) (local.get $fb)) (i64.const 1)))))))
    ;; Away from zero: one unit more magnitude (a carry into the exponent is right).
    (select
      (i64.add (local.get $t) (i64.shl (i64.const 1) (local.get $fb)))
      (local.get $t)
      (local.get $up)))

  (func (export "f64.ceil") (param $x i64) (result i64) (call $round64 (local.get $x) (i32.const 0)))
  (func (export "f64.floor") (param $x i64) (result i64) (call $round64 (local.get $x) (i32.const 1)))
  (func (export "f64.trunc") (param $x i64) (result i64) (call $round64 (local.get $x) (i32.const 2)))
  (func (export "f64.nearest") (param $x i64) (result i64) (call $round64 (local.get $x) (i32.const 3)))

  ;; ---- f64 comparisons (false on NaN, but ne) ----

  (func $f64_eq (export "f64.eq") (param $a i64) (param $b i64) (result i32)
    (i32.and
      (i32.eqz (i32.or (call $nan64 (local.get $a)) (call $nan64 (local.get $b))))
      (i64.eq (call $key64 (local.get $a)) (call $key64 (local.get $b)))))
  (func $f64_lt (export "f64.lt") (param $a i64) (param $b i64) (result i32)
    (i32.and
      (i32.eqz (i32.or (call $nan64 (local.get $a)) (call $nan64 (local.get $b))))
      (i64.lt_s (call $key64 (local.get $a)) (call $key64 (local.get $b)))))
  (func $f64_le (export "f64.le") (param $a i64) (param $b i64) (result i32)
    (i32.and
      (i32.eqz (i32.or (call $nan64 (local.get $a)) (call $nan64 (local.get $b))))
      (i64.le_s (call $key64 (local.get $a)) (call $key64 (local.get $b)))))
  (func (export "f64.ne") (param $a i64) (param $b i64) (result i32)
    (i32.eqz (call $f64_eq (local.get $a) (local.get $b))))
  (func (export "f64.gt") (param $a i64) (param $b i64) (result i32)
    (call $f64_lt (local.get $b) (local.get $a)))
  (func (export "f64.ge") (param $a i64) (param $b i64) (result i32)
    (call $f64_le (local.get $b) (local.get $a)))

  ;; ---- conversions ----

  (func $promote (export "f64.promote_f32") (param $x i32) (result i64)
    (local $e i32) (local $f i32) (local $sign i64)
    (local.set $e (i32.and (i32.shr_u (local.get $x) (i32.const 23)) (i32.const 0xFF)))
    (local.set $f (i32.and (local.get $x) (i32.const 0x7FFFFF)))
    (local.set $sign (i64.shl (i64.extend_i32_u (i32.and (local.get $x) (i32.const 0x80000000))) (i64.const 32)))
    (if (i32.eq (local.get $e) (i32.const 0xFF))
      (then
        (if (local.get $f) (then (return (i64.const 0x7FF8000000000000))))
        (return (i64.or (local.get $sign) (i64.const 0x7FF0000000000000)))))
    (if (i32.eqz (local.get $e))
      (then
        (if (i32.eqz (local.get $f)) (then (return (local.get $sign))))
        ;; A denormal f * 2^-149, normal in f64 (exact).
        (return (call $pack64 (local.get $sign) (i32.const 936) (i64.extend_i32_u (local.get $f))))))
    (i64.or
      (local.get $sign)
      (i64.or
        (i64.shl (i64.extend_i32_u (i32.add (local.get $e) (i32.const 896))) (i64.const 52))
        (i64.shl (i64.extend_i32_u (local.get $f)) (i64.const 29)))))

  (func $demote (export "f32.demote_f64") (param $x i64) (result i32)
    (local $sign i32)
    (if (call $nan64 (local.get $x))
      (then (return (i32.const 0x7FC00000))))
    (local.set $sign (i32.and (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 32))) (i32.const 0x80000000)))
    (if (i64.eq (call $abs64 (local.get $x)) (i64.const 0x7FF0000000000000))
      (then (return (i32.or (local.get $sign) (i32.const 0x7F800000)))))
    (if (i64.eqz (call $abs64 (local.get $x)))
      (then (return (local.get $sign))))
    ;; x = (sig << 10) * 2^(exp - 1085) = (sig << 10) * 2^((exp - 896) - 189).
    (call $pack32
      (local.get $sign)
      (i32.sub (call $exp64 (local.get $x)) (i32.const 896))
      (i64.shl (call $sig64 (local.get $x)) (i64.const 10))))

  ;; An unsigned magnitude with a sign to the nearest f64.
  (func $from_u64 (export "rt.from_u64") (param $mag i64) (param $sign i64) (result i64)
    (if (i64.eqz (local.get $mag))
      (then (return (i64.const 0))))
    ;; mag = m * 2^(e - 1085): e is 1085, or 1086 with the top bit folded into a sticky bit.
    (if (i64.lt_s (local.get $mag) (i64.const 0))
      (then
        (return
          (call $pack64
            (local.get $sign)
            (i32.const 1086)
            (i64.or
              (i64.shr_u (local.get $mag) (i64.const 1))
              (i64.and (local.get $mag) (i64.const 1)))))))
    (call $pack64 (local.get $sign) (i32.const 1085) (local.get $mag)))

  ;; mag rounded to odd on 53 significant bits: exact in f64, and rounding that to f32 rounds once.
  (func $odd53 (export "rt.odd53") (param $mag i64) (result i64)
    (local $sh i64) (local $low i64)
    (local.set $sh (i64.sub (i64.const 11) (i64.clz (local.get $mag))))
    (if (i64.le_s (local.get $sh) (i64.const 0))
      (then (return (local.get $mag))))
    (local.set $low (i64.and (local.get $mag) (i64.sub (i64.shl (i64.const 1) (local.get $sh)) (i64.const 1))))
    (i64.or
      (i64.xor (local.get $mag) (local.get $low))
      (i64.shl (i64.extend_i32_u (i64.ne (local.get $low) (i64.const 0))) (local.get $sh))))

  (func $abs_i64 (export "rt.abs_i64") (param $x i64) (result i64)
    (select (i64.sub (i64.const 0) (local.get $x)) (local.get $x) (i64.lt_s (local.get $x) (i64.const 0))))

  (func $f64_from_i64_s (export "f64.convert_i64_s") (param $x i64) (result i64)
    (call $from_u64 (call $abs_i64 (local.get $x)) (call $sign64 (local.get $x))))
  (func $f64_from_i64_u (export "f64.convert_i64_u") (param $x i64) (result i64)
    (call $from_u64 (local.get $x) (i64.const 0)))
  (func $f64_from_i32_s (export "f64.convert_i32_s") (param $x i32) (result i64)
    (call $f64_from_i64_s (i64.extend_i32_s (local.get $x))))
  (func $f64_from_i32_u (export "f64.convert_i32_u") (param $x i32) (result i64)
    (call $from_u64 (i64.extend_i32_u (local.get $x)) (i64.const 0)))
  (func (export "f32.convert_i32_s") (param $x i32) (result i32)
    (call $demote (call $f64_from_i32_s (local.get $x))))
  (func (export "f32.convert_i32_u") (param $x i32) (result i32)
    (call $demote (call $f64_from_i32_u (local.get $x))))
  (func (export "f32.convert_i64_s") (param $x i64) (result i32)
    (call $demote
      (call $from_u64 (call $odd53 (call $abs_i64 (local.get $x))) (call $sign64 (local.get $x)))))
  (func (export "f32.convert_i64_u") (param $x i64) (result i32)
    (call $demote (call $from_u64 (call $odd53 (local.get $x)) (i64.const 0))))

  ;; Truncation toward zero. kind: bit 0 signed, bit 1 a 64-bit result, bit 2 saturating. The
  ;; result as an i64 (a 32-bit one in its low word).
  (func $to_int (export "rt.to_int") (param $x i64) (param $kind i32) (result i64)
    (local $e i32) (local $sh i32) (local $mag i64) (local $neg i32) (local $big i32)
    (local $pos_max i64) (local $neg_max i64)
    (if (call $nan64 (local.get $x))
      (then
        (if (i32.and (local.get $kind) (i32.const 4)) (then (return (i64.const 0))))
        (call $trap_invalid_conversion)
        (unreachable)))
    (local.set $neg (i64.lt_s (local.get $x) (i64.const 0)))
    (local.set $e (i32.wrap_i64 (i64.and (i64.shr_u (local.get $x) (i64.const 52)) (i64.const 0x7FF))))
    ;; |x| >= 2^64 (or inf) is out of every range; |x| < 1 truncates to 0.
    (local.set $big (i32.ge_u (local.get $e) (i32.const 1087)))
    (if (i32.and (i32.ge_u (local.get $e) (i32.const 1023)) (i32.eqz (local.get $big)))
      (then
        (local.set $sh (i32.sub (local.get $e) (i32.const 1075)))
        (local.set $mag (i64.or (i64.and (local.get $x) (i64.const 0x000FFFFFFFFFFFFF)) (i64.const 0x0010000000000000)))
        (local.set $mag
          (if (result i64) (i32.ge_s (local.get $sh) (i32.const 0))
            (then (i64.shl (local.get $mag) (i64.extend_i32_u (local.get $sh))))
            (else (i64.shr_u (local.get $mag) (i64.extend_i32_u (i32.sub (i32.const 0) (local.get $sh)))))))))
    ;; The largest magnitudes each sign may have.
    (local.set $pos_max
      (select
        (select (i64.const 0x7FFFFFFFFFFFFFFF) (i64.const -1) (i32.and (local.get $kind) (i32.const 1)))
        (select (i64.const 0x7FFFFFFF) (i64.const 0xFFFFFFFF) (i32.and (local.get $kind) (i32.const 1)))
        (i32.and (local.get $kind) (i32.const 2))))
    (local.set $neg_max
      (select
        (select (i64.const 0x8000000000000000) (i64.const 0x80000000) (i32.and (local.get $kind) (i32.const 2)))
        (i64.const 0)
        (i32.and (local.get $kind) (i32.const 1))))
    (if (i32.or
          (local.get $big)
          (i64.gt_u (local.get $mag) (select (local.get $neg_max) (local.get $pos_max) (local.get $neg))))
      (then
        (if (i32.eqz (i32.and (local.get $kind) (i32.const 4)))
          (then (call $trap_integer_overflow) (unreachable)))
        (return
          (select
            (i64.sub (i64.const 0) (local.get $neg_max))
            (local.get $pos_max)
            (local.get $neg)))))
    (select (i64.sub (i64.const 0) (local.get $mag)) (local.get $mag) (local.get $neg)))

  (func (export "i32.trunc_f64_s") (param $x i64) (result i32) (i32.wrap_i64 (call $to_int (local.get $x) (i32.const 1))))
  (func (export "i32.trunc_f64_u") (param $x i64) (result i32) (i32.wrap_i64 (call $to_int (local.get $x) (i32.const 0))))
  (func (export "i64.trunc_f64_s") (param $x i64) (result i64) (call $to_int (local.get $x) (i32.const 3)))
  (func (export "i64.trunc_f64_u") (param $x i64) (result i64) (call $to_int (local.get $x) (i32.const 2)))
  (func (export "i32.trunc_sat_f64_s") (param $x i64) (result i32) (i32.wrap_i64 (call $to_int (local.get $x) (i32.const 5))))
  (func (export "i32.trunc_sat_f64_u") (param $x i64) (result i32) (i32.wrap_i64 (call $to_int (local.get $x) (i32.const 4))))
  (func (export "i64.trunc_sat_f64_s") (param $x i64) (result i64) (call $to_int (local.get $x) (i32.const 7)))
  (func (export "i64.trunc_sat_f64_u") (param $x i64) (result i64) (call $to_int (local.get $x) (i32.const 6)))

  ;; ---- f32: the f64 routine on promoted operands, rounded once by the demotion ----

  (func (export "f32.add") (param $a i32) (param $b i32) (result i32)
    (call $demote (call $f64_add (call $promote (local.get $a)) (call $promote (local.get $b)))))
  (func (export "f32.sub") (param $a i32) (param $b i32) (result i32)
    (call $demote (call $f64_sub (call $promote (local.get $a)) (call $promote (local.get $b)))))
  (func (export "f32.mul") (param $a i32) (param $b i32) (result i32)
    (call $demote (call $f64_mul (call $promote (local.get $a)) (call $promote (local.get $b)))))
  (func (export "f32.div") (param $a i32) (param $b i32) (result i32)
    (call $demote (call $f64_div (call $promote (local.get $a)) (call $promote (local.get $b)))))
  (func (export "f32.min") (param $a i32) (param $b i32) (result i32)
    (call $demote (call $f64_min (call $promote (local.get $a)) (call $promote (local.get $b)))))
  (func (export "f32.max") (param $a i32) (param $b i32) (result i32)
    (call $demote (call $f64_max (call $promote (local.get $a)) (call $promote (local.get $b)))))
  (func (export "f32.sqrt") (param $a i32) (result i32)
    (call $demote (call $f64_sqrt (call $promote (local.get $a)))))
  (func (export "f32.ceil") (param $a i32) (result i32)
    (call $demote (call $round64 (call $promote (local.get $a)) (i32.const 0))))
  (func (export "f32.floor") (param $a i32) (result i32)
    (call $demote (call $round64 (call $promote (local.get $a)) (i32.const 1))))
  (func (export "f32.trunc") (param $a i32) (result i32)
    (call $demote (call $round64 (call $promote (local.get $a)) (i32.const 2))))
  (func (export "f32.nearest") (param $a i32) (result i32)
    (call $demote (call $round64 (call $promote (local.get $a)) (i32.const 3))))
  (func (export "f32.eq") (param $a i32) (param $b i32) (result i32)
    (call $f64_eq (call $promote (local.get $a)) (call $promote (local.get $b))))
  (func (export "f32.ne") (param $a i32) (param $b i32) (result i32)
    (i32.eqz (call $f64_eq (call $promote (local.get $a)) (call $promote (local.get $b)))))
  (func (export "f32.lt") (param $a i32) (param $b i32) (result i32)
    (call $f64_lt (call $promote (local.get $a)) (call $promote (local.get $b))))
  (func (export "f32.gt") (param $a i32) (param $b i32) (result i32)
    (call $f64_lt (call $promote (local.get $b)) (call $promote (local.get $a))))
  (func (export "f32.le") (param $a i32) (param $b i32) (result i32)
    (call $f64_le (call $promote (local.get $a)) (call $promote (local.get $b))))
  (func (export "f32.ge") (param $a i32) (param $b i32) (result i32)
    (call $f64_le (call $promote (local.get $b)) (call $promote (local.get $a))))
  (func (export "i32.trunc_f32_s") (param $x i32) (result i32)
    (i32.wrap_i64 (call $to_int (call $promote (local.get $x)) (i32.const 1))))
  (func (export "i32.trunc_f32_u") (param $x i32) (result i32)
    (i32.wrap_i64 (call $to_int (call $promote (local.get $x)) (i32.const 0))))
  (func (export "i64.trunc_f32_s") (param $x i32) (result i64)
    (call $to_int (call $promote (local.get $x)) (i32.const 3)))
  (func (export "i64.trunc_f32_u") (param $x i32) (result i64)
    (call $to_int (call $promote (local.get $x)) (i32.const 2)))
  (func (export "i32.trunc_sat_f32_s") (param $x i32) (result i32)
    (i32.wrap_i64 (call $to_int (call $promote (local.get $x)) (i32.const 5))))
  (func (export "i32.trunc_sat_f32_u") (param $x i32) (result i32)
    (i32.wrap_i64 (call $to_int (call $promote (local.get $x)) (i32.const 4))))
  (func (export "i64.trunc_sat_f32_s") (param $x i32) (result i64)
    (call $to_int (call $promote (local.get $x)) (i32.const 7)))
  (func (export "i64.trunc_sat_f32_u") (param $x i32) (result i64)
    (call $to_int (call $promote (local.get $x)) (i32.const 6)))
)
