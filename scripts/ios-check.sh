#!/usr/bin/env bash
# Checks of the iOS side that run on this Linux machine, which has no Swift toolchain or Xcode:
#
#   1. every Swift file (the generated bindings/swift and ios/) parses with tree-sitter-swift
#      (scripts/swift_syntax_check.py), and the checker rejects deliberately broken copies of the
#      generated CheckoutBridge.swift and of ios/'s CheckoutPresenter.swift. This is the one place
#      Swift syntax is checked;
#   2. the generated C header compiles with gcc the way the modulemap includes it, and every
#      function it declares is exported by the library;
#   3. tests/c/ffi_smoke.c, linked against target/debug/libcheckout_bridge.so, calls the library
#      through the UniFFI C ABI the Swift bindings use: contract version and API checksums as the
#      Swift bindings expect them, parse_return_url on a valid and on hostile links, build_return_urls;
#   4. `cargo check --lib --target aarch64-apple-ios` (CARGO_TARGET_DIR=target/cross; ring's C with
#      Debian's clang, freestanding, and a stub SDK header; nothing is linked);
#   5. ios/build-xcframework.sh: bash -n, shellcheck, its --dry-run commands, and that it refuses
#      to run for real off macOS; README's Swift names exist; the CI workflow's macOS job runs it;
#   6. CheckoutModel makes no library call on the main actor and warms up on a detached task
#      (scripts/swift_main_thread_check.py); the tools version (>= 5.10, Xcode 15.3), platforms,
#      SDK guards, docs/ios.md and the example project in step (scripts/swift_package_check.py);
#   7. the privacy manifest parses and declares exactly the required-reason categories that
#      ios/privacy-symbols.txt (the iOS library's undefined symbols, scripts/swift_privacy_symbols.sh)
#      and the Swift sources need (scripts/swift_privacy_manifest.py);
#   8. ios/Example's Xcode project reads as Xcode would read it (scripts/swift_pbxproj_check.py);
#   9. docs/ios.md's Swift blocks parse, are declarations only (what a SwiftUI file accepts), use
#      names that exist, and its README snippet has at most 10 lines (scripts/swift_docs_check.py);
#  10. CheckoutModel checks cancellation between the warm-up and creating the session, and every
#      generated type whose `description` is Rust's Display is CustomStringConvertible exactly
#      once, in the bindings or in ios/Sources (scripts/swift_conformance_check.py).
#   Each rule of 6–10 is shown to fail on a broken copy.
#
# Usage: scripts/ios-check.sh   (after scripts/bootstrap.sh; scripts/test.sh runs both)
# Ends with `ios: N passed, M failed`; exits non-zero if any check fails.
set -uo pipefail
cd "$(dirname "$0")/.." || exit
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

swift_dir=bindings/swift
swift_main=$swift_dir/CheckoutBridge.swift
modulemap=$swift_dir/CheckoutBridgeFFI.modulemap
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
lib=$target_dir/debug/libcheckout_bridge.so

# gcc does not know clang's nullability qualifiers, which the header uses throughout; Swift's
# clang importer reads them, for C they mean nothing, so they are defined away.
CFLAGS=(-std=c11 -Wall -Wextra -Werror -D_Nullable= -D_Nonnull=)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log "tools: tree-sitter ${TREE_SITTER_VERSION}, tree-sitter-swift ${TREE_SITTER_SWIFT_VERSION} in .tools/venv"
if ! pip_venv >"$tmp/pip.log" 2>&1; then
  tail -5 "$tmp/pip.log"
  fail "tree-sitter wheels at the pinned versions"
  summary ios
  exit 1
fi

