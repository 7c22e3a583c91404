#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster for the test suite when no server is available.
# Prints the connection URL on stdout; stop it with: scripts/pg-throwaway.sh stop DIR
set -euo pipefail

if [ "${1:-}" = stop ]; then
  dir=$2
  bin=$(cat "$dir/bindir")
  run_as=$(cat "$dir/runas")
  $run_as "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

bin=""
if command -v initdb >/dev/null 2>&1; then
  bin=$(dirname "$(command -v initdb)")
else
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/pgsql/bin; do
    if [ -x "$candidate/initdb" ]; then bin=$candidate; break; fi
  done
fi
[ -n "$bin" ] || { echo "pg-throwaway: no initdb found" >&2; exit 1; }

dir=$(mktemp -d /tmp/bct-pg.XXXXXX)
run_as=""
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root.
  user=postgres
  id "$user" >/dev/null 2>&1 || { echo "pg-throwaway: running as root needs a 'postgres' user" >&2; exit 1; }
  chown "$user" "$dir"
  run_as="runuser -u $user --"
fi
echo "$bin" >"$dir/bindir"
echo "$run_as" >"$dir/runas"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$run_as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
$run_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
echo "$dir postgres://postgres@127.0.0.1:$port/postgres"
