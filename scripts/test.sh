#!/usr/bin/env bash
# The test command: installs what is missing (scripts/setup.sh, plus the
# `webp` tools the tests use to read animated WebP back), then runs every
# test against real ffmpeg, real weights and real clips.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null

if ! command -v webpmux >/dev/null 2>&1 || ! command -v dwebp >/dev/null 2>&1; then
  echo "test: installing webp (webpmux, dwebp) with apt-get" >&2
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq webp >/dev/null
fi

cargo test --release --workspace --locked -- --test-threads 2
