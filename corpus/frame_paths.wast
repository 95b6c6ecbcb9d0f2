;; Frame paths: functions that spill (8 to 12 values live) and then leave through several exits —
;; `return` inside nested blocks, inside a loop and inside both arms of an `if`, `br` and
;; `br_if` to the function's own label, `br_table` whose targets include the function label, and
;; falling off the end — each path folding all live values differently. The exporters are also
;; called in a loop over every path by callers that keep their own spilled values live, so a path
;; that forgets `add sp` (or pops the wrong registers) corrupts the caller. Catches: frame not
;; freed on one return path, appended fall-through return, callee-saved clobber on early exit.
(module
  (global $exits (export "exits") (mut i32) (i32.const 0))

  ;; 8 values live; four exits chosen by sel & 3.
  (func $exits8 (export "exits8") (param $a i32) (param $b i32) (param $sel i32) (result i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32) (local $i i32)
    (local.set $v0 (i32.add (local.get $a) (i32.const 0x11)))
    (local.set $v1 (i32.sub (local.get $b) (local.get $a)))
    (local.set $v2 (i32.mul (local.get $v0) (local.get $v1)))
    (local.set $v3 (i32.rotl (local.get $v2) (local.get $b)))
    (local.set $v4 (i32.xor (local.get $v3) (local.get $a)))
    (local.set $v5 (i32.shr_u (local.get $v4) (i32.const 3)))
    (block $b0
      (block $b1
        (block $b2
          (br_if $b2 (i32.ne (i32.and (local.get $sel) (i32.const 3)) (i32.const 0)))
          ;; exit 0: return from three blocks deep
          (return (i32.sub (local.get $v0) (i32.xor (local.get $v1) (i32.sub (local.get $v2)
            (i32.rotl (local.get $v3) (i32.sub (local.get $v4) (i32.sub (local.get $v5) (i32.sub (local.get $a) (local.get $b))))))))))
        (br_if $b1 (i32.ne (i32.and (local.get $sel) (i32.const 3)) (i32.const 1)))
        ;; exit 1: return from inside a loop after (sel >> 2) & 7 iterations
        (local.set $i (i32.and (i32.shr_u (local.get $sel) (i32.const 2)) (i32.const 7)))
        (loop $l
          (local.set $v0 (i32.sub (local.get $v0) (i32.rotl (local.get $v5) (local.get $i))))
          (if (i32.eqz (local.get $i))
            (then (return (i32.sub (i32.sub (local.get $v5) (local.get $v4)) (i32.xor (local.get $v3)
              (i32.sub (local.get $v2) (i32.xor (local.get $v1) (i32.sub (local.get $v0) (i32.sub (local.get $b) (local.get $a))))))))))
          (local.set $i (i32.sub (local.get $i) (i32.const 1)))
          (br $l)))
      (br_if $b0 (i32.ne (i32.and (local.get $sel) (i32.const 3)) (i32.const 2)))
      ;; exit 2: br to the function label (depth 1 here) carrying the result
      (br 1 (i32.sub (i32.shl (local.get $v0) (i32.const 1)) (i32.sub (local.get $v1) (i32.xor (local.get $v2)
        (i32.sub (local.get $v3) (i32.rotr (local.get $v4) (i32.sub (local.get $v5) (i32.xor (local.get $a) (local.get $b))))))))))
    ;; exit 3: fall off the end
    (global.set $exits (i32.add (global.get $exits) (i32.const 1)))
    (i32.sub (i32.sub (local.get $a) (local.get $v5)) (i32.sub (local.get $v4) (i32.xor (local.get $v3)
      (i32.sub (local.get $v2) (i32.shl (local.get $v1) (i32.sub (local.get $v0) (local.get $b))))))))

  ;; 10 values live; if/else whose arms both return, br_if to the function label, fall-through.
  (func $exits10 (export "exits10") (param $a i32) (param $b i32) (param $c i32) (param $sel i32) (result i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32)
    (local.set $v0 (i32.sub (local.get $a) (local.get $c)))
    (local.set $v1 (i32.rotl (local.get $b) (local.get $c)))
    (local.set $v2 (i32.mul (local.get $a) (i32.const 0x9e3779b9)))
    (local.set $v3 (i32.xor (local.get $v0) (local.get $v1)))
    (local.set $v4 (i32.sub (local.get $v2) (local.get $v3)))
    (local.set $v5 (i32.shl (local.get $v4) (local.get $v0)))
    (if (i32.lt_u (i32.and (local.get $sel) (i32.const 7)) (i32.const 2))
      (then
        (if (i32.and (local.get $sel) (i32.const 1))
          (then (return (i32.sub (local.get $v0) (i32.sub (local.get $v1) (i32.sub (local.get $v2) (i32.sub (local.get $v3)
            (i32.sub (local.get $v4) (i32.sub (local.get $v5) (i32.sub (local.get $a) (i32.sub (local.get $b) (local.get $c)))))))))))
          (else (return (i32.xor (local.get $v5) (i32.sub (local.get $v4) (i32.xor (local.get $v3) (i32.sub (local.get $v2)
            (i32.rotl (local.get $v1) (i32.sub (local.get $v0) (i32.xor (local.get $c) (i32.sub (local.get $b) (local.get $a))))))))))))
        unreachable))
    (drop (br_if 0 (i32.sub (i32.sub (local.get $v0) (local.get $v5)) (i32.sub (i32.sub (local.get $v1) (local.get $v4))
            (i32.sub (i32.sub (local.get $v2) (local.get $v3)) (i32.sub (local.get $a) (i32.sub (local.get $b) (local.get $c))))))
      (i32.eq (i32.and (local.get $sel) (i32.const 7)) (i32.const 2))))
    (block $blk (result i32)
      (br_table $blk 1 1 $blk
        (i32.sub (i32.rotl (local.get $v0) (i32.const 3)) (i32.sub (local.get $v1) (i32.sub (local.get $v2)
          (i32.xor (local.get $v3) (i32.sub (local.get $v4) (i32.xor (local.get $v5) (i32.sub (local.get $c) (i32.sub (local.get $a) (local.get $b)))))))))
        (i32.and (i32.shr_u (local.get $sel) (i32.const 3)) (i32.const 3))))
      (i32.sub (local.get $v5))
    (i32.sub (local.get $v0)))

  ;; No result: side effects only, with an early return from inside a loop and a fall-off end.
  (func $void_exits (export "void_exits") (param $a i32) (param $b i32) (param $n i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32) (local $i i32)
    (local.set $v0 (i32.xor (local.get $a) (local.get $b)))
    (local.set $v1 (i32.sub (local.get $a) (local.get $b)))
    (local.set $v2 (i32.rotl (local.get $v0) (local.get $v1)))
    (local.set $v3 (i32.mul (local.get $v2) (i32.const 5)))
    (local.set $v4 (i32.sub (local.get $v3) (local.get $v1)))
    (local.set $v5 (i32.shl (local.get $v4) (i32.const 2)))
    (local.set $i (i32.and (local.get $n) (i32.const 15)))
    (loop $l
      (if (i32.eq (local.get $i) (i32.const 5))
        (then
          (global.set $exits (i32.sub (global.get $exits) (i32.sub (local.get $v0) (i32.sub (local.get $v1) (i32.sub (local.get $v2)
            (i32.sub (local.get $v3) (i32.sub (local.get $v4) (i32.sub (local.get $v5) (i32.xor (local.get $a) (local.get $b))))))))))
          (return)))
      (local.set $v0 (i32.add (local.get $v0) (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (i32.ge_s (local.get $i) (i32.const 0))))
    (global.set $exits (i32.xor (global.get $exits) (i32.sub (local.get $v5) (i32.sub (local.get $v4) (i32.xor (local.get $v3)
      (i32.sub (local.get $v2) (i32.sub (local.get $v1) (i32.rotl (local.get $v0) (i32.sub (local.get $b) (local.get $a)))))))))))

  ;; i64 result: 4 i64 values (8 words) live, three exits.
  (func $exits64 (export "exits64") (param $x i64) (param $y i64) (param $sel i32) (result i64)
    (local $s i64) (local $t i64)
    (local.set $s (i64.mul (local.get $x) (local.get $y)))
    (local.set $t (i64.sub (local.get $y) (i64.rotl (local.get $x) (local.get $y))))
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get $sel)))
        (if (i32.eq (i32.and (local.get $sel) (i32.const 3)) (i32.const 3))
          (then (return (i64.sub (i64.sub (local.get $s) (local.get $t)) (i64.sub (local.get $x) (local.get $y))))))
        (local.set $s (i64.xor (local.get $s) (i64.extend_i32_u (local.get $sel))))
        (local.set $sel (i32.shr_u (local.get $sel) (i32.const 2)))
        (br $l)))
    (drop (br_if 0 (i64.sub (i64.sub (local.get $t) (local.get $s)) (i64.sub (local.get $y) (local.get $x)))
      (i64.lt_s (local.get $x) (local.get $y))))
    (i64.sub (i64.shl (local.get $s) (i64.const 1)) (i64.sub (local.get $t) (i64.sub (local.get $x) (local.get $y)))))

  ;; Callers: 6 and 12 values of their own live across calls that take every exit in turn.
  (func (export "caller_edge6") (param $a i32) (param $b i32) (result i32)
    (local $i i32) (local $acc i32) (local $t i32) (local $u i32)
    (local.set $t (i32.mul (local.get $a) (i32.const 3)))
    (local.set $u (i32.sub (local.get $b) (local.get $a)))
    (loop $l
      (local.set $acc (i32.sub (call $exits8 (local.get $t) (local.get $u) (i32.or (local.get $i) (i32.shl (local.get $b) (i32.const 2)))) (local.get $acc)))
      (local.set $t (i32.xor (local.get $t) (local.get $acc)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
    (i32.sub (i32.sub (local.get $acc) (local.get $t)) (i32.sub (local.get $u) (i32.sub (local.get $a) (local.get $b)))))

  (func (export "caller_far12") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32)
    (local $v6 i32) (local $v7 i32) (local $i i32) (local $acc i64)
    (local.set $v0 (i32.add (local.get $a) (i32.const 1)))
    (local.set $v1 (i32.sub (local.get $b) (local.get $c)))
    (local.set $v2 (i32.rotl (local.get $c) (local.get $a)))
    (local.set $v3 (i32.mul (local.get $v0) (local.get $v1)))
    (local.set $v4 (i32.xor (local.get $v2) (local.get $v3)))
    (local.set $v5 (i32.sub (local.get $v4) (local.get $b)))
    (local.set $v6 (i32.shl (local.get $v5) (i32.const 4)))
    (local.set $v7 (i32.shr_s (local.get $v6) (local.get $c)))
    (loop $l
      (local.set $v0 (i32.sub (call $exits10 (local.get $v1) (local.get $v2) (local.get $v0) (i32.add (local.get $i) (i32.mul (local.get $c) (i32.const 8)))) (local.get $v0)))
      (call $void_exits (local.get $v3) (local.get $v0) (i32.add (local.get $i) (i32.const 2)))
      (local.set $acc (i64.sub (call $exits64 (i64.extend_i32_s (local.get $v4)) (i64.extend_i32_u (local.get $v5)) (local.get $i)) (local.get $acc)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 8))))
    (i32.sub (local.get $v0)
      (i32.xor (local.get $v1)
        (i32.sub (local.get $v2)
          (i32.rotl (local.get $v3)
            (i32.sub (local.get $v4)
              (i32.xor (local.get $v5)
                (i32.sub (local.get $v6)
                  (i32.sub (local.get $v7)
                    (i32.sub (i32.wrap_i64 (local.get $acc))
                      (i32.sub (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.const 32)))
                        (i32.sub (local.get $a) (i32.sub (local.get $b) (local.get $c))))))))))))))
)
(assert_return (invoke "exits64" (i64.const 0) (i64.const 0) (i32.const 0)) (i64.const 0))
