#!/usr/bin/env bash
# Queue overhead per job with no pipeline (examples/queue_bench.rs): 10,000
# started jobs over 10 keys drained by 1, 2 and 4 worker processes, each
# claiming, heartbeating once and completing; on PostgreSQL and on SQLite,
# each run on a fresh database. Prints figures and fails if any job was lost
# or completed twice.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-10000}
pg=$(bash scripts/postgres.sh)
cargo build --release -q --example queue_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for workers in 1 2 4; do
  db=vmq_$$_$workers
  psql "$pg/postgres" -qc "CREATE DATABASE $db"
  VIDMATTE_LOG=warn target/release/examples/queue_bench --database "$pg/$db" --jobs "$jobs" --workers "$workers"
  psql "$pg/postgres" -qc "DROP DATABASE $db"
  VIDMATTE_LOG=warn target/release/examples/queue_bench --database "sqlite://$work/q$workers.db" --jobs "$jobs" --workers "$workers"
done
