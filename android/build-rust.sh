#!/usr/bin/env bash
# Cross-compiles the checkout-bridge cdylib for the four Android ABIs with cargo-ndk and puts the
# libraries where the Gradle module expects them:
#
#   android/src/main/jniLibs/{arm64-v8a,armeabi-v7a,x86_64,x86}/libcheckout_bridge.so
#
# Usage: android/build-rust.sh [--dry-run] [--debug]
#   --dry-run   print every command instead of running it (no NDK or cargo-ndk needed)
#   --debug     dev profile instead of release
#
# Needs: the Android NDK (ANDROID_NDK_HOME, or found by cargo-ndk through ANDROID_HOME),
# cargo-ndk (`cargo install cargo-ndk`), and the four Rust targets (added below).
#
# `cargo ndk … rustc --lib --crate-type cdylib` builds the cdylib alone: built together with the
# rlib and staticlib crate types, LTO keeps 0.7 MB more code (BENCHMARKS.md, "Library size").
# Every library is linked with 16 KB ELF segment alignment (max-page-size=16384), which Google
# Play requires for apps targeting Android 15+ so they load on 16 KB page-size devices; JNA
# 5.17+ (android/build.gradle.kts) ships its own libjnidispatch.so aligned the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh   # run (prints each command, runs it unless DRY_RUN=true), CB_FFI

profile=release
for arg in "$@"; do
  case $arg in
    --dry-run) DRY_RUN=true ;;
    --debug) profile=debug ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown option: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

# The oldest API level the libraries are linked against: android/build.gradle.kts minSdk.
ANDROID_PLATFORM=${ANDROID_PLATFORM:-24}
JNI_LIBS=android/src/main/jniLibs
# Android ABI -> Rust target.
ABIS=(arm64-v8a armeabi-v7a x86_64 x86)
declare -A RUST_TARGET=(
  [arm64-v8a]=aarch64-linux-android
  [armeabi-v7a]=armv7-linux-androideabi
  [x86_64]=x86_64-linux-android
  [x86]=i686-linux-android
)
# Passed to the final rustc invocation only (after `--`): a link argument matters only where
# the cdylib is linked, and the dependencies are not rebuilt with other flags.
PAGE_SIZE_FLAG=(-C "link-arg=-Wl,-z,max-page-size=16384")

cargo_profile=()
[ "$profile" = release ] && cargo_profile=(--release)

if [ "$DRY_RUN" != true ]; then
  command -v cargo-ndk >/dev/null || { echo "cargo-ndk is required: cargo install cargo-ndk" >&2; exit 1; }
fi

targets=()
for abi in "${ABIS[@]}"; do targets+=("${RUST_TARGET[$abi]}"); done
run rustup target add "${targets[@]}"
run mkdir -p "$JNI_LIBS"

for abi in "${ABIS[@]}"; do
  # cargo-ndk sets the NDK's clang as linker and CC for the target (ring's C needs it) and
  # copies lib*.so into $JNI_LIBS/<abi>/ (it maps the Rust target to the ABI directory).
  run cargo ndk --target "${RUST_TARGET[$abi]}" --platform "$ANDROID_PLATFORM" --output-dir "$JNI_LIBS" \
    rustc "${cargo_profile[@]}" --lib "${CB_FFI[@]}" --crate-type cdylib -- "${PAGE_SIZE_FLAG[@]}"
done

for abi in "${ABIS[@]}"; do
  run test -s "$JNI_LIBS/$abi/libcheckout_bridge.so"
done
[ "$DRY_RUN" = true ] || ls -l "$JNI_LIBS"/*/libcheckout_bridge.so
