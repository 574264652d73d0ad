#!/usr/bin/env bash
# Checks of the Android layer (android/) that run on this Linux machine, which has no Android SDK,
# NDK or Gradle (its JUnit tests, and the ProGuard check, run in scripts/kotlin-tests.sh):
#
#   1. compile against the real Android framework: what the Gradle module compiles
#      (android/src/main/kotlin, the Android-flavoured bindings/kotlin, kotlin-support/, and
#      kotlin-okhttp/ as android/okhttp compiles it) and the sample app (android/sample) with
#      Maven's Kotlin compiler against Robolectric's android-all (API 34), JNA, kotlinx-coroutines
#      and OkHttp (jvm/android-compile/pom.xml). Not compiled:
#      androidx.activity, androidx.browser (Auth Tab, Custom Tabs), androidx.lifecycle and
#      activity-compose, which live on Google's repository; the members used are compile-only
#      stand-ins copied from developer.android.com's reference pages (android/test-support/, each
#      file citing its page). android-all is the whole framework, @hide members included, so a
#      call to a hidden API would pass here and fail against the SDK's android.jar. Then the same
#      compile of a copy with two wrong Android API calls must fail, naming both lines. Not run
#      under Robolectric: its runtime needs androidx.test:monitor (an aar on Google's repository
#      only); the state machines behind the activities run in scripts/kotlin-tests.sh;
#   1b. the library's baseline profile (android/src/main/baseline-prof.txt): its rule syntax and
#      that every class and method it names exists in step 1's classes or JNA's aar
#      (scripts/baseline_profile_check.py), with broken copies refused;
#   2. tree-sitter syntax of every Kotlin file in android/ (the Gradle scripts and the sample
#      included) and of the Kotlin app code in README.md and docs/*.md, whose API names must exist
#      (scripts/readme_api_names.py); the checker rejects broken copies;
#   3. `cargo check --lib --target aarch64-linux-android` (CARGO_TARGET_DIR=target/cross), so
#      code behind cfg(target_os = "android") compiles; ring's C is compiled with Debian's clang,
#      freestanding; linking needs an NDK and is not attempted;
#   4. android/build-rust.sh: bash -n, shellcheck, and its --dry-run commands (default and
#      CHECKOUT_BRIDGE_TRANSPORT=platform), linked as scripts/size.sh measures (its linker
#      wrapper, packed relocations); the Gradle module takes the bindings, jniLibs and the shared
#      JNA version; the OkHttp transport module (android/okhttp); the CI workflow's Android job
#      runs the same scripts.
#
# What a Gradle build and a device would read (android.useAndroidX, the library manifest's
# activities, placeholder intent filter, meta-data, provider and <queries>, the sample's empty
# manifest and placeholder, the App Link sample, docs/android.md's README snippet and its counted
# lines, androidx.browser 1.9 with compileSdk 36) is checked, with broken copies, by
# android/jvm-test/ModuleLayoutTests.kt; the round trip (rotation, process death, late links, the
# tab closed, Auth Tab) by CheckoutRoundTripTests.kt; the cold-start threading by
# WarmUpThreadTests.kt. They run in scripts/kotlin-tests.sh.
#
# Usage: scripts/android-check.sh   (after scripts/bootstrap.sh; scripts/test.sh runs both)
# Ends with `android: N passed, M failed`; exits non-zero if any check fails.
set -uo pipefail
cd "$(dirname "$0")/.." || exit
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# =============================================================================================
log "1. android/ against the real Android framework (android-all API 34, jvm/android-compile/pom.xml)"
compile() { # compile SRC_DIR OUT_DIR LOG : the Gradle module's sources and the sample, with SRC_DIR as android/src/main/kotlin
  mvn -B --no-transfer-progress -f jvm/android-compile/pom.xml compile \
    -Dandroid.src="$1" -Dandroid.compile.out="$2" >"$3" 2>&1
}
if compile "$PWD/android/src/main/kotlin" "$PWD/target/maven/android-compile" "$tmp/compile.log"; then
  n=$(find android/src/main/kotlin bindings/kotlin kotlin-support kotlin-okhttp -name '*.kt' | wc -l)
  m=$(find android/sample/src -name '*.kt' | wc -l)
  pass "kotlinc: the Gradle module's $n Kotlin files and the sample's $m compile against android-all $(sed -n 's:.*<android.all.version>\(.*\)</android.all.version>.*:\1:p' pom.xml)"