# ---------------------------------------------------------------------------------------------
log "Swift syntax (tree-sitter-swift)"
swift_files=("$swift_dir"/*.swift)
while IFS= read -r -d '' f; do swift_files+=("$f"); done < <(find ios -name '*.swift' -type f -not -path '*/.build/*' -print0 | sort -z)
for f in "${swift_files[@]}"; do
  if [ ! -f "$f" ]; then
    fail "no Swift file at $f"
  elif "$PY" scripts/swift_syntax_check.py "$f"; then
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
  out=$("$PY" scripts/swift_syntax_check.py "$broken" 2>&1)
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
if dev_build && [ -f "$lib" ]; then
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
      echo "/* Generated by scripts/ios-check.sh from $swift_main. */"
      echo "#define EXPECTED_CONTRACT_VERSION ${contract}u"
      echo "#define EXPECTED_INVALID_RETURN_URL_VARIANT ${invalid_return_url}"
      echo "#define EXPECTED_CHECKSUMS \\"
      while IFS= read -r line; do echo "$line \\"; done <<<"$checksums"
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


# ---------------------------------------------------------------------------------------------
log "the syntax checker rejects broken copies of ios/Sources/CheckoutBridge/CheckoutPresenter.swift"
presenter=ios/Sources/CheckoutBridge/CheckoutPresenter.swift
broken=$tmp/broken/CheckoutPresenter.swift
expect_presenter_rejected() { expect_broken_copy_rejected scripts/swift_syntax_check.py "$presenter" "$broken" "$@"; }
awk '!done && /^    }$/ { done = 1; next } { print }' "$presenter" >"$broken"
expect_presenter_rejected "CheckoutPresenter.swift: first \`    }\` deleted" ""
at=$(awk '/^}$/ { print NR; exit }' "$presenter")
awk -v at="$at" '{ print } NR == at { print "func (" }' "$presenter" >"$broken"
expect_presenter_rejected "CheckoutPresenter.swift: \`func (\` inserted as line $((at + 1))" "$((at + 1))"
at=$(grep -nE -m1 '^ {8}.*[A-Za-z]\([^()]+\)[^()]*$' "$presenter" | cut -d: -f1)
sed -E "${at}s/\(([^()]+)\)([^()]*)\$/(\1\2/" "$presenter" >"$broken"
expect_presenter_rejected "CheckoutPresenter.swift: \`)\` removed on line $at" ""

# ---------------------------------------------------------------------------------------------
log "Swift 6 concurrency pattern: a nested Task reading an enclosing [weak self] (scripts/swift_task_capture_check.py)"
# A narrow check (see the script): the one strict-concurrency error of issue 16 that a parser can
# see. The Swift compiler (the StrictConcurrency feature in ios/Package.swift) is the real judge,
# on a Mac.
for f in "${swift_files[@]}"; do
  if out=$("$PY" scripts/swift_task_capture_check.py "$f" 2>&1); then
    pass "no nested Task reading a weak self: $f"
  else
    echo "$out"
    fail "nested Task reading a weak self: $f"
  fi
done
task_check() { # task_check DESCRIPTION FILE EXPECTED_LINE("" = must pass)
  local out rc
  out=$("$PY" scripts/swift_task_capture_check.py "$2" 2>&1)
  rc=$?
  if [ -z "$3" ]; then
    if [ "$rc" -eq 0 ]; then pass "pattern check passes $1"; else echo "$out"; fail "pattern check flagged $1"; fi
  elif [ "$rc" -ne 1 ]; then
    echo "$out"
    fail "pattern check missed $1 (exit $rc, expected 1)"
  elif ! grep -q "$(basename "$2"):$3:" <<<"$out"; then
    echo "$out"
    fail "pattern check: $1 not reported at line $3"
  else
    pass "pattern check catches $1: $(grep -m1 ':[0-9]*:[0-9]*: ' <<<"$out" | sed 's|.*/||')"
  fi
}
# The broken copy issue 16 describes: the presenter's completion handler with the Task's own
# capture removed.
at=$(grep -n -m1 'Task { @MainActor \[weak self\] in self?\.endSession(current) }' "$presenter" | cut -d: -f1)
if [ -n "$at" ]; then sed "${at}s/Task { @MainActor \[weak self\] in/Task { @MainActor in/" "$presenter" >"$broken"; else cp "$presenter" "$broken"; fi
if cmp -s "$broken" "$presenter"; then
  fail "broken copy: no \`Task { @MainActor [weak self] in self?.endSession(current) }\` line in $presenter to break"
else
  task_check "the presenter with \`Task { @MainActor in self?.endSession… }\` (line $at)" "$broken" "$at"
fi
# Small cases around the rule's edges: what it must flag, and what it must leave alone.
mkdir -p "$tmp/tasks"
cat >"$tmp/tasks/Detached.swift" <<'SWIFT'
final class A {
    var x: Int? = 1
    func f(register: (@escaping @Sendable () -> Void) -> Void) {
        register { [weak self] in
            Task.detached { @MainActor in
                self!.x = nil
            }
        }
    }
}
SWIFT
task_check "Task.detached reading \`self!\` of an enclosing [weak self]" "$tmp/tasks/Detached.swift" 5
cat >"$tmp/tasks/Fine.swift" <<'SWIFT'
final class A {
    var x: Int? = 1
    func f(register: (@escaping @Sendable () -> Void) -> Void) {
        register { [weak self] in
            Task { @MainActor [weak self] in self?.x = nil }      // captures self itself
            Task { @MainActor in print("no self") }
        }
        register { [self] in
            Task { @MainActor in self.x = nil }                    // strong capture: another rule
        }
        Task { @MainActor [weak self] in self?.x = nil }           // not nested
    }
}
SWIFT
task_check "Tasks that capture self themselves, do not use it, or are not nested" "$tmp/tasks/Fine.swift" ""

# ---------------------------------------------------------------------------------------------
log "CheckoutPresenter: cancellation before start, the iOS 17.4 initializer, strict concurrency in Package.swift"
# Order rules read from the source (no compiler here), each shown to catch a broken copy.
presenter_rules() { # presenter_rules FILE : prints each broken rule; exit 1 if any
  awk '
    /try Task\.checkCancellation\(\)/ && !precheck { precheck = NR }
    /withTaskCancellationHandler/ && !handler { handler = NR }
    /if Task\.isCancelled/ && !incheck { incheck = NR }
    /if !session\.start\(\)/ && !start { start = NR }
    /if #available\(iOS 17\.4, macOS 14\.4/ && !avail { avail = NR }
    /ASWebAuthenticationSession\(url: url, callback: \.customScheme\(/ && !newinit { newinit = NR }
    /ASWebAuthenticationSession\(url: url, callbackURLScheme:/ { old++; oldinit = NR }
    /endSession\(current/ { ends++ }
    END {
      bad = 0
      if (!precheck || !handler || precheck > handler) { print "no `try Task.checkCancellation()` before withTaskCancellationHandler"; bad = 1 }
      if (!incheck || !start || incheck > start) { print "no `if Task.isCancelled` check before session.start()"; bad = 1 }
      if (!avail || !newinit || newinit < avail) { print "no init(url:callback:completionHandler:) with .customScheme under #available(iOS 17.4, macOS 14.4)"; bad = 1 }
      if (old != 1 || oldinit < newinit) { print "init(url:callbackURLScheme:) must appear once, after the iOS 17.4 branch"; bad = 1 }
      if (ends < 3) { print "endSession(current…) on fewer than 3 paths (completion, start failure, cancel)"; bad = 1 }
      exit bad
    }' "$1"
}
if out=$(presenter_rules "$presenter"); then pass "CheckoutPresenter: cancellation checked before start; 17.4 initializer first; endSession on every path"; else
  echo "$out"
  fail "CheckoutPresenter rules"
fi
presenter_broken() { # DESCRIPTION EXPECTED_MESSAGE_FRAGMENT
  local out
  if cmp -s "$broken" "$presenter"; then
    fail "broken copy ($1): the mutation did not change the file"
  elif out=$(presenter_rules "$broken"); then
    fail "broken copy ($1) passed the presenter rules"
  elif grep -qF "$2" <<<"$out"; then
    pass "broken copy caught ($1): $(grep -F "$2" <<<"$out")"
  else
    echo "$out"
    fail "broken copy ($1): expected a report containing '$2'"
  fi
}
grep -v 'if Task\.isCancelled' "$presenter" >"$broken"
presenter_broken "the in-continuation cancellation check removed" "before session.start()"
grep -v 'try Task\.checkCancellation()' "$presenter" >"$broken"
presenter_broken "the cancellation check before the handler removed" "checkCancellation"
sed 's/callback: \.customScheme(name)/callbackURLScheme: name/' "$presenter" >"$broken"
presenter_broken "the deprecated initializer on iOS 17.4+ too" "iOS 17.4"
sed '0,/endSession(current, dismiss: true)/s/self?\.endSession(current, dismiss: true)/self?.session?.cancel()/' "$presenter" >"$broken"
presenter_broken "the cancel path no longer clears the session" "fewer than 3 paths"
strict='swiftSettings: \[\.enableUpcomingFeature\("StrictConcurrency"\)\]'
expect ios/Package.swift "Package.swift: target CheckoutBridge builds with the StrictConcurrency upcoming feature" "$strict"
grep -Ev "$strict" ios/Package.swift >"$tmp/Package.swift"
if ! cmp -s "$tmp/Package.swift" ios/Package.swift && ! grep -Eq "$strict" "$tmp/Package.swift"; then
  pass "broken copy caught: Package.swift without the StrictConcurrency line fails the same check"
else
  fail "broken copy of Package.swift: the StrictConcurrency check does not tell it apart"
fi

# ---------------------------------------------------------------------------------------------
# check_passes DESCRIPTION CMD...: pass when CMD exits 0 (its output is shown either way).
# check_rejects DESCRIPTION FRAGMENT CMD...: pass when CMD exits 1 and says FRAGMENT (a broken copy).
check_passes() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then
    echo "$out"
    pass "$what"
  else
    echo "$out"
    fail "$what"
  fi
}
check_rejects() {
  local what=$1 fragment=$2 out rc
  shift 2
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne 1 ]; then
    echo "$out" | head -5
    fail "broken copy ($what): exit $rc, expected 1"
  elif ! grep -qF -- "$fragment" <<<"$out"; then
    echo "$out" | head -5
    fail "broken copy ($what): no report containing '$fragment'"
  else
    pass "broken copy rejected ($what): $(grep -F -m1 -- "$fragment" <<<"$out" | sed 's|^.*/||')"
  fi
}

# ---------------------------------------------------------------------------------------------
log "CheckoutModel: no library call on the main actor (scripts/swift_main_thread_check.py)"
model=ios/Sources/CheckoutBridge/CheckoutModel.swift
provider=ios/Sources/CheckoutBridge/FlowProvider.swift
main_thread() { "$PY" scripts/swift_main_thread_check.py "$1" "$2" "$swift_main"; }
check_passes "CheckoutModel calls the library only through FlowProvider; the warm-up is detached" main_thread "$model" "$provider"
mkdir -p "$tmp/model"
sed 's/^\(    public func start(_ item: SimpleCheckout) {\)$/\1\n        _ = simpleCheckoutParams(simple: item)/' "$model" >"$tmp/model/CheckoutModel.swift"
check_rejects "simpleCheckoutParams called in start(_:) on the main actor" "\`simpleCheckoutParams\` called on the main actor" \
  main_thread "$tmp/model/CheckoutModel.swift" "$provider"
sed 's/public nonisolated init(/public init(/' "$model" >"$tmp/model/CheckoutModel.swift"
check_rejects "the model's initializer isolated to the main actor" "without \`nonisolated\`" \
  main_thread "$tmp/model/CheckoutModel.swift" "$provider"
sed 's/warm = Task\.detached(priority: \.userInitiated) {/warm = Task { @MainActor in/' "$provider" >"$tmp/model/FlowProvider.swift"
check_rejects "the warm-up started on the main actor" "Task.detached" main_thread "$model" "$tmp/model/FlowProvider.swift"
grep -v 'uniffiEnsureCheckoutBridgeInitialized()' "$provider" >"$tmp/model/FlowProvider.swift"
check_rejects "the warm-up without the first call" "uniffiEnsureCheckoutBridgeInitialized" main_thread "$model" "$tmp/model/FlowProvider.swift"

# Order rules of CheckoutModel.perform, read from the source like the presenter's: awaiting the
# warm-up ignores cancellation, so the task must check it before the session is created (a
# cancelled checkout would otherwise leave a session nobody is shown).
model_rules() { # model_rules FILE : prints each broken rule; exit 1 if any
  awk '
    /try await provider\.warm\.value/ && !warm { warm = NR }
    /try Task\.checkCancellation\(\)/ && warm && !check { check = NR }
    /try await provider\.start\(/ && !start { start = NR }
    END {
      if (!warm || !start || !check || check > start) { print "no `try Task.checkCancellation()` between the warm-up and provider.start(…)"; exit 1 }
    }' "$1"
}
check_passes "CheckoutModel: cancellation checked after the warm-up, before the session is created" model_rules "$model"
grep -v 'try Task\.checkCancellation()' "$model" >"$tmp/model/CheckoutModel.swift"
check_rejects "the cancellation check before provider.start removed" "between the warm-up and provider.start" \
  model_rules "$tmp/model/CheckoutModel.swift"

# ---------------------------------------------------------------------------------------------
log "generated descriptions are CustomStringConvertible exactly once (scripts/swift_conformance_check.py)"
conformance() { "$PY" scripts/swift_conformance_check.py "$1" "$2"; }
check_passes "CheckoutError's Display description: the conformance the generated Swift lacks, declared once in ios/Sources" \
  conformance "$swift_main" ios/Sources
rm -rf "$tmp/conformance" && mkdir -p "$tmp/conformance/Sources"
find ios/Sources -name '*.swift' ! -name 'CheckoutErrorDescription.swift' -exec cp {} "$tmp/conformance/Sources/" \;
check_rejects "ios/Sources without CheckoutErrorDescription.swift" "CheckoutError: its \`description\` is Rust's Display but it is not CustomStringConvertible" \
  conformance "$swift_main" "$tmp/conformance/Sources"
sed 's/^enum CheckoutError: Swift\.Error, \(.*\) {$/enum CheckoutError: Swift.Error, \1, CustomStringConvertible {/' "$swift_main" >"$tmp/conformance/CheckoutBridge.swift"
check_rejects "bindings that declare CheckoutError: CustomStringConvertible themselves" "a redundant conformance does not compile" \
  conformance "$tmp/conformance/CheckoutBridge.swift" ios/Sources

# ---------------------------------------------------------------------------------------------
log "tools version, platforms and target arguments in step (scripts/swift_package_check.py)"
package_check() { "$PY" scripts/swift_package_check.py "$1" "$2"; }
check_passes "Package.swift: swift-tools-version >= 5.10, Xcode and SDK guards in step with docs/ios.md and the example" \
  package_check ios docs/ios.md
# A copy of ios/ whose Package.swift, build script and docs each break one rule.
stage_ios() {
  rm -rf "$tmp/pkg" && mkdir -p "$tmp/pkg/ios"
  ln -s "$PWD/ios/Sources" "$tmp/pkg/ios/Sources"
  ln -s "$PWD/ios/Example" "$tmp/pkg/ios/Example"
  cp ios/Package.swift ios/build-xcframework.sh "$tmp/pkg/ios/"
  cp docs/ios.md "$tmp/pkg/ios.md"
}
stage_ios
sed -i '1s/5\.10/5.9/' "$tmp/pkg/ios/Package.swift"
check_rejects "swift-tools-version:5.9" "below 5.10" package_check "$tmp/pkg/ios" "$tmp/pkg/ios.md"
stage_ios
awk '/resources: \[\.process/ { held = $0; next } { print } /swiftSettings:/ && held { print held; held = "" }' ios/Package.swift >"$tmp/pkg/ios/Package.swift"
check_rejects "resources: after swiftSettings:" "out of PackageDescription's order" package_check "$tmp/pkg/ios" "$tmp/pkg/ios.md"
stage_ios
grep -v 'resources: \[\.process("PrivacyInfo.xcprivacy")\]' ios/Package.swift >"$tmp/pkg/ios/Package.swift"
check_rejects "no privacy manifest resource" "PrivacyInfo.xcprivacy" package_check "$tmp/pkg/ios" "$tmp/pkg/ios.md"
stage_ios
sed -i 's/IPHONEOS_DEPLOYMENT_TARGET:-15\.0/IPHONEOS_DEPLOYMENT_TARGET:-14.0/' "$tmp/pkg/ios/build-xcframework.sh"
check_rejects "build-xcframework.sh building for iOS 14.0" "builds for 14.0" package_check "$tmp/pkg/ios" "$tmp/pkg/ios.md"
stage_ios
sed -i 's/Xcode 15\.3 or later/Xcode 15.0 or later/g' "$tmp/pkg/ios.md"
check_rejects "docs/ios.md naming Xcode 15.0" "Xcode 15.3 or later" package_check "$tmp/pkg/ios" "$tmp/pkg/ios.md"

# ---------------------------------------------------------------------------------------------
log "privacy manifest against the library's symbols and the Swift sources (scripts/swift_privacy_manifest.py)"
manifest=ios/Sources/CheckoutBridge/PrivacyInfo.xcprivacy
symbols=ios/privacy-symbols.txt
privacy() { "$PY" scripts/swift_privacy_manifest.py "$1" "$2" "$3"; }
check_passes "PrivacyInfo.xcprivacy parses and declares exactly the categories $symbols and ios/Sources need" \
  privacy "$manifest" "$symbols" ios/Sources
mkdir -p "$tmp/privacy/Sources"
"$PY" - "$manifest" "$tmp/privacy" <<'PYEOF'
import plistlib, sys
m = plistlib.load(open(sys.argv[1], "rb"))
out = sys.argv[2]
def write(name, data):
    with open(f"{out}/{name}", "wb") as f:
        plistlib.dump(data, f)
write("removed.xcprivacy", {**m, "NSPrivacyAccessedAPITypes": [e for e in m["NSPrivacyAccessedAPITypes"]
    if e["NSPrivacyAccessedAPIType"] != "NSPrivacyAccessedAPICategoryFileTimestamp"]})
write("extra.xcprivacy", {**m, "NSPrivacyAccessedAPITypes": m["NSPrivacyAccessedAPITypes"] + [
    {"NSPrivacyAccessedAPIType": "NSPrivacyAccessedAPICategorySystemBootTime", "NSPrivacyAccessedAPITypeReasons": ["35F9.1"]}]})
write("wrong-reason.xcprivacy", {**m, "NSPrivacyAccessedAPITypes": [
    {**e, "NSPrivacyAccessedAPITypeReasons": ["35F9.1"]} for e in m["NSPrivacyAccessedAPITypes"]]})
PYEOF
check_rejects "the FileTimestamp entry removed" "NSPrivacyAccessedAPICategoryFileTimestamp is not declared, but needed by _fstat" \
  privacy "$tmp/privacy/removed.xcprivacy" "$symbols" ios/Sources
check_rejects "SystemBootTime declared with nothing calling it" "SystemBootTime is declared, but no symbol" \
  privacy "$tmp/privacy/extra.xcprivacy" "$symbols" ios/Sources
check_rejects "FileTimestamp with a boot-time reason" "'35F9.1' is not one of its reasons" \
  privacy "$tmp/privacy/wrong-reason.xcprivacy" "$symbols" ios/Sources
head -c 400 "$manifest" >"$tmp/privacy/truncated.xcprivacy"
check_rejects "a truncated manifest" "does not parse" privacy "$tmp/privacy/truncated.xcprivacy" "$symbols" ios/Sources
{ cat "$symbols"; echo _mach_absolute_time; } >"$tmp/privacy/symbols.txt"
check_rejects "mach_absolute_time added to the symbols" "SystemBootTime is not declared, but needed by _mach_absolute_time" \
  privacy "$manifest" "$tmp/privacy/symbols.txt" ios/Sources
printf 'import Foundation\nenum Prefs { static func seen() -> Bool { UserDefaults.standard.bool(forKey: "seen") } }\n' >"$tmp/privacy/Sources/Prefs.swift"
check_rejects "UserDefaults in a Swift source" "UserDefaults is not declared, but needed by UserDefaults" \
  privacy "$manifest" "$symbols" "$tmp/privacy/Sources"
if grep -qx '_fstat' "$symbols" && grep -qx '_stat' "$symbols"; then
  pass "$symbols lists the store's _stat and _fstat (scripts/swift_privacy_symbols.sh; --check after dependency changes)"
else
  fail "$symbols has no _stat/_fstat: rerun scripts/swift_privacy_symbols.sh"
fi

# ---------------------------------------------------------------------------------------------
log "example app: ios/Example/CheckoutExample.xcodeproj (scripts/swift_pbxproj_check.py)"
project=ios/Example/CheckoutExample.xcodeproj
pbxproj() { "$PY" scripts/swift_pbxproj_check.py "$1" "$2"; }
check_passes "the example project reads as Xcode would read it, and builds ios/'s CheckoutBridge product" pbxproj "$project" ios
rm -rf "$tmp/example" && mkdir -p "$tmp/example/ios"
cp -r ios/Example "$tmp/example/ios/Example" && cp ios/Package.swift "$tmp/example/ios/"
copy_pbx=$tmp/example/ios/Example/CheckoutExample.xcodeproj/project.pbxproj
sed -i '/\/\* ShopView.swift in Sources \*\/ = {isa = PBXBuildFile/d' "$copy_pbx"
check_rejects "a build file removed" "is not an object" pbxproj "$tmp/example/ios/Example/CheckoutExample.xcodeproj" "$tmp/example/ios"
cp "$project/project.pbxproj" "$copy_pbx"
printf 'import SwiftUI\n' >"$tmp/example/ios/Example/CheckoutExample/Forgotten.swift"
check_rejects "a Swift file not added to the target" "Forgotten.swift is on disk but not compiled" \
  pbxproj "$tmp/example/ios/Example/CheckoutExample.xcodeproj" "$tmp/example/ios"
rm "$tmp/example/ios/Example/CheckoutExample/Forgotten.swift"
sed -i 's/productName = CheckoutBridge;/productName = CheckoutBridgeKit;/' "$copy_pbx"
check_rejects "a product the package does not have" "declares no library product 'CheckoutBridgeKit'" \
  pbxproj "$tmp/example/ios/Example/CheckoutExample.xcodeproj" "$tmp/example/ios"
cp "$project/project.pbxproj" "$copy_pbx"
sed -i 's/IPHONEOS_DEPLOYMENT_TARGET = 15\.0;/IPHONEOS_DEPLOYMENT_TARGET = 14.0;/' "$copy_pbx"
check_rejects "a deployment target below the package's" "below the package's .iOS(.v15)" \
  pbxproj "$tmp/example/ios/Example/CheckoutExample.xcodeproj" "$tmp/example/ios"

# ---------------------------------------------------------------------------------------------
log "docs/ios.md: Swift blocks parse, are declarations only, use names that exist; the README snippet"
guides=(docs/ios.md ios/samples/UniversalLinks.md)
docs_check() { "$PY" scripts/swift_docs_check.py "$@"; }
check_passes "Swift blocks of ${guides[*]}: tree-sitter, declarations only, README snippet <= 10 lines" docs_check "${guides[@]}"
check_passes "Swift API names in ${guides[*]} exist (scripts/readme_api_names.py)" python3 scripts/readme_api_names.py swift "${guides[@]}"
mkdir -p "$tmp/docs/docs"
broken_doc=$tmp/docs/docs/ios.md
awk '/^struct BuyView: View \{$/ && !done { print "for item in [1] { print(item) }"; done = 1 } { print }' docs/ios.md >"$broken_doc"
check_rejects "a top-level statement in a Swift block" "top-level for_statement" docs_check "$broken_doc"
awk '/^ +\.disabled\(checkout\.isBusy\)$/ { print; print "            .padding()"; next } { print }' docs/ios.md >"$broken_doc"
check_rejects "an 11-line README snippet" "11 lines of Swift (at most 10)" docs_check "$broken_doc"
sed 's/^App code, 10 lines of Swift/App code, 9 lines of Swift/' docs/ios.md >"$broken_doc"
check_rejects "the snippet stating the wrong count" "states ['9']" docs_check "$broken_doc"
at=$(grep -n -m1 '^    nonisolated static func make(token: String, directory: URL)' docs/ios.md | cut -d: -f1)
sed "${at}s/directory: URL)/directory: URL/" docs/ios.md >"$broken_doc"
check_rejects "\`)\` removed at docs/ios.md:$at" "ios.md:$at:" docs_check "$broken_doc"
sed 's/checkout\.start(SimpleCheckout/checkout.strat(SimpleCheckout/' docs/ios.md >"$broken_doc"
check_rejects "checkout.strat(…)" "checkout.strat" python3 scripts/readme_api_names.py swift "$broken_doc"
sed 's/CheckoutModel(backend:/CheckoutModel(backnd:/' docs/ios.md >"$broken_doc"
check_rejects "CheckoutModel(backnd:)" "CheckoutModel(backnd:" python3 scripts/readme_api_names.py swift "$broken_doc"

# ---------------------------------------------------------------------------------------------
log "documentation: no \`Task { … try … }\` that drops its error (README.md, docs/, ios/samples)"
# A throwing Task's error goes nowhere unless someone awaits its value; the snippets call a
# non-throwing function that catches instead. Narrow: a one-line `Task {` with `try` and no `do`.
dropped_errors() { grep -nE 'Task \{[^}]*\btry\b' "$@" | grep -vE '\bdo \{'; }
if out=$(dropped_errors README.md docs/*.md ios/samples/*.md); then
  echo "$out"
  fail "a snippet's Task drops its error (see above)"
else
  pass "no snippet's Task drops its error"
fi
printf '%s\n' '.onOpenURL { url in Task { show(try await flow.handleReturnUrl(url: url.absoluteString)) } }' >"$tmp/Snippet.md"
if dropped_errors "$tmp/Snippet.md" >/dev/null; then
  pass "broken copy caught: the old \`Task { show(try await …) }\` snippet"
else
  fail "broken copy: the old \`Task { show(try await …) }\` snippet was not flagged"
fi

# ---------------------------------------------------------------------------------------------
log "cargo check --lib --target aarch64-apple-ios (CARGO_TARGET_DIR=target/cross)"
cross_check aarch64-apple-ios arm64-apple-ios

# ---------------------------------------------------------------------------------------------
log "ios/build-xcframework.sh, README, CI"
check_build_script ios/build-xcframework.sh
if ios/build-xcframework.sh --dry-run >"$tmp/ios.out" 2>&1; then
  pass "ios/build-xcframework.sh --dry-run exits 0"
else
  fail "ios/build-xcframework.sh --dry-run"
fi
cat "$tmp/ios.out"
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin; do
  expect "$tmp/ios.out" "$t built as the staticlib alone" \
    "^\+ cargo rustc --release --lib${CB_FFI_FLAG} --crate-type staticlib --target $t\$"
done
a=libcheckout_bridge.a
expect "$tmp/ios.out" "simulator arm64 + x86_64 merged with lipo" \
  "^\+ lipo -create target/aarch64-apple-ios-sim/release/$a target/x86_64-apple-ios/release/$a -output target/xcframework/ios-simulator/$a\$"
expect "$tmp/ios.out" "header and module map staged as CheckoutBridgeFFI/module.modulemap" \
  '^\+ cp bindings/swift/CheckoutBridgeFFI\.modulemap target/xcframework/headers/CheckoutBridgeFFI/module\.modulemap$'
expect "$tmp/ios.out" "header staged next to it" \
  '^\+ cp bindings/swift/CheckoutBridgeFFI\.h target/xcframework/headers/CheckoutBridgeFFI/CheckoutBridgeFFI\.h$'
expect "$tmp/ios.out" "xcodebuild -create-xcframework with the device library, headers and the package's output path" \
  "^\+ xcodebuild -create-xcframework -library target/aarch64-apple-ios/release/$a -headers target/xcframework/headers -library target/xcframework/ios-simulator/$a -headers target/xcframework/headers .*-output ios/CheckoutBridgeFFI\.xcframework\$"
expect "$tmp/ios.out" "generated Swift copied into the package" \
  '^\+ cp bindings/swift/CheckoutBridge\.swift ios/Sources/CheckoutBridge/Generated/CheckoutBridge\.swift$'
if grep -vq '^+ ' "$tmp/ios.out"; then
  fail "--dry-run printed lines that are not commands: $(grep -v '^+ ' "$tmp/ios.out" | head -3)"
else
  pass "--dry-run prints only commands"
fi
expect ios/Package.swift "Package.swift's binary target is the XCFramework the script writes" \
  '\.binaryTarget\(name: "CheckoutBridgeFFI", path: "CheckoutBridgeFFI\.xcframework"\)'
if [ -e ios/CheckoutBridgeFFI.xcframework ] && [ ios/CheckoutBridgeFFI.xcframework -nt "$tmp" ]; then
  fail "--dry-run wrote the XCFramework"
else
  pass "--dry-run wrote no XCFramework"
fi
if [ "$(uname -s)" != Darwin ]; then
  if ios/build-xcframework.sh >"$tmp/ios-real.out" 2>&1; then
    fail "ios/build-xcframework.sh without --dry-run succeeded on $(uname -s)"
  elif grep -q 'needs macOS' "$tmp/ios-real.out"; then
    pass "without --dry-run it refuses to run off macOS: $(cat "$tmp/ios-real.out")"
  else
    fail "unexpected failure off macOS: $(head -3 "$tmp/ios-real.out")"
  fi
fi
if python3 scripts/readme_api_names.py swift; then
  pass "README.md, docs/, server/README.md: every Swift API name in their code blocks exists"
else
  fail "README.md, docs/, server/README.md: Swift API names"
fi
wf=.github/workflows/mobile.yml
expect $wf "CI: the macOS job builds with ios/build-xcframework.sh" 'run: ios/build-xcframework.sh$'
expect $wf "CI: the macOS job runs swift test" 'run: swift test$'
expect $wf "CI: the macOS job builds the example app" 'run: xcodebuild build -project ios/Example/CheckoutExample\.xcodeproj -scheme CheckoutExample '
expect $wf "CI: the macOS job checks the privacy symbol list" 'run: scripts/swift_privacy_symbols\.sh --check$'
check_build_script scripts/swift_privacy_symbols.sh

summary ios
