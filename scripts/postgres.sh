#!/usr/bin/env bash
# Installs (if missing) and starts a private PostgreSQL on 127.0.0.1 for the server's tests,
# then prints its URL. Idempotent: a cluster already running on the port is reused.
#   export CHECKOUT_BRIDGE_TEST_DATABASE_URL=$(scripts/postgres.sh)
set -euo pipefail
port=${PGTEST_PORT:-54329}
dir=${PGTEST_DIR:-/tmp/checkout-bridge-pg}
url="postgres://postgres@127.0.0.1:${port}/postgres"

initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$initdb" ]; then
  echo "installing PostgreSQL (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  initdb=$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
fi
bin=$(dirname "$initdb")

# PostgreSQL refuses to run as root: run it as the postgres user (or as ourselves if not root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
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
