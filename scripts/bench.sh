#!/usr/bin/env bash
# The Rust benchmarks (the library's benches/*.rs and the server's server/benches/*.rs), with
# their figures written into BENCHMARKS.md by this script rather than by hand (issue 26 item 5).
#
# Usage: scripts/bench.sh NAME [--write] [-- BENCH ARGS...]
#   NAME      wire | overhead | memory | flow           (`cargo bench --bench NAME`)
#             server_load | webhook | fulfilment       (`cargo bench -p checkout-bridge-server
#                                                       --bench NAME`; fulfilment measures
#                                                       PostgreSQL too: it starts one with
#                                                       scripts/postgres.sh unless
#                                                       CHECKOUT_BRIDGE_TEST_DATABASE_URL is set)
#   --write   put the bench's result lines into BENCHMARKS.md (block figures:NAME), with the date,
#             the commit and the load before and after (scripts/figures.py)
# memory runs the emulator as its own process (a release build first). Run on a quiet machine:
# `uptime` is printed and recorded before and after.
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:-}
package=()
case $name in
  wire | overhead | memory | flow) shift ;;
  server_load | webhook | fulfilment) package=(-p checkout-bridge-server); shift ;;
  *) echo "usage: scripts/bench.sh wire|overhead|memory|flow|server_load|webhook|fulfilment [--write] [-- BENCH ARGS...]" >&2; exit 2 ;;
esac
write=false
if [ "${1:-}" = --write ]; then write=true; shift; fi
[ "${1:-}" = -- ] && shift

out=target/bench
mkdir -p "$out"
load_before=$(uptime)
echo "load before: $load_before"
[ "$name" = memory ] && cargo build --quiet --release -p checkout-bridge-emulator
if [ "$name" = fulfilment ] && [ -z "${CHECKOUT_BRIDGE_TEST_DATABASE_URL:-}" ]; then
  # Stopped afterwards only if this run started it (postgres.sh reuses a running cluster).
  scripts/postgres.sh status >/dev/null 2>&1 || trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
  CHECKOUT_BRIDGE_TEST_DATABASE_URL=$(scripts/postgres.sh)
  export CHECKOUT_BRIDGE_TEST_DATABASE_URL
fi
cargo bench --quiet "${package[@]}" --bench "$name" -- "$@" 2>&1 | tee "$out/$name.log"
load_after=$(uptime)
echo "load after: $load_after"

# The result lines: criterion's `name  time: [low mid high]` (the interval on one line), and
# everything the hand-rolled benches print, minus cargo's and criterion's progress chatter.
{
  echo '```text'
  sed -e 's/\x1b\[[0-9;]*m//g' "$out/$name.log" | awk '
    /^(Benchmarking|Gnuplot|Found [0-9]+ outliers|  [0-9]+ \([0-9.]+%\) (low|high) (mild|severe)|running [0-9]+ tests?|test result:|Warning:)/ { next }
    /^ *(change|thrpt):/ { next }
    /No change in performance|Change within noise|Performance has (regressed|improved)/ { next }
    /^[A-Za-z0-9_\/ -]+$/ && pending == "" { pending = $0; next }
    /^ +time: +\[/ && pending != "" { sub(/^ +/, ""); print pending "  " $0; pending = ""; next }
    { if (pending != "") { print pending; pending = "" } ; if (NF) print }
    END { if (pending != "") print pending }
  '
  echo '```'
} >"$out/$name.md"
cat "$out/$name.md"
if $write; then
  python3 scripts/figures.py write "$name" "$out/$name.md" --load-before "$load_before" --load-after "$load_after"
fi
