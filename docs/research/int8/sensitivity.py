"""Per-group int8 sensitivity: quantize one group of consecutive Convs at a time.

    flock /tmp/vidmatte-cpu.lock python sensitivity.py MODEL PRE.onnx CALIB.json [--group 10] [--frames 6]
        [--act u8|s8]

PRE.onnx is the pre-processed float model (out/<model>_pre.onnx, written by
scripts/quantize.py --keep-pre) and CALIB.json the calibration cache written
by scripts/quantize.py --calib-cache (so no calibration runs here). For each
group of --group Convs (graph order) only that group is quantized; prints
mean |Δα| vs the production model on the first --frames frames of the
bikes720 set (RVM: the first 12 consecutive frames), plus the group's share
of the model's MACs at the 720p production input. Writes
out/sensitivity_<model>.json.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import frames as F  # noqa: E402
from evaluate import REF, mattes  # noqa: E402


def conv_macs(pre_path, model):
    """MACs per Conv at the production 720p input (shape inference with a fixed input)."""
    m = onnx.load(pre_path)
    w = {"isnet": (640, 352), "u2netp": (320, 192), "rvm": (1280, 720)}[model]
    for i in m.graph.input:
        d = i.type.tensor_type.shape.dim
        if i.name in ("input", "input.1", "src"):
            d[2].dim_value, d[3].dim_value = w[1], w[0]
    try:
        m = onnx.shape_inference.infer_shapes(m)
    except Exception:
        pass
    shapes = {v.name: [x.dim_value for x in v.type.tensor_type.shape.dim] for v in m.graph.value_info}
    inits = {t.name: list(t.dims) for t in m.graph.initializer}
    out = {}
    for n in m.graph.node:
        if n.op_type != "Conv":
            continue
        k = inits.get(n.input[1])
        o = shapes.get(n.output[0])
        out[n.name] = int(np.prod(k) * o[2] * o[3]) if k and o and len(o) == 4 and o[2] and o[3] else 0
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("pre")
    ap.add_argument("calib")
    ap.add_argument("--group", type=int, default=10)
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--act", default="u8")
    ap.add_argument("--only", help="first:last Conv names; limit to this span")
    a = ap.parse_args()
    temporal = a.model == "rvm"
    seq = F.eval_set("bikes720", temporal=temporal)[0][: (12 if temporal else a.frames)]
    ref = mattes(a.model, REF[a.model], [seq])
    macs = conv_macs(a.pre, a.model)
    total = sum(macs.values()) or 1
    convs = [n.name for n in onnx.load(a.pre).graph.node if n.op_type == "Conv"]
    if a.only:
        lo, hi = a.only.split(":")
        convs = convs[convs.index(lo):convs.index(hi) + 1]
    rows = []
    tmp = f"{C.OUT}/sens_tmp.onnx"
    for g in range(0, len(convs), a.group):
        names = convs[g:g + a.group]
        extra = {"ActivationSymmetric": True} if a.act == "s8" else {}
        quantize_static(a.pre, tmp, None, quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8 if a.act == "u8" else QuantType.QInt8,
                        weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["Conv"],
                        nodes_to_quantize=names, calibration_cache_path=a.calib, extra_options=extra)
        v = mattes(a.model, tmp, [seq])
        if temporal:
            r2, v2 = ref[5:], v[5:]
        else:
            r2, v2 = ref, v
        q = C.compare(r2, v2)
        row = {"first": names[0], "last": names[-1], "n": len(names),
               "mac_share": round(sum(macs.get(n, 0) for n in names) / total, 3),
               "dA": round(q["dA_mean"], 3), "iou": round(q["iou_pooled"], 4)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    json.dump({"convs": convs, "macs": macs, "groups": rows}, open(f"{C.OUT}/sensitivity_{a.model}{'_' + a.only.replace(':', '-') if a.only else ''}_g{a.group}.json", "w"))


if __name__ == "__main__":
    main()
