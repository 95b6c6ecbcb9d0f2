;; Module state used the way a program uses it: a 64-entry i32 stack in linear memory with a
;; mutable stack-pointer global (`push`/`pop`/`sum`/`op`, full and empty handled without leaving
;; the array, `pop_checked` traps cleanly when empty), an i64 hash accumulator updated on every
;; push, a bump allocator that grows memory page by page up to the declared maximum and resets
;; its arena when `memory.grow` fails, and readers that fold globals and memory under pressure
;; (6 and 12 live). State persists across calls (assertions first, then every vector), so a
;; global or store lost or misplaced on any path shows up in a later call's result and in the
;; global/memory comparison. Catches: globals as sinks under pressure, lost stores, memory.grow /
;; memory.size, wrong address from a global base, call/return paths that drop a global update.
(module
  (memory 1 4)
  (global $sp (export "sp") (mut i32) (i32.const 0))
  (global $hash (export "hash") (mut i64) (i64.const 0xcbf29ce484222325))
  (global $calls (export "calls") (mut i32) (i32.const 0))
  (global $heap (export "heap") (mut i32) (i32.const 0x1000))
  (global $resets (export "resets") (mut i32) (i32.const 0))
  (global $base i32 (i32.const 0x100))
  (global $cap i32 (i32.const 64))

  ;; Hash accumulator: FNV-style multiply, then a rotate by (and subtract of) the i64 argument.
  (func $mix (export "mix") (param $a i32) (param $b i64) (result i64)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (global.set $hash (i64.mul (i64.xor (global.get $hash) (i64.extend_i32_u (local.get $a))) (i64.const 0x100000001b3)))
    (global.set $hash (i64.sub (i64.rotl (global.get $hash) (local.get $b)) (local.get $b)))
    (global.get $hash))

  (func $push (export "push") (param $v i32) (result i32)
    (if (i32.ge_u (global.get $sp) (global.get $cap)) (then (return (i32.const -1))))
    (i32.store (i32.add (global.get $base) (i32.shl (global.get $sp) (i32.const 2))) (local.get $v))
    (global.set $sp (i32.add (global.get $sp) (i32.const 1)))
    (drop (call $mix (local.get $v) (i64.const 1)))
    (global.get $sp))

  (func $pop (export "pop") (result i32)
    (if (i32.eqz (global.get $sp)) (then (return (i32.const 0))))
    (global.set $sp (i32.sub (global.get $sp) (i32.const 1)))
    (i32.load (i32.add (global.get $base) (i32.shl (global.get $sp) (i32.const 2)))))

  (func (export "pop_checked") (result i32)
    (if (i32.eqz (global.get $sp)) (then unreachable))
    (call $pop))

  ;; Order-sensitive fold over the live part of the stack (at most 64 iterations).
  (func $sum (export "sum") (result i32)
    (local $i i32) (local $acc i32) (local $p i32)
    (local.set $p (global.get $base))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (global.get $sp)))
        (local.set $acc (i32.sub (i32.rotl (local.get $acc) (i32.const 3)) (i32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.sub (local.get $acc) (global.get $sp)))

  ;; A tiny stack machine: code & 7 selects push, pop, dup, sub, swap, rotate, sum, clear.
  (func (export "op") (param $code i32) (param $v i32) (result i32)
    (local $x i32) (local $y i32) (local $p i32)
    (block $clear (block $sum (block $rot (block $swap (block $sub (block $dup (block $pop (block $push
      (br_table $push $pop $dup $sub $swap $rot $sum $clear (i32.and (local.get $code) (i32.const 7))))
      ;; 0: push
      (return (call $push (local.get $v))))
      ;; 1: pop
      (return (call $pop)))
      ;; 2: dup (or push v when empty)
      (if (i32.eqz (global.get $sp)) (then (return (call $push (local.get $v)))))
      (return (call $push (i32.load offset=0xfc (i32.shl (global.get $sp) (i32.const 2))))))
      ;; 3: replace the top two by (second - top)
      (local.set $x (call $pop))
      (local.set $y (call $pop))
      (return (call $push (i32.sub (local.get $y) (local.get $x)))))
      ;; 4: swap the top two in place
      (if (i32.lt_u (global.get $sp) (i32.const 2)) (then (return (i32.const -2))))
      (local.set $p (i32.add (global.get $base) (i32.shl (global.get $sp) (i32.const 2))))
      (local.set $x (i32.load offset=0 (i32.sub (local.get $p) (i32.const 4))))
      (i32.store (i32.sub (local.get $p) (i32.const 4)) (i32.load (i32.sub (local.get $p) (i32.const 8))))
      (i32.store (i32.sub (local.get $p) (i32.const 8)) (local.get $x))
      (return (global.get $sp)))
      ;; 5: rotate the top by v
      (return (call $push (i32.rotl (call $pop) (local.get $v)))))
      ;; 6: sum
      (return (call $sum)))
    ;; 7: clear when the low byte of v is zero, else push v ^ sp
    (if (result i32) (i32.eqz (i32.and (local.get $v) (i32.const 0xff)))
      (then (global.set $sp (i32.const 0)) (i32.const 0))
      (else (call $push (i32.xor (local.get $v) (global.get $sp))))))

  ;; Bump allocator: 8-byte header (size, hash low word), 8-aligned sizes up to 16 KiB; grows
  ;; memory when the block does not fit; when growth fails (maximum 4 pages) the arena is reset.
  (func $alloc (export "alloc") (param $n i32) (result i32)
    (local $size i32) (local $end i32) (local $need i32) (local $ptr i32)
    (local.set $size (i32.and (i32.add (i32.and (local.get $n) (i32.const 0x3fff)) (i32.const 7)) (i32.const -8)))
    (local.set $end (i32.add (i32.add (global.get $heap) (local.get $size)) (i32.const 8)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (local.set $need (i32.shr_u (i32.add (i32.sub (local.get $end) (i32.shl (memory.size) (i32.const 16))) (i32.const 0xffff)) (i32.const 16)))
        (if (i32.eq (memory.grow (local.get $need)) (i32.const -1))
          (then
            (global.set $resets (i32.add (global.get $resets) (i32.const 1)))
            (global.set $heap (i32.const 0x1000))
            (local.set $end (i32.add (i32.add (global.get $heap) (local.get $size)) (i32.const 8)))))))
    (i32.store (global.get $heap) (local.get $size))
    (i32.store offset=4 (global.get $heap) (i32.wrap_i64 (global.get $hash)))
    (local.set $ptr (i32.add (global.get $heap) (i32.const 8)))
    (if (local.get $size)
      (then
        (i32.store (local.get $ptr) (local.get $n))
        (i32.store (i32.sub (local.get $end) (i32.const 4)) (i32.xor (local.get $n) (global.get $calls)))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  ;; memory.grow(0) is the current size; encode both.
  (func (export "pages") (result i32)
    (i32.add (i32.shl (memory.grow (i32.const 0)) (i32.const 8)) (memory.size)))

  ;; Order-sensitive checksum of (words & 63) words from an unmasked address: traps cleanly when
  ;; the range leaves memory (which depends on how far the allocator has grown it).
  (func (export "checksum") (param $ptr i32) (param $words i32) (result i32)
    (local $i i32) (local $acc i32)
    (local.set $i (i32.and (local.get $words) (i32.const 63)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $acc (i32.xor (i32.rotl (local.get $acc) (i32.const 5)) (i32.load (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.sub (local.get $acc) (local.get $words)))

  ;; Copy (n & 63) words between two word-aligned addresses in the first page, overlapping allowed.
  (func (export "copy") (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (local $d i32) (local $s i32) (local $i i32)
    (local.set $d (i32.and (local.get $dst) (i32.const 0xfefc)))
    (local.set $s (i32.and (local.get $src) (i32.const 0xfefc)))
    (local.set $i (i32.and (local.get $n) (i32.const 63)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (i32.store (local.get $d) (i32.sub (i32.load (local.get $s)) (local.get $i)))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.sub (local.get $d) (local.get $s)))

  ;; One program step: push, hash, allocate, sum, maybe pop; values live across every call.
  (func (export "step") (param $a i32) (param $b i32) (result i32)
    (local $p i32) (local $h i64) (local $s i32) (local $n i32)
    (local.set $n (call $push (local.get $a)))
    (local.set $h (call $mix (local.get $b) (i64.extend_i32_u (local.get $a))))
    (local.set $p (call $alloc (i32.and (local.get $b) (i32.const 0x7ff))))
    (local.set $s (call $sum))
    (if (i32.and (local.get $a) (i32.const 1)) (then (drop (call $pop))))
    (i32.sub (i32.sub (local.get $s) (local.get $p))
      (i32.sub (i32.wrap_i64 (local.get $h))
        (i32.sub (local.get $n) (i32.sub (local.get $a) (local.get $b))))))

  ;; Every global, the stack top and an allocator header read into 6 live values, folded in order.
  (func (export "snapshot_edge6") (param $k i32) (result i32)
    (i32.sub (global.get $sp)
      (i32.xor (i32.wrap_i64 (global.get $hash))
        (i32.sub (global.get $calls)
          (i32.rotl (global.get $heap)
            (i32.sub (global.get $resets)
              (i32.sub (i32.load offset=0x100 (i32.shl (i32.and (local.get $k) (i32.const 63)) (i32.const 2)))
                       (i32.load offset=0x1000 (i32.const 0)))))))))

  ;; Twelve values live: globals, memory words, and the parameter; also updates the hash.
  (func (export "snapshot_far12") (param $k i32) (param $x i64) (result i64)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32) (local $v6 i32)
    (local $h i64) (local $q i32)
    (local.set $q (i32.shl (i32.and (local.get $k) (i32.const 63)) (i32.const 2)))
    (local.set $v0 (global.get $sp))
    (local.set $v1 (global.get $calls))
    (local.set $v2 (global.get $heap))
    (local.set $v3 (global.get $resets))
    (local.set $h (global.get $hash))
    (local.set $v4 (i32.load offset=0x100 (local.get $q)))
    (local.set $v5 (i32.load offset=0x1004 (i32.const 0)))
    (local.set $v6 (i32.load8_u offset=0x1000 (local.get $q)))
    (global.set $hash (i64.sub (i64.rotl (local.get $h) (i64.const 9)) (local.get $x)))
    (i64.sub (local.get $h)
      (i64.extend_i32_u
        (i32.sub (local.get $v0)
          (i32.xor (local.get $v1)
            (i32.sub (local.get $v2)
              (i32.rotl (local.get $v3)
                (i32.sub (local.get $v4)
                  (i32.xor (local.get $v5)
                    (i32.sub (local.get $v6)
                      (i32.sub (local.get $k)
                        (i32.sub (local.get $q) (i32.wrap_i64 (local.get $x))))))))))))))
)
(assert_return (invoke "pages") (i32.const 257))
(assert_return (invoke "sum") (i32.const 0))
(assert_return (invoke "pop") (i32.const 0))
(assert_return (invoke "push" (i32.const 5)) (i32.const 1))
(assert_return (invoke "push" (i32.const 7)) (i32.const 2))
(assert_return (invoke "pop") (i32.const 7))
(assert_return (invoke "sum") (i32.const -6))
(assert_return (invoke "op" (i32.const 0) (i32.const 9)) (i32.const 2))
(assert_return (invoke "op" (i32.const 3) (i32.const 0)) (i32.const 1))
(assert_return (invoke "pop") (i32.const -4))
(assert_return (invoke "pop") (i32.const 0))
(assert_trap (invoke "pop_checked") "unreachable")
(assert_return (invoke "alloc" (i32.const 0)) (i32.const 0x1008))
(assert_return (invoke "alloc" (i32.const 1)) (i32.const 0x1010))
(assert_return (invoke "alloc" (i32.const 8)) (i32.const 0x1020))
