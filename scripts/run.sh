#!/usr/bin/env bash
# The run command: installs what is missing, builds vidmatte (release) and
# runs it. With no arguments it prints the models it found; pass any
# subcommand, e.g.  scripts/run.sh process in.mp4 -o out.webm
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null
cargo build --release --locked -q
if [ $# -eq 0 ]; then
  set -- models
fi
exec target/release/vidmatte "$@"
