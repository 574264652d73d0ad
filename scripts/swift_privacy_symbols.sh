#!/usr/bin/env bash
# Lists the C functions the shipped iOS static library calls, for the privacy manifest check.
#
# Builds the library as Apple devices get it (ios/build-xcframework.sh's device slice: release
# profile, fat LTO, `cargo rustc --lib --features ffi --crate-type staticlib --target
# aarch64-apple-ios`; in target/cross, with Debian's clang for ring's C and a stub SDK header off
# macOS, as scripts/lib.sh's cross_check), then lists the archive's undefined symbols that no
# member defines (llvm-nm from rustup's llvm-tools component: Debian's LLVM cannot read the
# bitcode rustc's LLVM writes). With LTO the Rust code is one object holding only what the
# exported functions reach, so the list is what the app links: no unused std.
#
# Usage: scripts/swift_privacy_symbols.sh            rewrite ios/privacy-symbols.txt
#        scripts/swift_privacy_symbols.sh --check    exit 1 if the committed list is stale
#
# Cold, the build takes 2–5 minutes on 2 cores (a release LTO build of the whole dependency tree),
# so scripts/ios-check.sh does not run it: it checks the manifest against the committed list
# (scripts/swift_privacy_manifest.py). Run this after changing dependencies or std file/time use;
# CI's macOS job runs it with --check.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

target=aarch64-apple-ios
out=ios/privacy-symbols.txt
check=false
case ${1:-} in
  --check) check=true ;;
  "") ;;
  *)
    usage_text
    exit 2
    ;;
esac

rustup_target "$target" || { echo "rustup could not add $target" >&2; exit 1; }
if ! rustup component list --installed 2>/dev/null | grep -q '^llvm-tools'; then
  rustup component add llvm-tools >/dev/null
fi
nm=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-nm
[ -x "$nm" ] || { echo "no llvm-nm at $nm (rustup component add llvm-tools)" >&2; exit 1; }

env_words=(CARGO_TARGET_DIR="$CB_ROOT/target/cross" IPHONEOS_DEPLOYMENT_TARGET=15.0)
if [ "$(uname -s)" != Darwin ]; then
  cross_env "$target" arm64-apple-ios || { echo "$CROSS_WHY" >&2; exit 1; }
  env_words=("${CROSS_ENV[@]}" IPHONEOS_DEPLOYMENT_TARGET=15.0)
fi
echo "+ ${env_words[*]} cargo rustc --release --lib${CB_FFI_FLAG} --crate-type staticlib --target $target" >&2
env "${env_words[@]}" CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" nice \
  cargo rustc --quiet --release --lib "${CB_FFI[@]}" --crate-type staticlib --target "$target"
archive=$CB_ROOT/target/cross/$target/release/libcheckout_bridge.a

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# -u: undefined in some member; --defined-only: defined in some member. "member: no symbols"
# lines and member headers have one field; symbol lines end with the name.
"$nm" -u "$archive" 2>/dev/null | awk 'NF >= 1 && $NF !~ /:$/ && !/no symbols$/ { print $NF }' | sort -u >"$tmp/undefined"
"$nm" --defined-only "$archive" 2>/dev/null | awk 'NF >= 3 { print $NF }' | sort -u >"$tmp/defined"
{
  echo "# Undefined symbols of the iOS device library (release, LTO, --crate-type staticlib,"
  echo "# $target): what the app links from the system. Written by scripts/swift_privacy_symbols.sh;"
  echo "# scripts/swift_privacy_manifest.py maps them to ios/Sources/CheckoutBridge/PrivacyInfo.xcprivacy."
  echo "# $(rustc --version)"
  comm -23 "$tmp/undefined" "$tmp/defined"
} >"$tmp/list"
count=$(grep -vc '^#' "$tmp/list")
[ "$count" -gt 20 ] || { echo "only $count symbols from $archive: llvm-nm could not read it?" >&2; exit 1; }

if $check; then
  if diff <(grep -v '^#' "$out") <(grep -v '^#' "$tmp/list"); then
    echo "$out is current ($count symbols)"
  else
    echo "$out is stale (< committed, > built now): run scripts/swift_privacy_symbols.sh and check the manifest" >&2
    exit 1
  fi
else
  cp "$tmp/list" "$out"
  echo "wrote $out ($count symbols)"
fi
