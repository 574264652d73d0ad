# shellcheck shell=bash
# Helpers shared by scripts/*.sh, android/build-rust.sh and ios/build-xcframework.sh. Sourced:
#   . "$(dirname "$0")/lib.sh"        (from scripts/), or with its path from elsewhere
#
#   log MSG...                 a section heading: "==> MSG"
#   pass MSG... / fail MSG...  one check's result ("PASS: …" / "FAIL: …"), counted
#   skipped MSG...             a check that could not run: loud, and counted as a failure
#   summary NAME               prints "NAME: N passed, M failed"; returns 1 if anything failed
#   as_root CMD...             CMD as root (sudo when not root)
#   apt_install PKG...         apt-get install, quietly, updating the index once if needed
#   pip_venv                   .tools/venv with the pinned tree-sitter wheels; sets $PY
#   run CMD...                 prints "+ CMD" (quoted where needed) and runs it unless DRY_RUN=true
#   dev_build                  the dev-profile build the stages share (CB_DEV_SELECTION, below)
#   surefire_counts DIR...     "PASSED FAILED" over Surefire's TEST-*.xml reports in DIR...
#   cargo_test_counts LOG      "PASSED FAILED" over cargo test's `test result:` lines in LOG, an
#                              ignored test counted as failed (a test that does not run is missing)
#   usage_text                 the calling script's header comment (line 2 to `set -euo`), unprefixed
#   expect FILE WHAT ERE       pass/fail: some line of FILE matches ERE
#   check_build_script FILE    pass/fail: bash -n and shellcheck
#   cross_check TARGET CLANG_TARGET
#                              pass/fail: cargo check --lib for a mobile target (android-check.sh, ios-check.sh)
#   cross_env TARGET CLANG_TARGET / rustup_target TARGET
#                              what cross_check builds with (swift_privacy_symbols.sh builds with it too)
#
# The tree-sitter pins are the versions verified to parse the generated bindings and the
# platform sources (see scripts/swift_syntax_check.py for the two narrow Swift workarounds).

CB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TREE_SITTER_VERSION=0.26.1
TREE_SITTER_SWIFT_VERSION=0.7.4
TREE_SITTER_KOTLIN_VERSION=1.1.0
CB_VENV=$CB_ROOT/.tools/venv
PY=$CB_VENV/bin/python
DRY_RUN=${DRY_RUN:-false}

# The library's FFI (uniffi) feature, once Cargo.toml has one (issue 12 item 2: `ffi`): every
# build that the bindings, the JVM, the C smoke test or a device loads is built with it.
#
# CHECKOUT_BRIDGE_TRANSPORT=platform selects the mobile build option for the device builds
# (android/build-rust.sh, ios/build-xcframework.sh): the library without its built-in reqwest
# transport (no reqwest, hyper, rustls, ring or root store), for apps that send through OkHttp or
# URLSession (CheckoutClient.withTransport; docs/performance.md). Unset or `reqwest`: the default.
CB_FFI=()
if grep -q '^ffi *=' "$CB_ROOT/Cargo.toml"; then CB_FFI=(--features ffi); fi
case ${CHECKOUT_BRIDGE_TRANSPORT:-reqwest} in
  reqwest) ;;
  platform) CB_FFI=(--no-default-features "${CB_FFI[@]}") ;;
  *) echo "CHECKOUT_BRIDGE_TRANSPORT=${CHECKOUT_BRIDGE_TRANSPORT}: expected reqwest or platform" >&2; return 1 ;;
esac
# The same, as text inside a command line: "" or " --features ffi".
CB_FFI_FLAG=${CB_FFI[*]:+ ${CB_FFI[*]}}

# One package selection and feature set for every dev-profile build of the test stages: the
# workspace but uniffi's generator, the library with ffi. Cargo chooses a dependency's features
# from the packages and targets selected, so `cargo build -p checkout-bridge --lib`, `-p
# checkout-bridge-server --bin …` and `cargo test --workspace` each compiled tokio, hyper, axum,
# serde_json… once more with other features. With this selection, and the examples among the
# targets (which turns on the dev-dependencies' features, as `cargo test` does), the rust stage's
# `cargo test "${CB_DEV_SELECTION[@]}"` and `dev_build` compile each crate once, and every stage
# loads the same library, stripe-emulator, checkout-bridge-server and examples.
CB_DEV_SELECTION=(--workspace --exclude checkout-bridge-bindgen --features checkout-bridge/ffi)

