#!/bin/bash -eu
# Builds the cargo-fuzz targets into $OUT with their seed corpora, following the OSS-Fuzz Rust
# conventions (`cargo fuzz build -O`, binaries and `<target>_seed_corpus.zip` in $OUT).
# In OSS-Fuzz / ClusterFuzzLite it runs in the Dockerfile's image with the repository as the
# working directory and $SANITIZER set. It also runs on a developer machine with a stable
# toolchain: `OUT=/tmp/out bash .clusterfuzzlite/build.sh` (sanitizer `none` unless SANITIZER is
# set; sanitizers need nightly features, enabled here with RUSTC_BOOTSTRAP=1).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f fuzz/Cargo.toml ] || cd "$SRC/wasm2thumb"
: "${OUT:?set OUT to the directory the fuzz targets go to}"
mkdir -p "$OUT"
sanitizer="${SANITIZER:-none}"
case "$sanitizer" in
  address | memory | thread | leak | none) ;;
  *) sanitizer=none ;; # coverage, undefined: instrumented by the toolchain flags alone
esac
if ! rustc --version | grep -q nightly && [ "$sanitizer" != none ]; then
  export RUSTC_BOOTSTRAP=1
fi
targets="diff_pressure diff_smith compile_never_panics"
cargo fuzz build -O -s "$sanitizer"
triple="$(rustc -vV | sed -n 's/^host: //p')"
for target in $targets; do
  cp "fuzz/target/$triple/release/$target" "$OUT/"
  # Seeds are WebAssembly modules with their vectors embedded (see emu-harness/src/oracle/vectors.rs).
  rm -f "$OUT/${target}_seed_corpus.zip"
  (cd "fuzz/seeds/$target" && zip -q -j "$OUT/${target}_seed_corpus.zip" ./*.wasm)
done
echo "built into $OUT: $targets"
