#!/usr/bin/env bash
# Kotlin on the desktop JVM, built and run by Maven (pom.xml, jvm/*/pom.xml) from Maven Central:
#   - the JVM-flavoured bindings and kotlin-support/, compiled once, with their JUnit 5 tests
#     (tests/kotlin/) against the real library and a stripe-emulator process (PurchaseTests also
#     against a checkout-bridge-server process in front of it), run twice: over the built-in
#     reqwest transport and over the OkHttp transport (kotlin-okhttp/, -Dcheckoutbridge.transport=okhttp);
#   - the OkHttp transport as its own artifact (jvm/okhttp), against the bindings' public API;
#   - android/src/main/kotlin compiled against the real Android framework (Robolectric's
#     android-all, API 34) and those bindings; android/jvm-test/ (JUnit 5): the checkout round
#     trip (rotation, process death, late links, the tab closed), the cold-start threading probe
#     and the baseline profile's coverage of what it loads,
#     ReturnTracker, the Intent encodings, the manifests, sample and docs/android.md's snippet;
#   - jvm/proguard: release shrinking proven with ProGuard (android/consumer-rules.pro only), then a
#     round trip from the shrunk jar; and the same failing without -keepattributes (about 2 min;
#     scripts/proguard-check.sh runs it alone);
#   - the JMH benchmark (benches/kotlin/), compiled only (scripts/kotlin-bench.sh runs it).
#
# Usage: scripts/kotlin-tests.sh [MAVEN ARGS...]    e.g. -Dtest=FlowTests
# Builds the library, the emulator and the server (dev profile) and generates the JVM bindings into
# target/kotlin-jvm first. Maven downloads what ~/.m2 lacks. Surefire's reports stay in
# target/maven/*/surefire-reports* (…-okhttp for the second run); the closing line
# `kotlin: N passed, M failed` counts them
# (a skipped test counts as failed, a Maven failure outside the tests as one failure).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

log "building the library, the emulator and the server (dev profile), generating the JVM bindings"
scripts/bindings.sh --jvm target/kotlin-jvm # builds them first (lib.sh, dev_build)

log "Maven: compile and test (pom.xml)"
rm -rf target/maven/*/surefire-reports*
mkdir -p target/maven
set +e
mvn -B --no-transfer-progress -Dkotlin.tests.continue=true test "$@" 2>&1 | tee target/maven/build.log
rc=${PIPESTATUS[0]}
set -e

read -r passed failed < <(surefire_counts target/maven/*/surefire-reports*)
log "JUnit results (Surefire XML)"
for dir in target/maven/*/surefire-reports*; do
  [ -d "$dir" ] || continue
  read -r p f < <(surefire_counts "$dir")
  run_name=$(basename "$(dirname "$dir")")${dir##*/surefire-reports}
  echo "$run_name: $p passed, $f failed"
done
if [ "$rc" -ne 0 ]; then
  echo "Maven failed outside the tests (exit $rc): see target/maven/build.log"
  failed=$((failed + 1))
fi
[ "$passed" -gt 0 ] || { echo "no test ran"; failed=$((failed + 1)); }
summary kotlin