passed=0
failed=0

log() { printf '\n==> %s\n' "$*"; }
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skipped() {
  failed=$((failed + 1))
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! SKIPPED ($*)"
  echo "!!! counted as a failure"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
}
summary() {
  echo
  echo "$1: ${passed} passed, ${failed} failed"
  [ "$failed" -eq 0 ]
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  command -v apt-get >/dev/null || { echo "apt-get not found: install $* by hand" >&2; return 1; }
  local logf
  logf=$(mktemp)
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$logf" 2>&1; then
    as_root apt-get update -qq >>"$logf" 2>&1
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$logf" 2>&1 ||
      { tail -20 "$logf" >&2; rm -f "$logf"; return 1; }
  fi
  rm -f "$logf"
}

# True when the venv has exactly the pinned wheels.
have_tree_sitter_pins() {
  "$PY" - "$TREE_SITTER_VERSION" "$TREE_SITTER_SWIFT_VERSION" "$TREE_SITTER_KOTLIN_VERSION" <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
want = dict(zip(("tree-sitter", "tree-sitter-swift", "tree-sitter-kotlin"), sys.argv[1:]))
sys.exit(0 if all(version(k) == v for k, v in want.items()) else 1)
PYEOF
}

pip_venv() {
  have_tree_sitter_pins && return 0
  if [ ! -x "$PY" ]; then
    # Debian's python3 keeps venv in a separate package.
    python3 -m venv "$CB_VENV" 2>/dev/null || { apt_install python3-venv && rm -rf "$CB_VENV" && python3 -m venv "$CB_VENV"; }
  fi
  "$PY" -m pip install --quiet --disable-pip-version-check "tree-sitter==${TREE_SITTER_VERSION}" \
    "tree-sitter-swift==${TREE_SITTER_SWIFT_VERSION}" "tree-sitter-kotlin==${TREE_SITTER_KOTLIN_VERSION}"
  have_tree_sitter_pins
}

dev_build() {
  cargo build --quiet "${CB_DEV_SELECTION[@]}" --lib --bins --examples
}

run() {
  local out="+" a
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then out+=" $a"; else out+=" $(printf %q "$a")"; fi
  done
  echo "$out"
  [ "$DRY_RUN" = true ] || "$@"
}

_cargo_count() { grep '^test result:' "$1" | grep -o "[0-9]* $2" | awk '{s+=$1} END {print s+0}'; }
cargo_test_counts() {
  local passed failed ignored
  passed=$(_cargo_count "$1" passed)
  failed=$(_cargo_count "$1" failed)
  ignored=$(_cargo_count "$1" ignored)
  [ "$ignored" -eq 0 ] || echo "$ignored test(s) ignored: a test that does not run counts as failed" >&2
  echo "$passed $((failed + ignored))"
}

usage_text() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

surefire_counts() {
  python3 - "$@" <<'PYEOF'
import glob, os, sys
import xml.etree.ElementTree as ET
ok = bad = 0
for d in sys.argv[1:]:
    for f in sorted(glob.glob(os.path.join(d, "TEST-*.xml"))):
        for case in ET.parse(f).getroot().iter("testcase"):
            # A skipped test counts as missing: only a run that passed is a pass.
            if any(c.tag in ("failure", "error", "skipped") for c in case):
                bad += 1
            else:
                ok += 1
print(ok, bad)
PYEOF
}

expect() {
  if grep -Eq -- "$3" "$1"; then pass "$2"; else fail "$2 (no line of $1 matches /$3/)"; fi
}

# expect_broken_copy_rejected CHECKER ORIGINAL BROKEN DESCRIPTION LINE("" = any): the syntax
# checker CHECKER (a Python script run with $PY) must exit 1 on BROKEN, a mutated copy of
# ORIGINAL, and name LINE when one is given. Counts a pass or a fail.
expect_broken_copy_rejected() {
  local checker=$1 original=$2 broken=$3 out rc
  out=$("$PY" "$checker" "$broken" 2>&1)
  rc=$?
  if cmp -s "$broken" "$original"; then
    fail "broken copy ($4): the mutation did not change the file"
  elif [ "$rc" -ne 1 ]; then
    echo "$out" | head -5
    fail "broken copy ($4): checker exited $rc, expected 1"
  elif [ -n "$5" ] && ! grep -q "$(basename "$original"):$5:" <<<"$out"; then
    echo "$out" | head -5
    fail "broken copy ($4): the report does not name line $5"
  else
    pass "broken copy rejected ($4): $(grep -Em1 ':[0-9]+:[0-9]+: ' <<<"$out" | sed 's/^ *//; s|.*/||')"
  fi
}

