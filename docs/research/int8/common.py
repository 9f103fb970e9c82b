"""Shared helpers for the int8 / variant research (issue 13).

Reproduces the production preprocessing of crates/ml/src/{u2netp,rvm,isnet}.rs
in numpy: Pillow-style convolution resizes (what fast_image_resize does),
the per-model input normalisation and output post-processing, and the
quality metrics used against the production matte.
"""
import os
import subprocess
import time

import numpy as np

CACHE = os.path.expanduser(os.environ.get("VIDMATTE_CACHE", "~/.cache/vidmatte"))
MODELS = f"{CACHE}/models"
CLIPS = f"{CACHE}/clips"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")  # ignored scratch (models, caches)

# ---------------------------------------------------------------- frames


def probe(clip):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "stream=width,height", "-of", "csv=p=0", clip], capture_output=True, check=True, text=True)
    w, h = map(int, r.stdout.strip().split(",")[:2])
    return w, h


def frames(clip, start, n, step=1, size=None):
    """n RGB24 frames (uint8, HxWx3) from `clip` starting at `start` s, every `step`-th frame.
    `size` = (w, h) rescales with ffmpeg bicubic (only to make a frame of another resolution)."""
    path = clip if os.path.isabs(clip) else f"{CLIPS}/{clip}"
    w, h = size or probe(path)
    vf = [f"select=not(mod(n\\,{step}))"] if step > 1 else []
    if size:
        vf.append(f"scale={w}:{h}:flags=bicubic")
    cmd = ["ffmpeg", "-v", "error", "-ss", str(start), "-i", path]
    if vf:
        cmd += ["-vf", ",".join(vf)]
    cmd += ["-fps_mode", "passthrough", "-frames:v", str(n), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return list(np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3))


# ---------------------------------------------------------------- resize (Pillow / fast_image_resize style)

def _bilinear(x):
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0.0)


def _lanczos3(x):
    x = np.abs(x)
    return np.where(x < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


_FILTERS = {"bilinear": (_bilinear, 1.0), "lanczos3": (_lanczos3, 3.0)}
_WCACHE = {}


def _weights(src, dst, filt):
    key = (src, dst, filt)
    if key in _WCACHE:
        return _WCACHE[key]
    f, support = _FILTERS[filt]
    scale = src / dst
    fscale = max(scale, 1.0)
    W = np.zeros((dst, src), np.float64)
    for i in range(dst):
        center = (i + 0.5) * scale
        lo = max(int(np.floor(center - support * fscale)), 0)
        hi = min(int(np.ceil(center + support * fscale)), src)
        xs = np.arange(lo, hi)
        k = f((xs + 0.5 - center) / fscale)
        s = k.sum()
        W[i, lo:hi] = k / s if s else 0
    W = W.astype(np.float32)
    _WCACHE[key] = W
    return W


def resize(img, dw, dh, filt):
    """uint8 HxW or HxWxC → uint8 (dh, dw[, C]); separable convolution, rounded and clamped."""
    h, w = img.shape[:2]
    if (w, h) == (dw, dh):
        return img.copy()
    Wy, Wx = _weights(h, dh, filt), _weights(w, dw, filt)
    x = img.astype(np.float32)
    if x.ndim == 2:
        y = Wy @ x @ Wx.T
    else:
        y = np.einsum("ij,jkc->ikc", Wy, x)
        y = np.einsum("lk,ikc->ilc", Wx, y)
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


def round_to(v, step):
    return max(int(np.floor(v / step + 0.5)), 1) * step


def model_input_size(long_side, w, h):
    long = round_to(long_side, 32)
    s = long / max(w, h)
    return round_to(w * s, 32), round_to(h * s, 32)


def unit_to_u8(v):
    return (np.clip(v, 0, 1) * 255 + 0.5).astype(np.uint8)


# ---------------------------------------------------------------- models

def session(path, threads=2):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


class U2netp:
    """light: crates/ml/src/u2netp.rs."""
    input_name = "input.1"

    def __init__(self, long_side=320):
        self.long_side = long_side

    def size(self, w, h):
        return model_input_size(self.long_side, w, h)

    def prep(self, rgb):
        h, w = rgb.shape[:2]
        iw, ih = self.size(w, h)
        r = resize(rgb, iw, ih, "lanczos3")
        mx = max(float(r.max()), 1.0)
        x = (r.astype(np.float32) / mx - MEAN) / STD
        return {self.input_name: np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32)}

    def post(self, out, w, h):
        p = out[0][0, 0]
        lo, hi = float(p.min()), float(p.max())
        a = ((p - lo) / max(hi - lo, np.finfo(np.float32).eps) * 255).astype(np.uint8)
        return resize(a, w, h, "lanczos3")

    def matte(self, sess, rgb):
        h, w = rgb.shape[:2]
        return self.post(sess.run(None, self.prep(rgb)), w, h)