else
  grep -E '^\[ERROR\]' "$tmp/compile.log" | head -20
  fail "the Gradle module's Kotlin files compile against android-all (see above)"
fi

echo "not run: the activities under Robolectric: org.robolectric:robolectric's runtime needs"
echo "  androidx.test:monitor (aar), which Maven Central does not serve (Google's repository only)"

# Two calls a developer could plausibly get wrong, each of which a stub would let through but the
# real framework does not: startActivityForResult(Intent, Int) is Activity's, not Context's, and
# Bundle has no getBundle(String, Int).
src=android/src/main/kotlin/io/checkoutbridge/android
mkdir -p "$tmp/broken"
cp -r android/src/main/kotlin/. "$tmp/broken/"
b=$tmp/broken/io/checkoutbridge/android
launcher_line=$(grep -n -m1 '        context.startActivity(view)$' "$src/CheckoutLauncher.kt" | cut -d: -f1)
handler_line=$(grep -n -m1 'savedInstanceState?.getBundle(STATE)' "$src/CheckoutManagementActivity.kt" | cut -d: -f1)
sed -i "${launcher_line}s/context.startActivity(view)/context.startActivityForResult(view, 1)/" "$b/CheckoutLauncher.kt"
sed -i "${handler_line}s/savedInstanceState?.getBundle(STATE)/savedInstanceState?.getBundle(STATE, 0)/" "$b/CheckoutManagementActivity.kt"
if cmp -s "$b/CheckoutLauncher.kt" "$src/CheckoutLauncher.kt" || cmp -s "$b/CheckoutManagementActivity.kt" "$src/CheckoutManagementActivity.kt"; then
  fail "broken copy: a mutation did not change its file (lines ${launcher_line:-?}, ${handler_line:-?})"
elif compile "$tmp/broken" "$tmp/broken-out" "$tmp/broken.log"; then
  fail "broken copy with two wrong Android API calls compiled"
else
  errors=$(grep -E '^\[ERROR\] file:' "$tmp/broken.log")
  echo "$errors" | sed 's|file://.*/io/checkoutbridge/android/||' | head -6
  if grep -q "CheckoutLauncher.kt:$launcher_line:" <<<"$errors" && grep -q "CheckoutManagementActivity.kt:$handler_line:" <<<"$errors"; then
    pass "broken copy rejected: Context.startActivityForResult (CheckoutLauncher.kt:$launcher_line), Bundle.getBundle(String, Int) (CheckoutManagementActivity.kt:$handler_line)"
  else
    fail "broken copy: the compiler's errors do not name CheckoutLauncher.kt:$launcher_line and CheckoutManagementActivity.kt:$handler_line"
  fi
fi

# =============================================================================================
log "1b. the baseline profile (android/src/main/baseline-prof.txt) against the classes above and JNA's aar"
# Its syntax as the Android Gradle plugin parses it, and every class and method it names in the
# Android build's classes (the Android-flavoured bindings, kotlin-support, the layer: compiled in
# step 1) or in JNA's aar at pom.xml's version (the one the module depends on). Which classes it
# must cover is android/jvm-test/BaselineProfileTests.kt's (a cold-start checkout's class loads).
jna_version=$(sed -n 's:.*<jna.version>\(.*\)</jna.version>.*:\1:p' pom.xml)
profile_check() { # profile_check PROFILE : scripts/baseline_profile_check.py over the layer's classes and JNA's aar
  python3 scripts/baseline_profile_check.py --only io/checkoutbridge/ --only com/sun/jna/ "$1" \
    target/maven/android-compile/classes "$tmp/jna/jna-${jna_version}.aar"
}
if ! mvn -B -q --no-transfer-progress -N dependency:copy -Dartifact="net.java.dev.jna:jna:${jna_version}:aar" \
  -DoutputDirectory="$tmp/jna" >"$tmp/jna.log" 2>&1; then
  tail -5 "$tmp/jna.log"
  fail "JNA ${jna_version}'s aar from Maven Central"
elif [ ! -d target/maven/android-compile/classes/io/checkoutbridge/android ]; then
  fail "the baseline profile: no compiled classes (step 1 failed)"
