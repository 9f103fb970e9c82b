#!/usr/bin/env bash
# peer_rembg.sh CLIP OUTDIR: the rembg peer of `vidmatte bench --compare`.
# Decodes CLIP to raw rgb24 with ffmpeg and pipes it into rembg 2.0.86's own
# CLI, `rembg b W H -m u2netp -o OUTDIR/%05d.png`, which writes one RGBA PNG
# (the cut-out, background transparent) per frame: 00000.png, 00001.png, ...
# rembg's defaults otherwise: no alpha matting, no mask post-processing;
# ONNX Runtime at its default thread count (intra-op = physical cores) unless
# OMP_NUM_THREADS is set. The weights are models/u2netp.onnx from the cache
# (via U2NET_HOME, see scripts/peers.sh); nothing is downloaded.
# Time the whole script: python start-up and imports, model load, decode,
# inference and PNG encoding.
set -euo pipefail

die() { printf 'peer_rembg: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: scripts/peer_rembg.sh CLIP OUTDIR"
clip=$1 out=$2
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
peers="$cache/peers"
[ -x "$peers/venv/bin/rembg" ] && [ -e "$peers/u2net/u2netp.onnx" ] \
  || die "the peer tools are not installed; run scripts/peers.sh"
[ -f "$clip" ] || die "no such clip: $clip"

size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 "$clip")
w=${size%x*} h=${size#*x}
[ -n "$w" ] && [ -n "$h" ] || die "ffprobe found no video stream in $clip"
mkdir -p "$out"

# rembg b insists that its stdout be a pipe or a character device (asyncio),
# so it goes to /dev/null; with -o it writes nothing there anyway.
ffmpeg -v error -nostdin -i "$clip" -f rawvideo -pix_fmt rgb24 - \
  | U2NET_HOME="$peers/u2net" "$peers/venv/bin/rembg" b "$w" "$h" -m u2netp -o "$out/%05d.png" >/dev/null
