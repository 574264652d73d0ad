#!/usr/bin/env bash
# Swift-side checks that run without a Swift toolchain:
#   1. every Swift file in bindings/swift/ (and ios/, if present) parses with tree-sitter-swift
#      (scripts/swift_syntax_check.py; Python wheels in a venv at .tools/venv);
#   2. the checker really rejects broken Swift: deliberately broken copies of
#      CheckoutBridge.swift in a temp dir must fail;
#   3. the generated C header compiles with gcc the way the modulemap includes it, and every
#      function it declares is exported by the library;
#   4. tests/c/ffi_smoke.c, linked against target/debug/libcheckout_bridge.so, calls the
#      library through the UniFFI C ABI: contract version and API checksums as the Swift
#      bindings expect them, parse_return_url on a valid and on hostile links,
#      build_return_urls.
#
# Usage: scripts/swift-check.sh   (from anywhere inside the repository)
# Installs what is missing (the pinned wheels), exits non-zero if any check fails, and ends
# with the line `swift-c: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Versions verified to parse the generated bindings (with the two narrow workarounds that
# scripts/swift_syntax_check.py documents).
TREE_SITTER_VERSION=0.26.1
TREE_SITTER_SWIFT_VERSION=0.7.4

venv=$root/.tools/venv
py=$venv/bin/python
swift_dir=bindings/swift
swift_main=$swift_dir/CheckoutBridge.swift
modulemap=$swift_dir/CheckoutBridgeFFI.modulemap
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
lib=$target_dir/debug/libcheckout_bridge.so

# gcc does not know clang's nullability qualifiers, which the header uses throughout; Swift's
# clang importer reads them, for C they mean nothing, so they are defined away.
CFLAGS=(-std=c11 -Wall -Wextra -Werror -D_Nullable= -D_Nonnull=)

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
log() { printf '\n==> %s\n' "$*"; }
finish() {
  echo
  echo "swift-c: ${passed} passed, ${failed} failed"
  [ "$failed" -eq 0 ]
  exit
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------------------------------------
log "tools: tree-sitter ${TREE_SITTER_VERSION}, tree-sitter-swift ${TREE_SITTER_SWIFT_VERSION} in .tools/venv"
have_pins() {
  "$py" - "$TREE_SITTER_VERSION" "$TREE_SITTER_SWIFT_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if (version("tree-sitter"), version("tree-sitter-swift")) == (sys.argv[1], sys.argv[2]) else 1)
EOF
}
if ! have_pins; then
  if [ ! -x "$py" ]; then
    if ! python3 -m venv "$venv" 2>"$tmp/venv.log"; then
      # Debian's python3 keeps venv in a separate package.
      if command -v apt-get >/dev/null; then
        apt-get install -y -qq python3-venv >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv; } >/dev/null 2>&1
      fi
      rm -rf "$venv"
      python3 -m venv "$venv" || { cat "$tmp/venv.log"; fail "create venv .tools/venv"; finish; }
    fi
  fi
  "$py" -m pip install --quiet --disable-pip-version-check \
    "tree-sitter==${TREE_SITTER_VERSION}" "tree-sitter-swift==${TREE_SITTER_SWIFT_VERSION}" ||
    { fail "pip install tree-sitter==${TREE_SITTER_VERSION} tree-sitter-swift==${TREE_SITTER_SWIFT_VERSION}"; finish; }
fi
have_pins && echo "ok" || { fail "tree-sitter wheels at the pinned versions"; finish; }