elif profile_check android/src/main/baseline-prof.txt; then
  pass "android/src/main/baseline-prof.txt parses, and every class and method it names exists"
  # A copy with one bad rule appended must be refused, naming that line.
  profile_lines=$(wc -l <android/src/main/baseline-prof.txt)
  bad=$((profile_lines + 1))
  expect_profile_rejected() { # expect_profile_rejected WHAT RULE MESSAGE
    cp android/src/main/baseline-prof.txt "$tmp/baseline-prof.txt"
    printf '%s\n' "$2" >>"$tmp/baseline-prof.txt"
    if profile_check "$tmp/baseline-prof.txt" >"$tmp/profile.out" 2>&1; then
      fail "baseline profile with $1 accepted"
    elif grep -q "baseline-prof.txt:$bad: .*$3" "$tmp/profile.out"; then
      pass "baseline profile with $1 rejected at line $bad ($3)"
    else
      cat "$tmp/profile.out"
      fail "baseline profile with $1: no error naming line $bad ($3)"
    fi
  }
  expect_profile_rejected "a misspelt class" 'HSPLio/checkoutbridge/android/CheckoutRuntim;->**(**)**' "does not exist"
  expect_profile_rejected "the JVM flavour's cleaner (not in the Android bindings)" 'Lio/checkoutbridge/JavaLangRefCleaner;' "does not exist"
  expect_profile_rejected "a pattern that matches no class" 'HSPLio/checkoutbridge/android/Nothing$*;->**(**)**' "no class matches"
  expect_profile_rejected "a method that does not exist" 'HSPLio/checkoutbridge/android/CheckoutRuntime;->warmUpp()V' "no method"
  expect_profile_rejected "a method rule without flags" 'Lio/checkoutbridge/android/CheckoutRuntime;->warmUp()V' "needs flags"
  expect_profile_rejected "flags on a class rule" 'HSPLio/checkoutbridge/android/CheckoutRuntime;' "on a class rule"
  expect_profile_rejected "a dotted class name" 'HSPLio.checkoutbridge.android.CheckoutRuntime;->**(**)**' "is not a class descriptor"
  expect_profile_rejected "a method without parentheses" 'HSPLio/checkoutbridge/android/CheckoutRuntime;->warmUp' "is not a method"
  cp android/src/main/baseline-prof.txt "$tmp/baseline-prof.txt"
  printf '%s\n' 'HSPLio/checkoutbridge/android/CheckoutRuntime;->warmUp()V' 'SLcom/sun/jna/Native;->load*(Ljava/lang/String;Ljava/lang/Class;**)**' >>"$tmp/baseline-prof.txt"
  if profile_check "$tmp/baseline-prof.txt" >/dev/null; then
    pass "baseline profile: exact and wildcard method rules that exist are accepted"
  else
    fail "baseline profile: exact and wildcard method rules that exist were refused"
  fi
else
  fail "android/src/main/baseline-prof.txt (see above)"
fi

# =============================================================================================
log "2. Kotlin syntax: tree-sitter ${TREE_SITTER_VERSION}, tree-sitter-kotlin ${TREE_SITTER_KOTLIN_VERSION}"
kotlin_files=()
while IFS= read -r -d '' f; do kotlin_files+=("$f"); done < <(find android \( -name '*.kt' -o -name '*.kts' \) -type f -print0 | sort -z)
if ! pip_venv >"$tmp/pip.log" 2>&1; then
  tail -5 "$tmp/pip.log"
  fail "tree-sitter wheels at the pinned versions in .tools/venv"
