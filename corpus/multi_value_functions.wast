;; Functions with several results (returned through a caller-provided result area, AAPCS's
;; composite convention: hidden address in R0, then the arguments from R1), called directly,
;; indirectly and exported, mixing i32 and i64 (8-byte aligned slots), with values live across
;; the call and arguments that spill to the stack.
(module
  (type $divmod (func (param i32 i32) (result i32 i32)))
  (table 2 funcref)
  (elem (i32.const 0) $divmod $swap3)
  (func $divmod (export "divmod") (type $divmod)
    (if (result i32 i32) (local.get 1)
      (then (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
      (else (i32.const -1) (i32.const -1))))
  (func $swap3 (export "swap3") (param i32 i64 i32) (result i32 i64 i32)
    (local.get 2) (local.get 1) (local.get 0))
  (func (export "wide") (param i64 i64) (result i64 i32 i64)
    (i64.add (local.get 0) (local.get 1))
    (i64.lt_u (local.get 0) (local.get 1))
    (i64.sub (local.get 0) (local.get 1)))
  ;; An early return with several results from inside a block.
  (func (export "early") (param i32) (result i32 i32)
    (block
      (br_if 0 (i32.eqz (local.get 0)))
      (return (i32.const 1) (local.get 0)))
    (i32.const 0) (i32.const 0))
  ;; Calls: values live across them, results combined in order.
  (func (export "use_divmod") (param i32 i32) (result i32)
    (local $k i32)
    (local.set $k (i32.mul (local.get 0) (i32.const 7)))
    (i32.sub (i32.sub (call $divmod (local.get 0) (local.get 1))) (local.get $k)))
  (func (export "use_indirect") (param i32 i32 i32) (result i32)
    (i32.sub (call_indirect (type $divmod) (local.get 0) (local.get 1) (local.get 2))))
  (func (export "use_swap3") (param i32 i64 i32) (result i64)
    (local $r0 i32) (local $r1 i64) (local $r2 i32)
    (call $swap3 (local.get 0) (local.get 1) (local.get 2))
    (local.set $r2) (local.set $r1) (local.set $r0)
    (i64.sub (i64.sub (local.get $r1) (i64.extend_i32_u (local.get $r0))) (i64.extend_i32_s (local.get $r2))))
  ;; Many arguments (stack) plus the hidden result address.
  (func $many (param i32 i32 i32 i32 i32 i64) (result i32 i64)
    (i32.sub (i32.sub (i32.sub (i32.sub (local.get 0) (local.get 1)) (local.get 2)) (local.get 3)) (local.get 4))
    (i64.mul (local.get 5) (i64.const 3)))
  (func (export "use_many") (param i32 i64) (result i64)
    (local $b i64)
    (call $many (local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (local.get 1))
    (local.set $b)
    (i64.extend_i32_s)
    (i64.add (local.get $b)))
)
(assert_return (invoke "divmod" (i32.const 17) (i32.const 5)) (i32.const 3) (i32.const 2))
(assert_return (invoke "divmod" (i32.const 17) (i32.const 0)) (i32.const -1) (i32.const -1))
(assert_return (invoke "swap3" (i32.const 1) (i64.const 2) (i32.const 3)) (i32.const 3) (i64.const 2) (i32.const 1))
(assert_return (invoke "wide" (i64.const 1) (i64.const -1)) (i64.const 0) (i32.const 1) (i64.const 2))
(assert_return (invoke "early" (i32.const 5)) (i32.const 1) (i32.const 5))
(assert_return (invoke "early" (i32.const 0)) (i32.const 0) (i32.const 0))
;; 17 / 5 = 3, 17 % 5 = 2: 3 - 2 - 119
(assert_return (invoke "use_divmod" (i32.const 17) (i32.const 5)) (i32.const -118))
(assert_return (invoke "use_indirect" (i32.const 17) (i32.const 5) (i32.const 0)) (i32.const 1))
(assert_trap (invoke "use_indirect" (i32.const 17) (i32.const 5) (i32.const 1)) "indirect call type mismatch")
;; swap3(1, 100, 3) = (3, 100, 1): 100 - 3 - 1
(assert_return (invoke "use_swap3" (i32.const 1) (i64.const 100) (i32.const 3)) (i64.const 96))
;; (10 - 1 - 2 - 3 - 4) + 5 * 3
(assert_return (invoke "use_many" (i32.const 10) (i64.const 5)) (i64.const 15))

;; 40 i64 results (320 bytes of result area) and their sum folded in order by a caller.
(module
  (func $forty (export "forty") (param i64) (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.mul (local.get 0) (i64.const 1)) (i64.mul (local.get 0) (i64.const 2)) (i64.mul (local.get 0) (i64.const 3)) (i64.mul (local.get 0) (i64.const 4)) (i64.mul (local.get 0) (i64.const 5)) (i64.mul (local.get 0) (i64.const 6)) (i64.mul (local.get 0) (i64.const 7)) (i64.mul (local.get 0) (i64.const 8)) (i64.mul (local.get 0) (i64.const 9)) (i64.mul (local.get 0) (i64.const 10)) (i64.mul (local.get 0) (i64.const 11)) (i64.mul (local.get 0) (i64.const 12)) (i64.mul (local.get 0) (i64.const 13)) (i64.mul (local.get 0) (i64.const 14)) (i64.mul (local.get 0) (i64.const 15)) (i64.mul (local.get 0) (i64.const 16)) (i64.mul (local.get 0) (i64.const 17)) (i64.mul (local.get 0) (i64.const 18)) (i64.mul (local.get 0) (i64.const 19)) (i64.mul (local.get 0) (i64.const 20)) (i64.mul (local.get 0) (i64.const 21)) (i64.mul (local.get 0) (i64.const 22)) (i64.mul (local.get 0) (i64.const 23)) (i64.mul (local.get 0) (i64.const 24)) (i64.mul (local.get 0) (i64.const 25)) (i64.mul (local.get 0) (i64.const 26)) (i64.mul (local.get 0) (i64.const 27)) (i64.mul (local.get 0) (i64.const 28)) (i64.mul (local.get 0) (i64.const 29)) (i64.mul (local.get 0) (i64.const 30)) (i64.mul (local.get 0) (i64.const 31)) (i64.mul (local.get 0) (i64.const 32)) (i64.mul (local.get 0) (i64.const 33)) (i64.mul (local.get 0) (i64.const 34)) (i64.mul (local.get 0) (i64.const 35)) (i64.mul (local.get 0) (i64.const 36)) (i64.mul (local.get 0) (i64.const 37)) (i64.mul (local.get 0) (i64.const 38)) (i64.mul (local.get 0) (i64.const 39)) (i64.mul (local.get 0) (i64.const 40)))
  (func (export "sum_forty") (param i64) (result i64)
    (call $forty (local.get 0))
    (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub) (i64.sub))
)
;; 40 values k*x folded as v1 - (v2 - (v3 - ... (v39 - v40))) = x (1 - 2 + 3 - ... - 40) = -20x
(assert_return (invoke "sum_forty" (i64.const 3)) (i64.const -60))

;; The hidden result-area address shifts the arguments: here the second i64 goes to the stack,
;; which the caller's outgoing area must hold apart from the result area.
(module
  (func $pairs (param i64 i64) (result i32 i32)
    (i32.wrap_i64 (local.get 0)) (i32.wrap_i64 (i64.shr_u (local.get 1) (i64.const 32))))
  (func (export "call_pairs") (param i64 i64) (result i32)
    (call $pairs (local.get 0) (local.get 1))
    (i32.sub))
)
(assert_return (invoke "call_pairs" (i64.const 7) (i64.const 0x0000000300000000)) (i32.const 4))
