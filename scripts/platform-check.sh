#!/usr/bin/env bash
# Checks of the Android and iOS platform layers (android/, ios/) that run on this Linux machine,
# which has no Android SDK/NDK, Xcode or Swift:
#
#   1. the Kotlin files of android/ that do not touch Android APIs compile on the JVM together
#      with JVM-flavoured bindings, and their tests (android/jvm-test/) pass, including a round
#      trip against the real library and the Stripe emulator (scripts/kotlin-common.sh);
#   2. every Kotlin file in android/ and every Swift file in ios/ passes a tree-sitter syntax
#      check, and each checker rejects deliberately broken copies;
#   3. `cargo check --lib` for aarch64-linux-android and aarch64-apple-ios (CARGO_TARGET_DIR=
#      target/cross), so code behind cfg(target_os = …) compiles for real; ring's C is compiled
#      with Debian's clang (freestanding, see cross_check below). Linking needs an NDK / Xcode
#      and is not attempted. A target that cannot be checked prints `SKIPPED (reason)` and
#      counts as a failure;
#   4. android/build-rust.sh and ios/build-xcframework.sh pass `bash -n` and shellcheck, and
#      their --dry-run output has the right targets, flags and output paths.
#
# Usage: scripts/platform-check.sh   (from anywhere inside the repository)
# Installs what is missing (pip wheels into .tools/venv, kotlinc via npm, JNA/clang/shellcheck
# via apt, rustup targets). Exits non-zero if any check fails; ends with the line
# `platform: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

