#!/usr/bin/env bash
# The run command: installs what is missing, builds vidmatte (release) and
# starts the job API on the embedded default (SQLite + files under
# ./vidmatte-data). Any arguments replace `serve`, e.g.
#   scripts/run.sh process in.mp4 -o out.webm
set -euo pipefail
cd "$(dirname "$0")/.."

echo "run: checking the runtime, weights and ffmpeg (scripts/setup.sh; downloads only the first time)" >&2
bash scripts/setup.sh >/dev/null
# Build only when a source file is newer than the binary (cargo would find
# nothing to do, but says so slowly and may relink).
bin=target/release/vidmatte
if [ ! -x "$bin" ] || [ -n "$(find Cargo.toml Cargo.lock crates -newer "$bin" -type f -print -quit)" ]; then
  echo "run: building vidmatte (release; the first build takes several minutes on 2 cores)" >&2
  cargo build --release --locked
else
  echo "run: $bin is newer than every source file; not rebuilding" >&2
fi
if [ $# -eq 0 ]; then
  set -- serve
fi
exec "$bin" "$@"
