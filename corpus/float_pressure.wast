;; f32 values under register pressure: 14 live f32 values, in the float pool (S16 upwards) on
;; the M4 and M7 where float operators compute them, else in the core pool as bit patterns (see
;; `wasm2thumb::ir::Ty`: select results, the M3, the baseline), through the same Belady
;; allocator and label states as integers. A non-commutative fold reads all of them at the end; comparisons and
;; truncations feed integer code; floats cross calls (the fifth f32 argument on the stack), a
;; loop carries float accumulators, `br_if` on float compares.
(module
  (func $blend (param f32 f32 f32 f32 f32) (result f32)
    (f32.sub (f32.mul (local.get 0) (local.get 4)) (f32.div (f32.add (local.get 1) (local.get 2)) (local.get 3))))

  (func (export "live14") (param $a f32) (param $b f32) (param $n i32) (result f32)
    (local $x0 f32) (local $x1 f32) (local $x2 f32) (local $x3 f32) (local $x4 f32) (local $x5 f32) (local $x6 f32) (local $x7 f32) (local $x8 f32) (local $x9 f32) (local $x10 f32) (local $x11 f32) (local $x12 f32) (local $x13 f32)
    (local.set $x0 (f32.add (local.get $a) (local.get $b)))
    (local.set $x1 (f32.sub (local.get $a) (local.get $b)))
    (local.set $x2 (f32.mul (local.get $x0) (local.get $x1)))
    (local.set $x3 (f32.div (local.get $x2) (f32.add (f32.abs (local.get $b)) (f32.const 3))))
    (local.set $x4 (f32.convert_i32_s (local.get $n)))
    (local.set $x5 (f32.min (local.get $x3) (local.get $x4)))
    (local.set $x6 (f32.max (local.get $x0) (local.get $x5)))
    (local.set $x7 (f32.nearest (local.get $x6)))
    (local.set $x8 (f32.sqrt (f32.abs (local.get $x2))))
    (local.set $x9 (f32.copysign (local.get $x8) (local.get $x1)))
    (local.set $x10 (f32.floor (local.get $x3)))
    (local.set $x11 (f32.neg (local.get $x7)))
    (local.set $x12 (f32.convert_i32_u (i32.trunc_sat_f32_s (local.get $x9))))
    (local.set $x13 (select (local.get $x10) (local.get $x11) (f32.lt (local.get $x5) (local.get $x6))))
    (f32.sub (f32.div (f32.sub (f32.sub (f32.div (f32.sub (f32.sub (f32.div (f32.sub (f32.sub (f32.div (f32.sub (f32.sub (local.get $x0) (local.get $x1)) (local.get $x2)) (local.get $x3)) (local.get $x4)) (local.get $x5)) (local.get $x6)) (local.get $x7)) (local.get $x8)) (local.get $x9)) (local.get $x10)) (local.get $x11)) (local.get $x12)) (local.get $x13)))

  ;; The same values feeding integer code: truncations and comparisons with i32 values live.
  (func (export "to_int") (param $a f32) (param $b f32) (param $n i32) (result i32)
    (local $p f32) (local $q f32) (local $r f32) (local $s f32) (local $i i32) (local $j i32) (local $k i32)
    (local.set $p (f32.mul (local.get $a) (f32.const 1.25)))
    (local.set $i (i32.mul (local.get $n) (i32.const 7)))
    (local.set $q (f32.sub (local.get $b) (local.get $p)))
    (local.set $j (i32.xor (local.get $i) (i32.trunc_sat_f32_u (local.get $q))))
    (local.set $r (f32.convert_i32_s (local.get $j)))
    (local.set $k (i32.add (f32.le (local.get $p) (local.get $q)) (f32.ne (local.get $r) (local.get $r))))
    (local.set $s (f32.div (local.get $r) (local.get $p)))
    (i32.sub
      (i32.sub (i32.sub (local.get $i) (local.get $j)) (i32.mul (local.get $k) (i32.const 3)))
      (i32.add (i32.trunc_sat_f32_s (local.get $s)) (i32.reinterpret_f32 (f32.min (local.get $q) (local.get $s))))))

  ;; Floats across a call: five f32 arguments (four in R0-R3, one on the stack) with f32 values
  ;; live across it in the caller.
  (func (export "calls") (param $a f32) (param $b f32) (result f32)
    (local $u f32) (local $v f32) (local $w f32)
    (local.set $u (f32.add (local.get $a) (f32.const 0.5)))
    (local.set $v (f32.mul (local.get $b) (local.get $u)))
    (local.set $w (call $blend (local.get $v) (local.get $u) (local.get $b) (local.get $a) (f32.sub (local.get $v) (local.get $b))))
    (f32.sub (f32.sub (f32.sub (local.get $w) (local.get $u)) (local.get $v)) (call $blend (local.get $w) (local.get $a) (local.get $a) (local.get $u) (local.get $v))))

  ;; A loop carrying two float accumulators and a counter; it exits on a float compare.
  (func (export "series") (param $x f32) (param $n i32) (result f32)
    (local $sum f32) (local $term f32) (local $k i32)
    (local.set $term (local.get $x))
    (local.set $n (i32.and (local.get $n) (i32.const 31)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $sum (f32.add (local.get $sum) (local.get $term)))
        (local.set $term
          (f32.mul (local.get $term) (f32.div (local.get $x) (f32.convert_i32_u (i32.add (local.get $k) (i32.const 2))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $next (f32.lt (f32.abs (local.get $term)) (f32.const inf)))))
    (f32.sub (local.get $sum) (local.get $term)))
)
(assert_return (invoke "calls" (f32.const 1) (f32.const 2)) (f32.const -0x1.1555540000000p+1))
(assert_return (invoke "series" (f32.const 1) (i32.const 3)) (f32.const 1.625))
