#!/usr/bin/env bash
# A private PostgreSQL on 127.0.0.1 for the server's tests.
#   scripts/postgres.sh [start]   installs it if missing, starts it (a running cluster is reused)
#                                 and prints its URL: export CHECKOUT_BRIDGE_TEST_DATABASE_URL=$(scripts/postgres.sh)
#   scripts/postgres.sh status    exit 0 when it runs
#   scripts/postgres.sh stop      stops it (scripts/test.sh does, when it started it)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cmd=${1:-start}
port=${PGTEST_PORT:-54329}
dir=${PGTEST_DIR:-/tmp/checkout-bridge-pg}
url="postgres://postgres@127.0.0.1:${port}/postgres"

initdb=$(find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$initdb" ] && [ "$cmd" != start ]; then
  bin=""
elif [ -z "$initdb" ]; then
  echo "installing PostgreSQL (apt)" >&2
  apt_install postgresql >&2
  initdb=$(find /usr/lib/postgresql -path '*/bin/initdb' | sort -V | tail -n 1)
fi
[ -z "$initdb" ] || bin=$(dirname "$initdb")

# PostgreSQL refuses to run as root: run it as the postgres user (or as ourselves if not root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

running() { [ -n "$bin" ] && as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; }
case $cmd in
  status) running; exit ;;
  stop)
    running || exit 0
    as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >&2
    exit
    ;;
  start) ;;
  *) echo "usage: scripts/postgres.sh [start|status|stop]" >&2; exit 2 ;;
esac

if running; then
  echo "$url"
  exit 0
fi
if [ ! -f "$dir/PG_VERSION" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_pg "$initdb" -D "$dir" -A trust -U postgres >/dev/null
fi
as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
echo "$url"
