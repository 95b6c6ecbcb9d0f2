#!/usr/bin/env bash
# Installs what the build needs on a fresh Debian machine: cmake and libclang (unicorn's C core and
# its bindgen step), LLVM's llvm-mc/llvm-objdump (the encoder's oracle) and llc (the calling
# convention's), and binutils' arm-none-eabi-ld (the relocatable object's oracle). Everything
# else comes through cargo. Does nothing when all of it is already there.
set -euo pipefail
missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
# bindgen needs libclang.so; the -dev package provides the unversioned name it looks for.
ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 \
  || missing+=(libclang-dev)
command -v llvm-mc >/dev/null 2>&1 || missing+=(llvm)
command -v llvm-objdump >/dev/null 2>&1 || missing+=(llvm)
command -v llc >/dev/null 2>&1 || missing+=(llvm)
command -v arm-none-eabi-ld >/dev/null 2>&1 || missing+=(binutils-arm-none-eabi)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null 2>&1 || { echo "setup: cargo is required (rustup)" >&2; exit 2; }
