#!/usr/bin/env bash
# All tests: the llvm-mc encoder comparison, the compiler, the harness fault-injection tests and
# the corpus differential run (pool sizes 5 and 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec cargo test --workspace "$@"
