#!/usr/bin/env python3
"""Static int8 (QDQ) quantization of vidmatte's models with ONNX Runtime.

    python scripts/quantize.py MODEL IN.onnx OUT.onnx CLIP[@START[+SECONDS]][=WxH] ... [options]

MODEL: u2netp | rvm | isnet (selects the production preprocessing for the
calibration inputs). CLIPs are video files decoded with ffmpeg (must be on
PATH), optionally scaled to WxH first; each contributes --per-clip frames spread over START..START+SECONDS
(RVM: consecutive frames, recurrent state fed back). Deterministic for the
same inputs and options (MinMax/Percentile/Entropy calibration has no
randomness; frames are decoded at fixed times).

Needs: onnxruntime (same version as the service), onnx, numpy.

Options (defaults are the settings the research in docs/research/int8 ended with):
  --method minmax|entropy|percentile   calibration (default minmax)
  --act u8|s8                          activation type (weights are always per-channel s8)
  --ops Conv,...                       op types to quantize (default Conv)
  --exclude REGEX ...                  node names to keep in float (re.search)
  --per-clip N                         calibration frames per clip (default 12)
  --calib-cache PATH                   reuse / store the calibration ranges (JSON)
  --keep-pre PATH                      also save the pre-processed float model
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import version_converter
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def round_to(v, step):
    return max(int(np.floor(v / step + 0.5)), 1) * step


def input_size(model, w, h):
    """The model input size production uses for a w×h frame (crates/ml/src)."""
    if model == "u2netp":
        long_side = 320
    elif model == "isnet":
        long_side = min(640, max(w, h, 512))
    else:  # rvm: the frame itself, capped at 1280 on the long side
        long = max(w, h)
        if long <= 1280:
            return w, h
        s = 1280 / long
        return max(round(w * s), 2), max(round(h * s), 2)
    long = round_to(long_side, 32)
    s = long / max(w, h)
    return round_to(w * s, 32), round_to(h * s, 32)


def probe(clip):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height,duration", "-of", "csv=p=0", clip],
                         capture_output=True, check=True, text=True).stdout.strip().split(",")
    return int(out[0]), int(out[1]), float(out[2]) if len(out) > 2 and out[2] not in ("", "N/A") else 0.0


def decode(clip, start, seconds, n, consecutive, frame_size, model):
    w, h, duration = probe(clip)
    if frame_size:
        w, h = frame_size
    iw, ih = input_size(model, w, h)
    flags = "lanczos" if model == "u2netp" else "bilinear"
    # Scale to the frame size first (if asked), then to the model input, as production does.
    vf = []
    if frame_size:
        vf.append(f"scale={w}:{h}:flags=bicubic")
    vf.append(f"scale={iw}:{ih}:flags={flags}")
    if not consecutive:
        seconds = seconds or max(duration - start, 1.0)
        vf.insert(0, f"fps={n / seconds:.6f}")
    cmd = ["ffmpeg", "-v", "error", "-ss", str(start), "-i", clip, "-vf", ",".join(vf),
           "-fps_mode", "passthrough", "-frames:v", str(n), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, ih, iw, 3)


def prep(model, rgb):
    x = rgb.astype(np.float32)
    if model == "u2netp":
        x = (x / max(float(rgb.max()), 1.0) - MEAN) / STD
    elif model == "isnet":
        x = (x - 128.0) / 256.0
    else:
        x = x / 255.0
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32)


class Reader(CalibrationDataReader):
    """Feeds the calibration frames; for RVM runs the float model alongside to
    produce the recurrent inputs each frame would really see."""

    def __init__(self, model, float_path, runs):
        self.model, self.runs = model, runs
        self.float_path = float_path
        self.items = self._items()

    def _items(self):
        if self.model != "rvm":
            name = "input.1" if self.model == "u2netp" else "input"
            for run in self.runs:
                for f in run:
                    yield {name: prep(self.model, f)}
            return
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = 2
        s = ort.InferenceSession(self.float_path, so, providers=["CPUExecutionProvider"])
        names = [o.name for o in s.get_outputs()]
        for run in self.runs:
            h, w = run[0].shape[:2]
            state = [np.zeros((1, 1, 1, 1), np.float32)] * 4
            ratio = np.array([min(1.0, 288.0 / min(w, h))], np.float32)
            for f in run:
                feed = {"src": prep("rvm", f), "downsample_ratio": ratio}
                feed.update({f"r{i + 1}i": state[i] for i in range(4)})
                yield feed
                out = dict(zip(names, s.run(None, feed)))
                state = [out[f"r{i}o"] for i in range(1, 5)]

    def get_next(self):
        return next(self.items, None)

    def rewind(self):
        self.items = self._items()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=["u2netp", "rvm", "isnet"])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("clips", nargs="+")
    ap.add_argument("--method", default="minmax", choices=["minmax", "entropy", "percentile"])
    ap.add_argument("--act", default="u8", choices=["u8", "s8"])
    ap.add_argument("--ops", default="Conv")
    ap.add_argument("--exclude", nargs="*", default=[])
    ap.add_argument("--per-clip", type=int, default=12)
    ap.add_argument("--percentile", type=float, default=99.999)
    ap.add_argument("--calib-cache")
    ap.add_argument("--keep-pre", help="also save the pre-processed float model here")
    a = ap.parse_args()

    runs = []
    for spec in a.clips:
        spec, _, wxh = spec.partition("=")
        size = tuple(int(v) for v in wxh.split("x")) if wxh else None
        clip, _, when = spec.partition("@")
        start, _, secs = when.partition("+")
        runs.append(decode(clip, float(start or 0), float(secs or 0), a.per_clip, a.model == "rvm", size, a.model))
    print(f"calibration: {sum(len(r) for r in runs)} frames from {len(runs)} clips", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        m = onnx.load(a.src)
        opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
        src = a.src
        if opset < 13:  # per-channel DequantizeLinear (axis) needs opset 13
            m = version_converter.convert_version(m, 13)
            src = os.path.join(tmp, "op13.onnx")
            onnx.save(m, src)
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(src, pre, skip_symbolic_shape=True)
        if a.keep_pre:
            shutil.copyfile(pre, a.keep_pre)
        pm = onnx.load(pre)
        exclude = [n.name for n in pm.graph.node if any(re.search(p, n.name) for p in a.exclude)]
        print(f"keeping {len(exclude)} nodes in float", file=sys.stderr)
        method = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
                  "percentile": CalibrationMethod.Percentile}[a.method]
        extra = {"CalibPercentile": a.percentile}
        if a.act == "s8":
            extra["ActivationSymmetric"] = True
        quantize_static(pre, a.dst, Reader(a.model, a.src, runs), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8 if a.act == "u8" else QuantType.QInt8,
                        weight_type=QuantType.QInt8, per_channel=True,
                        op_types_to_quantize=a.ops.split(","), nodes_to_exclude=exclude,
                        calibrate_method=method, extra_options=extra,
                        calibration_cache_path=a.calib_cache)
    print(a.dst)


if __name__ == "__main__":
    main()
