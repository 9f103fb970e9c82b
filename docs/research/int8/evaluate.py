"""Quality and speed of a model variant against the production model.

    flock /tmp/vidmatte-cpu.lock python evaluate.py MODEL VARIANT.onnx [--label L]
        [--long-side N] [--ratio R] [--ref REF.onnx] [--ref-long-side N] [--ref-ratio R]
        [--sets 720p,bbb,carphone] [--no-speed] [--runs 20]

MODEL is isnet, u2netp or rvm. The reference is the production model and
settings (isnet_fp16_dynamic at 640, u2netp_dynamic at 320, rvm fp32 at
ratio min(1, 288/short)); the variant gets the same frames, optionally with
another input long side (u2netp/isnet) or downsample ratio (rvm). Quality is
measured on the full-size mattes (the model output resized to the frame, as
production does), on evaluation frames disjoint from calibration
(frames.py). Speed: 2 intra-op threads, 3 warm-up runs, median of --runs
at the production input size for a 1280×720 frame. Appends a JSON line to
out/results.jsonl and prints it.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import frames as F  # noqa: E402

REF = {"isnet": f"{C.MODELS}/isnet_fp16_dynamic.onnx",
       "u2netp": f"{C.MODELS}/u2netp_dynamic.onnx",
       "rvm": f"{C.MODELS}/rvm_mobilenetv3_fp32.onnx"}


def wrapper(model, long_side=None, ratio=None):
    if model == "isnet":
        return C.Isnet(long_side or 640)
    if model == "u2netp":
        return C.U2netp(long_side or 320)
    return C.Rvm(ratio=ratio)


def mattes(model, path, seqs, long_side=None, ratio=None, cache=None):
    if cache and os.path.exists(cache):
        z = np.load(cache)
        return [z[k] for k in sorted(z.files, key=lambda k: int(k[1:]))]
    s = C.session(path)
    out = []
    for seq in seqs:
        w = wrapper(model, long_side, ratio)  # fresh recurrent state per sequence
        for f in seq:
            out.append(w.matte(s, f))
    if cache:
        np.savez_compressed(cache, **{f"m{i}": m for i, m in enumerate(out)})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=list(REF))
    ap.add_argument("variant")
    ap.add_argument("--label")
    ap.add_argument("--long-side", type=int)
    ap.add_argument("--ratio", type=float)
    ap.add_argument("--ref")
    ap.add_argument("--ref-long-side", type=int)
    ap.add_argument("--ref-ratio", type=float)
    ap.add_argument("--sets", default="bikes720,bbb720,bikes,carphone")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-quality", action="store_true")
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    ref = a.ref or REF[a.model]
    row = {"model": a.model, "variant": a.label or os.path.basename(a.variant),
           "long_side": a.long_side, "ratio": a.ratio}
    if not a.no_quality:
        for name in a.sets.split(","):
            seqs = F.eval_set(name, temporal=a.model == "rvm")
            tag = f"{a.model}_{name}_{os.path.basename(ref)}_{a.ref_long_side}_{a.ref_ratio}"
            r = mattes(a.model, ref, seqs, a.ref_long_side, a.ref_ratio, cache=f"{C.OUT}/ref_{tag}.npz")
            v = mattes(a.model, a.variant, seqs, a.long_side, a.ratio)
            if a.model == "rvm":  # skip each sequence's first 5 frames (state warming up)
                idx = [i for i, _ in enumerate(r) if i % len(seqs[0]) >= 5]
                r, v = [r[i] for i in idx], [v[i] for i in idx]
            q = C.compare(r, v)
            row[name] = {k: round(x, 4) for k, x in q.items()} | {"n": len(r), "pass": C.passes(q)}
    if not a.no_speed:
        frame = F.speed_frame()
        w = wrapper(a.model, a.long_side, a.ratio)
        s = C.session(a.variant)
        feed = w.prep(frame)
        row["input"] = list(next(iter(feed.values())).shape[2:][::-1])
        row["speed"] = {k: round(x, 1) for k, x in C.bench(s, feed, runs=a.runs, rvm=a.model == "rvm").items()}
    line = json.dumps(row)
    print(line)
    with open(f"{C.OUT}/results.jsonl", "a") as fh:
        fh.write(line + "\n")


if __name__ == "__main__":
    main()
