#!/usr/bin/env python3
"""Convert an fp16 ONNX model (e.g. models/isnet_fp16_dynamic.onnx) to fp32.

    python scripts/isnet_fp32.py IN.onnx OUT.onnx

Needs only `onnx` (and numpy); no onnxruntime. Deterministic: the same input
gives byte-identical output.

ONNX Runtime's CPU provider has no fp16 kernels for most ops on x86, so an
fp16 model runs through inserted casts and slow fallbacks. This rewrites:
  * fp16 initializers and Constant/ConstantOfShape tensors → fp32;
  * Cast(to=float16) → Cast(to=float), then every Cast whose input is already
    float is removed (its consumers read its input directly);
  * fp16 graph inputs/outputs/value_info → fp32.
Values are exact (fp16 → fp32 is lossless); only the arithmetic precision
changes, which is what the research in docs/research/int8 measures.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F16, F32 = TensorProto.FLOAT16, TensorProto.FLOAT


def _tensor_to_f32(t):
    if t.data_type != F16:
        return None
    a = numpy_helper.to_array(t).astype(np.float32)
    return numpy_helper.from_array(a, t.name)


def _toposort(nodes, available):
    """Stable topological order (the source graph need not be sorted)."""
    available = set(available) | {""}
    done, order = [False] * len(nodes), []
    progress = True
    while progress:
        progress = False
        for i, n in enumerate(nodes):
            if not done[i] and all(x in available for x in n.input):
                done[i] = progress = True
                order.append(n)
                available.update(n.output)
    if len(order) != len(nodes):
        raise SystemExit("graph has a cycle or a dangling input")
    return order


def convert(model):
    g = model.graph
    for i, t in enumerate(g.initializer):
        n = _tensor_to_f32(t)
        if n is not None:
            g.initializer[i].CopyFrom(n)
    for node in g.node:
        if node.domain not in ("", "ai.onnx"):
            continue
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                n = _tensor_to_f32(a.t)
                if n is not None:
                    a.t.CopyFrom(n)
            elif a.name == "to" and node.op_type == "Cast" and a.i == F16:
                a.i = F32
            elif a.type == onnx.AttributeProto.GRAPH:
                raise SystemExit(f"subgraphs ({node.op_type}) are not handled")
    for v in list(g.input) + list(g.output) + list(g.value_info):
        tt = v.type.tensor_type
        if tt.elem_type == F16:
            tt.elem_type = F32
    # Sort, drop stale value_info, infer types, then remove float→float casts.
    order = _toposort(list(g.node), {i.name for i in g.input} | {t.name for t in g.initializer})
    del g.node[:]
    g.node.extend(order)
    del g.value_info[:]
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v.type.tensor_type.elem_type
             for v in list(inferred.graph.value_info) + list(g.input) + list(g.output)}
    for t in g.initializer:
        types[t.name] = t.data_type
    # A float→float Cast is dropped and its consumers read its input; one that
    # produces a graph output stays (a copy of a 1-channel map, cheap), so the
    # output names do not change. The graph need not be topologically sorted,
    # so the renaming is resolved over the whole graph first.
    outputs = {o.name for o in g.output}
    alias = {}
    keep = []
    for node in g.node:
        if (node.op_type == "Cast" and node.attribute[0].i == F32
                and types.get(node.input[0]) == F32 and node.output[0] not in outputs):
            alias[node.output[0]] = node.input[0]
        else:
            keep.append(node)

    def canon(name):
        while name in alias:
            name = alias[name]
        return name

    for node in keep:
        for i, name in enumerate(node.input):
            node.input[i] = canon(name)
    del g.node[:]
    g.node.extend(keep)
    onnx.checker.check_model(model)
    return model


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    m = convert(onnx.load(src))
    onnx.save(m, dst)
    casts = sum(n.op_type == "Cast" for n in m.graph.node)
    print(f"{dst}: {len(m.graph.node)} nodes, {casts} casts left")


if __name__ == "__main__":
    main()
