"""Gives a model uint8 image I/O: the frame goes in as uint8 NHWC (what the
decoder makes) and the matte comes out as uint8, so a GPU run copies a
quarter of the bytes each way. The prefix does in the graph exactly what the
Rust code does on the host for the float models:

  rvm:   src = float(src_u8 NHWC -> NCHW) / 255
         pha_u8 = uint8(clip(pha, 0, 1) * 255 + 0.5)       [1,1,H,W]
         fgr_u8 = same, NCHW -> NHWC                      [1,H,W,3]
         (the recurrent r1..r4 stay float, in and out)
  isnet: input = (float(input_u8 NHWC -> NCHW) - 128) / 256
         alpha_u8 = uint8(clip(output, 0, 1) * 255 + 0.5)  [1,1,H,W]
         (the side outputs are no longer graph outputs)

Cast float -> uint8 truncates, hence the + 0.5 (the host rounds the same way).

Usage: u8_io.py rvm|isnet IN.onnx OUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SPECS = {
    "rvm": {
        "input": "src",
        "scale": (0.0, 255.0),
        "outputs": {"pha": ("pha_u8", False), "fgr": ("fgr_u8", True)},
        "keep": ["r1o", "r2o", "r3o", "r4o"],
    },
    "isnet": {
        "input": "input",
        "scale": (128.0, 256.0),
        "outputs": {"output": ("alpha_u8", False)},
        "keep": [],
    },
}


def const(graph, name, value, dtype=np.float32):
    graph.initializer.append(numpy_helper.from_array(np.array(value, dtype=dtype), name))
    return name


def topological(nodes, available):
    """The nodes in an order where each input is made before it is used
    (some exports list a node after its consumers)."""
    done, ordered, pending = set(available), [], list(nodes)
    while pending:
        ready = [n for n in pending if all(i in done or not i for i in n.input)]
        if not ready:
            raise SystemExit("the graph has a cycle or an undefined input")
        for n in ready:
            ordered.append(n)
            done.update(n.output)
        pending = [n for n in pending if all(id(n) != id(r) for r in ready)]
    return ordered


def main(kind, src, dst):
    spec = SPECS[kind]
    model = onnx.load(src)
    graph = model.graph
    name = spec["input"]
    old = next(i for i in graph.input if i.name == name)
    dims = old.type.tensor_type.shape.dim
    batch, height, width = (d.dim_param or d.dim_value for d in (dims[0], dims[2], dims[3]))
    u8_in = f"{name}_u8"
    graph.input.remove(old)
    graph.input.insert(0, helper.make_tensor_value_info(u8_in, TensorProto.UINT8, [batch, height, width, 3]))

    offset, scale = spec["scale"]
    nodes = [
        helper.make_node("Cast", [u8_in], ["u8io_in_f"], to=TensorProto.FLOAT),
        helper.make_node("Transpose", ["u8io_in_f"], ["u8io_in_nchw"], perm=[0, 3, 1, 2]),
    ]
    last = "u8io_in_nchw"
    if offset:
        nodes.append(helper.make_node("Sub", [last, const(graph, "u8io_offset", offset)], ["u8io_in_sub"]))
        last = "u8io_in_sub"
    nodes.append(helper.make_node("Div", [last, const(graph, "u8io_scale", scale)], [name]))

    lo = const(graph, "u8io_zero", 0.0)
    hi = const(graph, "u8io_one", 1.0)
    k255 = const(graph, "u8io_255", 255.0)
    half = const(graph, "u8io_half", 0.5)
    tail = []
    outputs = []
    for out_name, (u8_name, nhwc) in spec["outputs"].items():
        t = f"u8io_{out_name}"
        tail += [
            helper.make_node("Clip", [out_name, lo, hi], [f"{t}_clip"]),
            helper.make_node("Mul", [f"{t}_clip", k255], [f"{t}_mul"]),
            helper.make_node("Add", [f"{t}_mul", half], [f"{t}_add"]),
        ]
        cast_to = f"{t}_cast" if nhwc else u8_name
        tail.append(helper.make_node("Cast", [f"{t}_add"], [cast_to], to=TensorProto.UINT8))
        if nhwc:
            tail.append(helper.make_node("Transpose", [cast_to], [u8_name], perm=[0, 2, 3, 1]))
            shape = [batch, height, width, 3]
        else:
            shape = [batch, 1, height, width]
        outputs.append(helper.make_tensor_value_info(u8_name, TensorProto.UINT8, shape))

    kept = [o for o in graph.output if o.name in spec["keep"]]
    del graph.output[:]
    graph.output.extend(outputs + kept)
    available = [i.name for i in graph.input] + [i.name for i in graph.initializer]
    all_nodes = topological(nodes + list(graph.node) + tail, available)
    del graph.node[:]
    graph.node.extend(all_nodes)
    onnx.checker.check_model(model)
    onnx.save(model, dst)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SPECS:
        sys.exit(__doc__)
    main(*sys.argv[1:])
