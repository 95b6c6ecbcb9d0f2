;; Found by the built-in campaign (wasm-smith pressure generator, seed 21, iteration 7820) the
;; moment labels started carrying register state (each label's state fixed by its first edge).
;; A block result (`$r` below, a temporary written on every edge into `$out`) is written early
;; by a `br_if $out` and again at the end of the block. Its linear live range covers the inner
;; labels, so the state of `$b15` (fixed by `br $b15`, where the result held a value) listed it,
;; yet the path through `$b22` (whose state was fixed before the result was ever written) has no
;; value for it. It is not really live at `$b15`: every path from there writes it before reading.
;; The compiler caught its own inconsistency (internal error, no wrong code); the fix computes
;; liveness at labels by dataflow over the control-flow graph.
(module
  (func (export "f") (param $a i32) (param $b i32) (param $c i32) (result i64)
    (block $out (result i64)
      (block $b15
        (block $b14
          (block $b22
            (br_if $b22 (local.get $a))
            (i64.const 11)
            (br_if $out (local.get $b))
            (drop)
            (br $b15))
          (nop))
        (nop))
      (i64.extend_i32_u (local.get $c))))
  ;; The same with the pool under pressure across the labels.
  (func (export "g") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i64)
    (local $x i32) (local $y i32) (local $z i32)
    (local.set $x (i32.mul (local.get $c) (i32.const 3)))
    (local.set $y (i32.xor (local.get $d) (i32.const 5)))
    (local.set $z (i32.sub (local.get $c) (local.get $d)))
    (block $out (result i64)
      (block $b15
        (block $b14
          (block $b22
            (br_if $b22 (local.get $a))
            (i64.extend_i32_s (i32.add (local.get $x) (local.get $y)))
            (br_if $out (local.get $b))
            (drop)
            (br $b15))
          (local.set $x (i32.add (local.get $x) (local.get $z))))
        (local.set $y (i32.sub (local.get $y) (local.get $x))))
      (i64.add (i64.extend_i32_u (i32.xor (local.get $x) (local.get $y)))
               (i64.extend_i32_s (local.get $z))))))
(assert_return (invoke "f" (i32.const 0) (i32.const 1) (i32.const 7)) (i64.const 11))
(assert_return (invoke "f" (i32.const 0) (i32.const 0) (i32.const 7)) (i64.const 7))
(assert_return (invoke "f" (i32.const 1) (i32.const 1) (i32.const 7)) (i64.const 7))
(assert_return (invoke "g" (i32.const 0) (i32.const 1) (i32.const 4) (i32.const 9)) (i64.const 24))