TREE_SITTER_VERSION=0.26.1       # same pins as scripts/swift-check.sh
TREE_SITTER_SWIFT_VERSION=0.7.4
TREE_SITTER_KOTLIN_VERSION=1.1.0
venv=$root/.tools/venv
py=$venv/bin/python
cross_dir=$root/target/cross

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
skipped() { # counts as a failure: nothing may pass silently
  failed=$((failed + 1))
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! SKIPPED ($*)"
  echo "!!! counted as a failure"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
}
log() { printf '\n==> %s\n' "$*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
apt_install() { # apt_install PACKAGE... : quietly, updating the index once if needed
  command -v apt-get >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >"$tmp/apt.log" 2>&1 && return 0
  $sudo apt-get update -qq >>"$tmp/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >>"$tmp/apt.log" 2>&1
}

kotlin_files=()
while IFS= read -r -d '' f; do kotlin_files+=("$f"); done < <(find android -name '*.kt' -type f -print0 | sort -z)
swift_files=()
while IFS= read -r -d '' f; do swift_files+=("$f"); done < <(find ios -name '*.swift' -type f -not -path '*/.build/*' -print0 | sort -z)

# =============================================================================================
log "1. Kotlin without Android APIs: compile on the JVM with the JVM bindings, run android/jvm-test"
# A source file "touches Android" when it imports android.* or androidx.*; the rest must compile
# on the desktop JVM. ReturnLogic.kt holds the logic that is meant to be pure.
pure=()
android_only=()
for f in "${kotlin_files[@]}"; do
  case $f in android/src/main/*) ;; *) continue ;; esac
  if grep -Eq '^[[:space:]]*import[[:space:]]+androidx?\.' "$f"; then android_only+=("$f"); else pure+=("$f"); fi
done
echo "pure Kotlin (JVM-compiled): ${pure[*]:-none}"
echo "Android-touching (syntax-checked only): ${android_only[*]:-none}"
if [[ " ${pure[*]:-} " != *" android/src/main/kotlin/io/checkoutbridge/android/ReturnLogic.kt "* ]]; then
  fail "ReturnLogic.kt must not import android.* / androidx.* (it is the JVM-tested logic)"
fi
if [ "${#pure[@]}" -eq 0 ]; then
  fail "no pure Kotlin files found in android/src/main"
else
  # kotlin-common.sh expects `set -euo pipefail`: run it in a subshell that reports by exit code.
  (
    set -euo pipefail
    # shellcheck source=scripts/kotlin-common.sh disable=SC1091
    . scripts/kotlin-common.sh
    kt_setup
    kt_build_native
    kt_compile android-jvm "${pure[@]}" android/jvm-test
  ) >"$tmp/kt-build.log" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -40 "$tmp/kt-build.log"
    fail "compile ${pure[*]} + android/jvm-test against the JVM bindings (exit $rc)"
  else
    grep '^==>' "$tmp/kt-build.log" || true
    pass "kotlinc: ${#pure[@]} android/ file(s) + android/jvm-test compile against the JVM-flavoured bindings"
    (
      set -euo pipefail
      # shellcheck source=scripts/kotlin-common.sh disable=SC1091
      . scripts/kotlin-common.sh
      kt_java android-jvm io.checkoutbridge.android.jvmtest.ReturnLogicTestsKt
    ) >"$tmp/kt-run.log" 2>&1
    rc=$?
    cat "$tmp/kt-run.log"
    ok=$(grep -c '^PASS ' "$tmp/kt-run.log")
    not_ok=$(grep -c '^FAIL ' "$tmp/kt-run.log")
    passed=$((passed + ok))
    failed=$((failed + not_ok))
    if ! tail -n 1 "$tmp/kt-run.log" | grep -Eq '^android-jvm: [0-9]+ passed, [0-9]+ failed$'; then
      fail "android/jvm-test did not run to completion (exit $rc)"
    elif [ "$rc" -ne 0 ] && [ "$not_ok" -eq 0 ]; then
      fail "android/jvm-test exited $rc without a failing test"
    elif grep -q '^SKIP round trip' "$tmp/kt-run.log"; then
      fail "android/jvm-test skipped the emulator round trip"
    fi
  fi
fi

# =============================================================================================
log "2. syntax: tree-sitter ${TREE_SITTER_VERSION}, tree-sitter-kotlin ${TREE_SITTER_KOTLIN_VERSION}, tree-sitter-swift ${TREE_SITTER_SWIFT_VERSION}"
have_pins() {
  "$py" - "$TREE_SITTER_VERSION" "$TREE_SITTER_SWIFT_VERSION" "$TREE_SITTER_KOTLIN_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
want = dict(zip(("tree-sitter", "tree-sitter-swift", "tree-sitter-kotlin"), sys.argv[1:]))
sys.exit(0 if all(version(k) == v for k, v in want.items()) else 1)
EOF
}
if ! have_pins; then
  if [ ! -x "$py" ]; then
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
  fi
  "$py" -m pip install --quiet --disable-pip-version-check "tree-sitter==${TREE_SITTER_VERSION}" \
    "tree-sitter-swift==${TREE_SITTER_SWIFT_VERSION}" "tree-sitter-kotlin==${TREE_SITTER_KOTLIN_VERSION}"
fi
if have_pins; then
  pass "tree-sitter wheels at the pinned versions in .tools/venv"

  check_all() { # check_all CHECKER LABEL FILE...
    local checker=$1 label=$2 f
    shift 2
    [ "$#" -gt 0 ] || { fail "no $label files found"; return; }
    for f in "$@"; do
      if "$py" "$checker" "$f"; then pass "$label syntax: $f"; else fail "$label syntax: $f"; fi
    done
  }
  check_all scripts/kotlin_syntax_check.py Kotlin "${kotlin_files[@]}"
  check_all scripts/swift_syntax_check.py Swift "${swift_files[@]}"

  # Each checker must reject broken copies of a real file, naming the line where it can.
  expect_rejected() { # CHECKER ORIGINAL BROKEN DESCRIPTION LINE("" = any)
    local checker=$1 original=$2 broken=$3 what=$4 line=$5 out rc
    out=$("$py" "$checker" "$broken" 2>&1)
    rc=$?
    if cmp -s "$broken" "$original"; then
      fail "broken copy of $original ($what): the mutation did not change the file"
    elif [ "$rc" -ne 1 ]; then
      echo "$out" | head -5
      fail "broken copy of $original ($what): checker exited $rc, expected 1"
    elif [ -n "$line" ] && ! grep -q "$(basename "$broken"):$line:" <<<"$out"; then
      echo "$out" | head -5
      fail "broken copy of $original ($what): the report does not name line $line"
    else
      pass "broken copy rejected ($what): $(grep -Em1 ':[0-9]+:[0-9]+: ' <<<"$out" | sed 's/^ *//; s|.*/||')"
    fi
  }
  mutate_and_check() { # CHECKER ORIGINAL KEYWORD : three mutations of ORIGINAL in $tmp/broken/
    local checker=$1 original=$2 broken at
    mkdir -p "$tmp/broken"
    broken=$tmp/broken/$(basename "$original")
    # (a) the first closing brace of a member (a line `    }`) deleted
    awk '!done && /^    }$/ { done = 1; next } { print }' "$original" >"$broken"
    expect_rejected "$checker" "$original" "$broken" "$(basename "$original"): first \`    }\` deleted" ""
    # (b) `func (` / `fun (` inserted after the first top-level `}`
    at=$(awk '/^}$/ { print NR; exit }' "$original")
    awk -v at="$at" -v kw="$3" '{ print } NR == at { print kw " (" }' "$original" >"$broken"
    expect_rejected "$checker" "$original" "$broken" "$(basename "$original"): \`$3 (\` inserted as line $((at + 1))" "$((at + 1))"
    # (c) an unbalanced parenthesis in the first call with arguments inside a body
    at=$(grep -nE -m1 '^ {8}.*[A-Za-z]\([^()]+\)[^()]*$' "$original" | cut -d: -f1)
    sed -E "${at}s/\(([^()]+)\)([^()]*)\$/(\1\2/" "$original" >"$broken"
    expect_rejected "$checker" "$original" "$broken" "$(basename "$original"): \`)\` removed on line $at" ""
  }
  mutate_and_check scripts/kotlin_syntax_check.py android/src/main/kotlin/io/checkoutbridge/android/CheckoutLauncher.kt fun
  mutate_and_check scripts/swift_syntax_check.py ios/Sources/CheckoutBridge/CheckoutPresenter.swift func
