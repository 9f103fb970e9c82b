#!/usr/bin/env bash
# The run command: installs what is missing, builds vidmatte (release) and
# starts the job API on the embedded default (SQLite + files under
# ./vidmatte-data). Any arguments replace `serve`, e.g.
#   scripts/run.sh process in.mp4 -o out.webm
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null
cargo build --release --locked -q
if [ $# -eq 0 ]; then
  set -- serve
fi
exec target/release/vidmatte "$@"