class Isnet:
    """original/pro: crates/ml/src/isnet.rs (IsnetOptions::default: long side 640, keep aspect, ≥512)."""
    input_name = "input"

    def __init__(self, long_side=640):
        self.long_side = long_side

    def size(self, w, h):
        return model_input_size(min(self.long_side, max(w, h, 512)), w, h)

    def prep(self, rgb):
        h, w = rgb.shape[:2]
        iw, ih = self.size(w, h)
        r = resize(rgb, iw, ih, "bilinear")
        x = (r.astype(np.float32) - 128.0) / 256.0
        return {self.input_name: np.ascontiguousarray(x.transpose(2, 0, 1)[None], np.float32)}

    def post(self, out, w, h):
        return resize(unit_to_u8(out[0][0, 0]), w, h, "bilinear")

    def matte(self, sess, rgb):
        h, w = rgb.shape[:2]
        return self.post(sess.run(None, self.prep(rgb)), w, h)


class Rvm:
    """human: crates/ml/src/rvm.rs (max long side 1280, ratio = min(1, 288/short))."""

    def __init__(self, ratio=None, max_long=1280):
        self.ratio, self.max_long = ratio, max_long
        self.reset()

    def reset(self):
        z = np.zeros((1, 1, 1, 1), np.float32)
        self.state = [z, z, z, z]

    def working(self, w, h):
        long = max(w, h)
        if long <= self.max_long:
            return w, h
        s = self.max_long / long
        return max(int(round(w * s)), 2), max(int(round(h * s)), 2)

    def prep(self, rgb):
        h, w = rgb.shape[:2]
        ww, wh = self.working(w, h)
        r = resize(rgb, ww, wh, "bilinear")
        x = r.astype(np.float32).transpose(2, 0, 1)[None] / 255.0
        ratio = self.ratio if self.ratio is not None else min(1.0, 288.0 / min(ww, wh))
        feed = {"src": np.ascontiguousarray(x, np.float32), "downsample_ratio": np.array([ratio], np.float32)}
        for i, s in enumerate(self.state):
            feed[f"r{i + 1}i"] = s
        return feed

    def matte(self, sess, rgb):
        h, w = rgb.shape[:2]
        outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, self.prep(rgb))))
        self.state = [outs[f"r{i}o"] for i in range(1, 5)]
        return resize(unit_to_u8(outs["pha"][0, 0]), w, h, "bilinear")


# ---------------------------------------------------------------- metrics

def compare(ref, var):
    """mean |Δα| (in /255 units) and IoU(α>127) over lists of uint8 mattes.

    iou_mean/iou_min: per frame, over frames whose union covers ≥ 1 % of the
    frame (on a near-empty mask a few pixels swing the ratio); iou_pooled:
    Σ intersections / Σ unions over all frames."""
    d, ious, inter, union = [], [], 0, 0
    for a, b in zip(ref, var):
        d.append(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
        A, B = a > 127, b > 127
        u, i = int((A | B).sum()), int((A & B).sum())
        inter, union = inter + i, union + u
        if u >= 0.01 * a.size:
            ious.append(i / u)
    return {"dA_mean": float(np.mean(d)), "dA_max": float(np.max(d)),
            "iou_mean": float(np.mean(ious)) if ious else 1.0, "iou_min": float(np.min(ious)) if ious else 1.0,
            "iou_pooled": inter / union if union else 1.0, "iou_frames": len(ious)}


def passes(m):
    return m["dA_mean"] <= 2.0 and m["iou_mean"] >= 0.98


def bench(sess, feed, runs=20, warm=3, rvm=False):
    """ms/run (median and mean) on a fixed feed. For RVM the recurrent state is fed back."""
    names = [o.name for o in sess.get_outputs()]
    feed = dict(feed)

    def once():
        o = sess.run(None, feed)
        if rvm:
            od = dict(zip(names, o))
            for i in range(1, 5):
                feed[f"r{i}i"] = od[f"r{i}o"]

    for _ in range(warm):
        once()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        once()
        ts.append((time.perf_counter() - t) * 1000)
    return {"ms_median": float(np.median(ts)), "ms_mean": float(np.mean(ts)), "ms_min": float(np.min(ts))}