else
  fail "install tree-sitter==${TREE_SITTER_VERSION} tree-sitter-swift==${TREE_SITTER_SWIFT_VERSION} tree-sitter-kotlin==${TREE_SITTER_KOTLIN_VERSION} into .tools/venv"
fi

# =============================================================================================
log "3. cargo check --lib for Android and iOS (CARGO_TARGET_DIR=target/cross)"
command -v clang >/dev/null || apt_install clang || true
llvm_ar=$(command -v llvm-ar || compgen -c llvm-ar- | sort -V | tail -n 1 || true)

# ring's build script compiles its C and assembly for the target even under `cargo check`. No NDK
# or Apple SDK here: Debian's clang compiles it freestanding (-ffreestanding for the compiler's
# own stdint.h/stddef.h, RING_CORE_NOSTDLIBINC so ring includes no libc header, which ring
# supports for cross builds). For iOS, cc-rs wants an SDK path (SDKROOT, else xcrun): a stub SDK
# directory holding only TargetConditionals.h, which ring's base.h includes on Apple targets.
# The Rust code, including everything behind cfg(target_os = "android" / "ios"), is checked for
# real; ring's C is only compiled, never linked.
stub_sdk=$cross_dir/stub-sdk/iPhoneOS.sdk
make_stub_sdk() {
  mkdir -p "$stub_sdk/usr/include"
  cat >"$stub_sdk/usr/include/TargetConditionals.h" <<'EOF'
/* Stand-in for the Apple SDK header, for `cargo check` on Linux only (scripts/platform-check.sh). */
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 0
#define TARGET_OS_IPHONE 1
#define TARGET_OS_IOS 1
#define TARGET_OS_SIMULATOR 0
EOF
}

