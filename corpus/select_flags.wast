;; select and comparisons under pressure: selects with two computed arms at the pool edge (6
;; live) and far beyond (12), conditions that compare spilled values (so a reload sits between
;; the compare and its use), constant arms (16-bit `movs` sets flags), nested selects, i64 select
;; with 3 and 6 i64 values live, a select feeding a comparison feeding `br_if`, and chains of
;; comparisons interleaved with flag-setting arithmetic. Catches: flags clobbered between `cmp`
;; and the conditional move, reload into a busy register (select under pair pressure), wrong
;; condition code, signed/unsigned swaps, arms swapped.
(module
  ;; 4 operand-stack temporaries + both computed arms: 6 live at the select.
  (func (export "edge6_arms") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (i32.sub (i32.add (local.get $a) (i32.const 3))
      (i32.xor (i32.sub (local.get $b) (local.get $c))
        (i32.sub (i32.rotl (local.get $c) (local.get $d))
          (i32.xor (i32.shl (local.get $d) (i32.const 2))
            (select (i32.mul (local.get $a) (local.get $b))
                    (i32.sub (local.get $c) (local.get $d))
                    (i32.lt_s (local.get $a) (local.get $d))))))))

  ;; Two temporaries, both arms and the two compared parameters: exactly 6 live at the compare.
  (func (export "edge6_arms_exact") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.sub (i32.add (local.get $a) (i32.const 3))
      (i32.xor (i32.rotl (local.get $b) (local.get $c))
        (select (i32.mul (local.get $a) (local.get $b))
                (i32.sub (local.get $b) (local.get $c))
                (i32.lt_s (local.get $a) (local.get $c))))))

  ;; Constant arms under the edge: the arm materialisations must not disturb the flags.
  (func (export "edge6_const_arms") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (i32.sub (i32.sub (local.get $a) (local.get $b))
      (i32.sub (i32.xor (local.get $c) (local.get $d))
        (i32.sub (i32.shl (local.get $b) (i32.const 1))
          (i32.sub (i32.rotr (local.get $a) (local.get $c))
            (i32.add (select (i32.const 1) (i32.const 0) (i32.gt_u (local.get $a) (local.get $b)))
              (i32.add (select (i32.const 7) (i32.const -1) (i32.le_s (local.get $c) (local.get $d)))
                       (select (i32.const 0) (i32.const 255) (i32.eq (local.get $b) (local.get $d))))))))))

  ;; Condition compares two values that were spilled (8 locals live); the arms are reloads too.
  (func (export "cond_from_spilled") (param $a i32) (param $b i32) (result i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32)
    (local.set $v0 (i32.sub (local.get $a) (local.get $b)))
    (local.set $v1 (i32.rotl (local.get $a) (local.get $b)))
    (local.set $v2 (i32.mul (local.get $v0) (i32.const 0x01000193)))
    (local.set $v3 (i32.xor (local.get $v1) (local.get $v2)))
    (local.set $v4 (i32.shr_s (local.get $v3) (i32.const 4)))
    (local.set $v5 (i32.sub (local.get $v4) (local.get $a)))
    (i32.sub
      (select (local.get $v0) (local.get $v5) (i32.lt_u (local.get $v1) (local.get $v4)))
      (i32.sub
        (select (i32.sub (local.get $v2) (local.get $v3)) (i32.sub (local.get $v3) (local.get $v2)) (i32.ge_s (local.get $v0) (local.get $v5)))
        (i32.sub (local.get $v1)
          (i32.xor (local.get $v2)
            (i32.sub (local.get $v3)
              (i32.xor (local.get $v4) (i32.sub (local.get $b) (local.get $a)))))))))

  ;; Twelve values live around selects with computed arms and computed conditions.
  (func (export "far12_selects") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.sub (i32.add (local.get $a) (i32.const 1))
     (i32.xor (i32.sub (local.get $b) (i32.const 2))
      (i32.sub (i32.mul (local.get $a) (local.get $c))
       (i32.xor (i32.rotl (local.get $a) (local.get $b))
        (i32.sub (i32.shr_u (local.get $c) (i32.const 3))
         (i32.xor (i32.shl (local.get $a) (i32.const 5))
          (i32.sub (select (i32.sub (local.get $b) (local.get $a)) (i32.rotr (local.get $c) (local.get $b))
                           (i32.gt_s (i32.add (local.get $a) (local.get $b)) (local.get $c)))
           (i32.xor (i32.or (local.get $c) (i32.const 0x100))
            (i32.sub (select (i32.const 0x1000) (i32.const -0x1000) (i32.lt_u (local.get $a) (local.get $c)))
             (i32.xor (i32.rotr (local.get $b) (i32.const 13))
              (i32.sub (select (i32.mul (local.get $b) (local.get $c)) (i32.xor (local.get $a) (local.get $c))
                               (i32.ne (i32.and (local.get $a) (i32.const 0xff)) (i32.and (local.get $b) (i32.const 0xff))))
               (i32.sub (local.get $c) (local.get $a))))))))))))))

  ;; Nested selects: the inner selects' conditions are computed before the outer condition.
  (func (export "nested_selects") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (i32.sub
      (select
        (select (i32.sub (local.get $a) (local.get $b)) (i32.sub (local.get $b) (local.get $a)) (i32.lt_s (local.get $a) (local.get $b)))
        (select (i32.shl (local.get $c) (local.get $d)) (i32.rotl (local.get $d) (local.get $c)) (i32.ge_u (local.get $c) (local.get $d)))
        (i32.gt_s (local.get $a) (local.get $c)))
      (i32.sub (local.get $d) (i32.sub (local.get $c) (i32.sub (local.get $b) (local.get $a))))))

  ;; i64 select with 3 i64 values live (6 words) and computed i64 arms (pair pressure).
  (func (export "i64_select_edge") (param $x i64) (param $y i64) (param $k i32) (result i64)
    (i64.sub (i64.mul (local.get $x) (i64.const 0x0000000300000005))
      (i64.sub
        (select (i64.rotl (local.get $x) (local.get $y)) (i64.sub (local.get $y) (local.get $x))
                (i64.lt_s (local.get $x) (local.get $y)))
        (i64.sub (local.get $y) (i64.extend_i32_s (local.get $k))))))

  ;; Six i64 values live; i64 selects with conditions from i64 and i32 comparisons.
  (func (export "i64_select_far") (param $x i64) (param $y i64) (param $z i64) (param $k i32) (result i64)
    (local $s i64) (local $t i64) (local $u i64)
    (local.set $s (i64.sub (local.get $x) (local.get $y)))
    (local.set $t (i64.xor (local.get $y) (local.get $z)))
    (local.set $u (i64.rotr (local.get $z) (local.get $x)))
    (i64.sub (local.get $s)
      (i64.xor (local.get $t)
        (i64.sub (local.get $u)
          (i64.sub
            (select (local.get $x) (local.get $t) (i64.gt_u (local.get $s) (local.get $u)))
            (i64.sub
              (select (i64.shl (local.get $y) (i64.const 3)) (i64.const -1) (i32.lt_s (local.get $k) (i32.const 1000)))
              (i64.sub (local.get $z)
                (select (local.get $u) (local.get $s) (i64.eqz (i64.and (local.get $x) (i64.const 0xff00000000)))))))))))

  ;; select feeding a comparison feeding br_if, twice, with 6 values live across the branches.
  (func (export "select_cmp_brif") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (local $s i32)
    (block $out (result i32)
      (local.set $s (select (i32.sub (local.get $a) (local.get $c)) (i32.sub (local.get $d) (local.get $b)) (i32.lt_u (local.get $b) (local.get $c))))
      (drop (br_if $out (i32.sub (i32.sub (local.get $s) (local.get $a)) (i32.sub (local.get $b) (i32.shl (local.get $c) (i32.const 1))))
                        (i32.gt_s (local.get $s) (local.get $d))))
      (local.set $s (select (i32.rotl (local.get $s) (local.get $a)) (i32.xor (local.get $s) (local.get $b))
                            (i32.le_u (local.get $s) (i32.const 1000))))
      (drop (br_if $out (i32.sub (local.get $s) (i32.sub (local.get $c) (local.get $d)))
                        (i32.eq (select (local.get $a) (local.get $s) (local.get $d)) (local.get $c))))
      (i32.sub (i32.sub (local.get $a) (local.get $s)) (i32.sub (local.get $b) (i32.sub (local.get $c) (local.get $d))))))

  ;; Chains of comparisons combined as bits, with arithmetic between each compare and its use.
  (func (export "compare_chain") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (local $f1 i32) (local $f2 i32) (local $f3 i32) (local $x i32)
    (local.set $f1 (i32.lt_s (local.get $a) (local.get $b)))
    (local.set $x (i32.sub (local.get $a) (local.get $b)))
    (local.set $f2 (i32.ge_u (local.get $x) (local.get $c)))
    (local.set $x (i32.add (local.get $x) (i32.const 1)))
    (local.set $f3 (i32.gt_s (local.get $x) (local.get $d)))
    (i32.sub
      (i32.or (i32.or (local.get $f1) (i32.shl (local.get $f2) (i32.const 1)))
              (i32.or (i32.shl (local.get $f3) (i32.const 2))
                      (i32.shl (i32.and (i32.ne (local.get $c) (local.get $d)) (i32.le_u (local.get $a) (local.get $d))) (i32.const 3))))
      (i32.sub (select (local.get $x) (local.get $c) (i32.xor (local.get $f1) (local.get $f3)))
               (select (i32.const 2) (i32.const 3) (i32.eqz (i32.lt_u (local.get $b) (local.get $d)))))))

  ;; Select with an equal pair of arms and a side-effect-free repeat; conditions of 0/!0 from arithmetic.
  (func (export "select_truthiness") (param $a i32) (param $b i32) (result i32)
    (i32.sub
      (i32.sub (select (local.get $a) (local.get $a) (local.get $b))
               (select (local.get $b) (local.get $a) (i32.and (local.get $a) (i32.const 0x80000000))))
      (i32.sub (select (i32.const 100) (i32.const 200) (i32.sub (local.get $a) (local.get $b)))
               (select (i32.const -3) (i32.const 3) (i32.shr_u (local.get $b) (i32.const 31))))))

  ;; Loop whose exit condition compares selected values of spilled locals (masked bound).
  (func (export "select_loop") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $i i32) (local $x i32) (local $y i32) (local $z i32) (local $w i32)
    (local.set $i (i32.and (local.get $n) (i32.const 15)))
    (local.set $x (local.get $a))
    (local.set $y (local.get $b))
    (loop $l
      (local.set $z (select (i32.sub (local.get $x) (local.get $y)) (i32.sub (local.get $y) (local.get $x)) (i32.gt_s (local.get $x) (local.get $y))))
      (local.set $w (select (i32.rotl (local.get $z) (local.get $i)) (i32.xor (local.get $z) (local.get $i)) (i32.and (local.get $i) (i32.const 1))))
      (local.set $x (i32.add (local.get $x) (local.get $w)))
      (local.set $y (i32.sub (local.get $y) (local.get $z)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (i32.and (i32.ge_s (local.get $i) (i32.const 0))
                         (i32.ne (select (local.get $x) (local.get $y) (local.get $i)) (i32.const 0x7fffffff)))))
    (i32.sub (i32.sub (local.get $x) (local.get $y)) (i32.sub (local.get $z) (local.get $w))))
)
(assert_return (invoke "edge6_arms" (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 3))
(assert_return (invoke "select_truthiness" (i32.const 0) (i32.const 0)) (i32.const -197))
