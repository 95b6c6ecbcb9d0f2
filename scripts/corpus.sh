#!/usr/bin/env bash
# The main job: the differential run over the bundled corpus under every compile configuration
# (--matrix: pool sizes 5..1, baseline, CPU M3/M4/M7). Extra arguments go to `run`, e.g.
# --vectors 5000 --seed 7 --json --report reports/corpus.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec cargo run --quiet -p emu-harness -- run corpus --matrix "$@"
