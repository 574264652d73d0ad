#!/usr/bin/env bash
# The return page in a real browser: headless Chromium (Debian's package) driven by
# playwright-core pays and cancels on the emulator's hosted Checkout page, follows the redirects
# to the reference server's return page on loopback, opens a forged link, and hands the page's
# "Open the app" links to the library (server/examples/browser_e2e.rs + tests/browser/).
#
# Installs what is missing first: Debian's chromium (apt) and playwright-core at the version
# pinned in tests/browser/package-lock.json (npm ci; never a browser download of its own).
# Screenshots: target/browser/*.png. Ends with `browser: N passed, M failed`.
#
# Usage: scripts/browser-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
CHROMIUM=/usr/bin/chromium
PLAYWRIGHT_CORE_VERSION=$(sed -n 's/.*"playwright-core": "\([0-9.]*\)".*/\1/p' tests/browser/package.json)

log() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "$CHROMIUM" ]; then
  log "apt: chromium"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
"$CHROMIUM" --version

command -v node >/dev/null || { echo "node is required (Node 20 or later)" >&2; exit 1; }
have=$(node -p 'require("./tests/browser/node_modules/playwright-core/package.json").version' 2>/dev/null || true)
if [ "$have" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  log "npm: playwright-core ${PLAYWRIGHT_CORE_VERSION} (tests/browser, from its lockfile)"
  # playwright-core has no install script and downloads no browser; Chromium is Debian's.
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "playwright-core $(node -p 'require("./tests/browser/node_modules/playwright-core/package.json").version')"
echo "tools ready after $((SECONDS - started)) s"

log "browser end to end: hosted page → return page → Open the app → handleReturnUrl"
mkdir -p target/browser
cargo build --quiet -p checkout-bridge-server --example browser_e2e
# The example bounds the browser run itself (150 s); this bounds everything else too.
timeout 300 target/debug/examples/browser_e2e --chromium "$CHROMIUM" --out target/browser
echo "browser test took $((SECONDS - started)) s"
