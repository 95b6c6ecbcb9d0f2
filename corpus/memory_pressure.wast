;; Memory accesses under register pressure: the bounds check and address computation need
;; scratch registers while every pool register holds a live value (the "scratch collision" and
;; "pool exhaustion fallback" classes), at the pressure edge (6 live values, one more than the
;; pool) and far beyond it (12), plus stores and loads inside a loop with values live across it.
(module
  (memory 1)
  (data (i32.const 0) "\10\00\00\00\20\00\00\00\30\00\00\00\40\00\00\00")

  ;; Six values live across a load with an offset; non-commutative fold.
  (func (export "edge6_load") (param i32 i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
    (local.set $a (i32.add (local.get 0) (i32.const 1)))
    (local.set $b (i32.mul (local.get 1) (i32.const 3)))
    (local.set $c (i32.xor (local.get 0) (local.get 1)))
    (local.set $d (i32.sub (local.get 1) (local.get 0)))
    (local.set $e (i32.load offset=4 (i32.and (local.get 0) (i32.const 8))))
    (i32.sub
      (i32.sub (i32.sub (i32.sub (i32.sub (local.get $e) (local.get $a)) (local.get $b)) (local.get $c))
               (local.get $d))
      (i32.load offset=8 (i32.const 0))))

  ;; Six values live across a store, each then read back.
  (func (export "edge6_store") (param i32 i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
    (local.set $a (i32.shl (local.get 0) (i32.const 1)))
    (local.set $b (i32.shr_u (local.get 1) (i32.const 1)))
    (local.set $c (i32.rotl (local.get 0) (local.get 1)))
    (local.set $d (i32.or (local.get 1) (i32.const 0x100)))
    (local.set $e (i32.sub (i32.const 0) (local.get 0)))
    (i32.store offset=100 (i32.and (local.get 1) (i32.const 0xfc)) (local.get $c))
    (i32.store16 offset=2 (i32.const 400) (local.get $d))
    (i32.sub
      (i32.sub (i32.sub (i32.sub (i32.sub (local.get $a) (local.get $b)) (local.get $c)) (local.get $d))
               (local.get $e))
      (i32.add (i32.load offset=100 (i32.and (local.get 1) (i32.const 0xfc)))
               (i32.load (i32.const 400)))))

  ;; Twelve values defined early, a memory access between each definition and use.
  (func (export "deep12") (param i32) (result i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32)
    (local $v6 i32) (local $v7 i32) (local $v8 i32) (local $v9 i32) (local $v10 i32) (local $v11 i32)
    (local.set $v0 (i32.add (local.get 0) (i32.const 1)))
    (local.set $v1 (i32.add (local.get 0) (i32.const 2)))
    (local.set $v2 (i32.mul (local.get 0) (i32.const 3)))
    (local.set $v3 (i32.xor (local.get 0) (i32.const 0x55)))
    (local.set $v4 (i32.load (i32.const 0)))
    (local.set $v5 (i32.load (i32.const 4)))
    (local.set $v6 (i32.load8_s offset=1 (i32.and (local.get 0) (i32.const 7))))
    (local.set $v7 (i32.load16_u offset=2 (i32.and (local.get 0) (i32.const 6))))
    (local.set $v8 (i32.shr_s (local.get 0) (i32.const 3)))
    (local.set $v9 (i32.rotr (local.get 0) (i32.const 7)))
    (local.set $v10 (i32.sub (i32.const 1000) (local.get 0)))
    (local.set $v11 (i32.load offset=12 (i32.const 0)))
    (i32.store (i32.const 512) (local.get $v11))
    (i32.sub (local.get $v0)
      (i32.sub (local.get $v1)
        (i32.sub (local.get $v2)
          (i32.sub (local.get $v3)
            (i32.sub (local.get $v4)
              (i32.sub (local.get $v5)
                (i32.sub (local.get $v6)
                  (i32.sub (local.get $v7)
                    (i32.sub (local.get $v8)
                      (i32.sub (local.get $v9)
                        (i32.sub (local.get $v10) (i32.load (i32.const 512))))))))))))))

  ;; A loop that stores a running value and reads it back, with values live across the loop.
  (func (export "loop_mem") (param i32 i32) (result i32)
    (local $i i32) (local $acc i32) (local $k1 i32) (local $k2 i32) (local $k3 i32)
    (local.set $k1 (i32.add (local.get 1) (i32.const 7)))
    (local.set $k2 (i32.xor (local.get 1) (i32.const 0x1234)))
    (local.set $k3 (i32.mul (local.get 1) (local.get 1)))
    (local.set $i (i32.and (local.get 0) (i32.const 31)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $i)))
        (i32.store offset=1024 (i32.shl (local.get $i) (i32.const 2))
          (i32.add (local.get $acc) (local.get $k1)))
        (local.set $acc
          (i32.sub (i32.load offset=1024 (i32.shl (local.get $i) (i32.const 2))) (local.get $k2)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.sub (i32.sub (local.get $acc) (local.get $k3)) (local.get $k1)))
)

(assert_return (invoke "edge6_load" (i32.const 0) (i32.const 0)) (i32.const -17))
;; a=2 b=2 c=16 d=0x104 e=-1; memory[104]=16, memory[400..404]=00 00 04 01.
(assert_return (invoke "edge6_store" (i32.const 1) (i32.const 4)) (i32.const -17039651))
;; v = 1 2 0 85 16 32 0 0 0 0 1000 64: 1-(2-(0-(85-(16-(32-(0-(0-(0-(0-(1000-64)))))))))) = 834.
(assert_return (invoke "deep12" (i32.const 0)) (i32.const 834))
;; k1=9 k2=0x1236 k3=4; acc: -4653, -9306, -13959; then -13959-4-9.
(assert_return (invoke "loop_mem" (i32.const 3) (i32.const 2)) (i32.const -13972))
