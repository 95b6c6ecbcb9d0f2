;; Calls under register pressure: parameters and temporaries live across `call` at the pool edge
;; (6 live) and far beyond it (12), on the operand stack and in locals; callees with 5–8
;; parameters (the 5th onward on the stack) that mix every argument non-commutatively, i64
;; arguments in pairs and 8-aligned stack slots (`call $g (i64.const 0x1122334455667788)
;; (i32.const 7)`), call results used as arguments of further calls while earlier arguments are
;; live, and leaf callees that use the whole pool themselves. Catches: caller-saved across call,
;; callee-saved clobber, more than 4 arguments, i64 call arguments, spill slot aliasing.
(module
  (global $calls (export "calls") (mut i32) (i32.const 0))

  (func $mix5 (export "mix5") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.sub (i32.xor (i32.rotl (i32.sub (local.get $a) (local.get $b)) (local.get $c)) (local.get $d))
             (i32.mul (local.get $e) (i32.const 3))))

  (func $mix6 (export "mix6") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (param $f i32) (result i32)
    (i32.sub (i32.sub (i32.xor (i32.sub (local.get $a) (local.get $b)) (i32.shl (local.get $c) (i32.const 1)))
                      (i32.rotl (local.get $d) (local.get $e)))
             (i32.shr_u (local.get $f) (i32.const 2))))

  (func $mix8 (export "mix8") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (param $f i32) (param $g i32) (param $h i32) (result i32)
    (i32.sub (local.get $a)
      (i32.xor (local.get $b)
        (i32.sub (local.get $c)
          (i32.rotl (local.get $d)
            (i32.sub (local.get $e)
              (i32.xor (local.get $f)
                (i32.sub (i32.shl (local.get $g) (i32.const 4)) (local.get $h)))))))))

  (func $g (export "g") (param $x i64) (param $n i32) (result i64)
    (i64.sub (i64.rotl (local.get $x) (i64.extend_i32_u (local.get $n))) (i64.extend_i32_s (local.get $n))))

  ;; i32, i64 (R2:R3), i32 (stack), i64 (8-aligned stack), i32 (stack).
  (func $mix_i64 (export "mix_i64") (param $a i32) (param $x i64) (param $b i32) (param $y i64) (param $c i32) (result i64)
    (i64.sub (i64.sub (i64.xor (local.get $x) (i64.extend_i32_u (local.get $a)))
                      (i64.shl (local.get $y) (i64.extend_i32_u (i32.and (local.get $b) (i32.const 31)))))
             (i64.rotr (i64.extend_i32_s (local.get $c)) (local.get $x))))

  ;; A leaf with 8 values live: it saves and uses every pool register.
  (func $leaf_pressure (export "leaf_pressure") (param $a i32) (param $b i32) (result i32)
    (i32.sub (i32.add (local.get $a) (i32.const 11))
     (i32.xor (i32.mul (local.get $b) (i32.const 7))
      (i32.sub (i32.rotl (local.get $a) (local.get $b))
       (i32.xor (i32.shr_s (local.get $b) (i32.const 2))
        (i32.sub (i32.sub (local.get $b) (local.get $a))
         (i32.xor (i32.shl (local.get $a) (i32.const 9))
          (i32.sub (local.get $a) (local.get $b)))))))))

  ;; 4 params + 2 temps (6 live) across a 5-argument call, every one read after it.
  (func (export "edge6_across_call5") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (local $t1 i32) (local $t2 i32) (local $r i32)
    (local.set $t1 (i32.mul (local.get $a) (local.get $b)))
    (local.set $t2 (i32.sub (local.get $c) (local.get $d)))
    (local.set $r (call $mix5 (local.get $d) (local.get $c) (local.get $b) (local.get $a) (local.get $t1)))
    (i32.sub (local.get $a) (i32.xor (local.get $b) (i32.sub (local.get $c)
      (i32.xor (local.get $d) (i32.sub (local.get $t1) (i32.sub (local.get $t2) (local.get $r))))))))

  ;; 5 operand-stack temporaries under a call whose result is the 6th value.
  (func (export "edge6_stack_under_call") (param $a i32) (param $b i32) (result i32)
    (i32.sub (i32.add (local.get $a) (i32.const 3))
      (i32.xor (i32.sub (local.get $b) (local.get $a))
        (i32.sub (i32.rotl (local.get $a) (local.get $b))
          (i32.xor (i32.mul (local.get $b) (i32.const 5))
            (i32.sub (i32.shr_u (local.get $a) (i32.const 1))
              (call $leaf_pressure (local.get $b) (local.get $a))))))))

  ;; 6 live across a 6-argument call whose arguments are the live values in another order.
  (func (export "edge6_across_call6") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (local $t1 i32) (local $t2 i32) (local $t3 i32)
    (local.set $t1 (i32.rotl (local.get $a) (local.get $c)))
    (local.set $t2 (i32.sub (local.get $b) (local.get $a)))
    (local.set $t3 (i32.xor (local.get $c) (i32.const 0x1234)))
    (i32.sub
      (i32.sub (call $mix6 (local.get $t3) (local.get $t2) (local.get $t1) (local.get $c) (local.get $b) (local.get $a))
               (i32.sub (local.get $a) (local.get $b)))
      (i32.sub (i32.sub (local.get $c) (local.get $t1)) (i32.shl (local.get $t2) (local.get $t3)))))

  ;; 12 values (4 params + 8 temps) live across three calls, folded in order after them.
  (func (export "far12_across_calls") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32) (local $v6 i32) (local $v7 i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32)
    (local.set $v0 (i32.add (local.get $a) (i32.const 1)))
    (local.set $v1 (i32.sub (local.get $b) (local.get $c)))
    (local.set $v2 (i32.mul (local.get $c) (local.get $d)))
    (local.set $v3 (i32.rotl (local.get $d) (local.get $a)))
    (local.set $r0 (call $leaf_pressure (local.get $v0) (local.get $v1)))
    (local.set $v4 (i32.xor (local.get $v0) (local.get $r0)))
    (local.set $v5 (i32.sub (local.get $v2) (local.get $v3)))
    (local.set $r1 (call $mix8 (local.get $v5) (local.get $v4) (local.get $v3) (local.get $v2) (local.get $v1) (local.get $v0) (local.get $d) (local.get $a)))
    (local.set $v6 (i32.shl (local.get $r1) (i32.const 3)))
    (local.set $v7 (i32.sub (local.get $r0) (local.get $r1)))
    (local.set $r2 (call $mix5 (local.get $v7) (local.get $v6) (local.get $c) (local.get $b) (local.get $v4)))
    (i32.sub (local.get $a)
      (i32.xor (local.get $b)
        (i32.sub (local.get $c)
          (i32.xor (local.get $d)
            (i32.sub (local.get $v0)
              (i32.xor (local.get $v1)
                (i32.sub (local.get $v2)
                  (i32.rotl (local.get $v3)
                    (i32.sub (local.get $v4)
                      (i32.xor (local.get $v5)
                        (i32.sub (local.get $v6)
                          (i32.sub (local.get $v7) (local.get $r2))))))))))))))

  ;; 12 operand-stack temporaries, the innermost ones produced by calls.
  (func (export "far12_stack_calls") (param $a i32) (param $b i32) (result i32)
    (i32.sub (i32.add (local.get $a) (i32.const 1))
     (i32.xor (i32.sub (local.get $b) (i32.const 2))
      (i32.sub (i32.mul (local.get $a) (local.get $b))
       (i32.xor (i32.rotl (local.get $a) (local.get $b))
        (i32.sub (i32.shr_u (local.get $b) (i32.const 3))
         (i32.xor (i32.shl (local.get $a) (i32.const 5))
          (i32.sub (i32.sub (local.get $b) (local.get $a))
           (i32.xor (call $leaf_pressure (local.get $a) (local.get $b))
            (i32.sub (call $mix5 (local.get $b) (local.get $a) (i32.const 7) (local.get $b) (local.get $a))
             (i32.xor (i32.rotr (local.get $b) (i32.const 13))
              (i32.sub (call $leaf_pressure (local.get $b) (local.get $a))
               (local.get $a)))))))))))))

  ;; i64 arguments: constants split into pairs, an i64 in an 8-aligned stack slot, params read after.
  (func (export "i64_args") (param $a i32) (param $x i64) (result i64)
    (local $s i64)
    (local.set $s (call $g (i64.const 0x1122334455667788) (i32.const 7)))
    (i64.sub
      (i64.sub (local.get $s)
        (call $mix_i64 (local.get $a) (i64.const 0x0102030405060708) (i32.const 9) (local.get $x) (i32.sub (i32.const 0) (local.get $a))))
      (i64.sub (call $g (local.get $x) (local.get $a))
        (i64.sub (local.get $x) (i64.extend_i32_u (local.get $a))))))

  ;; Three i64 values (6 words) live across calls taking i64 and i32 arguments.
  (func (export "i64_live_across_calls") (param $x i64) (param $y i64) (param $n i32) (result i64)
    (local $z i64) (local $r i64)
    (local.set $z (i64.mul (local.get $x) (local.get $y)))
    (local.set $r (call $mix_i64 (local.get $n) (local.get $y) (local.get $n) (local.get $z) (i32.const -5)))
    (i64.sub (i64.sub (local.get $x) (local.get $y))
      (i64.sub (i64.rotl (local.get $z) (local.get $r))
        (i64.sub (call $g (local.get $r) (local.get $n)) (i64.extend_i32_s (local.get $n))))))

  ;; Call results as arguments of an 8-argument call: each evaluated argument stays live while the
  ;; next argument's call runs, and the params are read after the outer call.
  (func (export "nested_call_args") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.sub
      (call $mix8
        (local.get $a)
        (call $leaf_pressure (local.get $a) (local.get $b))
        (i32.sub (local.get $b) (local.get $c))
        (call $mix5 (local.get $c) (local.get $b) (local.get $a) (i32.const 3) (i32.const -9))
        (i32.rotl (local.get $c) (local.get $a))
        (call $mix6 (local.get $b) (local.get $c) (local.get $a) (local.get $b) (local.get $c) (local.get $a))
        (i32.xor (local.get $a) (local.get $c))
        (call $leaf_pressure (local.get $c) (local.get $a)))
      (i32.sub (i32.sub (local.get $a) (local.get $b)) (i32.shl (local.get $c) (i32.const 2)))))

  ;; A parameter last read after a loop of calls (masked bound), with 6 values live across each call.
  (func (export "param_after_call_loop") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $t i32)
    (local.set $i (i32.and (local.get $n) (i32.const 7)))
    (local.set $t (i32.xor (local.get $a) (local.get $b)))
    (loop $top
      (local.set $acc (i32.sub (call $mix5 (local.get $acc) (local.get $t) (local.get $i) (local.get $b) (local.get $a)) (local.get $acc)))
      (local.set $t (i32.rotl (local.get $t) (i32.const 3)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $top (i32.ge_s (local.get $i) (i32.const 0))))
    (i32.sub (i32.sub (local.get $acc) (local.get $t)) (i32.sub (local.get $a) (i32.shl (local.get $b) (i32.const 1)))))
)
(assert_return (invoke "i64_args" (i32.const 0) (i64.const 0)) (i64.const 0x90179f26ae35bcf9))
