#!/usr/bin/python3
"""Writes the same small CNN twice, in opset 17 and in a newer opset (18 to
21), each in the form that opset gives its operators: ReduceMean's axes as an
attribute (17) or an input (18+), Split's sizes as an input (17) or
num_outputs (18+), AveragePool with or without the dilations attribute (19+).
The two files compute the same function, so splitinfer must read both to the
same outputs. Also writes the files that must be refused: Pad with an axes
input (18) and opset 22.

usage: opset_twins.py OUT_DIR     (Debian's python3-onnx; no checker: libonnx
                                   1.12 knows opsets up to 17 only)
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def const(name, values, dtype=np.int64):
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


def model(opset, nodes, initializers, name):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])
    graph = helper.make_graph(nodes, name, [x], [y], initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             producer_name="opset_twins")


def twin(opset):
    rng = np.random.default_rng(3)
    weights = [
        numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.standard_normal((8,)).astype(np.float32), "b"),
        numpy_helper.from_array(rng.standard_normal((5, 8)).astype(np.float32), "fc_w"),
        numpy_helper.from_array(rng.standard_normal((5,)).astype(np.float32), "fc_b"),
        const("pads", [0, 0, 1, 1, 0, 0, 1, 1]),
        const("shape", [1, 8]),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Pad", ["r", "pads"], ["p"], mode="constant"),
    ]
    pool = {"kernel_shape": [2, 2], "strides": [2, 2]}
    if opset >= 19:
        pool["dilations"] = [1, 1]
    nodes.append(helper.make_node("AveragePool", ["p"], ["a"], **pool))
    if opset >= 18:
        weights.append(const("axes", [2, 3]))
        nodes.append(helper.make_node("ReduceMean", ["a", "axes"], ["m"], keepdims=1))
        nodes.append(helper.make_node("Split", ["m"], ["s0", "s1"], axis=1, num_outputs=2))
    else:
        weights.append(const("split", [4, 4]))
        nodes.append(helper.make_node("ReduceMean", ["a"], ["m"], axes=[2, 3], keepdims=1))
        nodes.append(helper.make_node("Split", ["m", "split"], ["s0", "s1"], axis=1))
    nodes += [
        helper.make_node("Concat", ["s1", "s0"], ["cat"], axis=1),
        helper.make_node("Reshape", ["cat", "shape"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["y"], transB=1),
    ]
    return model(opset, nodes, weights, f"twin{opset}")


def pad_with_axes():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 6, 6])
    graph = helper.make_graph(
        [helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"], name="pad_hw")], "pad_axes",
        [x], [y], [const("pads", [1, 1, 1, 1]), const("axes", [2, 3])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def main():
    out = sys.argv[1]
    for opset in (17, 18, 19, 20, 21):
        with open(os.path.join(out, f"twin{opset}.onnx"), "wb") as f:
            f.write(twin(opset).SerializeToString())
    with open(os.path.join(out, "pad_axes18.onnx"), "wb") as f:
        f.write(pad_with_axes().SerializeToString())
    newest = twin(21)
    newest.opset_import[0].version = 22
    with open(os.path.join(out, "twin22.onnx"), "wb") as f:
        f.write(newest.SerializeToString())


if __name__ == "__main__":
    main()
