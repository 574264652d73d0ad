#!/usr/bin/env bash
# Generates the Kotlin and Swift bindings from the unstripped library.
#
#   scripts/bindings.sh            regenerate bindings/kotlin (Android flavour) and bindings/swift
#   scripts/bindings.sh --check    fail if the committed bindings differ from freshly generated ones
#   scripts/bindings.sh --jvm DIR  write JVM-flavoured Kotlin (android = false) into DIR, for tests
#   scripts/bindings.sh --jvm DIR --omit-checksums
#                                  the same without UniFFI's per-function checksum checks
#                                  (omit_checksums = true; scripts/cold-start.sh compares the two)
#   scripts/bindings.sh --build-generator   only build UniFFI's generator (scripts/test.sh runs
#                                  this in the background from the start: see `prebuild` there)
#
# The generator (crate checkout-bridge-bindgen: askama, clap, goblin…) builds into a target
# directory of its own, target/bindgen, so that building it never waits for, or makes wait, the
# stages' shared build in target/ (two cargo processes on one target directory take turns).
# Generation uses --no-format so the output does not depend on whether ktlint or swiftformat
# happen to be installed. The output is shipped exactly as UniFFI generates it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# The library as every stage builds it (lib.sh, dev_build), so this reads the .so the JVM and the
# C smoke test load, and the test command compiles it once.
cargo build --quiet -p checkout-bridge-bindgen --target-dir target/bindgen
bindgen=target/bindgen/debug/uniffi-bindgen
[ "${1:-}" = --build-generator ] && exit 0
dev_build
lib=target/debug/libcheckout_bridge.so

generate() { # $1 = output root
  rm -rf "$1"
  mkdir -p "$1/kotlin" "$1/swift"
  "$bindgen" generate "$lib" --language kotlin --out-dir "$1/kotlin" --no-format
  "$bindgen" generate "$lib" --language swift --out-dir "$1/swift" --no-format
}

case "${1:-}" in
  --check)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp/bindings"
    if ! diff -r bindings "$tmp/bindings" >/dev/null; then
      diff -r bindings "$tmp/bindings" | head -40
      echo "bindings/ is stale: run scripts/bindings.sh and commit the result" >&2
      exit 1
    fi
    echo "bindings/ is up to date"
    ;;
  --jvm)
    out=${2:?usage: scripts/bindings.sh --jvm DIR}
    conf=$(mktemp)
    trap 'rm -f "$conf"' EXIT
    printf '[crates.checkout_bridge.bindings.kotlin]\nandroid = false\n' >"$conf"
    [ "${3:-}" = --omit-checksums ] && echo 'omit_checksums = true' >>"$conf"
    rm -rf "$out"
    mkdir -p "$out"
    "$bindgen" generate "$lib" --language kotlin --out-dir "$out" --no-format --config "$conf"
    ;;
  "")
    generate bindings
    echo "regenerated bindings/"
    ;;
  *)
    echo "usage: scripts/bindings.sh [--check | --jvm DIR [--omit-checksums] | --build-generator]" >&2
    exit 2
    ;;
esac
