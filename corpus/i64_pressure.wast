;; i64 values under register pressure: each i64 takes two pool registers, so 3 live i64 values
;; are 6 words (pool+1) and 8 live i64 values are 16 words. Parameter shapes where an i64 lowering
;; that borrows R0–R3 would clobber an unread parameter or its high half: `(param i32 i64)`,
;; `(param i64 i32 i64)` (second i64 on the stack), `(param i32 i32 i64 i32 i64)`, with i64 work
;; done before the first `local.get` of the other parameters. i32/i64 mixed through wrap, extend
;; and i64 comparisons at the same pressure. Catches: i64 pair clobber, i64 pairs spilled/reloaded
;; by halves, high half in R8 through a 16-bit encoding, swapped halves in non-commutative folds.
(module
  (memory 1 4)
  (data (i32.const 0) "\88\77\66\55\44\33\22\11\ff\ee\dd\cc\bb\aa\99\00\01\02\03\04\05\06\07\08\80\90\a0\b0\c0\d0\e0\f0")

  ;; (i32, i64): the i64 is in R2:R3; heavy i64 work before the i32 parameter is first read.
  (func (export "i32_i64_late_read") (param $x i32) (param $y i64) (result i64)
    (local $t i64) (local $u i64)
    (local.set $t (i64.mul (local.get $y) (i64.const 0x9e3779b97f4a7c15)))
    (local.set $u (i64.rotl (local.get $t) (local.get $y)))
    (local.set $t (i64.sub (local.get $u) (i64.shr_s (local.get $t) (i64.const 17))))
    (i64.sub (i64.sub (local.get $t) (i64.extend_i32_s (local.get $x)))
             (i64.shl (local.get $y) (i64.extend_i32_u (local.get $x)))))

  ;; (i64, i32, i64): the second i64 is on the stack (8-aligned), the i32 in R2; work on both
  ;; i64 values first, then the i32 read last, with 3 i64 values live.
  (func (export "i64_i32_i64") (param $p i64) (param $q i32) (param $r i64) (result i64)
    (local $t i64)
    (local.set $t (i64.xor (i64.mul (local.get $r) (i64.const 0x100000001)) (i64.rotr (local.get $p) (i64.const 40))))
    (i64.sub
      (i64.sub (i64.sub (local.get $t) (local.get $p)) (i64.shl (local.get $r) (i64.const 3)))
      (i64.extend_i32_s (i32.sub (local.get $q) (i32.wrap_i64 (local.get $t))))))

  ;; (i32, i32, i64, i32, i64): i64s in R2:R3 and an 8-aligned stack slot, the i32 between them on
  ;; the stack; the i64 work first, every i32 read after it.
  (func (export "i32_i32_i64_i32_i64") (param $a i32) (param $b i32) (param $c i64) (param $d i32) (param $e i64) (result i64)
    (local $t i64) (local $u i64)
    (local.set $t (i64.div_u (local.get $e) (i64.or (local.get $c) (i64.const 1))))
    (local.set $u (i64.popcnt (i64.xor (local.get $c) (local.get $e))))
    (i64.sub
      (i64.sub (i64.sub (local.get $t) (local.get $u))
               (i64.extend_i32_u (i32.sub (local.get $a) (local.get $b))))
      (i64.sub (i64.shl (i64.extend_i32_s (local.get $d)) (i64.const 32)) (i64.rotl (local.get $c) (local.get $u)))))

  ;; Exactly 3 i64 values (6 words, pool+1) live on the operand stack, folded in order.
  (func (export "three_i64_stack") (param $x i64) (param $n i32) (result i64)
    (i64.sub (i64.mul (local.get $x) (i64.const 0x0123456789abcdef))
      (i64.sub (i64.rotl (local.get $x) (i64.const 23))
        (i64.sub (local.get $x) (i64.extend_i32_u (local.get $n))))))

  ;; 3 i64 locals live (6 words) and then 2 i32 values on top of them.
  (func (export "three_i64_two_i32") (param $x i64) (param $y i64) (param $n i32) (result i32)
    (local $z i64)
    (local.set $z (i64.sub (local.get $x) (i64.shl (local.get $y) (i64.const 1))))
    (i32.sub
      (i32.sub (i32.wrap_i64 (i64.sub (local.get $x) (local.get $y)))
               (i32.wrap_i64 (i64.shr_u (local.get $z) (i64.const 32))))
      (i32.sub (i32.xor (local.get $n) (i32.wrap_i64 (local.get $z)))
               (i32.wrap_i64 (i64.rotr (local.get $y) (i64.extend_i32_u (local.get $n)))))))

  ;; Four i64 values (8 words) live with two i32 parameters.
  (func (export "four_i64_mixed") (param $a i32) (param $x i64) (param $b i32) (param $y i64) (result i64)
    (local $s i64) (local $t i64)
    (local.set $s (i64.mul (local.get $x) (local.get $y)))
    (local.set $t (i64.sub (local.get $y) (i64.shr_s (local.get $x) (i64.const 9))))
    (i64.sub (i64.sub (local.get $s) (local.get $t))
      (i64.sub (i64.xor (local.get $x) (i64.extend_i32_s (local.get $a)))
        (i64.sub (local.get $y) (i64.shl (i64.extend_i32_u (local.get $b)) (i64.extend_i32_u (local.get $a)))))))

  ;; Eight i64 values live (16 words) across the whole function, folded non-commutatively.
  (func (export "eight_i64_live") (param $x i64) (param $y i64) (result i64)
    (local $v0 i64) (local $v1 i64) (local $v2 i64) (local $v3 i64) (local $v4 i64) (local $v5 i64)
    (local.set $v0 (i64.add (local.get $x) (i64.const 0x100000001)))
    (local.set $v1 (i64.mul (local.get $y) (i64.const 3)))
    (local.set $v2 (i64.xor (local.get $v0) (local.get $v1)))
    (local.set $v3 (i64.rotl (local.get $v2) (local.get $x)))
    (local.set $v4 (i64.sub (local.get $v3) (local.get $y)))
    (local.set $v5 (i64.shr_u (local.get $v4) (i64.const 7)))
    (i64.sub (local.get $v0)
      (i64.xor (local.get $v1)
        (i64.sub (local.get $v2)
          (i64.rotl (local.get $v3)
            (i64.sub (local.get $v4)
              (i64.xor (local.get $v5)
                (i64.sub (local.get $x) (local.get $y)))))))))

  ;; Eight i64 values on the operand stack, each computed from the parameters.
  (func (export "eight_i64_stack") (param $x i64) (param $y i64) (param $k i32) (result i64)
    (i64.sub (i64.add (local.get $x) (i64.const 1))
     (i64.xor (i64.sub (local.get $y) (i64.const 2))
      (i64.sub (i64.mul (local.get $x) (local.get $y))
       (i64.xor (i64.rotr (local.get $x) (local.get $y))
        (i64.sub (i64.shl (local.get $y) (i64.extend_i32_u (local.get $k)))
         (i64.xor (i64.shr_s (local.get $x) (i64.const 33))
          (i64.sub (i64.extend_i32_s (local.get $k))
           (i64.sub (local.get $x) (local.get $y))))))))))

  ;; i32 and i64 interleaved: 3 i64 + 5 i32 live, each i32 derived from an i64 and back.
  (func (export "wrap_extend_mix") (param $x i64) (param $a i32) (param $y i64) (result i64)
    (local $i0 i32) (local $i1 i32) (local $i2 i32) (local $i3 i32) (local $w i64)
    (local.set $w (i64.sub (local.get $y) (local.get $x)))
    (local.set $i0 (i32.wrap_i64 (local.get $x)))
    (local.set $i1 (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const 32))))
    (local.set $i2 (i32.sub (local.get $a) (local.get $i0)))
    (local.set $i3 (i32.rotl (local.get $i1) (local.get $a)))
    (i64.sub
      (i64.sub (local.get $w) (i64.extend_i32_s (local.get $i0)))
      (i64.sub (i64.extend_i32_u (local.get $i1))
        (i64.sub (i64.shl (i64.extend_i32_s (local.get $i2)) (i64.const 16))
          (i64.sub (i64.extend_i32_u (local.get $i3))
            (i64.sub (i64.extend32_s (local.get $y))
              (i64.sub (i64.extend16_s (local.get $x)) (i64.extend8_s (i64.extend_i32_u (local.get $a))))))))))

  ;; i64 comparisons between spilled i64 values, results combined as i32 bits.
  (func (export "i64_compares_under_pressure") (param $x i64) (param $y i64) (param $z i64) (result i32)
    (local $s i64) (local $t i64)
    (local.set $s (i64.sub (local.get $x) (local.get $y)))
    (local.set $t (i64.xor (local.get $y) (local.get $z)))
    (i32.sub
      (i32.shl (i64.lt_s (local.get $s) (local.get $t)) (i32.const 5))
      (i32.sub (i32.shl (i64.gt_u (local.get $x) (local.get $z)) (i32.const 3))
        (i32.sub (i32.shl (i64.le_s (local.get $y) (local.get $s)) (i32.const 1))
          (i32.sub (i64.eq (local.get $t) (local.get $x))
            (i32.shl (i64.eqz (i64.and (local.get $z) (local.get $s))) (i32.const 7)))))))

  ;; i64 loads and stores with an index register while 3 i64 values are live.
  (func (export "i64_mem_three_live") (param $i i32) (param $x i64) (result i64)
    (local $p i32) (local $a i64) (local $b i64)
    (local.set $p (i32.shl (i32.and (local.get $i) (i32.const 3)) (i32.const 3)))
    (local.set $a (i64.load (local.get $p)))
    (local.set $b (i64.rotl (local.get $x) (local.get $a)))
    (i64.store offset=64 (local.get $p) (i64.sub (local.get $b) (local.get $a)))
    (i64.sub (i64.sub (local.get $a) (local.get $b))
      (i64.sub (local.get $x)
        (i64.add (i64.load offset=64 (local.get $p)) (i64.load32_s offset=4 (local.get $p))))))

  ;; A loop carrying 3 i64 values and an i32 counter (masked bound) with i64 work each iteration.
  (func (export "i64_loop_three") (param $x i64) (param $y i64) (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $c i64) (local $i i32)
    (local.set $a (local.get $x))
    (local.set $b (local.get $y))
    (local.set $c (i64.const 0x5555aaaa5555aaaa))
    (local.set $i (i32.and (local.get $n) (i32.const 15)))
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $a (i64.add (local.get $a) (i64.rotl (local.get $b) (local.get $c))))
        (local.set $b (i64.sub (local.get $b) (i64.xor (local.get $c) (local.get $a))))
        (local.set $c (i64.mul (local.get $c) (i64.or (local.get $a) (i64.const 1))))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $top)))
    (i64.sub (i64.sub (local.get $a) (local.get $b)) (i64.shl (local.get $c) (i64.extend_i32_u (local.get $n)))))
)
(assert_return (invoke "three_i64_stack" (i64.const 0) (i32.const 0)) (i64.const 0))
(assert_return (invoke "eight_i64_stack" (i64.const 0) (i64.const 0) (i32.const 0)) (i64.const 3))
(assert_return (invoke "i64_loop_three" (i64.const 1) (i64.const 2) (i32.const 0)) (i64.const -0x5555aaaa5555aaab))
