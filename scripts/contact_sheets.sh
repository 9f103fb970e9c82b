#!/usr/bin/env bash
# Contact sheets: a quick look at what each model keeps of a clip (a dev tool).
#
# usage: bash scripts/contact_sheets.sh BIN CLIP OUT_DIR [MODEL...]
#   BIN    the vidmatte binary (e.g. target/release/vidmatte)
#   CLIP   any video ffmpeg reads
#   MODEL  original, light, human or pro (default: all four); pro:TEXT runs
#          pro with --prompt TEXT, e.g. pro:car or "pro:person on the left".
#
# For each model the clip goes through `BIN process CLIP -o X.mov --model M`
# (ProRes 4444 with its alpha: all-intra, so seeking is exact, and ffmpeg's
# native decoder keeps the alpha without a special decoder flag). Frames at
# 15 %, 50 % and 85 % of the output's duration are scaled to 320 px wide,
# laid over a grey/white checkerboard of 16 px squares (so the transparent
# background shows as the checkerboard) and put side by side in
# OUT_DIR/<clip>-<model>.png (<clip>-pro-<prompt>.png for pro:TEXT).
# A sheet over 300 KB is redone with a 256-colour palette. SHEET_TILE_WIDTH
# and SHEET_MAX_BYTES change those two numbers.
#
# Environment: VIDMATTE_FLAGS adds flags to each `process` run (e.g.
# "--threads 2 --preview 3"); the model cache is the binary's own
# (VIDMATTE_CACHE, default ~/.cache/vidmatte).
set -euo pipefail

die() { echo "contact_sheets: $*" >&2; exit 1; }

[ $# -ge 3 ] || die "usage: bash scripts/contact_sheets.sh BIN CLIP OUT_DIR [MODEL...] (MODEL: original light human pro pro:TEXT)"
bin=$1 clip=$2 out_dir=$3
shift 3
[ $# -gt 0 ] || set -- original light human pro
[ -x "$bin" ] || die "$bin is not an executable (build it: cargo build --release)"
[ -f "$clip" ] || die "$clip: no such file"
for tool in ffmpeg ffprobe; do
  command -v "$tool" >/dev/null || die "$tool is needed (apt-get install ffmpeg)"
done
mkdir -p "$out_dir"

TILE_W=${SHEET_TILE_WIDTH:-320}
SQUARE=16
MAX_BYTES=${SHEET_MAX_BYTES:-300000}
name=$(basename "$clip")
name=${name%.*}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a extra <<<"${VIDMATTE_FLAGS:-}"

probe() { # probe FILE ENTRY (stream=width / format=duration ...)
  local sel=()
  [[ $2 == stream=* ]] && sel=(-select_streams v:0)
  ffprobe -v error "${sel[@]}" -show_entries "$2" -of default=nw=1:nk=1 "$1" | head -n1
}

sheet() { # sheet SPEC
  local spec=$1 model prompt="" label
  model=${spec%%:*}
  if [[ $spec == *:* ]]; then
    prompt=${spec#*:}
    [ -n "$prompt" ] || die "$spec: empty prompt"
  fi
  label=$model
  if [ -n "$prompt" ]; then
    # File-name-safe prompt: lower case, runs of anything else become one '-'.
    label="$model-$(tr '[:upper:]' '[:lower:]' <<<"$prompt" | sed -E 's/[^a-z0-9]+/-/g; s/^-+//; s/-+$//')"
  fi
  local video="$tmp/$label.mov" png="$out_dir/$name-$label.png"
  local args=(process -y "$clip" -o "$video" --model "$model")
  [ -z "$prompt" ] || args+=(--prompt "$prompt")
  echo "contact_sheets: $bin ${args[*]} ${extra[*]}" >&2
  "$bin" "${args[@]}" "${extra[@]}" || die "vidmatte failed for $spec"

  local w h dur th
  w=$(probe "$video" stream=width) h=$(probe "$video" stream=height)
  dur=$(probe "$video" format=duration)
  [[ $w =~ ^[0-9]+$ && $h =~ ^[0-9]+$ && $dur =~ ^[0-9.]+$ ]] || die "cannot probe $video (w=$w h=$h duration=$dur)"
  th=$(( (TILE_W * h + w) / (2 * w) * 2 )) # tile height: even, aspect kept
  local inputs=() graph="" i t
  i=0
  for pct in 15 50 85; do
    t=$(awk -v d="$dur" -v p="$pct" 'BEGIN { printf "%.3f", d * p / 100 }')
    inputs+=(-ss "$t" -i "$video")
    graph+="[$i:v]setpts=PTS-STARTPTS,scale=${TILE_W}:${th}:flags=bicubic,format=rgba[f$i];"
    i=$((i + 1))
  done
  local sq=$SQUARE
  graph+="color=c=white:s=${TILE_W}x${th}:d=1,format=gbrp,"
  graph+="geq=r='if(mod(floor(X/$sq)+floor(Y/$sq),2),200,255)':g='if(mod(floor(X/$sq)+floor(Y/$sq),2),200,255)':b='if(mod(floor(X/$sq)+floor(Y/$sq),2),200,255)',"
  graph+="split=3[c0][c1][c2];"
  for i in 0 1 2; do
    graph+="[c$i]setpts=PTS-STARTPTS[b$i];[b$i][f$i]overlay=format=rgb:eof_action=pass,pad=iw+4:ih+4:2:2:color=0x303030[t$i];"
  done
  graph+="[t0][t1][t2]hstack=inputs=3,format=rgb24"
  ffmpeg -v error -y "${inputs[@]}" -filter_complex "$graph[s]" -map "[s]" -frames:v 1 \
    -compression_level 9 "$tmp/sheet.png" || die "ffmpeg could not make the sheet for $spec"
  if [ "$(stat -c %s "$tmp/sheet.png")" -gt "$MAX_BYTES" ]; then
    ffmpeg -v error -y -i "$tmp/sheet.png" \
      -filter_complex "split[a][b];[a]palettegen=max_colors=256:stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a" \
      -frames:v 1 -compression_level 9 "$tmp/sheet.png.pal.png" || die "palettegen failed for $spec"
    mv "$tmp/sheet.png.pal.png" "$tmp/sheet.png"
  fi
  mv "$tmp/sheet.png" "$png"
  rm -f "$video"
  echo "contact_sheets: wrote $png ($(stat -c %s "$png") bytes)" >&2
}

for spec in "$@"; do
  sheet "$spec"
done
