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
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# Chromium and playwright-core come from `scripts/bootstrap.sh browser` (scripts/test.sh runs it first).
if [ ! -x "$CHROMIUM" ] || [ ! -d tests/browser/node_modules/playwright-core ]; then scripts/bootstrap.sh browser; fi
"$CHROMIUM" --version
echo "playwright-core $(node -p 'require("./tests/browser/node_modules/playwright-core/package.json").version')"

log "browser end to end: hosted page → return page → Open the app → handleReturnUrl"
mkdir -p target/browser
dev_build
# The example bounds the browser run itself (150 s); this bounds everything else too.
timeout 300 target/debug/examples/browser_e2e --chromium "$CHROMIUM" --out target/browser
echo "browser test took $((SECONDS - started)) s"