else
  for f in "${kotlin_files[@]}"; do
    if "$PY" scripts/kotlin_syntax_check.py "$f" >/dev/null; then pass "Kotlin syntax: $f"; else
      "$PY" scripts/kotlin_syntax_check.py "$f"
      fail "Kotlin syntax: $f"
    fi
  done
  # The checker must reject broken copies of a real file, naming the line where it can.
  original=$src/CheckoutLauncher.kt
  broken=$tmp/CheckoutLauncher.kt
  expect_rejected() { expect_broken_copy_rejected scripts/kotlin_syntax_check.py "$original" "$broken" "$@"; }
  awk '!done && /^    }$/ { done = 1; next } { print }' "$original" >"$broken"
  expect_rejected "first \`    }\` deleted" ""
  at=$(awk '/^}$/ { print NR; exit }' "$original")
  awk -v at="$at" '{ print } NR == at { print "fun (" }' "$original" >"$broken"
  expect_rejected "\`fun (\` inserted as line $((at + 1))" "$((at + 1))"
  at=$(grep -nE -m1 '^ {8}.*[A-Za-z]\([^()]+\)[^()]*$' "$original" | cut -d: -f1)
  sed -E "${at}s/\(([^()]+)\)([^()]*)\$/(\1\2/" "$original" >"$broken"
  expect_rejected "\`)\` removed on line $at" ""

  mkdir -p "$tmp/docs"
  if python3 scripts/readme_api_names.py kotlin "$tmp/docs"; then
    pass "README.md, docs/*.md: every Kotlin API name in their code blocks exists"
  else
    fail "README.md, docs/*.md: Kotlin API names"
  fi
  if "$PY" scripts/kotlin_syntax_check.py "$tmp"/docs/DocsKotlin*.kt >/dev/null; then
    pass "README.md, docs/*.md: the Kotlin app code parses ($(find "$tmp/docs" -name 'DocsKotlin*.kt' | wc -l) blocks)"
  else
    "$PY" scripts/kotlin_syntax_check.py "$tmp"/docs/DocsKotlin*.kt
    fail "README.md, docs/*.md: the Kotlin app code parses"
  fi
fi

# =============================================================================================
log "3. cargo check --lib --target aarch64-linux-android (CARGO_TARGET_DIR=target/cross)"
cross_check aarch64-linux-android aarch64-linux-android

# =============================================================================================
log "4. android/build-rust.sh, the Gradle module, CI"
check_build_script android/build-rust.sh
before=$(find android -newer android/build-rust.sh 2>/dev/null | sort | md5sum)
if android/build-rust.sh --dry-run >"$tmp/android.out" 2>&1; then
  pass "android/build-rust.sh --dry-run exits 0"
else
  fail "android/build-rust.sh --dry-run"
fi
cat "$tmp/android.out"
min_sdk=$(sed -n 's/^ *minSdk = \([0-9][0-9]*\).*/\1/p' android/build.gradle.kts)
[ -n "$min_sdk" ] || fail "read minSdk from android/build.gradle.kts"
expect "$tmp/android.out" "rustup adds the four Android targets" \
  '^\+ rustup target add .*aarch64-linux-android.*armv7-linux-androideabi.*x86_64-linux-android.*i686-linux-android'
declare -A abi=([aarch64-linux-android]=arm64-v8a [armv7-linux-androideabi]=armeabi-v7a [x86_64-linux-android]=x86_64 [i686-linux-android]=x86)
# Linked as scripts/size.sh measures it: the same linker wrapper (UniFFI's metadata statics not
# exported), relocations packed (Android's format for minSdk 24), 16 KB pages.
# shellcheck disable=SC2016 # a literal $PWD, as size.sh spells it
size_linker=$(grep -o 'linker=\$PWD/scripts/[A-Za-z0-9_-]*\.sh' scripts/size.sh | head -1 | sed 's/^linker=\$PWD\///')
[ -n "$size_linker" ] || fail "read the linker wrapper from scripts/size.sh"
if grep -q 'pack-relative-relocs\|pack-dyn-relocs' scripts/size.sh; then pass "scripts/size.sh measures with packed relocations"; else fail "scripts/size.sh packs no relocations"; fi
link_flags="-C linker=$PWD/${size_linker:-MISSING} -C link-arg=-Wl,--pack-dyn-relocs=android -C link-arg=-Wl,-z,max-page-size=16384"
# expect_builds OUT FEATURES WHAT: the four cargo ndk builds in OUT, each with FEATURES and the link flags.
expect_builds() {
  local t
  for t in aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android; do
    expect "$1" "$3: $t built as the cdylib alone, linked as size.sh measures (${size_linker:-?}, packed relocations, 16 KB pages), API $min_sdk" \
      "^\+ cargo ndk --target $t --platform ${min_sdk:-MISSING} --output-dir android/src/main/jniLibs rustc --release --lib$2 --crate-type cdylib -- ${link_flags//./\\.}\$"
  done
  if [ "$(grep -c '^+ cargo ndk ' "$1")" -eq 4 ]; then pass "$3: exactly four cargo ndk builds"; else fail "$3: expected four cargo ndk builds"; fi
}
expect_builds "$tmp/android.out" "${CB_FFI_FLAG}" "default build"
for t in aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android; do
  expect "$tmp/android.out" "output android/src/main/jniLibs/${abi[$t]}/libcheckout_bridge.so checked" \
    "^\+ test -s android/src/main/jniLibs/${abi[$t]}/libcheckout_bridge.so\$"
