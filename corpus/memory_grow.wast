;; memory.size and memory.grow: growth up to the declared maximum, -1 beyond it, memory.grow(0)
;; returning the current size, new pages zeroed and old contents kept, accesses in a grown page
;; in bounds only after the growth.
(module
  (memory 1 4)
  (data (i32.const 65532) "\01\02\03\04")
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow0") (result i32) (memory.grow (i32.const 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  ;; The last word of the memory, whatever its size.
  (func (export "last_word") (result i32)
    (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))))
  ;; Grows, then reads the first word of the new page in the same call.
  (func (export "grow_then_load") (param i32) (result i32)
    (local $old i32)
    (local.set $old (memory.grow (local.get 0)))
    (if (result i32) (i32.eq (local.get $old) (i32.const -1))
      (then (i32.const -1))
      (else (i32.load (i32.mul (local.get $old) (i32.const 65536))))))
)

(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow0") (i32.const 1))
(assert_return (invoke "last_word") (i32.const 0x04030201))
(assert_trap (invoke "load" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0x04030201))
(assert_return (invoke "load" (i32.const 65536)) (i32.const 0))
(assert_return (invoke "last_word") (i32.const 0))
(assert_return (invoke "store" (i32.const 131068) (i32.const 77)))
(assert_return (invoke "last_word") (i32.const 77))
(assert_trap (invoke "load" (i32.const 131069)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 3)) (i32.const -1))
(assert_return (invoke "grow" (i32.const -1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0x10000)) (i32.const -1))
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "grow_then_load" (i32.const 2)) (i32.const 0))
(assert_return (invoke "size") (i32.const 4))
(assert_return (invoke "grow0") (i32.const 4))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow_then_load" (i32.const 1)) (i32.const -1))
(assert_return (invoke "load" (i32.const 262140)) (i32.const 0))

;; No maximum: growth is bounded by the embedder's cap (the same on both sides).
(module
  (memory 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)

(assert_return (invoke "size") (i32.const 0))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 0)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 15)) (i32.const 1))
(assert_return (invoke "size") (i32.const 16))
(assert_return (invoke "grow" (i32.const 0x10000)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0x8000_0000)) (i32.const -1))

;; A memory of zero pages that can never grow.
(module
  (memory 0 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)

(assert_return (invoke "grow" (i32.const 0)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
