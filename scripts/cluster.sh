#!/usr/bin/env bash
# The several-machines topology on one machine, for trying it and for the
# tests: PostgreSQL (scripts/postgres.sh), an S3 server (scripts/s3.sh),
# 2 API nodes (`vidmatte serve --workers 0`) and 2 workers (`vidmatte
# worker`), all on one database and one bucket prefix.
#
#   scripts/cluster.sh start [DIR]   # prints DIR; DIR/nodes lists "name role pid url"
#   scripts/cluster.sh stop [DIR]
#
# DIR (default ${TMPDIR:-/tmp}/vidmatte-cluster) holds each node's data
# folder and log (DIR/<name>.log), the API key (DIR/key.json) and
# DIR/env, the settings every node shares (source it to run one more node).
# VIDMATTE_BIN picks the binary (default target/release/vidmatte); other
# VIDMATTE_* variables in the environment reach every node.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-start}
dir=${2:-${TMPDIR:-/tmp}/vidmatte-cluster}
bin=${VIDMATTE_BIN:-$here/../target/release/vidmatte}
say() { printf 'cluster: %s\n' "$*" >&2; }

stop() {
  [ -f "$dir/nodes" ] || return 0
  while read -r name role pid url; do
    kill "$pid" 2>/dev/null || true
  done < "$dir/nodes"
  rm -f "$dir/nodes"
}

case $cmd in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: scripts/cluster.sh start|stop [DIR]" >&2; exit 2 ;;
esac

[ -x "$bin" ] || { say "no binary at $bin: cargo build --release"; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
stop
pg=$(bash "$here/postgres.sh")
s3=$(bash "$here/s3.sh")
# One database and one bucket prefix per cluster folder.
name=vmc_$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
psql "$pg/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
  psql "$pg/postgres" -qc "CREATE DATABASE $name" >/dev/null
cat > "$dir/env" <<ENV
export VIDMATTE_DATABASE_URL=$pg/$name
export VIDMATTE_STORAGE_URL=s3://${VIDMATTE_S3_BUCKET:-vidmatte-test}/$name
export VIDMATTE_S3_ENDPOINT=$s3
export AWS_ACCESS_KEY_ID=vidmatte-test
export AWS_SECRET_ACCESS_KEY=vidmatte-test-secret
export AWS_REGION=us-east-1
ENV
# shellcheck disable=SC1091
. "$dir/env"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$bin" keys create --client-id cluster --data-dir "$dir/api1" > "$dir/key.json"
: > "$dir/nodes"
start_node() { # name role
  local port url pid
  port=$(free_port)
  url=http://127.0.0.1:$port
  if [ "$2" = api ]; then
    VIDMATTE_NODE_ID=$1 VIDMATTE_PUBLIC_URL=$url setsid "$bin" serve --workers 0 \
      --listen 127.0.0.1:$port --data-dir "$dir/$1" >>"$dir/$1.log" 2>&1 < /dev/null &
  else
    VIDMATTE_NODE_ID=$1 setsid "$bin" worker --listen 127.0.0.1:$port --data-dir "$dir/$1" \
      >>"$dir/$1.log" 2>&1 < /dev/null &
  fi
  pid=$!
  echo "$1 $2 $pid $url" >> "$dir/nodes"
}
start_node api1 api
start_node api2 api
start_node worker1 worker
start_node worker2 worker
while read -r name role pid url; do
  for _ in $(seq 1200); do
    curl -sf "$url/health" >/dev/null && break
    kill -0 "$pid" 2>/dev/null || { say "$name exited; its log ends:"; tail -n 20 "$dir/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -sf "$url/health" >/dev/null || { say "$name did not come up; see $dir/$name.log"; exit 1; }
  say "$name ($role) pid $pid on $url"
done < "$dir/nodes"
say "API key: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_key"])' "$dir/key.json")"
echo "$dir"
