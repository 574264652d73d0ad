#!/usr/bin/env bash
# Cross-compiles the checkout-bridge cdylib for the four Android ABIs with cargo-ndk and puts the
# libraries where the Gradle module expects them:
#
#   android/src/main/jniLibs/{arm64-v8a,armeabi-v7a,x86_64,x86}/libcheckout_bridge.so
#
# Usage: [CHECKOUT_BRIDGE_TRANSPORT=platform] android/build-rust.sh [--dry-run] [--debug]
#   --dry-run   print every command instead of running it (no NDK or cargo-ndk needed)
#   --debug     dev profile instead of release
#   CHECKOUT_BRIDGE_TRANSPORT=platform   the library without reqwest (no HTTP stack, TLS or
#               roots: about half the size); the app then sends through OkHttpTransport
#               (CheckoutBridge.configure(transport = …), docs/android.md)
#
# Needs: the Android NDK (ANDROID_NDK_HOME, or found by cargo-ndk through ANDROID_HOME),
# cargo-ndk (`cargo install cargo-ndk`), and the four Rust targets (added below).
#
# Linked the way scripts/size.sh measures the library, so the shipped .so is the measured one:
#   - `cargo ndk … rustc --lib --crate-type cdylib` builds the cdylib alone: built together with
#     the rlib and staticlib crate types, LTO keeps 0.7 MB more code (BENCHMARKS.md, "Library size");
#   - through scripts/link-cdylib.sh (`-C linker=`), which drops UniFFI's metadata statics from
#     the exported symbols so --gc-sections removes them (~80 KB stripped), then runs the linker
#     cargo-ndk set for the target (its CARGO_TARGET_<TRIPLE>_LINKER);
#   - with packed relocations: size.sh packs (-z pack-relative-relocs, x86_64 Linux standing in
#     for one ABI); for Android's minSdk 24 the format is Android's own, --pack-dyn-relocs=android,
#     which Android's loader reads from API 23 (RELR only from API 28). AOSP's own build does the
#     same for 23 to 27 (Soong, "Use relocation-packer style relocation packing between 23 and 28",
#     android.googlesource.com/platform/build/soong/+/da909feb9), and recent clang drivers pass it
#     for those API levels themselves (llvm-project, clang/test/Driver/linux-ld.c,
#     CHECK-ANDROID-RELR-23); older NDKs' clang passes nothing below 28 (reviews.llvm.org/D95492);
#   - with 16 KB ELF segment alignment (max-page-size=16384), which Google Play requires for apps
#     targeting Android 15+ so they load on 16 KB page-size devices; JNA 5.17+
#     (android/build.gradle.kts) ships its own libjnidispatch.so aligned the same way.
# The Android Gradle plugin strips the symbols when it packages the app, as size.sh strips.
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
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
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
# the cdylib is linked, and the dependencies are not rebuilt with other flags. The linker is given
# as an absolute path: cargo runs it from the package's directory.
LINK_FLAGS=(
  -C "linker=$PWD/scripts/link-cdylib.sh"
  -C "link-arg=-Wl,--pack-dyn-relocs=android"
  -C "link-arg=-Wl,-z,max-page-size=16384"
)

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
    rustc "${cargo_profile[@]}" --lib "${CB_FFI[@]}" --crate-type cdylib -- "${LINK_FLAGS[@]}"
done

for abi in "${ABIS[@]}"; do
  run test -s "$JNI_LIBS/$abi/libcheckout_bridge.so"
done
[ "$DRY_RUN" = true ] || ls -l "$JNI_LIBS"/*/libcheckout_bridge.so
