;; f32 values in the float pool (S16-S31 on the M4 and M7; the matrix's pool=1 configuration
;; has one float register): more f32 values live than the pool holds, so Belady evicts S
;; registers to their frame words (VSTR) and reloads them (VLDR); loop-carried f32 values on
;; back edges whose label states permute S registers (parallel moves with cycles, broken
;; through S15); f32 values live across calls of a function that uses the float pool itself
;; (its VPUSH/VPOP must keep the caller's S16-S31); branches and br_table edges that conform
;; float-pool states; and integer code reading float-pool values (truncations, reinterpretation,
;; stores, select).
(module
  (memory 1)
  (func $churn (param $a f32) (param $b f32) (result f32)
    ;; Uses many float-pool registers of its own (clobbers S16 upwards unless saved).
    (local $c0 f32) (local $c1 f32) (local $c2 f32) (local $c3 f32) (local $c4 f32) (local $c5 f32) (local $c6 f32) (local $c7 f32) (local $c8 f32) (local $c9 f32)
    (local.set $c0 (f32.add (local.get $a) (local.get $b)))
    (local.set $c1 (f32.mul (local.get $c0) (f32.add (local.get $a) (f32.const 1.5))))
    (local.set $c2 (f32.add (local.get $c1) (f32.add (local.get $a) (f32.const 2.5))))
    (local.set $c3 (f32.sub (local.get $c2) (f32.add (local.get $a) (f32.const 3.5))))
    (local.set $c4 (f32.mul (local.get $c3) (f32.add (local.get $a) (f32.const 4.5))))
    (local.set $c5 (f32.add (local.get $c4) (f32.add (local.get $a) (f32.const 5.5))))
    (local.set $c6 (f32.sub (local.get $c5) (f32.add (local.get $a) (f32.const 6.5))))
    (local.set $c7 (f32.mul (local.get $c6) (f32.add (local.get $a) (f32.const 7.5))))
    (local.set $c8 (f32.add (local.get $c7) (f32.add (local.get $a) (f32.const 8.5))))
    (local.set $c9 (f32.sub (local.get $c8) (f32.add (local.get $a) (f32.const 9.5))))
    (f32.sub (f32.sub (f32.sub (f32.sub (f32.sub (f32.sub (f32.sub (f32.sub (f32.sub (local.get $c0) (local.get $c1)) (local.get $c2)) (local.get $c3)) (local.get $c4)) (local.get $c5)) (local.get $c6)) (local.get $c7)) (local.get $c8)) (local.get $c9)))

  ;; 20 f32 values live at once: more than the 16 registers of the float pool.
  (func (export "live20") (param $a f32) (param $b f32) (result f32)
    (local $x0 f32) (local $x1 f32) (local $x2 f32) (local $x3 f32) (local $x4 f32) (local $x5 f32) (local $x6 f32) (local $x7 f32) (local $x8 f32) (local $x9 f32) (local $x10 f32) (local $x11 f32) (local $x12 f32) (local $x13 f32) (local $x14 f32) (local $x15 f32) (local $x16 f32) (local $x17 f32) (local $x18 f32) (local $x19 f32)
    (local.set $x0 (f32.add (local.get $a) (local.get $b)))
    (local.set $x1 (f32.sub (local.get $a) (local.get $b)))
    (local.set $x2 (f32.sub (local.get $x1) (local.get $x0)))
    (local.set $x3 (f32.div (local.get $x2) (f32.const 1.25)))
    (local.set $x4 (f32.add (local.get $x3) (local.get $x2)))
    (local.set $x5 (f32.mul (local.get $x4) (local.get $x3)))
    (local.set $x6 (f32.sub (local.get $x5) (local.get $x4)))
    (local.set $x7 (f32.div (local.get $x6) (f32.const 1.25)))
    (local.set $x8 (f32.add (local.get $x7) (local.get $x6)))
    (local.set $x9 (f32.mul (local.get $x8) (local.get $x7)))
    (local.set $x10 (f32.sub (local.get $x9) (local.get $x8)))
    (local.set $x11 (f32.div (local.get $x10) (f32.const 1.25)))
    (local.set $x12 (f32.add (local.get $x11) (local.get $x10)))
    (local.set $x13 (f32.mul (local.get $x12) (local.get $x11)))
    (local.set $x14 (f32.sub (local.get $x13) (local.get $x12)))
    (local.set $x15 (f32.div (local.get $x14) (f32.const 1.25)))
    (local.set $x16 (f32.add (local.get $x15) (local.get $x14)))
    (local.set $x17 (f32.mul (local.get $x16) (local.get $x15)))
    (local.set $x18 (f32.sub (local.get $x17) (local.get $x16)))
    (local.set $x19 (f32.div (local.get $x18) (f32.const 1.25)))
    (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (f32.sub (f32.mul (local.get $x0) (f32.const 0.5)) (local.get $x1)) (f32.const 0.5)) (local.get $x2)) (f32.const 0.5)) (local.get $x3)) (f32.const 0.5)) (local.get $x4)) (f32.const 0.5)) (local.get $x5)) (f32.const 0.5)) (local.get $x6)) (f32.const 0.5)) (local.get $x7)) (f32.const 0.5)) (local.get $x8)) (f32.const 0.5)) (local.get $x9)) (f32.const 0.5)) (local.get $x10)) (f32.const 0.5)) (local.get $x11)) (f32.const 0.5)) (local.get $x12)) (f32.const 0.5)) (local.get $x13)) (f32.const 0.5)) (local.get $x14)) (f32.const 0.5)) (local.get $x15)) (f32.const 0.5)) (local.get $x16)) (f32.const 0.5)) (local.get $x17)) (f32.const 0.5)) (local.get $x18)) (f32.const 0.5)) (local.get $x19)))

  ;; f32 values live across calls of $churn, which uses the float pool too.
  (func (export "across_calls") (param $a f32) (param $b f32) (result f32)
    (local $p f32) (local $q f32) (local $r f32) (local $s f32) (local $t f32)
    (local.set $p (f32.mul (local.get $a) (f32.const 3)))
    (local.set $q (f32.sub (local.get $b) (local.get $p)))
    (local.set $r (f32.add (local.get $p) (f32.const 0.25)))
    (local.set $s (call $churn (local.get $q) (local.get $r)))
    (local.set $t (call $churn (local.get $s) (local.get $p)))
    (f32.sub (f32.sub (f32.sub (f32.sub (local.get $t) (local.get $s)) (local.get $r)) (local.get $q)) (local.get $p)))

  ;; Loop-carried values rotated every iteration (a <- b <- c <- a + c): the back edge permutes
  ;; float-pool registers; a float compare ends the loop early.
  (func (export "rotate") (param $a f32) (param $b f32) (param $n i32) (result f32)
    (local $c f32) (local $t f32) (local $i i32)
    (local.set $c (f32.sub (local.get $a) (local.get $b)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.and (local.get $n) (i32.const 15))))
        (local.set $t (local.get $a))
        (local.set $a (local.get $b))
        (local.set $b (local.get $c))
        (local.set $c (f32.add (local.get $t) (f32.mul (local.get $c) (f32.const 0.5))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (f32.gt (local.get $c) (f32.const 1e30)))
        (br $next)))
    (f32.sub (f32.sub (local.get $a) (f32.mul (local.get $b) (f32.const 2))) (f32.mul (local.get $c) (f32.const 4))))

  ;; br_table edges carrying f32 block values, and branches that leave different float-pool
  ;; values in registers on each path.
  (func (export "paths") (param $a f32) (param $b f32) (param $k i32) (result f32)
    (local $u f32) (local $v f32) (local $w f32)
    (local.set $u (f32.mul (local.get $a) (local.get $b)))
    (local.set $v (f32.add (local.get $a) (f32.const 1)))
    (local.set $w
      (block $out (result f32)
        (block $two
          (block $one
            (block $zero
              (br_table $zero $one $two (local.get $k)))
            (br $out (f32.sub (local.get $v) (local.get $u))))
          (local.set $v (f32.div (local.get $u) (f32.const 3)))
          (br $out (f32.add (local.get $v) (local.get $b))))
        (if (f32.lt (local.get $a) (local.get $b))
          (then (local.set $u (f32.sub (local.get $b) (local.get $a))))
          (else (local.set $v (f32.sub (local.get $a) (local.get $b)))))
        (f32.mul (local.get $u) (local.get $v))))
    (f32.sub (f32.sub (local.get $w) (local.get $u)) (local.get $v)))

  ;; Two loop-carried values that trade places through a third: with a float pool of two
  ;; registers (the matrix's pool=2) the back edge's parallel move is a cycle, broken through S15.
  (func (export "cyc") (param $a f32) (param $b f32) (param $k i32) (result f32)
    (local $i i32) (local $t f32)
    (loop $l
      (local.set $t (f32.mul (local.get $b) (f32.const 0.5)))
      (local.set $b (f32.add (local.get $a) (f32.const 1)))
      (local.set $a (f32.sub (local.get $t) (f32.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.and (local.get $k) (i32.const 7)))))
    (f32.sub (local.get $a) (f32.mul (local.get $b) (f32.const 3))))

  ;; Integer code reading float-pool values: truncation, reinterpretation, a store, select.
  (func (export "to_int") (param $a f32) (param $b f32) (result i32)
    (local $p f32) (local $q f32) (local $r f32)
    (local.set $p (f32.add (local.get $a) (local.get $b)))
    (local.set $q (f32.mul (local.get $p) (local.get $a)))
    (local.set $r (f32.sub (local.get $q) (local.get $b)))
    (f32.store (i32.const 16) (local.get $q))
    (i32.sub
      (i32.sub (i32.trunc_sat_f32_s (local.get $r)) (i32.reinterpret_f32 (local.get $p)))
      (i32.add (i32.load (i32.const 16))
        (i32.reinterpret_f32 (select (local.get $p) (local.get $r) (f32.ge (local.get $q) (local.get $r)))))))
)

