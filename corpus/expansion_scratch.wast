;; Multi-instruction expansions under pressure: i64 rotl/rotr/mul/div_u/div_s/rem_u/rem_s/
;; popcnt/clz/ctz and i32 div/rem/rotl/rotr/popcnt/clz/ctz whose results land while other
;; values are live — at the pool edge (6 i32 values, or 3 i64 = 6 words) and far beyond it
;; (12 i32, 6 i64) — and are consumed by non-commutative folds; chains where one expansion's
;; result is the next one's operand; division by a parameter, so divide-by-zero and
;; INT_MIN / -1 trap with values live. Catches: expansion scratch (a scratch saved/restored over
;; the expansion's own result), fixed R0–R3 use clobbering live values, missing trap.
(module
  ;; i64 rotations: 2 i64 on the stack + x, y live under each rotation (3-4 i64 = 6-8 words).
  (func (export "i64_rot_edge") (param $x i64) (param $y i64) (result i64)
    (i64.sub (i64.mul (local.get $x) (i64.const 0x0000000100000003))
      (i64.sub (i64.rotl (local.get $x) (local.get $y))
        (i64.xor (i64.rotr (local.get $y) (local.get $x))
          (i64.sub (local.get $x) (local.get $y))))))

  ;; i64.div_u / rem_u by a parameter (may trap) with 3 i64 values live.
  (func (export "i64_divu_edge") (param $x i64) (param $y i64) (result i64)
    (local $t i64)
    (local.set $t (i64.xor (local.get $x) (i64.const 0x5a5a5a5a5a5a5a5a)))
    (i64.sub (i64.sub (local.get $t) (i64.div_u (local.get $x) (local.get $y)))
      (i64.sub (i64.rem_u (local.get $t) (local.get $y)) (i64.shl (local.get $x) (local.get $y)))))

  ;; i64.div_s / rem_s by a parameter (INT64_MIN / -1 traps for div_s; rem_s gives 0).
  (func (export "i64_divs_edge") (param $x i64) (param $y i64) (result i64)
    (local $t i64)
    (local.set $t (i64.rotl (local.get $x) (i64.const 13)))
    (i64.sub (i64.sub (local.get $t) (i64.rem_s (local.get $x) (local.get $y)))
      (i64.sub (i64.div_s (local.get $x) (local.get $y)) (i64.sub (local.get $t) (local.get $y)))))

  ;; rem_s first: INT64_MIN rem -1 = 0 must not trap, then a divisor that cannot be zero.
  (func (export "i64_rems_then_divs") (param $x i64) (param $y i64) (result i64)
    (local $r i64)
    (local.set $r (i64.rem_s (local.get $x) (local.get $y)))
    (i64.sub (i64.sub (local.get $x) (local.get $r))
      (i64.sub (i64.div_s (local.get $y) (i64.or (local.get $r) (i64.const 0x100)))
               (i64.div_u (local.get $r) (i64.const 7)))))

  ;; popcnt / clz / ctz (i64) landing with 3 i64 values live, then shifted by each other.
  (func (export "i64_bitcount_edge") (param $x i64) (param $y i64) (result i64)
    (local $t i64)
    (local.set $t (i64.sub (local.get $x) (local.get $y)))
    (i64.sub (i64.shl (local.get $t) (i64.popcnt (local.get $x)))
      (i64.sub (i64.rotl (local.get $y) (i64.clz (local.get $t)))
        (i64.sub (i64.ctz (local.get $y)) (i64.sub (local.get $x) (local.get $t))))))

  ;; A chain of i64 expansions, each result the next one's operand, with x and y live throughout.
  (func (export "i64_chain") (param $x i64) (param $y i64) (result i64)
    (local $c i64)
    (local.set $c (i64.rotl (local.get $x) (local.get $y)))
    (local.set $c (i64.mul (local.get $c) (local.get $y)))
    (local.set $c (i64.div_u (local.get $c) (i64.or (i64.popcnt (local.get $c)) (i64.const 1))))
    (local.set $c (i64.rotr (local.get $c) (i64.clz (local.get $x))))
    (local.set $c (i64.rem_u (local.get $c) (i64.add (i64.ctz (local.get $y)) (i64.const 3))))
    (i64.sub (i64.sub (local.get $c) (local.get $x)) (i64.shl (local.get $y) (local.get $c))))

  ;; Six i64 values (12 words) live: every i64 expansion's result lands among them.
  (func (export "i64_six_live") (param $x i64) (param $y i64) (result i64)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    (local.set $a (i64.rotl (local.get $x) (i64.const 17)))
    (local.set $b (i64.mul (local.get $y) (local.get $a)))
    (local.set $c (i64.div_u (local.get $b) (i64.or (local.get $y) (i64.const 1))))
    (local.set $d (i64.rem_s (local.get $a) (i64.or (local.get $x) (i64.const 3))))
    (i64.sub (local.get $a)
      (i64.xor (local.get $b)
        (i64.sub (local.get $c)
          (i64.rotr (local.get $d)
            (i64.sub (i64.popcnt (local.get $x))
              (i64.sub (i64.clz (local.get $y))
                (i64.sub (i64.ctz (local.get $a))
                  (i64.sub (i64.div_s (local.get $x) (i64.const -3))
                    (i64.sub (local.get $x) (local.get $y)))))))))))

  ;; i32 expansions at the edge: 5 operand-stack values then div_s by a parameter.
  (func (export "i32_div_edge") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.sub (i32.add (local.get $a) (i32.const 5))
      (i32.xor (i32.mul (local.get $b) (local.get $c))
        (i32.sub (i32.rotl (local.get $a) (local.get $c))
          (i32.xor (i32.popcnt (local.get $b))
            (i32.sub (i32.shl (local.get $c) (i32.const 2))
              (i32.div_s (local.get $a) (local.get $b))))))))

  ;; i32 rem_u / rem_s / div_u under 6 live values, results folded in order.
  (func (export "i32_rem_edge") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (local $t i32) (local $u i32)
    (local.set $t (i32.rem_u (local.get $a) (local.get $c)))
    (local.set $u (i32.rem_s (local.get $b) (local.get $c)))
    (i32.sub (i32.sub (local.get $t) (local.get $u))
      (i32.sub (i32.div_u (local.get $b) (i32.or (local.get $t) (i32.const 1)))
        (i32.sub (local.get $a) (i32.sub (local.get $b) (i32.sub (local.get $c) (i32.xor (local.get $t) (local.get $u))))))))

  ;; i32 rotl/rotr/clz/ctz/popcnt with twelve values live.
  (func (export "i32_bits_far12") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.sub (i32.add (local.get $a) (i32.const 1))
     (i32.xor (i32.sub (local.get $b) (i32.const 2))
      (i32.sub (i32.mul (local.get $a) (local.get $c))
       (i32.xor (i32.rotl (local.get $a) (local.get $b))
        (i32.sub (i32.rotr (local.get $c) (local.get $a))
         (i32.xor (i32.clz (local.get $b))
          (i32.sub (i32.ctz (local.get $c))
           (i32.xor (i32.popcnt (local.get $a))
            (i32.sub (i32.rotl (local.get $c) (i32.popcnt (local.get $b)))
             (i32.xor (i32.shl (local.get $b) (i32.clz (local.get $c)))
              (i32.sub (i32.rotr (local.get $a) (i32.ctz (local.get $b)))
               (i32.sub (local.get $c) (local.get $b))))))))))))))

  ;; i32 div/rem with twelve values live, divisors from parameters (traps compared).
  (func (export "i32_div_far12") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32) (local $v6 i32) (local $v7 i32)
    (local.set $v0 (i32.div_u (local.get $a) (i32.or (local.get $d) (i32.const 1))))
    (local.set $v1 (i32.rem_u (local.get $b) (i32.or (local.get $c) (i32.const 2))))
    (local.set $v2 (i32.rotl (local.get $v0) (local.get $v1)))
    (local.set $v3 (i32.div_s (local.get $c) (i32.or (local.get $b) (i32.const 1))))
    (local.set $v4 (i32.rem_s (local.get $d) (i32.or (local.get $a) (i32.const 4))))
    (local.set $v5 (i32.popcnt (i32.xor (local.get $v3) (local.get $v4))))
    (local.set $v6 (i32.div_s (local.get $b) (local.get $d)))
    (local.set $v7 (i32.rem_u (local.get $a) (local.get $c)))
    (i32.sub (local.get $a)
      (i32.xor (local.get $b)
        (i32.sub (local.get $c)
          (i32.rotl (local.get $d)
            (i32.sub (local.get $v0)
              (i32.xor (local.get $v1)
                (i32.sub (local.get $v2)
                  (i32.shl (local.get $v3)
                    (i32.sub (local.get $v4)
                      (i32.xor (local.get $v5)
                        (i32.sub (local.get $v6) (local.get $v7)))))))))))))

  ;; i64 expansions landing while 4 i64 and 4 i32 values are live (16 words).
  (func (export "mixed_far") (param $x i64) (param $y i64) (param $a i32) (param $b i32) (result i64)
    (local $p i64) (local $q i64) (local $s i32) (local $t i32)
    (local.set $p (i64.mul (local.get $x) (local.get $y)))
    (local.set $q (i64.rotr (local.get $p) (i64.extend_i32_u (local.get $a))))
    (local.set $s (i32.rotl (local.get $a) (local.get $b)))
    (local.set $t (i32.wrap_i64 (i64.popcnt (local.get $q))))
    (i64.sub (i64.sub (local.get $p) (local.get $q))
      (i64.sub (i64.div_u (local.get $x) (local.get $y))
        (i64.sub (i64.extend_i32_s (i32.sub (local.get $s) (local.get $t)))
          (i64.sub (i64.rem_s (local.get $y) (i64.extend_i32_s (local.get $b)))
            (i64.sub (i64.extend_i32_u (i32.div_u (local.get $a) (i32.or (local.get $t) (i32.const 1))))
              (i64.sub (local.get $x) (i64.extend_i32_s (local.get $b)))))))))

  ;; Expansions in a loop (masked count) with 6 values carried across the back-edge.
  (func (export "loop_expansions") (param $x i64) (param $a i32) (param $n i32) (result i64)
    (local $i i32) (local $h i64) (local $k i32)
    (local.set $i (i32.and (local.get $n) (i32.const 15)))
    (local.set $h (local.get $x))
    (local.set $k (local.get $a))
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $h (i64.sub (i64.rotl (local.get $h) (i64.extend_i32_u (local.get $k)))
                               (i64.div_u (local.get $h) (i64.extend_i32_u (i32.or (local.get $i) (i32.const 1))))))
        (local.set $k (i32.sub (i32.rotr (local.get $k) (local.get $i)) (i32.popcnt (i32.wrap_i64 (local.get $h)))))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $top)))
    (i64.sub (i64.sub (local.get $h) (local.get $x)) (i64.extend_i32_s (i32.sub (local.get $k) (local.get $a)))))
)
(assert_trap (invoke "i64_divs_edge" (i64.const 0x8000000000000000) (i64.const -1)) "integer overflow")
(assert_trap (invoke "i64_divu_edge" (i64.const 5) (i64.const 0)) "integer divide by zero")
(assert_return (invoke "i64_rems_then_divs" (i64.const 0x8000000000000000) (i64.const -1)) (i64.const 0x8000000000000000))
