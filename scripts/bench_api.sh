#!/usr/bin/env bash
# Job API benchmark (prints figures; asserts nothing):
#  0. 100 keys, each paced just under its rate limit (9 of 10 req/s), a mix of
#     idempotent creates, polls, lists and credit reads, plus webhook latency
#     (examples/api_load.rs), then the same keys pushed over the limit (12 req/s);
#  1. raw create-job throughput and latency (p50/p99) on SQLite from wrk on
#     loopback with one key whose limit is lifted, while a job is processed;
#  2. upload → completed for a 10 s 720p clip per model, against
#     `vidmatte process` on the same clip.
# Needs: a release build, scripts/setup.sh done, wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/vidmatte
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
models=${MODELS:-light human original}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
key=$($bin keys create --client-id bench --data-dir "$work/data" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
VIDMATTE_LOG=warn VIDMATTE_ADMIN_TOKEN=bench VIDMATTE_URL_ALLOWLIST=127.0.0.1 VIDMATTE_WEBHOOK_ALLOW_HTTP=true \
  $bin serve --listen 127.0.0.1:$port --data-dir "$work/data" & server=$!
until curl -sf $base/health >/dev/null; do sleep 0.2; done
fp=$(curl -sf -H "X-Admin-Token: bench" $base/v1/admin/keys | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["key_fingerprint"])')

cargo build --release -q --example api_load
echo "== 100 keys at 9 req/s each (under the limit), rate limiting and idempotency on =="
target/release/examples/api_load --base $base --admin-token bench --keys 100 --rate 9 --seconds 20
echo
echo "== the same, 12 req/s each (over the 10 req/s limit) =="
target/release/examples/api_load --base $base --admin-token bench --keys 100 --rate 12 --seconds 20
echo
# The wrk run below measures the server without the limiter in the way.
curl -sf -H "X-Admin-Token: bench" -H 'content-type: application/json' \
  -d "{\"key_fingerprint\":\"$fp\",\"requests_per_second\":1000000,\"burst\":1000000}" $base/v1/admin/keys/limits >/dev/null

ffmpeg -v error -y -stream_loop -1 -i "$cache/clips/bikes.mp4" -t 10 \
  -vf scale=-2:720:flags=bicubic,crop=1280:720 -c:v libx264 -preset veryfast -crf 18 "$work/clip720.mp4"
upload() { curl -sf -H "X-Api-Key: $key" -F file=@"$1" $base/v1/uploads | python3 -c 'import json,sys; print(json.load(sys.stdin)["video_url"])'; }
create() { curl -sf -H "X-Api-Key: $key" -H 'content-type: application/json' -d "$1" $base/v1/jobs | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
# Polls once a second with curl alone: a poller that spawns interpreters
# steals enough of 2 cores to skew the comparison.
wait_done() {
  while true; do
    s=$(curl -sf -H "X-Api-Key: $key" $base/v1/jobs/$1 | grep -o '"status":"[a-z]*"' | head -1)
    case $s in *completed*) return 0;; *failed*|*canceled*) echo "job $1 $s" >&2; return 1;; esac
    sleep 1
  done
}

echo "== create-job throughput while a job runs (wrk, 2 threads, 32 connections, 10 s) =="
video=$(upload "$work/clip720.mp4")
busy=$(create "{\"video_url\":\"$video\",\"model\":\"original\"}")
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["X-Api-Key"] = "$key"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"video_url":"$video","model":"light","auto_start":false}'
LUA
wrk -t2 -c32 -d10s --latency -s "$work/post.lua" $base/v1/jobs | sed -n '1,20p'
curl -sf -H "X-Api-Key: $key" -X POST $base/v1/jobs/$busy/cancel >/dev/null

echo
echo "== upload → completed (API) vs vidmatte process, 10 s 720p → webm =="
for model in $models; do
  start=$(date +%s.%N)
  video=$(upload "$work/clip720.mp4")
  id=$(create "{\"video_url\":\"$video\",\"model\":\"$model\"}")
  wait_done "$id"
  api=$(echo "$(date +%s.%N) - $start" | bc)
  start=$(date +%s.%N)
  $bin process -y "$work/clip720.mp4" -o "$work/cli.webm" --model $model 2>/dev/null
  cli=$(echo "$(date +%s.%N) - $start" | bc)
  printf '%-9s API %6.1f s   process %6.1f s   API/process %.3f\n' $model $api $cli "$(echo "$api / $cli" | bc -l)"
done
