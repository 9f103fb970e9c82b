"""Interleaved speed comparison of model files at the production 720p input.

    flock /tmp/vidmatte-cpu.lock python speed.py MODEL A.onnx[:opt] B.onnx[:opt] ... [--rounds 4] [--runs 6]

MODEL is isnet, u2netp or rvm; `:opt` after a path is a long side
(isnet/u2netp) or a downsample ratio (rvm). Each round runs every variant
--runs times (after warm-up), so drift from other load hits all variants
alike; prints the median ms/frame per variant over all rounds and the
1-minute load average before and after.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import frames as F  # noqa: E402
from evaluate import wrapper  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("variants", nargs="+")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frame", default="bikes720")
    a = ap.parse_args()
    frame = F.eval_set(a.frame)[0][0]
    vs = []
    for spec in a.variants:
        path, _, opt = spec.partition(":")
        kw = {}
        if opt:
            kw = {"ratio": float(opt)} if a.model == "rvm" else {"long_side": int(opt)}
        w = wrapper(a.model, **kw)
        s = C.session(path, a.threads)
        feed = w.prep(frame)
        C.bench(s, feed, runs=1, warm=3, rvm=a.model == "rvm")
        vs.append((spec, s, feed, []))
    load0 = os.getloadavg()[0]
    for _ in range(a.rounds):
        for spec, s, feed, ts in vs:
            r = C.bench(s, feed, runs=a.runs, warm=1, rvm=a.model == "rvm")
            ts.append(r["ms_median"])
    load1 = os.getloadavg()[0]
    base = None
    for spec, s, feed, ts in vs:
        ms = float(np.median(ts))
        base = base or ms
        row = {"model": a.model, "variant": spec, "input": list(next(iter(feed.values())).shape[2:][::-1]),
               "threads": a.threads, "ms": round(ms, 1), "ms_best_round": round(min(ts), 1), "rounds": [round(t, 1) for t in ts],
               "speedup_vs_first": round(base / ms, 2), "load": [round(load0, 2), round(load1, 2)],
               "when": time.strftime("%H:%M:%S")}
        print(json.dumps(row))
        with open(f"{C.OUT}/speed.jsonl", "a") as fh:
            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
