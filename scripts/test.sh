#!/usr/bin/env bash
# The test command: installs what is missing (scripts/setup.sh, plus what
# only the tests use: PostgreSQL (scripts/postgres.sh), an S3 server
# (scripts/s3.sh), the `webp` tools to read animated WebP back, Debian's
# Chromium with playwright-core for the browser test, schemathesis for the
# OpenAPI check), then runs every test against real ffmpeg, real weights and
# real clips.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null

cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
apt_missing=()
command -v webpmux >/dev/null 2>&1 && command -v dwebp >/dev/null 2>&1 || apt_missing+=(webp)
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_missing+=(nodejs npm)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "test: installing ${apt_missing[*]} with apt-get" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

# playwright-core (no dependencies of its own), verified like the weights.
pw_version=1.65.1
pw_sha=6f5a60be62a4fddfbe7d10c448d8fbd54547da3358f2f8a04211440471ee863e
if [ ! -f "$cache/node/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$cache/downloads" "$cache/node"
  tarball="$cache/downloads/playwright-core-$pw_version.tgz"
  [ -f "$tarball" ] || (cd "$cache/downloads" && npm pack -q "playwright-core@$pw_version" >/dev/null)
  got=$(sha256sum "$tarball" | cut -d' ' -f1)
  if [ "$got" != "$pw_sha" ]; then
    echo "test: $tarball has sha256 $got, expected $pw_sha; delete it and retry" >&2
    exit 1
  fi
  npm install -q --no-save --no-audit --no-fund --prefix "$cache/node" "$tarball" >/dev/null
fi

bash scripts/schemathesis.sh --install-only

# PostgreSQL for the second pass (scripts/postgres.sh starts one if none
# answers); databases a killed earlier run left behind are dropped first.
pg=$(bash scripts/postgres.sh)
drop_test_databases() {
  psql "$pg/postgres" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'vmt\_%'" |
    while read -r db; do psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true; done
}
drop_test_databases

cargo test --release --workspace --locked -- --test-threads 2

# The same server suites again on the shared backends: each server on a
# database of its own on PostgreSQL and a prefix of its own in a bucket of a
# real S3 server (scripts/s3.sh: SeaweedFS), instead of SQLite and files
# (crates/cli/tests/support: backend_env).
s3=$(bash scripts/s3.sh)
echo "test: the server suites again on PostgreSQL ($pg) and S3 ($s3)" >&2
VIDMATTE_TEST_POSTGRES=$pg VIDMATTE_TEST_S3=$s3 cargo test --release --locked -p vidmatte \
  --test api --test guarantees --test hardening --test hostile_http --test openapi --test browser \
  --test storage --test concurrency --test backgrounds --test backgrounds_requests --test sdk_habits \
  --test first_hour \
  -- --test-threads 2
drop_test_databases
