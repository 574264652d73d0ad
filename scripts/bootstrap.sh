#!/usr/bin/env bash
# Installs what the test stages need and the machine lacks; idempotent, quick when everything is
# there. On Debian as root, as CI runs it. scripts/test.sh calls it with the needs of the stages
# it was asked to run (`scripts/test.sh --list` shows which); with no NEED, it installs them all.
#
# Usage: scripts/bootstrap.sh [NEED...]      scripts/bootstrap.sh --list
#
#   lints        rustup: rustfmt, clippy
#   postgres     apt: PostgreSQL and openssl (the server's PostgreSQL tests, with TLS)
#   cross        apt: clang + llvm-ar (ring's C); rustup: aarch64-linux-android, aarch64-apple-ios
#                (the `cargo check --target …` of the Android and iOS stages)
#   shell        apt: shellcheck (the platform build scripts are linted with it)
#   tree-sitter  pip: tree-sitter, tree-sitter-swift, tree-sitter-kotlin at the pinned versions in
#                .tools/venv (apt: python3-venv when missing)
#   c            apt: gcc (the C header and the C-ABI smoke test)
#   jvm          apt: Maven and a JDK 17. Maven then fetches the Kotlin compiler, JUnit,
#                JNA, Robolectric, android-all, OkHttp and JMH from Maven Central into ~/.m2 on
#                its first run (scripts/kotlin-tests.sh, scripts/android-check.sh)
#   browser      apt: chromium (Debian's package, never a browser download); npm: playwright-core
#                at the version pinned in tests/browser/package-lock.json (npm ci); needs node
#   curl         apt: curl (the operations check)
#   stripe-spec  go: the spec3.json of Stripe's stripe-mock at the version pinned in
#                scripts/stripe-mock.sh, into Go's module cache (the emulator's spec test reads it)
#   stripe-mock  go: stripe-mock itself, built into .tools/ (go install), and its spec
#
# The fuzz stage installs its own (the nightly toolchain, cargo-fuzz: scripts/fuzz.sh), as a
# stage of its own may (docs/testing.md, "Adding a stage").
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ALL_NEEDS=(lints postgres cross shell tree-sitter c jvm browser curl stripe-spec stripe-mock)

case ${1:-} in
  --list) printf '%s\n' "${ALL_NEEDS[@]}"; exit 0 ;;
  -h | --help) usage_text; exit 0 ;;
esac
needs=("$@")
[ "${#needs[@]}" -gt 0 ] || needs=("${ALL_NEEDS[@]}")
for n in "${needs[@]}"; do
  [[ " ${ALL_NEEDS[*]} " == *" $n "* ]] || { echo "bootstrap: no need called $n (have: ${ALL_NEEDS[*]})" >&2; exit 2; }
done
wants() { [[ " ${needs[*]} " == *" $1 "* ]]; }

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }

# Every apt package first, in one apt-get call (one index update at most).
missing=()
if wants postgres; then
  find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | grep -q . || missing+=(postgresql)
  command -v openssl >/dev/null || missing+=(openssl)
fi
if wants cross; then
  command -v clang >/dev/null || missing+=(clang)
  command -v llvm-ar >/dev/null || compgen -c llvm-ar- >/dev/null || missing+=(llvm)
fi
if wants shell; then command -v shellcheck >/dev/null || missing+=(shellcheck); fi
if wants c; then command -v gcc >/dev/null || missing+=(gcc); fi
if wants jvm; then
  command -v mvn >/dev/null || missing+=(maven)
  command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
fi
if wants browser; then [ -x /usr/bin/chromium ] || missing+=(chromium); fi
if wants curl; then command -v curl >/dev/null || missing+=(curl); fi
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt: ${missing[*]}"
  apt_install "${missing[@]}"
fi

if wants browser; then
  command -v node >/dev/null || { echo "node is required (Node 20 or later) for the browser test" >&2; exit 1; }
  want=$(sed -n 's/.*"playwright-core": "\([0-9.]*\)".*/\1/p' tests/browser/package.json)
  have=$(node -p 'require("./tests/browser/node_modules/playwright-core/package.json").version' 2>/dev/null || true)
  if [ "$have" != "$want" ]; then
    log "npm: playwright-core ${want} (tests/browser, from its lockfile; it downloads no browser)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

if wants tree-sitter; then
  log "pip: tree-sitter ${TREE_SITTER_VERSION}, tree-sitter-swift ${TREE_SITTER_SWIFT_VERSION}, tree-sitter-kotlin ${TREE_SITTER_KOTLIN_VERSION} in .tools/venv"
  pip_venv
fi

if wants cross; then
  for target in aarch64-linux-android aarch64-apple-ios; do
    rustup_target "$target"
  done
fi
if wants stripe-mock; then
  log "go: stripe-mock (scripts/stripe-mock.sh install)"
  scripts/stripe-mock.sh install
fi
if wants stripe-spec || wants stripe-mock; then
  scripts/stripe-mock.sh spec >/dev/null
fi
if wants lints; then
  components=$(rustup component list --installed)
  grep -q '^rustfmt' <<<"$components" || { log "rustup: rustfmt"; rustup component add rustfmt; }
  grep -q '^clippy' <<<"$components" || { log "rustup: clippy"; rustup component add clippy; }
fi
echo "tools ready: ${needs[*]}"
