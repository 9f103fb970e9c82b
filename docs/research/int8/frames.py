"""Calibration and evaluation frames (disjoint time ranges of the cached clips).

Clips: bikes.mp4 (640×272, street scene with people, 10 s), bigbuckbunny.mp4
(1280×720, animation, 5.3 s), carphone_pristine.mp4 (176×144, a person, 4 s).

  calibration: bikes 0–4 s, bigbuckbunny 0–2.4 s, carphone 0–2 s
  evaluation:  bikes 5–10 s, bigbuckbunny 3–5.2 s, carphone 2.5–4 s

Sets: "bikes720" = bikes stretched to 1280×720 (people at the production
720p size: ISNet 640×352, U²-Netp 320×192, RVM ratio 0.4), "bbb720" =
bigbuckbunny native 720p, "bikes" = bikes native 640×272, "carphone" =
native 176×144. Decoded once and cached under out/.
"""
import os

import numpy as np

import common as C

HD = (1280, 720)
# name: (clip, start s, frames, step, size)
EVAL = {
    "bikes720": ("bikes.mp4", 5.0, 16, 8, HD),
    "bbb720": ("bigbuckbunny.mp4", 3.0, 10, 5, None),
    "bikes": ("bikes.mp4", 5.2, 12, 10, None),
    "carphone": ("carphone_pristine.mp4", 2.5, 10, 4, None),
}
# RVM is recurrent: consecutive frames, state fed back (first 5 frames of each run not scored).
EVAL_TEMPORAL = {
    "bikes720": ("bikes.mp4", 5.0, 30, 1, HD),
    "bbb720": ("bigbuckbunny.mp4", 3.0, 20, 1, None),
    "bikes": ("bikes.mp4", 7.0, 30, 1, None),
    "carphone": ("carphone_pristine.mp4", 2.5, 30, 1, None),
}
CALIB = [("bikes.mp4", 0.0, 16, 6, HD), ("bikes.mp4", 0.1, 8, 12, None),
         ("bigbuckbunny.mp4", 0.0, 12, 5, None), ("carphone_pristine.mp4", 0.0, 12, 5, None)]
# Temporal calibration for RVM: consecutive runs so the recurrent inputs are realistic.
CALIB_TEMPORAL = [("bikes.mp4", 0.0, 20, 1, HD), ("bikes.mp4", 2.0, 12, 1, None),
                  ("bigbuckbunny.mp4", 0.5, 10, 1, None), ("carphone_pristine.mp4", 0.0, 12, 1, None)]


def _load(key, spec):
    path = f"{C.OUT}/frames_{key}.npz"
    if os.path.exists(path):
        z = np.load(path)
        return [z[k] for k in sorted(z.files, key=lambda k: int(k[1:]))]
    clip, start, n, step, size = spec
    fr = C.frames(clip, start, n, step, size)
    os.makedirs(C.OUT, exist_ok=True)
    np.savez(path, **{f"f{i}": f for i, f in enumerate(fr)})
    return fr


def eval_set(name, temporal=False):
    """List of sequences (each a list of HxWx3 uint8 frames)."""
    spec = (EVAL_TEMPORAL if temporal else EVAL)[name]
    return [_load(f"eval_{'t' if temporal else ''}{name}", spec)]


def calib_sets(temporal=False):
    specs = CALIB_TEMPORAL if temporal else CALIB
    return [_load(f"calib_{'t' if temporal else ''}{i}", s) for i, s in enumerate(specs)]


def speed_frame():
    """A 1280×720 frame (production's 720p case)."""
    return eval_set("bikes720")[0][0]
