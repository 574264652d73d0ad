#!/usr/bin/env bash
# Stripe's stripe-mock (github.com/stripe/stripe-mock: Stripe's mock server, driven by Stripe's
# OpenAPI spec, which Stripe's SDKs test against) as the judge of the library's requests, and the
# spec the emulator's and the library's tables are generated from.
#
#   scripts/stripe-mock.sh           the test stage: install, tables current, start stripe-mock,
#                                    run tests/stripe_mock.rs (and lint it), stop; ends with
#                                    "stripe-mock: N passed, M failed"
#   scripts/stripe-mock.sh install   go install the pinned version into .tools/ (idempotent)
#   scripts/stripe-mock.sh spec      print the path of its spec3.json (in Go's module cache)
#   scripts/stripe-mock.sh tables    regenerate emulator/src/spec_table.rs and src/payment_method_types.rs
#   scripts/stripe-mock.sh start     start it on 127.0.0.1 (free ports, HTTP and HTTPS) with the
#                                    endive copy of its spec; prints the HTTP URL
#   scripts/stripe-mock.sh stop      stop what `start` started
#
# Moving to a new Stripe release: change STRIPE_MOCK_VERSION below, run `scripts/stripe-mock.sh
# tables`, read the diff of the two tables (and ENDIVE in scripts/stripe_spec_tables.py: drop what
# the new spec now has), run this stage and `cargo test -p checkout-bridge-emulator`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# The one pin: v0.203.0 (2026-08-26) embeds Stripe's spec 2026-08-26.dahlia.
STRIPE_MOCK_VERSION=v0.203.0
STRIPE_MOCK_MODULE=github.com/stripe/stripe-mock
STRIPE_MOCK_BIN=$CB_ROOT/.tools/stripe-mock/$STRIPE_MOCK_VERSION/stripe-mock
RUN_DIR=$CB_ROOT/target/stripe-mock
ENDIVE_SPEC=$RUN_DIR/spec3.endive.json
# The module zip carries no vendored code: build with modules on (keeping the machine's GOFLAGS).
go_env=(env GO111MODULE=on "GOFLAGS=${GOFLAGS:+$GOFLAGS }-mod=mod")

install_mock() {
  [ -x "$STRIPE_MOCK_BIN" ] && return 0
  command -v go >/dev/null || { echo "go is required to build stripe-mock (https://go.dev/dl/)" >&2; return 1; }
  echo "go install $STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION" >&2
  "${go_env[@]}" GOBIN="$(dirname "$STRIPE_MOCK_BIN")" go install "$STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION" >&2
}

# The spec stripe-mock embeds (embedded/openapi/spec3.json of the module), fetched into Go's
# module cache if it is not there yet.
spec_path() {
  local dir
  dir=$("${go_env[@]}" go mod download -json "$STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  [ -f "$dir/embedded/openapi/spec3.json" ] || { echo "no spec3.json in $dir" >&2; return 1; }
  echo "$dir/embedded/openapi/spec3.json"
}

tables() { # tables [--check]
  python3 scripts/stripe_spec_tables.py "$(spec_path)" "$STRIPE_MOCK_VERSION" "$@"
}

stop_mock() {
  local pid
  pid=$(cat "$RUN_DIR/pid" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$RUN_DIR/pid" "$RUN_DIR/url"
}

# Starts stripe-mock with both listeners on 127.0.0.1, on ports the OS picks (no race for a
# port), and waits (at most 30 s) for it to say where it listens.
start_mock() {
  install_mock
  mkdir -p "$RUN_DIR"
  stop_mock
  python3 scripts/stripe_spec_tables.py "$(spec_path)" "$STRIPE_MOCK_VERSION" --endive-spec "$ENDIVE_SPEC" >/dev/null
  "$STRIPE_MOCK_BIN" -http-addr 127.0.0.1:0 -https-addr 127.0.0.1:0 -spec "$ENDIVE_SPEC" >"$RUN_DIR/log" 2>&1 &
  echo $! >"$RUN_DIR/pid"
  local http https
  for _ in $(seq 1 150); do
    http=$(sed -n 's/^Listening for HTTP at address: \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$RUN_DIR/log")
    https=$(sed -n 's/^Listening for HTTPS at address: \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$RUN_DIR/log")
    if [ -n "$http" ] && [ -n "$https" ]; then
      echo "http://$http" >"$RUN_DIR/url"
      echo "http://$http"
      return 0
    fi
    if ! kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null; then
      cat "$RUN_DIR/log" >&2
      return 1
    fi
    sleep 0.2
  done
  cat "$RUN_DIR/log" >&2
  stop_mock
  echo "stripe-mock did not report both loopback listeners within 30 s" >&2
  return 1
}

stage() {
  local started=$SECONDS spec url logf
  log "stripe-mock $STRIPE_MOCK_VERSION (Go module, built here) and its spec"
  if ! install_mock || ! spec=$(spec_path); then
    fail "stripe-mock $STRIPE_MOCK_VERSION: install"
    summary stripe-mock
    return
  fi
  pass "stripe-mock $STRIPE_MOCK_VERSION installed; spec $spec"
  if tables --check; then
    pass "tables generated from the spec are current"
  else
    fail "tables generated from the spec are stale (scripts/stripe-mock.sh tables)"
  fi

  log "stripe-mock on 127.0.0.1, judging the library's requests (tests/stripe_mock.rs)"
  if ! url=$(start_mock); then
    fail "stripe-mock did not start"
    summary stripe-mock
    return
  fi
  trap stop_mock EXIT
  echo "stripe-mock at $url ($(head -1 "$RUN_DIR/log"))"
  logf=$RUN_DIR/rust-tests.log
  set +e
  STRIPE_MOCK_URL=$url STRIPE_SPEC=$spec STRIPE_ENDIVE_SPEC=$ENDIVE_SPEC \
    nice cargo test --quiet "${CB_DEV_SELECTION[@]}" --test stripe_mock 2>&1 | tee "$logf"
  set -e
  local ok bad
  read -r ok bad < <(cargo_test_counts "$logf")
  if ! grep -q '^test result:' "$logf"; then
    fail "tests/stripe_mock.rs did not run (see $logf)"
  else
    passed=$((passed + ok))
    failed=$((failed + bad))
  fi
  stop_mock
  trap - EXIT

  # The lints stage's clippy, with --all-targets, leaves out tests marked test = false; the same
  # selection as that clippy (the workspace, no ffi), so the dependencies checked there serve.
  log "lint the suite (clippy -D warnings)"
  if nice cargo clippy --quiet --workspace --exclude checkout-bridge-bindgen --test stripe_mock -- -D warnings; then
    pass "cargo clippy --test stripe_mock"
  else
    fail "cargo clippy --test stripe_mock"
  fi
  echo "stage time: $((SECONDS - started)) s"
  summary stripe-mock
}

case "${1:-}" in
  "") stage ;;
  install) install_mock ;;
  spec) spec_path ;;
  tables) tables ;;
  start) start_mock ;;
  stop) stop_mock ;;
  *)
    echo "usage: scripts/stripe-mock.sh [install | spec | tables | start | stop]" >&2
    exit 2
    ;;
esac
