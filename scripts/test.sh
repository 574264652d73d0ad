#!/usr/bin/env bash
# Runs every test of checkout-bridge, installing whatever is missing first.
# Usage: scripts/test.sh            (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

log "toolchain"
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
cargo --version

mkdir -p target
log "format and lints"
cargo fmt --all -- --check
# checkout-bridge-bindgen (uniffi's CLI) is left out here: scripts/bindings.sh builds it once.
cargo clippy --workspace --exclude checkout-bridge-bindgen --all-targets --quiet -- -D warnings
cargo clippy -p checkout-bridge --features ffi --lib --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p checkout-bridge --quiet
if cargo tree -p checkout-bridge-server | grep uniffi; then echo "server/ must build without uniffi (library feature ffi)" >&2; exit 1; fi

log "PostgreSQL on 127.0.0.1 for the server's multi-instance webhook test"
CHECKOUT_BRIDGE_TEST_DATABASE_URL=$(scripts/postgres.sh)
export CHECKOUT_BRIDGE_TEST_DATABASE_URL

log "Rust unit and integration tests (library, emulator, server), against the emulator on 127.0.0.1"
cargo test --workspace --exclude checkout-bridge-bindgen --quiet 2>&1 | tee target/rust-tests.log
grep -q "test result: FAILED" target/rust-tests.log && exit 1

log "demo: the round trip on the emulator, directly and through the reference server"
cargo run --quiet --example demo | tee target/demo.log
grep -q "^outcome: Paid$" target/demo.log
cargo run --quiet --example demo -- --via-server | tee target/demo-server.log
grep -q "^outcome: Paid$" target/demo-server.log

log "browser: headless Chromium pays and cancels on the hosted page, reads the server's return page, hands its links to the library"
scripts/browser-test.sh | tee target/browser-tests.log

log "operations: the server binary's /healthz, /readyz, JSON logs, and /metrics counters moving during a demo run"
scripts/ops-check.sh | tee target/ops-tests.log

log "generated bindings are current"
scripts/bindings.sh --check

log "Swift: syntax check of every Swift file, C header, C-ABI smoke test"
scripts/swift-check.sh | tee target/swift-tests.log

log "Kotlin on the JVM against the real library and the emulator"
scripts/kotlin-tests.sh | tee target/kotlin-tests.log

log "platform layers: android/ and ios/ checks (JVM-compilable Kotlin, syntax, cross-target cargo check, build scripts)"
scripts/platform-check.sh | tee target/platform-tests.log

# One plain closing line over every suite: the Rust test binaries, Kotlin, Swift/C, platform,
# browser, operations.
count() {
  {
    grep '^test result:' target/rust-tests.log
    grep -hE '^(kotlin|swift-c|platform|browser|ops): [0-9]+ passed, [0-9]+ failed$' \
      target/kotlin-tests.log target/swift-tests.log target/platform-tests.log \
      target/browser-tests.log target/ops-tests.log
  } | grep -o "[0-9]* $1" | awk '{s+=$1} END {print s+0}'
}
passed=$(count passed)
failed=$(count failed)
log "all checks passed"
echo "tests: ${passed} passed, ${failed} failed"
