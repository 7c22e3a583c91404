#!/usr/bin/env bash
# The whole suite: once on SQLite (with the browser tests), once on PostgreSQL (with RLS and
# concurrency tests). CI sets BCT_REQUIRE_POSTGRES=1, which turns a missing PostgreSQL into a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/pytest)
export PYTHONDONTWRITEBYTECODE=1

if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test: installing Debian's chromium for the browser tests"
  (apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core) >/dev/null 2>&1 || true
fi

echo "== SQLite pass =="
BCT_TEST_DB=sqlite "${PYTEST[@]}" -m "not postgres" "$@"
sqlite_rc=$?

pg_url="${TEST_DATABASE_URL:-}"
if [ -z "$pg_url" ] && [ "${BCT_TEST_PG:-}" != throwaway ] && command -v pg_isready >/dev/null 2>&1 &&
  pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_url="postgres://postgres@127.0.0.1:5432/postgres"
fi
throwaway=""
if [ -z "$pg_url" ] && out=$(scripts/pg-throwaway.sh 2>/dev/null); then
  throwaway=${out%% *}
  pg_url=${out#* }
  echo "test: no PostgreSQL on :5432 — started a throw-away cluster for this run"
  trap 'scripts/pg-throwaway.sh stop "$throwaway"' EXIT
fi
if [ -z "$pg_url" ]; then
  if [ "${BCT_REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "test: PostgreSQL is required (BCT_REQUIRE_POSTGRES=1) but none answers on 127.0.0.1:5432" >&2
    exit 1
  fi
  echo
  echo "!! PostgreSQL not found: the PostgreSQL pass did NOT run (row-level security and"
  echo "!! concurrency tests were skipped). Set TEST_DATABASE_URL, start PostgreSQL on :5432, or"
  echo "!! install PostgreSQL's server binaries (initdb) for a throw-away cluster."
  exit $sqlite_rc
fi

echo "== PostgreSQL pass =="
BCT_TEST_DB=postgres TEST_DATABASE_URL="$pg_url" "${PYTEST[@]}" -m "not e2e and not sqlite" "$@"
pg_rc=$?
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ]