# ---------------------------------------------------------------------------------------------
log "Swift syntax (tree-sitter-swift)"
swift_files=("$swift_dir"/*.swift)
if [ -d ios ]; then
  while IFS= read -r -d '' f; do swift_files+=("$f"); done < <(find ios -name '*.swift' -type f -print0 | sort -z)
fi
for f in "${swift_files[@]}"; do
  if [ ! -f "$f" ]; then
    fail "no Swift file at $f"
  elif "$py" scripts/swift_syntax_check.py "$f"; then
    pass "Swift syntax: $f"
  else
    fail "Swift syntax: $f"
  fi
done

# ---------------------------------------------------------------------------------------------
log "the syntax checker rejects broken copies of $swift_main"
# Each mutation writes $tmp/broken/CheckoutBridge.swift; the checker must exit 1 and, where the
# error has a known place, report that line.
mkdir -p "$tmp/broken"
broken=$tmp/broken/CheckoutBridge.swift
total_lines=$(wc -l <"$swift_main")
mid=$((total_lines / 2))
expect_rejected() { # $1 = description, $2 = line the report must name ("" = any)
  local out rc
  out=$("$py" scripts/swift_syntax_check.py "$broken" 2>&1)
  rc=$?
  if cmp -s "$broken" "$swift_main"; then
    fail "broken copy ($1): the mutation did not change the file"
  elif [ "$rc" -ne 1 ]; then
    echo "$out" | head -5
    fail "broken copy ($1): checker exited $rc, expected 1"
  elif ! grep -Eq ':[0-9]+:[0-9]+: (ERROR|MISSING)' <<<"$out"; then
    echo "$out" | head -5
    fail "broken copy ($1): no ERROR/MISSING line:column in the report"
  elif [ -n "$2" ] && ! grep -q "CheckoutBridge.swift:$2:" <<<"$out"; then
    echo "$out" | head -5
    fail "broken copy ($1): the report does not name line $2"
  else
    pass "broken copy rejected ($1): $(grep -Em1 ':[0-9]+:[0-9]+: ' <<<"$out" | sed 's/^ *//; s|.*/||')"
  fi
}

# (a) delete the first closing brace of a nested scope (a line `    }`) after the middle.
awk -v mid="$mid" 'NR > mid && !done && /^    }$/ { done = 1; next } { print }' "$swift_main" >"$broken"
expect_rejected "closing brace deleted after line $mid" ""

# (b) insert `func (` on its own line after the first top-level `}` after the middle.
at=$(awk -v mid="$mid" 'NR > mid && /^}$/ { print NR; exit }' "$swift_main")
awk -v at="$at" '{ print } NR == at { print "func (" }' "$swift_main" >"$broken"
expect_rejected "\`func (\` inserted as line $((at + 1))" "$((at + 1))"

# (c) the #if-attribute workaround is narrow: a malformed attribute inside such a block is
#     still an error.
at=$(grep -n -m1 '^ *@_documentation(visibility: private)$' "$swift_main" | cut -d: -f1)
sed "${at}s/private)\$/private/" "$swift_main" >"$broken"
expect_rejected "unclosed attribute inside \`#if swift(>=5.8)\` at line $at" "$at"

# (d) the `{ () }` workaround is narrow: `{ ( }` is still an error.
at=$(grep -n -m1 '= { () }$' "$swift_main" | cut -d: -f1)
sed "${at}s/{ () }\$/{ ( }/" "$swift_main" >"$broken"
expect_rejected "\`{ ( }\` at line $at" ""

# ---------------------------------------------------------------------------------------------
log "C header (gcc -fsyntax-only, included as the modulemap does)"
header=$(sed -n 's/^ *header "\(.*\)" *$/\1/p' "$modulemap")
if [ -z "$header" ] || [ ! -f "$swift_dir/$header" ]; then
  fail "modulemap names a header that exists in $swift_dir (got '${header}')"
else
  # The modulemap's module uses _Builtin_stdbool and _Builtin_stdint, i.e. the compiler's
  # <stdbool.h> and <stdint.h>, before the header itself.
  printf '#include <stdbool.h>\n#include <stdint.h>\n#include "%s"\n#include "%s" /* twice: include guard */\n' \
    "$header" "$header" >"$tmp/header_check.c"
  if gcc "${CFLAGS[@]}" -Wpedantic -fsyntax-only -I "$swift_dir" "$tmp/header_check.c"; then
    pass "gcc -fsyntax-only $swift_dir/$header (${CFLAGS[*]} -Wpedantic)"
  else
    fail "gcc -fsyntax-only $swift_dir/$header"
  fi