cross_check() { # cross_check RUST_TARGET CLANG_TARGET
  local target=$1 clang_target=$2 var
  var=${target//-/_}
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    if ! rustup target add "$target" >"$tmp/rustup.log" 2>&1; then
      tail -3 "$tmp/rustup.log"
      skipped "cargo check --target $target: rustup could not fetch the target"
      return
    fi
  fi
  if ! command -v clang >/dev/null; then
    skipped "cargo check --target $target: no clang for ring's C (apt-get install clang failed)"
    return
  fi
  if [ -z "$llvm_ar" ]; then
    skipped "cargo check --target $target: no llvm-ar for ring's C archive"
    return
  fi
  local env=(
    CARGO_TARGET_DIR="$cross_dir"
    "CC_$var=clang"
    "AR_$var=$llvm_ar"
    "CFLAGS_$var=--target=$clang_target -ffreestanding -DRING_CORE_NOSTDLIBINC=1"
  )
  case $target in *-apple-*)
    make_stub_sdk
    env+=(SDKROOT="$stub_sdk")
    ;;
  esac
  echo "+ ${env[*]} cargo check --lib --features ffi --target $target"
  if env "${env[@]}" nice cargo check --quiet --lib --features ffi --target "$target" >"$tmp/check-$target.log" 2>&1; then
    pass "cargo check --lib --target $target"
  else
    grep -E '^(error|warning: ring)' "$tmp/check-$target.log" | head -20
    tail -5 "$tmp/check-$target.log"
    fail "cargo check --lib --target $target"
  fi
}
cross_check aarch64-linux-android aarch64-linux-android
cross_check aarch64-apple-ios arm64-apple-ios

# =============================================================================================
log "4. build scripts: bash -n, shellcheck, --dry-run"
if ! command -v shellcheck >/dev/null; then
  apt_install shellcheck || true
fi
scripts=(android/build-rust.sh ios/build-xcframework.sh)
for s in "${scripts[@]}"; do
  if bash -n "$s"; then pass "bash -n $s"; else fail "bash -n $s"; fi
  if ! command -v shellcheck >/dev/null; then
    fail "shellcheck $s: shellcheck not installed and apt-get install shellcheck failed"
  elif shellcheck "$s"; then
    pass "shellcheck $s"
  else
    fail "shellcheck $s"
  fi
done

# expect FILE DESCRIPTION ERE : some line of FILE matches ERE
expect() {
  if grep -Eq -- "$3" "$1"; then pass "$2"; else fail "$2 (no line matches /$3/)"; fi
}

# --- Android ---
before=$(find android -newer android/build-rust.sh 2>/dev/null | sort | md5sum)
if android/build-rust.sh --dry-run >"$tmp/android.out" 2>&1; then
  pass "android/build-rust.sh --dry-run exits 0"
else
  cat "$tmp/android.out"
  fail "android/build-rust.sh --dry-run"
fi
cat "$tmp/android.out"
min_sdk=$(sed -n 's/^ *minSdk = \([0-9][0-9]*\).*/\1/p' android/build.gradle.kts)
[ -n "$min_sdk" ] || fail "read minSdk from android/build.gradle.kts"
expect "$tmp/android.out" "android: rustup adds the four Android targets" \
  '^\+ rustup target add .*aarch64-linux-android.*armv7-linux-androideabi.*x86_64-linux-android.*i686-linux-android'
declare -A abi=([aarch64-linux-android]=arm64-v8a [armv7-linux-androideabi]=armeabi-v7a [x86_64-linux-android]=x86_64 [i686-linux-android]=x86)
for t in aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android; do
  expect "$tmp/android.out" "android: $t built as the cdylib alone, 16 KB pages, API $min_sdk, into jniLibs" \
    "^\+ cargo ndk --target $t --platform ${min_sdk:-MISSING} --output-dir android/src/main/jniLibs rustc --release --lib --features ffi --crate-type cdylib -- -C link-arg=-Wl,-z,max-page-size=16384\$"
  expect "$tmp/android.out" "android: output android/src/main/jniLibs/${abi[$t]}/libcheckout_bridge.so checked" \
    "^\+ test -s android/src/main/jniLibs/${abi[$t]}/libcheckout_bridge.so\$"
done
if [ "$(grep -c '^+ cargo ndk ' "$tmp/android.out")" -eq 4 ]; then
  pass "android: exactly four cargo ndk builds"
else
  fail "android: expected four cargo ndk builds"
fi
if grep -vq '^+ ' "$tmp/android.out"; then
  fail "android: --dry-run printed lines that are not commands: $(grep -v '^+ ' "$tmp/android.out" | head -3)"
else
  pass "android: --dry-run prints only commands"
