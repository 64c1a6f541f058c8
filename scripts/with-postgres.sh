#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: initdb + pg_ctl in a temporary
# folder, stopped and deleted at the end, also when the command fails or is interrupted.
# The command sees CARELOOP_TEST_DATABASE_URL (and CARELOOP_TEST_PG_* for tests that
# restart the server or create databases).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "PostgreSQL server not installed (run: make system-deps)" >&2; exit 1; }

dir=$(mktemp -d /tmp/careloop-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root: run the server as the postgres system user.
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U careloop -A trust -E UTF8 --no-locale >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
  "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U careloop careloop_test

export CARELOOP_TEST_DATABASE_URL="postgresql+psycopg://careloop@127.0.0.1:$port/careloop_test"
export CARELOOP_TEST_PG_BINDIR="$bindir"
export CARELOOP_TEST_PG_DATA="$dir/data"
export CARELOOP_TEST_PG_PORT="$port"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
set +e
"$@"
status=$?
set -e
exit $status