fi

# ---------------------------------------------------------------------------------------------
log "library (cargo build --lib)"
lib_ok=false
if cargo build -p checkout-bridge --lib --features ffi --quiet && [ -f "$lib" ]; then
  lib_ok=true
  pass "cargo build --lib: $lib"
else
  fail "cargo build --lib (expected $lib)"
fi

if $lib_ok; then
  log "every function the header declares is exported by the library"
  grep -oE '\b(uniffi|ffi)_checkout_bridge_[A-Za-z0-9_]+\(' "$swift_dir/$header" | tr -d '(' | sort -u >"$tmp/declared"
  nm -D --defined-only "$lib" | awk '{ print $NF }' | sort -u >"$tmp/exported"
  missing=$(comm -23 "$tmp/declared" "$tmp/exported")
  if [ ! -s "$tmp/declared" ]; then
    fail "no functions found in $header"
  elif [ -n "$missing" ]; then
    echo "$missing"
    fail "header functions missing from $lib: $(echo "$missing" | wc -l)"
  else
    pass "all $(wc -l <"$tmp/declared") header functions are exported by the library"
  fi

  log "C smoke test through the UniFFI ABI (tests/c/ffi_smoke.c)"
  # What the Swift bindings expect, taken from CheckoutBridge.swift.
  contract=$(sed -n 's/^ *let bindings_contract_version = \([0-9][0-9]*\) *$/\1/p' "$swift_main")
  checksums=$(sed -n 's/^ *if (\(uniffi_checkout_bridge_checksum_[A-Za-z0-9_]*\)() != \([0-9][0-9]*\)) {$/X(\1, \2)/p' "$swift_main")
  invalid_return_url=$(sed -n 's/^ *case \([0-9][0-9]*\): return \.InvalidReturnUrl($/\1/p' "$swift_main")
  if [ -z "$contract" ] || [ -z "$checksums" ] || [ "$(echo "$invalid_return_url" | wc -w)" -ne 1 ]; then
    fail "read the contract version, checksums and InvalidReturnUrl variant from $swift_main" \
      "(got '${contract}', $(echo "$checksums" | grep -c X) checksums, '${invalid_return_url}')"
  else
    {
      echo "/* Generated by scripts/swift-check.sh from $swift_main. */"
      echo "#define EXPECTED_CONTRACT_VERSION ${contract}u"
      echo "#define EXPECTED_INVALID_RETURN_URL_VARIANT ${invalid_return_url}"
      echo "#define EXPECTED_CHECKSUMS \\"
      echo "$checksums" | sed 's/$/ \\/'
      echo
    } >"$tmp/ffi_smoke_expected.h"
    echo "Swift bindings expect contract version $contract and $(echo "$checksums" | wc -l) checksums"
    libdir=$(dirname "$lib")
    if gcc "${CFLAGS[@]}" -I "$swift_dir" -I "$tmp" tests/c/ffi_smoke.c \
      -L "$libdir" -l:libcheckout_bridge.so -Wl,-rpath,"$libdir" -o "$tmp/ffi_smoke"; then
      pass "gcc ${CFLAGS[*]} tests/c/ffi_smoke.c -l:libcheckout_bridge.so"
      "$tmp/ffi_smoke" >"$tmp/smoke.log" 2>&1
      rc=$?
      cat "$tmp/smoke.log"
      ok=$(grep -c '^ok - ' "$tmp/smoke.log")
      not_ok=$(grep -c '^not ok - ' "$tmp/smoke.log")
      passed=$((passed + ok))
      failed=$((failed + not_ok))
      if [ "$rc" -ne 0 ] && [ "$not_ok" -eq 0 ]; then
        fail "ffi_smoke exited $rc (crash?) without a failing check"
      elif [ "$ok" -eq 0 ]; then
        fail "ffi_smoke ran no check"
      fi
    else
      fail "compile tests/c/ffi_smoke.c"
    fi
  fi
fi

finish