(assert_return (invoke "live20" (f32.const 0x1.8000000000000p+0) (f32.const -0x1.8000000000000p-1)) (f32.const -0x1.aa56100000000p+0))
(assert_return (invoke "live20" (f32.const 0x1.8000000000000p+1) (f32.const 0x1.0000000000000p+1)) (f32.const -0x1.5569640000000p+43))
(assert_return (invoke "across_calls" (f32.const 0x1.0000000000000p+0) (f32.const 0x1.4000000000000p+1)) (f32.const -0x1.d5f7720000000p+30))
(assert_return (invoke "across_calls" (f32.const -0x1.8000000000000p+1) (f32.const 0x1.0000000000000p-1)) (f32.const -0x1.36df640000000p+51))
(assert_return (invoke "rotate" (f32.const 0x1.0000000000000p+0) (f32.const 0x1.0000000000000p+1) (i32.const 7)) (f32.const -0x1.5200000000000p+2))
(assert_return (invoke "rotate" (f32.const -0x1.8000000000000p+0) (f32.const 0x1.0000000000000p-2) (i32.const 15)) (f32.const 0x1.7ec3f80000000p+6))
(assert_return (invoke "rotate" (f32.const 0x1.431e100000000p+96) (f32.const 0x1.431e100000000p+96) (i32.const 15)) (f32.const -0x1.0d72f40000000p+102))
(assert_return (invoke "paths" (f32.const 0x1.0000000000000p+1) (f32.const 0x1.8000000000000p+1) (i32.const 0)) (f32.const -0x1.8000000000000p+3))
(assert_return (invoke "paths" (f32.const 0x1.0000000000000p+1) (f32.const 0x1.8000000000000p+1) (i32.const 1)) (f32.const -0x1.8000000000000p+1))
(assert_return (invoke "paths" (f32.const 0x1.0000000000000p+1) (f32.const 0x1.8000000000000p+1) (i32.const 2)) (f32.const -0x1.0000000000000p+0))
(assert_return (invoke "paths" (f32.const 0x1.4000000000000p+2) (f32.const 0x1.8000000000000p+1) (i32.const 2)) (f32.const 0x1.a000000000000p+3))
(assert_return (invoke "paths" (f32.const 0x1.0000000000000p+1) (f32.const 0x1.8000000000000p+1) (i32.const 3)) (f32.const -0x1.0000000000000p+0))
(assert_return (invoke "paths" (f32.const 0x1.0000000000000p+1) (f32.const 0x1.8000000000000p+1) (i32.const -1)) (f32.const -0x1.0000000000000p+0))
(assert_return (invoke "to_int" (f32.const 0x1.8000000000000p+0) (f32.const 0x1.2000000000000p+1)) (i32.const 1047265283))
(assert_return (invoke "to_int" (f32.const -0x1.9000000000000p+6) (f32.const 0x1.c000000000000p+2)) (i32.const 880464973))
(assert_return (invoke "cyc" (f32.const 0x1.8000000000000p+0) (f32.const -0x1.0000000000000p+1) (i32.const 5)) (f32.const -0x1.8000000000000p-2))
(assert_return (invoke "cyc" (f32.const 0x1.0000000000000p-2) (f32.const 0x1.8000000000000p+1) (i32.const 7)) (f32.const 0x1.0c00000000000p+1))