check_build_script() {
  if bash -n "$1"; then pass "bash -n $1"; else fail "bash -n $1"; fi
  if ! command -v shellcheck >/dev/null; then
    fail "shellcheck $1: shellcheck is not installed (scripts/bootstrap.sh installs it)"
  elif shellcheck -x "$1"; then
    pass "shellcheck $1"
  else
    fail "shellcheck $1"
  fi
}

# ring's build script compiles its C and assembly for the target even under `cargo check`. No NDK
# or Apple SDK here: Debian's clang compiles it freestanding (-ffreestanding for the compiler's own
# stdint.h/stddef.h, RING_CORE_NOSTDLIBINC so ring includes no libc header, which ring supports
# for cross builds). For Apple targets, cc-rs wants an SDK path (SDKROOT, else xcrun): a stub SDK
# directory holding only TargetConditionals.h, which ring's base.h includes on Apple targets. The
# Rust code, including everything behind cfg(target_os = …), is checked for real; ring's C is only
# compiled, never linked. A target that cannot be checked counts as a failure (skipped).
# cross_env TARGET CLANG_TARGET: sets CROSS_ENV (VAR=value words for `env`) to build for TARGET in
# target/cross with Debian's clang (see above); returns 1 with the reason in CROSS_WHY when clang or
# llvm-ar is missing.
cross_env() {
  local target=$1 clang_target=$2 var cross_dir=$CB_ROOT/target/cross llvm_ar
  var=${target//-/_}
  llvm_ar=$(command -v llvm-ar || compgen -c llvm-ar- | sort -V | tail -n 1 || true)
  if ! command -v clang >/dev/null || [ -z "$llvm_ar" ]; then
    CROSS_WHY="no clang / llvm-ar for ring's C (scripts/bootstrap.sh installs them)"
    return 1
  fi
  CROSS_ENV=(
    CARGO_TARGET_DIR="$cross_dir"
    "CC_$var=clang"
    "AR_$var=$llvm_ar"
    "CFLAGS_$var=--target=$clang_target -ffreestanding -DRING_CORE_NOSTDLIBINC=1"
  )
  case $target in *-apple-*)
    local sdk=$cross_dir/stub-sdk/iPhoneOS.sdk
    mkdir -p "$sdk/usr/include"
    cat >"$sdk/usr/include/TargetConditionals.h" <<'HEOF'
/* Stand-in for the Apple SDK header, for builds on Linux only (scripts/lib.sh). */
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 0
#define TARGET_OS_IPHONE 1
#define TARGET_OS_IOS 1
#define TARGET_OS_SIMULATOR 0
HEOF
    CROSS_ENV+=(SDKROOT="$sdk")
    ;;
  esac
}

# rustup_target TARGET: installs the rustup target if missing; returns 1 (with rustup's words) if it cannot.
rustup_target() {
  local logf
  logf=$(mktemp)
  if ! rustup target list --installed 2>/dev/null | grep -qx "$1" && ! rustup target add "$1" >"$logf" 2>&1; then
    tail -3 "$logf"
    rm -f "$logf"
    return 1
  fi
  rm -f "$logf"
}

cross_check() {
  local target=$1 clang_target=$2 logf
  if ! rustup_target "$target"; then
    skipped "cargo check --target $target: rustup could not fetch the target"
    return
  fi
  if ! cross_env "$target" "$clang_target"; then
    skipped "cargo check --target $target: $CROSS_WHY"
    return
  fi
  logf=$(mktemp)
  echo "+ ${CROSS_ENV[*]} cargo check --lib${CB_FFI_FLAG} --target $target"
  if env "${CROSS_ENV[@]}" nice cargo check --quiet --lib "${CB_FFI[@]}" --target "$target" >"$logf" 2>&1; then
    pass "cargo check --lib --target $target"
  else
    grep -E '^(error|warning: ring)' "$logf" | head -20
    tail -5 "$logf"
    fail "cargo check --lib --target $target"
  fi
  rm -f "$logf"
}
