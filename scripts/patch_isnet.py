"""Makes the ISNet (DIS) export accept any input size that is a multiple of 32.

usage: patch_isnet.py IN.onnx OUT.onnx

The export computes every Resize target as a constant (1024x1024 geometry).
Each Resize here either feeds a Concat with a skip connection or produces a
side output at the input's size; its `sizes` become the batch/channels of its
own input joined with the height/width of that partner tensor, read at run time.
"""
import sys

import onnx
from onnx import TensorProto, helper


def main():
    model = onnx.load(sys.argv[1])
    graph = model.graph
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    image = graph.input[0].name

    def partner_of(resize):
        """The tensor whose spatial size this Resize must match."""
        name = resize.output[0]
        while True:
            users = consumers.get(name, [])
            if len(users) == 1 and users[0].op_type == "Cast":
                name = users[0].output[0]
                continue
            for user in users:
                if user.op_type == "Concat":
                    others = [i for i in user.input if i != name]
                    if others:
                        return others[0]
            return image

    def const(name, values):
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(
            name + "_v", TensorProto.INT64, [len(values)], values))

    added = []
    patched = 0
    for index, node in enumerate(graph.node):
        if node.op_type != "Resize":
            continue
        partner = partner_of(node)
        p = f"/dyn{index}"
        added += [
            const(p + "/s0", [0]), const(p + "/s2", [2]), const(p + "/s4", [4]),
            helper.make_node("Shape", [node.input[0]], [p + "/in_shape"]),
            helper.make_node("Slice", [p + "/in_shape", p + "/s0", p + "/s2"], [p + "/nc"]),
            helper.make_node("Shape", [partner], [p + "/partner_shape"]),
            helper.make_node("Slice", [p + "/partner_shape", p + "/s2", p + "/s4"], [p + "/hw"]),
            helper.make_node("Concat", [p + "/nc", p + "/hw"], [p + "/sizes"], axis=0),
        ]
        inputs = list(node.input) + [""] * (4 - len(node.input))
        inputs[3] = p + "/sizes"
        del node.input[:]
        node.input.extend(inputs)
        patched += 1
    # The export's node list is not topologically sorted (ONNX Runtime sorts
    # on load); the new nodes go just before the Resize they feed.
    nodes = list(graph.node)
    del graph.node[:]
    for node in nodes:
        if node.op_type == "Resize":
            idx = nodes.index(node)
            graph.node.extend(n for n in added if n.output[0].startswith(f"/dyn{idx}/"))
        graph.node.append(node)
    for value in list(graph.input) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4:
            dims[2].dim_param = "height"
            dims[3].dim_param = "width"
    del graph.value_info[:]
    onnx.save(model, sys.argv[2])
    print(f"patched {patched} Resize nodes", file=sys.stderr)


if __name__ == "__main__":
    main()
