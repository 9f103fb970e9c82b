#!/usr/bin/env bash
# Prints the base URL of a PostgreSQL server the tests may create databases
# on (postgres://USER@HOST:PORT, trust auth), starting one when none answers:
#   1. $VIDMATTE_TEST_POSTGRES, if set;
#   2. the machine's server on 127.0.0.1:5432 as user postgres, if it answers;
#   3. otherwise a private cluster (initdb, trust auth, 127.0.0.1:54329) in
#      ${TMPDIR:-/tmp}/vidmatte-pg-$UID, installing Debian's `postgresql`
#      package with apt-get first when its programs are missing.
# A second run finds the server already up and returns at once.
set -euo pipefail

say() { printf 'postgres: %s\n' "$*" >&2; }

if [ -n "${VIDMATTE_TEST_POSTGRES:-}" ]; then
  echo "$VIDMATTE_TEST_POSTGRES"
  exit 0
fi

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if ! command -v psql >/dev/null 2>&1 || [ -z "$bindir" ]; then
  say "installing postgresql (apt-get)"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi

answers() { psql "$1/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1; }

machine=postgres://postgres@127.0.0.1:5432
if answers "$machine"; then
  echo "$machine"
  exit 0
fi

port=54329
private=postgres://postgres@127.0.0.1:$port
if answers "$private"; then
  echo "$private"
  exit 0
fi

dir=${TMPDIR:-/tmp}/vidmatte-pg-$(id -u)
# initdb refuses to run as root: the cluster then belongs to user postgres.
as_owner=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
  as_owner=(runuser -u postgres --)
fi
if [ ! -f "$dir/PG_VERSION" ]; then
  say "creating a private cluster in $dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  "${as_owner[@]}" "$bindir/initdb" -D "$dir" -U postgres -A trust >/dev/null
fi
say "starting it on 127.0.0.1:$port"
"${as_owner[@]}" "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
answers "$private" || { say "the private cluster did not answer; see $dir/server.log"; exit 1; }
echo "$private"
