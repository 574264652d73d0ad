#!/usr/bin/env bash
# Runs the Kotlin/JVM tests (tests/kotlin/) against the real library and the Stripe emulator,
# installing what is missing first (kotlinc from npm into .tools/, JNA from Debian).
#
#   scripts/kotlin-tests.sh            every test
#   scripts/kotlin-tests.sh WORD...    only tests whose name contains one of the words
#
# Ends with the line `kotlin: N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/kotlin-common.sh
. scripts/kotlin-common.sh

log=target/kotlin/test-output.log # (scripts/test.sh tees our stdout to target/kotlin-tests.log)
summary_printed=0
finish() {
  local rc=$?
  if [ "$summary_printed" = 0 ]; then
    # Setup, build or the JVM failed before the runner could report: count what did report.
    local passed=0 failed=0
    if [ -f "$log" ]; then
      passed=$(grep -c '^PASS ' "$log" || true)
      failed=$(grep -c '^FAIL ' "$log" || true)
    fi
    echo "kotlin tests did not run to completion (exit $rc)" >&2
    echo "kotlin: $passed passed, $((failed + 1)) failed"
    [ "$rc" != 0 ] || rc=1
  fi
  exit "$rc"
}
trap finish EXIT
mkdir -p target/kotlin
rm -f "$log"

kt_setup
kt_build_native
kt_compile tests tests/kotlin

kt_log "running the Kotlin tests"
set +e
kt_java tests io.checkoutbridge.tests.MainKt "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if tail -n 1 "$log" | grep -Eq '^kotlin: [0-9]+ passed, [0-9]+ failed$'; then
  summary_printed=1
fi
exit "$rc"
