#!/usr/bin/env bash
# Benchmarks, with the figures the README records: differential throughput beside the Python
# oracle loop (installed into a virtualenv under target/ from PyPI), and compile speed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
venv=target/bench-venv
if ! "$venv/bin/python" -c 'import unicorn, wasmtime, elftools' 2>/dev/null; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian splits venv out of python3.
        [ "$(id -u)" -eq 0 ] && sudo_cmd="" || sudo_cmd="sudo"
        $sudo_cmd apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet unicorn wasmtime pyelftools
fi
cargo build --release -p emu-harness
target/release/emu-harness bench-throughput --python "$venv/bin/python" "$@"
target/release/emu-harness bench-compile
# Campaign executions per second on one core (an execution: one generated function compiled,
# run on both sides on 8 vectors and compared), per generator.
for generator in pressure smith; do
    target/release/emu-harness fuzz --generator "$generator" --jobs 1 --vectors 8 --iterations 1500 \
        --seed 1 --artifacts target/bench-artifacts | tail -n 1
done
