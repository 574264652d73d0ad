#!/usr/bin/env bash
# Installs what the test command needs and the machine lacks (scripts/test.sh runs it first;
# idempotent, quick when everything is there). On Debian as root, as CI runs it.
#
#   apt     PostgreSQL and openssl (server tests, with TLS), clang + llvm-ar (ring's C for the cross-target checks),
#           python3-venv, shellcheck, Maven (Kotlin/JVM build), a JDK 17
#           chromium (the browser test; Debian's package, never a browser download)
#   npm     playwright-core at the version pinned in tests/browser/package-lock.json (npm ci)
#   pip     tree-sitter, tree-sitter-swift, tree-sitter-kotlin at the pinned versions, in .tools/venv
#   rustup  rustfmt, clippy, and the aarch64-linux-android / aarch64-apple-ios targets (cargo check)
#   go      Stripe's stripe-mock at the version pinned in scripts/stripe-mock.sh (go install, into .tools/),
#           whose module also brings the spec the emulator's spec test reads
#
# Maven fetches the Kotlin compiler, JUnit, JNA, Robolectric, android-all, OkHttp and JMH from
# Maven Central into ~/.m2 on its first run (scripts/kotlin-tests.sh), and reuses them after.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }

missing=()
command -v clang >/dev/null || missing+=(clang)
command -v llvm-ar >/dev/null || compgen -c llvm-ar- >/dev/null || missing+=(llvm)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v mvn >/dev/null || missing+=(maven)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v gcc >/dev/null || missing+=(gcc)
command -v openssl >/dev/null || missing+=(openssl)
find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | grep -q . || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt: ${missing[*]}"
  apt_install "${missing[@]}"
fi

command -v node >/dev/null || { echo "node is required (Node 20 or later) for the browser test" >&2; exit 1; }
want=$(sed -n 's/.*"playwright-core": "\([0-9.]*\)".*/\1/p' tests/browser/package.json)
have=$(node -p 'require("./tests/browser/node_modules/playwright-core/package.json").version' 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  log "npm: playwright-core ${want} (tests/browser, from its lockfile; it downloads no browser)"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

log "pip: tree-sitter ${TREE_SITTER_VERSION}, tree-sitter-swift ${TREE_SITTER_SWIFT_VERSION}, tree-sitter-kotlin ${TREE_SITTER_KOTLIN_VERSION} in .tools/venv"
pip_venv

log "rustup: components and cross-check targets"
installed=$(rustup target list --installed)
for target in aarch64-linux-android aarch64-apple-ios; do
  grep -qx "$target" <<<"$installed" || rustup target add "$target"
done
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy

log "go: stripe-mock (scripts/stripe-mock.sh install; the emulator's spec test and the stripe-mock stage)"
scripts/stripe-mock.sh install
scripts/stripe-mock.sh spec >/dev/null
echo "tools ready"
