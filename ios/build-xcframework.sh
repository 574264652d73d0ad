#!/usr/bin/env bash
# Builds ios/CheckoutBridgeFFI.xcframework (the Rust core as a static library, with the UniFFI C
# header and module map) and copies the generated Swift into the package. Needs a Mac with Xcode
# and rustup.
#
# Usage: ios/build-xcframework.sh [--dry-run] [--debug]
#   --dry-run   print every command instead of running it (works anywhere)
#   --debug     dev profile instead of release: for `swift test` and development against a
#               local backend or the emulator over http, which release device builds refuse
#
# Slices:
#   ios-arm64                   device         aarch64-apple-ios
#   ios-arm64_x86_64-simulator  simulator      aarch64-apple-ios-sim + x86_64-apple-ios (lipo)
#   macos-arm64_x86_64          `swift test`   aarch64-apple-darwin + x86_64-apple-darwin (lipo);
#                               the package's XCTest round trip uses it. The library counts it as a
#                               device (a Mac app could link it), so the round trip, which talks
#                               plain http to the emulator, needs --debug.
#
# Each library is built with `cargo rustc --crate-type staticlib`, i.e. the staticlib alone: built
# together with the cdylib and rlib, LTO keeps more code (BENCHMARKS.md, "Library size").
#
# The generated Swift is *copied* from bindings/swift/ to ios/Sources/CheckoutBridge/Generated/
# (git-ignored) rather than symlinked: SwiftPM only takes sources inside the package directory,
# and a symlink pointing out of ios/ breaks as soon as the package is vended on its own (zipped,
# or published as its own repository). Copying here, in the same run that builds the binary,
# also guarantees that the Swift and the XCFramework come from the same commit (their API
# checksums must match, or the bindings refuse to load). bindings/ stays the one source of truth;
# scripts/bindings.sh --check keeps it current.
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
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown option: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

# Match Package.swift's platforms.
export IPHONEOS_DEPLOYMENT_TARGET=${IPHONEOS_DEPLOYMENT_TARGET:-15.0}
export MACOSX_DEPLOYMENT_TARGET=${MACOSX_DEPLOYMENT_TARGET:-12.0}

LIB=libcheckout_bridge.a
TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BUILD=target/xcframework
HEADERS=$BUILD/headers
XCFRAMEWORK=ios/CheckoutBridgeFFI.xcframework
GENERATED=ios/Sources/CheckoutBridge/Generated

if [ "$DRY_RUN" != true ]; then
  [ "$(uname -s)" = Darwin ] || { echo "needs macOS with Xcode (try --dry-run)" >&2; exit 1; }
  command -v xcodebuild >/dev/null || { echo "xcodebuild not found: install Xcode" >&2; exit 1; }
fi

# (`${a[@]+"${a[@]}"}` below: macOS's bash 3.2 calls an empty array unbound under `set -u`.)
cargo_profile=()
[ "$profile" = release ] && cargo_profile=(--release)

run rustup target add "${TARGETS[@]}"
for target in "${TARGETS[@]}"; do
  run cargo rustc ${cargo_profile[@]+"${cargo_profile[@]}"} --lib "${CB_FFI[@]}" --crate-type staticlib --target "$target"
done

# Simulator and macOS: one fat library per platform (an XCFramework takes one library per platform).
run mkdir -p "$BUILD/ios-simulator" "$BUILD/macos"
run lipo -create "$TARGET_DIR/aarch64-apple-ios-sim/$profile/$LIB" "$TARGET_DIR/x86_64-apple-ios/$profile/$LIB" \
  -output "$BUILD/ios-simulator/$LIB"
run lipo -create "$TARGET_DIR/aarch64-apple-darwin/$profile/$LIB" "$TARGET_DIR/x86_64-apple-darwin/$profile/$LIB" \
  -output "$BUILD/macos/$LIB"

# Header and module map (module CheckoutBridgeFFI, which the generated Swift imports). They go in
# a CheckoutBridgeFFI/ subdirectory of Headers/, where clang finds the module map by the module's
# name, so that it cannot collide with another XCFramework's top-level module.modulemap.
run rm -rf "$HEADERS"
run mkdir -p "$HEADERS/CheckoutBridgeFFI"
run cp bindings/swift/CheckoutBridgeFFI.h "$HEADERS/CheckoutBridgeFFI/CheckoutBridgeFFI.h"
run cp bindings/swift/CheckoutBridgeFFI.modulemap "$HEADERS/CheckoutBridgeFFI/module.modulemap"

run rm -rf "$XCFRAMEWORK"
run xcodebuild -create-xcframework \
  -library "$TARGET_DIR/aarch64-apple-ios/$profile/$LIB" -headers "$HEADERS" \
  -library "$BUILD/ios-simulator/$LIB" -headers "$HEADERS" \
  -library "$BUILD/macos/$LIB" -headers "$HEADERS" \
  -output "$XCFRAMEWORK"

# The generated Swift, into the package (see the header of this script for why a copy).
run mkdir -p "$GENERATED"
run cp bindings/swift/CheckoutBridge.swift "$GENERATED/CheckoutBridge.swift"
[ "$DRY_RUN" = true ] || echo "built $XCFRAMEWORK and $GENERATED/CheckoutBridge.swift"