fi
after=$(find android -newer android/build-rust.sh 2>/dev/null | sort | md5sum)
if [ "$before" = "$after" ]; then pass "android: --dry-run changed nothing under android/"; else fail "android: --dry-run wrote files"; fi
expect android/build.gradle.kts "android: Gradle compiles the committed bindings in place" 'kotlin\.srcDir\("\.\./bindings/kotlin"\)'
expect android/build.gradle.kts "android: Gradle packs src/main/jniLibs" 'jniLibs\.srcDir\("src/main/jniLibs"\)'
expect android/build.gradle.kts "android: JNA 5.17.0 as @aar" '"net\.java\.dev\.jna:jna:5\.17\.0@aar"'

# --- iOS ---
if ios/build-xcframework.sh --dry-run >"$tmp/ios.out" 2>&1; then
  pass "ios/build-xcframework.sh --dry-run exits 0"
else
  cat "$tmp/ios.out"
  fail "ios/build-xcframework.sh --dry-run"
fi
cat "$tmp/ios.out"
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin; do
  expect "$tmp/ios.out" "ios: $t built as the staticlib alone" \
    "^\+ cargo rustc --release --lib --features ffi --crate-type staticlib --target $t\$"
done
a=libcheckout_bridge.a
expect "$tmp/ios.out" "ios: simulator arm64 + x86_64 merged with lipo" \
  "^\+ lipo -create target/aarch64-apple-ios-sim/release/$a target/x86_64-apple-ios/release/$a -output target/xcframework/ios-simulator/$a\$"
expect "$tmp/ios.out" "ios: header and module map staged as CheckoutBridgeFFI/module.modulemap" \
  '^\+ cp bindings/swift/CheckoutBridgeFFI\.modulemap target/xcframework/headers/CheckoutBridgeFFI/module\.modulemap$'
expect "$tmp/ios.out" "ios: header staged next to it" \
  '^\+ cp bindings/swift/CheckoutBridgeFFI\.h target/xcframework/headers/CheckoutBridgeFFI/CheckoutBridgeFFI\.h$'
expect "$tmp/ios.out" "ios: xcodebuild -create-xcframework with the device library, headers and the package's output path" \
  "^\+ xcodebuild -create-xcframework -library target/aarch64-apple-ios/release/$a -headers target/xcframework/headers -library target/xcframework/ios-simulator/$a -headers target/xcframework/headers .*-output ios/CheckoutBridgeFFI\.xcframework\$"
expect "$tmp/ios.out" "ios: generated Swift copied into the package" \
  '^\+ cp bindings/swift/CheckoutBridge\.swift ios/Sources/CheckoutBridge/Generated/CheckoutBridge\.swift$'
if grep -vq '^+ ' "$tmp/ios.out"; then
  fail "ios: --dry-run printed lines that are not commands: $(grep -v '^+ ' "$tmp/ios.out" | head -3)"
else
  pass "ios: --dry-run prints only commands"
fi
expect ios/Package.swift "ios: Package.swift's binary target is the XCFramework the script writes" \
  '\.binaryTarget\(name: "CheckoutBridgeFFI", path: "CheckoutBridgeFFI\.xcframework"\)'
if [ -e ios/CheckoutBridgeFFI.xcframework ] && [ ios/CheckoutBridgeFFI.xcframework -nt "$tmp" ]; then
  fail "ios: --dry-run wrote the XCFramework"
else
  pass "ios: --dry-run wrote no XCFramework"
fi
if [ "$(uname -s)" != Darwin ]; then
  if ios/build-xcframework.sh >"$tmp/ios-real.out" 2>&1; then
    fail "ios/build-xcframework.sh without --dry-run succeeded on $(uname -s)"
  elif grep -q 'needs macOS' "$tmp/ios-real.out"; then
    pass "ios: without --dry-run it refuses to run off macOS: $(cat "$tmp/ios-real.out")"
  else
    fail "ios: unexpected failure off macOS: $(head -3 "$tmp/ios-real.out")"
  fi
fi

# --- README.md (sections Android and iOS): the code in it uses names that exist ---
# Every `flow.name(` / `returns.name(` / Swift `name(label:` call in the docs' code blocks must
# exist in the generated bindings or the platform layer; the Kotlin "dozen lines" must parse.
docs=README.md
if [ ! -f "$docs" ]; then
  fail "$docs exists"
