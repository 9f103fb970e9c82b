"""Turns a model's fixed input/output height and width into symbolic ones.

usage: unfix_input.py IN.onnx OUT.onnx
For graphs whose Resize sizes already come from runtime shapes (U^2-Netp), the
only thing pinning them to 320x320 is the declared input shape.
"""
import sys

import onnx


def main():
    model = onnx.load(sys.argv[1])
    graph = model.graph
    for value in list(graph.input) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4:
            dims[2].dim_param = "height"
            dims[3].dim_param = "width"
    del graph.value_info[:]
    onnx.save(model, sys.argv[2])


if __name__ == "__main__":
    main()