done
if [ -x "${size_linker:-/nonexistent}" ]; then pass "the linker wrapper ${size_linker} exists and is executable"; else fail "linker wrapper ${size_linker:-?} missing or not executable"; fi
# The mobile build option: CHECKOUT_BRIDGE_TRANSPORT=platform, the library without reqwest.
if CHECKOUT_BRIDGE_TRANSPORT=platform android/build-rust.sh --dry-run >"$tmp/android-platform.out" 2>&1; then
  pass "CHECKOUT_BRIDGE_TRANSPORT=platform android/build-rust.sh --dry-run exits 0"
else
  cat "$tmp/android-platform.out"
  fail "CHECKOUT_BRIDGE_TRANSPORT=platform android/build-rust.sh --dry-run"
fi
expect_builds "$tmp/android-platform.out" " --no-default-features${CB_FFI_FLAG}" "without reqwest"
if grep -q -- '--no-default-features' "$tmp/android.out"; then fail "the default build drops default features"; else pass "the default build keeps the reqwest transport"; fi
if grep -vq '^+ ' "$tmp/android.out"; then
  fail "--dry-run printed lines that are not commands: $(grep -v '^+ ' "$tmp/android.out" | head -3)"
else
  pass "--dry-run prints only commands"
fi
after=$(find android -newer android/build-rust.sh 2>/dev/null | sort | md5sum)
if [ "$before" = "$after" ]; then pass "--dry-run changed nothing under android/"; else fail "--dry-run wrote files"; fi
# The OkHttp transport as an Android library of the same Gradle build.
expect android/settings.gradle.kts "Gradle includes the OkHttp transport module" '^include\(":okhttp"\)$'
og=android/okhttp/build.gradle.kts
expect $og "the OkHttp module compiles kotlin-okhttp/ in place" 'kotlin\.srcDir\("\.\./\.\./kotlin-okhttp"\)'
expect $og "the OkHttp module depends on the library (api)" 'api\(project\(":"\)\)'
expect $og "the OkHttp module takes OkHttp at pom.xml's okhttp.version (the library build's shared versions)" '"com\.squareup\.okhttp3:okhttp:\$\{sharedVersions\.getValue\("okhttp\.version"\)\}"'
expect $og "the OkHttp module reads the library build's shared versions" 'rootProject\.extra\["sharedVersions"\]'
expect $og "the OkHttp module applies maven-publish" '^ *`maven-publish`$'
expect android/build.gradle.kts "modules publish as checkout-bridge-android[-<module>]" 'artifactId = if \(project == rootProject\) "checkout-bridge-android" else "checkout-bridge-android-\$\{project\.name\}"'
expect $og "the OkHttp module compiles with explicit API mode, as jvm/okhttp" '^ *explicitApi\(\)$'
g=android/build.gradle.kts
expect $g "Gradle compiles the committed bindings in place" 'kotlin\.srcDir\("\.\./bindings/kotlin"\)'
expect $g "Gradle packs src/main/jniLibs" 'jniLibs\.srcDir\("src/main/jniLibs"\)'
expect $g "Gradle takes JNA (@aar) at pom.xml's jna.version" '"net\.java\.dev\.jna:jna:\$\{sharedVersions\.getValue\("jna\.version"\)\}@aar"'
expect $g "Gradle reads the shared versions from the repository's pom.xml" 'parse\(rootDir\.resolve\("\.\./pom\.xml"\)\)'
if grep -Eq 'jna:[0-9]|coroutines-android:[0-9]' $g; then fail "$g names a JNA or coroutines version of its own"; else pass "$g names no JNA or coroutines version of its own"; fi
wf=.github/workflows/mobile.yml
expect $wf "CI: the NDK job builds with android/build-rust.sh" 'run: android/build-rust.sh$'
expect $wf "CI: the NDK job assembles the module" 'run: gradle assembleRelease$'
expect $wf "CI: the NDK job publishes the AAR as a Maven repository" 'run: gradle publish$'

summary android
