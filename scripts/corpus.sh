#!/usr/bin/env bash
# The main job: the differential run over the bundled corpus (extra arguments go to `run`,
# e.g. --vectors 5000 --seed 7 --pool-size 1 --json --report reports/corpus.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec cargo run --quiet -p emu-harness -- run corpus "$@"