else
  python3 - "$docs" "$tmp" >"$tmp/docs.out" 2>&1 <<'PY'
import re, sys, pathlib
docs, tmp = sys.argv[1], pathlib.Path(sys.argv[2])
text = open(docs).read()
kt_blocks = re.findall(r"```kotlin\n(.*?)```", text, re.S)
kt = "\n".join(kt_blocks)
app_kt = "\n".join(b for b in kt_blocks if "import io.checkoutbridge" in b)  # the app code, not Gradle snippets
sw = "\n".join(re.findall(r"```swift\n(.*?)```", text, re.S))
bk = open("bindings/kotlin/io/checkoutbridge/checkout_bridge.kt").read()
bs = open("bindings/swift/CheckoutBridge.swift").read()
layer_kt = "".join(open(f).read() for d in ("android/src/main/kotlin", "kotlin-support") for f in pathlib.Path(d).rglob("*.kt"))
layer_sw = "".join(open(f).read() for f in pathlib.Path("ios/Sources").rglob("*.swift"))
bad, seen = [], 0
for name in sorted(set(re.findall(r"\bflow\.(\w+)\(", kt))):
    seen += 1
    if f"fun `{name}`" not in bk and f"fun CheckoutFlow.{name}(" not in layer_kt:
        bad.append(f"Kotlin flow.{name}")
for name in sorted(set(re.findall(r"\breturns\.(\w+)\(", kt))):
    seen += 1
    if not re.search(rf"\bfun {name}\(", layer_kt):
        bad.append(f"Kotlin returns.{name}")
for name in sorted(set(re.findall(r"\b([A-Z]\w+)[(.]", kt))):
    seen += 1
    if name in ("ComponentActivity", "Bundle", "Intent"):
        continue
    if not re.search(rf"\b(class|object) `?{name}`?\b", bk + layer_kt):
        bad.append(f"Kotlin type {name}")
for name, label in sorted(set(re.findall(r"\b(\w+)\((\w+):", sw))):
    seen += 1
    if name in ("urls",):  # Foundation
        continue
    if name in ("ClientConfig", "SimpleCheckout", "CheckoutClient", "CheckoutFlow"):
        ok = re.search(rf"\b{label}: ", bs) is not None
    else:
        ok = (re.search(rf"func {name}\({label}:", bs + layer_sw) is not None
              or re.search(rf"case {name}\(\s*(/\*\*.*?\*/)?\s*{label}:", bs, re.S) is not None
              or f"case {name}({label}:" in layer_sw)
    if not ok:
        bad.append(f"Swift {name}({label}:")
for b in bad:
    print("not in the bindings / platform layer:", b)
print(f"{seen} names checked")
# Each app block is a file of its own (each has its imports at the top).
for i, block in enumerate(b for b in kt_blocks if "import io.checkoutbridge" in b):
    (tmp / f"DocsKotlin{i}.kt").write_text(block)
sys.exit(1 if bad or seen < 10 or not app_kt else 0)
PY
  rc=$?
  cat "$tmp/docs.out"
  if [ "$rc" -eq 0 ]; then pass "$docs: every API name in its code blocks exists"; else fail "$docs: API names"; fi
  if have_pins && "$py" scripts/kotlin_syntax_check.py "$tmp"/DocsKotlin*.kt >/dev/null; then
    pass "$docs: the Kotlin code parses"
  else
    "$py" scripts/kotlin_syntax_check.py "$tmp"/DocsKotlin*.kt
    fail "$docs: the Kotlin code parses"
  fi
fi

# --- CI workflow uses the same scripts ---
wf=.github/workflows/mobile.yml
expect "$wf" "ci: macOS job builds with ios/build-xcframework.sh" 'run: ios/build-xcframework.sh$'
expect "$wf" "ci: macOS job runs swift test" 'run: swift test$'
expect "$wf" "ci: NDK job builds with android/build-rust.sh" 'run: android/build-rust.sh$'
expect "$wf" "ci: NDK job assembles the module" 'run: gradle assembleRelease$'

echo
echo "platform: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
