#!/usr/bin/env bash
# Create-job and read-job throughput and latency through one API node
# (`serve --workers 0`, so created jobs stay queued): SQLite, PostgreSQL, and
# PostgreSQL with each node's rate limits in memory instead of the shared
# database buckets (the cost of sharing them), side by side in one run
# (prints figures; asserts nothing). wrk on loopback: 2 threads, 32
# connections, 15 s, one key with its rate limit lifted, each request a
# started job on an upload (reservation, queue row and, on Postgres, NOTIFY).
# Needs: a release build, scripts/setup.sh done, wrk (apt-get install wrk),
# PostgreSQL (scripts/postgres.sh finds or starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/vidmatte
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
pg=$(bash scripts/postgres.sh)
work=$(mktemp -d)
server=
db=vmb_$$
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  for d in ${db}_1 ${db}_2; do psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
psql "$pg/postgres" -qc "CREATE DATABASE ${db}_1" >/dev/null
psql "$pg/postgres" -qc "CREATE DATABASE ${db}_2" >/dev/null
ffmpeg -v error -y -i "$cache/clips/carphone_pristine.mp4" -t 1 -c:v libx264 -preset veryfast "$work/clip.mp4"

for backend in sqlite postgres postgres-local-limits; do
  data=$work/$backend
  unset VIDMATTE_DATABASE_URL VIDMATTE_SHARED_RATE_LIMITS
  case $backend in
    postgres) export VIDMATTE_DATABASE_URL=$pg/${db}_1 ;;
    postgres-local-limits) export VIDMATTE_DATABASE_URL=$pg/${db}_2 VIDMATTE_SHARED_RATE_LIMITS=false ;;
  esac
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base=http://127.0.0.1:$port
  key=$($bin keys create --client-id bench --data-dir "$data" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
  VIDMATTE_LOG=warn VIDMATTE_ADMIN_TOKEN=bench $bin serve --workers 0 --listen 127.0.0.1:$port --data-dir "$data" &
  server=$!
  until curl -sf $base/health >/dev/null; do sleep 0.2; done
  fp=$(curl -sf -H "X-Admin-Token: bench" $base/v1/admin/keys | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["key_fingerprint"])')
  curl -sf -H "X-Admin-Token: bench" -H 'content-type: application/json' \
    -d "{\"key_fingerprint\":\"$fp\",\"requests_per_second\":1000000,\"burst\":1000000}" $base/v1/admin/keys/limits >/dev/null
  video=$(curl -sf -H "X-Api-Key: $key" -F file=@"$work/clip.mp4" $base/v1/uploads | python3 -c 'import json,sys; print(json.load(sys.stdin)["video_url"])')
  cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["X-Api-Key"] = "$key"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"video_url":"$video","model":"light"}'
LUA
  echo "== $backend: create started jobs (wrk -t2 -c32 -d15s) =="
  wrk -t2 -c32 -d15s --latency -s "$work/post.lua" $base/v1/jobs | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|requests in"
  total=$(curl -sf -H "X-Api-Key: $key" "$base/v1/jobs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  echo "jobs stored: $total"
  job=$(curl -sf -H "X-Api-Key: $key" "$base/v1/jobs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
  cat > "$work/get.lua" <<LUA
wrk.headers["X-Api-Key"] = "$key"
LUA
  echo "== $backend: read one job (wrk -t2 -c32 -d10s) =="
  wrk -t2 -c32 -d10s --latency -s "$work/get.lua" $base/v1/jobs/$job | grep -E "Requests/sec|50%|99%|Non-2xx"
  kill $server; wait $server 2>/dev/null || true; server=
  echo
done
