#!/usr/bin/env bash
# Installs (if missing) and starts a private PostgreSQL on 127.0.0.1 for the server's tests,
# with TLS on (a throwaway CA and a server certificate for IP 127.0.0.1, made here with
# openssl), and prints its URL. The URL carries `sslrootcert=` (the CA), which the TLS tests
# use for verify-ca/verify-full. The role cb_tls_only may log in over TLS only (pg_hba.conf
# `hostnossl … reject`), for the test that a TLS-requiring server refuses a plain client.
# Idempotent: a cluster already running with this setup on the port is reused.
#   export CHECKOUT_BRIDGE_TEST_DATABASE_URL=$(scripts/postgres.sh)   (or `scripts/postgres.sh start`)
#   scripts/postgres.sh status    exit 0 when it runs
#   scripts/postgres.sh stop      stops it (scripts/test.sh does, when it started it)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cmd=${1:-start}
case $cmd in start | status | stop) ;; *) echo "usage: scripts/postgres.sh [start|status|stop]" >&2; exit 2 ;; esac
port=${PGTEST_PORT:-54329}
dir=${PGTEST_DIR:-/tmp/checkout-bridge-pg}
tls="$dir/tls"
url="postgres://postgres@127.0.0.1:${port}/postgres?sslrootcert=${tls}/ca.crt"

find_initdb() { find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1; }
initdb=$(find_initdb || true)
if [ -z "$initdb" ] && [ "$cmd" != start ]; then
  [ "$cmd" = stop ] && exit 0
  exit 1 # status: not even installed
fi
need_apt=()
[ -n "$initdb" ] || need_apt+=(postgresql)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (apt)" >&2
  apt_install "${need_apt[@]}" >&2
  initdb=$(find_initdb)
fi
bin=$(dirname "$initdb")

# PostgreSQL refuses to run as root: run it as the postgres user (or as ourselves if not root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
owned() { if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$@"; fi; }

hba='# checkout-bridge test cluster (written by scripts/postgres.sh)
local all all trust
hostnossl all cb_tls_only 127.0.0.1/32 reject
host all all 127.0.0.1/32 trust
host all all ::1/128 trust'

configured() {
  [ -f "$tls/server.crt" ] && [ -f "$tls/ca.crt" ] && [ "$(cat "$dir/pg_hba.conf" 2>/dev/null)" = "$hba" ] &&
    grep -q "ssl=on" "$dir/postmaster.opts" 2>/dev/null
}

running() { as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; }
case $cmd in
  status) running; exit ;;
  stop)
    if running; then as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >&2; fi
    exit 0
    ;;
esac

if running; then
  if configured; then
    echo "$url"
    exit 0
  fi
  echo "restarting the test cluster with TLS" >&2
  as_pg "$bin/pg_ctl" -D "$dir" -w -t 30 stop -m fast >&2
fi
if [ ! -f "$dir/PG_VERSION" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  owned "$dir"
  as_pg "$initdb" -D "$dir" -A trust -U postgres >/dev/null
fi

if [ ! -f "$tls/server.crt" ] || [ ! -f "$tls/ca.crt" ]; then
  rm -rf "$tls"
  mkdir -p "$tls"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$tls/ca.key" -out "$tls/ca.crt" -days 3650 \
    -subj "/CN=checkout-bridge test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req "${ec[@]}" -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
    -out "$tls/server.crt" -days 3650 -extfile "$tls/server.ext" 2>/dev/null
  rm -f "$tls/ca.key" "$tls/server.csr" "$tls/server.ext" "$tls/ca.srl"
  chmod 700 "$tls"
  chmod 600 "$tls/server.key"
  chmod 644 "$tls/ca.crt" "$tls/server.crt"
  owned "$tls"
  chmod 755 "$tls" # the CA certificate is read by the tests, which may not run as postgres
fi
printf '%s\n' "$hba" >"$dir/pg_hba.conf"
owned "$dir/pg_hba.conf"

as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on -c ssl_cert_file=$tls/server.crt -c ssl_key_file=$tls/server.key" \
  start >&2
echo "$url"
