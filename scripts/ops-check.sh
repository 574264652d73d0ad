#!/usr/bin/env bash
# Operations smoke check against the real binaries: stripe-emulator and checkout-bridge-server
# (JSON logs, metrics on their own listener) on loopback; curl /healthz, /readyz and /metrics;
# run the demo through the server (`demo -- --server URL`); curl /metrics again and require the
# counters to have moved. Ends with `ops: N passed, M failed`.
#
# Usage: scripts/ops-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

command -v curl >/dev/null || { echo "curl is required (apt-get install curl)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Waits (at most 30 s) for a line matching $2 in file $1 and prints its last word.
wait_for() {
  local _ line
  for _ in $(seq 1 300); do
    line=$(grep -m1 -E "$2" "$1" 2>/dev/null || true)
    if [ -n "$line" ]; then echo "${line##* }"; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for /$2/ in $1" >&2
  return 1
}

log "build: stripe-emulator, checkout-bridge-server, demo"
dev_build

target/debug/stripe-emulator --port 0 >"$work/emulator.out" 2>"$work/emulator.err" &
pids+=($!)
emulator=$(wait_for "$work/emulator.out" 'listening on')

token_sha=$(printf %s demo-app-user-token | sha256sum | cut -d' ' -f1)
cat >"$work/server.toml" <<TOML
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:0"
log_format = "json"
upstream_base_url = "$emulator"
database_url = "sqlite://$work/events.db"
[[app_tokens]]
user = "demo-user"
sha256 = "$token_sha"
[policy.prices]
allow_inline = true
allow_product_data = true
max_amount = { usd = 100000 }
[policy.return_urls]
allowed = ["myapp://checkout"]
TOML
STRIPE_SECRET_KEY=sk_test_ops_check target/debug/checkout-bridge-server --config "$work/server.toml" \
  >"$work/server.out" 2>"$work/server.err" &
pids+=($!)
server=$(wait_for "$work/server.out" 'listening on')
metrics=$(wait_for "$work/server.out" 'metrics on')
echo "emulator $emulator · server $server · metrics $metrics"

log "health"
code=$(curl -s -o /dev/null -w '%{http_code}' "$server/healthz")
if [ "$code" = 200 ]; then pass "/healthz 200"; else fail "/healthz answered $code"; fi
ready=$(curl -s -w ' %{http_code}' "$server/readyz")
if [ "$ready" = '{"status":"ready"} 200' ]; then pass "/readyz: $ready"; else fail "/readyz: $ready"; fi
ready=$(curl -s -w ' %{http_code}' "${metrics%/metrics}/readyz")
if [ "$ready" = '{"status":"ready","database":"ok","upstream":"ok"} 200' ]; then pass "/readyz (metrics listener): $ready"; else fail "/readyz (metrics listener): $ready"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' "$server/metrics")
if [ "$code" = 404 ]; then pass "/metrics is not on the public listener"; else fail "/metrics on the public listener: $code"; fi

series() { { grep -F "$2" "$1" || true; } | awk '!/^#/ {s+=$NF} END {print s+0}'; }
log "metrics before the demo"
curl -sf "$metrics" >"$work/before.txt"
log "demo through the running server"
target/debug/examples/demo --server "$server" | tee "$work/demo.log"
if grep -q '^outcome: Paid$' "$work/demo.log"; then pass "demo: outcome Paid through the server"; else fail "demo did not end Paid"; fi
log "metrics after the demo"
curl -sf "$metrics" >"$work/after.txt"
for s in \
  'checkout_bridge_http_requests_total{route="/v1/checkout/sessions",status="200"}' \
  'checkout_bridge_http_requests_total{route="/v1/checkout/sessions/{id}",status="200"}' \
  'checkout_bridge_upstream_request_duration_seconds_count{operation="create",outcome="ok"}' \
  'checkout_bridge_upstream_request_duration_seconds_count{operation="retrieve",outcome="ok"}'; do
  b=$(series "$work/before.txt" "$s")
  a=$(series "$work/after.txt" "$s")
  if [ "$(awk -v a="$a" -v b="$b" 'BEGIN {print (a > b)}')" = 1 ]; then
    pass "$s: $b -> $a"
  else
    fail "$s did not move: $b -> $a"
  fi
done

log "JSON logs"
if grep -q '"message":"request"' "$work/server.err" && ! grep -qv '^{' "$work/server.err"; then
  pass "every server log line is a JSON object ($(wc -l <"$work/server.err") lines)"
else
  fail "server logs are not all JSON"; head -5 "$work/server.err"
fi
if grep -q sk_test_ops_check "$work/server.err" "$work/server.out"; then fail "the Stripe key appears in the logs"; else pass "no key in the logs"; fi

log "sample systemd unit"
unit=$work/checkout-bridge-server.service
sed "s|/usr/local/bin/checkout-bridge-server|$PWD/target/debug/checkout-bridge-server|" \
  server/deploy/checkout-bridge-server.service >"$unit"
if ! command -v systemd-analyze >/dev/null; then
  fail "systemd-analyze is not installed: cannot verify server/deploy/checkout-bridge-server.service"
elif out=$(systemd-analyze verify "$unit" 2>&1) && [ -z "$out" ]; then
  pass "systemd-analyze verify server/deploy/checkout-bridge-server.service"
else
  fail "systemd-analyze verify: $out"
fi

echo
summary ops
