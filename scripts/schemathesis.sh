#!/usr/bin/env bash
# Property-based check of a running vidmatte against its own OpenAPI document
# (schemathesis, from PyPI, pinned): no response may be a 5xx, and every
# response must match the schema documented for its status.
#
#   BASE_URL=http://127.0.0.1:8080 API_KEY=vm_live_... [ADMIN_TOKEN=...] scripts/schemathesis.sh
#   scripts/schemathesis.sh --install-only     # just the venv (scripts/test.sh)
#
# Optional: SCHEMA (default $BASE_URL/openapi.json; a file path works too),
# MAX_EXAMPLES (default 20), ST_RATE_LIMIT (default `auto`: honour
# Retry-After), ST_CHECKS, ST_WORKERS, REPORT_DIR (JUnit report there).
# Without ADMIN_TOKEN the admin routes are skipped. Extra arguments are passed
# to `st run`. Exits non-zero when a check fails.
set -euo pipefail

version=4.32.5
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
venv=$cache/schemathesis-venv
st=$venv/bin/st

if [ "$("$st" --version 2>/dev/null || true)" != "st, version $version" ]; then
  echo "schemathesis: installing $version into $venv" >&2
  mkdir -p "$cache"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$version" >&2
fi
if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

: "${BASE_URL:?set BASE_URL, e.g. http://127.0.0.1:8080}"
: "${API_KEY:?set API_KEY to a vm_live_ key of that server}"
base=${BASE_URL%/}
schema=${SCHEMA:-$base/openapi.json}

args=(
  run "$schema"
  --url "$base"
  --checks "${ST_CHECKS:-not_a_server_error,response_schema_conformance}"
  --max-examples "${MAX_EXAMPLES:-20}"
  --rate-limit "${ST_RATE_LIMIT:-auto}"
  --request-timeout 10
  --workers "${ST_WORKERS:-1}"
  --header "X-Api-Key: $API_KEY"
  # Generated admin calls must not lock the test key out: disabling a key
  # (it would answer 401 from then on) and throttling one (429 from then on)
  # stay out; enable, credits and create are exercised.
  --exclude-path /v1/admin/keys/disable
  --exclude-path /v1/admin/keys/limits
  --no-color
)
if [ -n "${ADMIN_TOKEN:-}" ]; then
  args+=(--header "X-Admin-Token: $ADMIN_TOKEN")
else
  args+=(--exclude-tag Admin)
fi
if [ -n "${REPORT_DIR:-}" ]; then
  args+=(--report junit --report-dir "$REPORT_DIR")
fi

# The server's URL allow-list decides whether generated http(s) video URLs are
# fetched; either way a job fails cleanly (`source_unreachable`), never a 5xx.
exec "$st" "${args[@]}" "$@"
