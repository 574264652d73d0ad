#!/usr/bin/env bash
# Runs every test of checkout-bridge, installing whatever is missing first (scripts/bootstrap.sh).
# Usage: scripts/test.sh            (from anywhere inside the repository)
# Ends with one line, `tests: N passed, M failed`, over every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
started=$SECONDS

log "tools (scripts/bootstrap.sh)"
scripts/bootstrap.sh
cargo --version

mkdir -p target
log "format and lints"
cargo fmt --all -- --check
# checkout-bridge-bindgen (uniffi's CLI) is left out here: scripts/bindings.sh builds it once.
cargo clippy --workspace --exclude checkout-bridge-bindgen --all-targets --quiet -- -D warnings
cargo clippy -p checkout-bridge --features ffi --lib --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p checkout-bridge --quiet
if cargo tree -p checkout-bridge-server | grep uniffi; then echo "server/ must build without uniffi (library feature ffi)" >&2; exit 1; fi
# The mobile build option (issue 27): the library without its built-in transport compiles cleanly
# and holds no HTTP stack, TLS or root store of its own.
cargo clippy -p checkout-bridge --no-default-features --features ffi --lib --quiet -- -D warnings
if cargo tree -p checkout-bridge --no-default-features --features ffi -e normal --prefix none |
  grep -E '^(reqwest|hyper|hyper-util|hyper-rustls|rustls|tokio-rustls|ring|webpki-roots|rustls-webpki) v'; then
  echo "the build without the reqwest feature must not contain the crates above" >&2
  exit 1
fi

log "PostgreSQL on 127.0.0.1 for the server's multi-instance webhook test"
# Stopped again when this script ends, pass or fail, unless it was already running.
if ! scripts/postgres.sh status; then
  trap 'scripts/postgres.sh stop || true' EXIT
fi
CHECKOUT_BRIDGE_TEST_DATABASE_URL=$(scripts/postgres.sh start)
export CHECKOUT_BRIDGE_TEST_DATABASE_URL

log "Rust unit and integration tests (library, emulator, server), against the emulator on 127.0.0.1"
cargo test --workspace --exclude checkout-bridge-bindgen --quiet 2>&1 | tee target/rust-tests.log
if grep -q "test result: FAILED" target/rust-tests.log; then exit 1; fi

log "demo: the round trip on the emulator, directly and through the reference server"
cargo run --quiet --example demo | tee target/demo.log
grep -q "^outcome: Paid$" target/demo.log
cargo run --quiet --example demo -- --via-server | tee target/demo-server.log
grep -q "^outcome: Paid$" target/demo-server.log

log "generated bindings are current (byte for byte what UniFFI generates)"
scripts/bindings.sh --check

# The check suites report their own counts; one failing does not stop the others.
suite() { # suite NAME SCRIPT [ARG...] : runs SCRIPT, its output in target/NAME-tests.log
  local rc
  set +e
  "${@:2}" | tee "target/$1-tests.log"
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ] && ! grep -Eq "^$1: [0-9]+ passed, [1-9][0-9]* failed\$" "target/$1-tests.log"; then
    echo "$1: 0 passed, 1 failed" >>"target/$1-tests.log" # it stopped before counting
  fi
}

log "stripe-mock: Stripe's own mock judges every request the library can send (and the generated tables are current)"
suite stripe-mock scripts/stripe-mock.sh

log "iOS: Swift syntax, C header, C-ABI smoke test, cross-target check, build script"
suite ios scripts/ios-check.sh

log "Kotlin on the JVM (Maven): bindings + tests, android/ against android-all, bench compile"
suite kotlin scripts/kotlin-tests.sh

log "Android: the Gradle module's sources against android-all, syntax, cross-target check, build script"
suite android scripts/android-check.sh

log "browser: headless Chromium pays and cancels on the hosted page, reads the server's return page, hands its links to the library"
suite browser scripts/browser-test.sh

log "operations: the server binary's /healthz, /readyz, JSON logs, and /metrics counters moving during a demo run"
suite ops scripts/ops-check.sh

log "fuzzing smoke: each cargo-fuzz target for a few seconds (nightly and cargo-fuzz installed if missing)"
suite fuzz scripts/fuzz.sh --smoke

log "figures: every BENCHMARKS.md figure written by its script, the size figure measured on this tree's build inputs"
suite figures python3 scripts/figures.py check

# One plain closing line over every suite: the Rust test binaries, stripe-mock, iOS, Kotlin,
# Android, browser, operations, fuzzing, figures.
count() {
  {
    grep '^test result:' target/rust-tests.log
    grep -hE '^(stripe-mock|ios|kotlin|android|browser|ops|fuzz|figures): [0-9]+ passed, [0-9]+ failed$' \
      target/stripe-mock-tests.log target/ios-tests.log target/kotlin-tests.log target/android-tests.log \
      target/browser-tests.log target/ops-tests.log target/fuzz-tests.log target/figures-tests.log
  } | grep -o "[0-9]* $1" | awk '{s+=$1} END {print s+0}'
}
passed=$(count passed)
failed=$(count failed)
if [ "$failed" -eq 0 ]; then log "all checks passed in $((SECONDS - started)) s"; else log "FAILED: see above ($((SECONDS - started)) s)"; fi
echo "tests: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
