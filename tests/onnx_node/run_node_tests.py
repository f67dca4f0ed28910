#!/usr/bin/python3
"""ONNX's own backend node tests, run through `splitinfer infer` in FP32.

    run_node_tests.py SPLITINFER SOURCE_DIR [--data DIR] [--jobs N] [-k SUBSTRING] [-v]

The data is onnx/backend/test/data/node/test_*/ (model.onnx, test_data_set_*/
input_*.pb and output_*.pb): Debian's libonnx-testdata installs it under
/usr/share/libonnx-testdata/data/node (python3-onnx does not ship it); a pip
onnx ships it inside the package. Exits 77 (skipped) when neither the data nor
/usr/bin/python3 with onnx and numpy is there.

Which tests apply: those whose every node is an operator of the IR
(src/graph/ops.def, the importer's supported list), Upsample (converted to
Resize) or a Constant. Operators
the importer only evaluates on constants (Shape, Cast, Gather, ...) and
operators outside the list (GlobalMaxPool, ...) make a test not apply; it is
not listed. Each applicable test is reported on one line as
  PASS     the outputs agree with output_*.pb at ONNX's own tolerance
           (onnx.backend.test.loader: rtol=1e-3, atol=1e-7, as
           numpy.testing.assert_allclose applies them);
  FAIL     a mismatch, a wrong output shape, or splitinfer rejecting or
           crashing on a test that is not listed below;
  SKIP     with the reason: a data type or structure splitinfer does not take
           by design (non-float32 input or output, optional or sequence
           values, empty tensors; detected from the model), or a listed
           limit that splitinfer rejects with the listed error
           (EXPECTED_SKIPS and EXPECTED_SKIP_PREFIXES below).
and the last line is 'N passed, N failed, N skipped'. Exits 1 when any
applicable test fails.

What the runner changes in a temporary copy of each model, since `infer`
feeds one float32 tensor and writes one output:
  * graph input 0 is the model's input; every further graph input (node tests
    pass weights, biases, Clip bounds, Pad pads, Slice starts, Reshape shapes,
    second operands of Add/Mul/Concat/MatMul, ... as inputs) becomes an
    initializer holding that test data set's value, so those operands are
    tested as constants, the way exported CNNs hold them;
  * a model with several outputs (Split) is run once per output, each time
    with the graph's outputs reduced to that one.
Nothing else is changed: the opset, attributes and nodes are the test's own
(an opset below 11 is read by the importer itself when the file's operators
are unchanged at opset 11, as GlobalAveragePool and HardSigmoid tests need).
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
RUN_TIMEOUT_S = 60

# Tests of supported operators that splitinfer rejects by design, each with
# the limit and a fragment of the one-line error it must reject with. A listed
# test counts as skipped only when every run of it is rejected with that
# fragment; any other outcome (a crash, another error, a wrong result) is a
# failure, and a listed test that passes is reported as stale. Keep this list
# to genuine, explained limits.
_POOL_2D = ("the CPU backend pools over exactly two spatial axes (N x C x H x W); "
            "1-D and 3-D pooling are outside a 2-D CNN runtime",
            "only 2-D pooling runs on CPU")
_TRAINING_BN = ("training-mode BatchNormalization (batch statistics and running-mean "
                "outputs): splitinfer is inference only",
                "training-mode BatchNormalization is not supported")
_TRAINING_DROPOUT = ("training-mode Dropout (random masking; training_mode=true is a "
                     "constant here): splitinfer is inference only",
                     "training-mode Dropout is not supported")
_POW_TENSOR = ("Pow with a tensor exponent: splitinfer takes a constant scalar exponent "
               "(x^2, x^0.5, as normalisation layers write them)",
               "Pow takes a scalar exponent")
_UNSIGNED_CONSTANT = ("a constant of an unsigned 32- or 64-bit type, which no CNN exporter "
                      "writes", "which splitinfer does not support")
_CONV_TRANSPOSE_2D = ("the CPU backend runs 2-D transposed convolutions (N x C x H x W), as "
                      "its convolutions", "only 2-D transposed convolutions run on CPU")
_CROP_AND_RESIZE = ("Resize's tf_crop_and_resize (a region of interest per axis): exporters of "
                    "CNNs write half_pixel, pytorch_half_pixel, align_corners or asymmetric",
                    "coordinate_transformation_mode 'tf_crop_and_resize' is not supported")
# Every LayerNormalization test also reads the Mean and InvStdDev outputs
# (statistics kept for training); its normalized output, run on its own,
# must pass.
_LAYER_NORM_STATISTICS = ("LayerNormalization's Mean and InvStdDev outputs (training "
                          "statistics): splitinfer computes the normalized output",
                          "splitinfer supports only the first output of this op")
EXPECTED_SKIP_PREFIXES = {"test_layer_normalization_": _LAYER_NORM_STATISTICS}
EXPECTED_SKIPS = {
    "test_convtranspose_1d": _CONV_TRANSPOSE_2D,
    "test_convtranspose_3d": _CONV_TRANSPOSE_2D,
    "test_resize_tf_crop_and_resize": _CROP_AND_RESIZE,
    "test_pow": _POW_TENSOR,
    "test_pow_example": _POW_TENSOR,
    "test_pow_bcast_array": _POW_TENSOR,
    "test_pow_types_float32_int32": _POW_TENSOR,
    "test_pow_types_float32_int64": _POW_TENSOR,
    "test_pow_types_int": _POW_TENSOR,
    "test_pow_types_float32_uint32": _UNSIGNED_CONSTANT,
    "test_pow_types_float32_uint64": _UNSIGNED_CONSTANT,
    "test_averagepool_1d_default": _POOL_2D,
    "test_averagepool_3d_default": _POOL_2D,
    "test_maxpool_1d_default": _POOL_2D,
    "test_maxpool_3d_default": _POOL_2D,
    "test_batchnorm_epsilon_training_mode": _TRAINING_BN,
    "test_batchnorm_example_training_mode": _TRAINING_BN,
    "test_training_dropout": _TRAINING_DROPOUT,
    "test_training_dropout_default": _TRAINING_DROPOUT,
    "test_training_dropout_zero_ratio": _TRAINING_DROPOUT,
}


def expected_skip(name):
    if name in EXPECTED_SKIPS:
        return EXPECTED_SKIPS[name]
    for prefix, listed in EXPECTED_SKIP_PREFIXES.items():
        if name.startswith(prefix):
            return listed
    return None


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("splitinfer")
    p.add_argument("source_dir")
    p.add_argument("--data", help="the node test directory (default: search)")
    p.add_argument("--jobs", type=int, default=0, help="parallel runs (default: one per core)")
    p.add_argument("-k", dest="filter", default="", help="only tests whose name contains this")
    p.add_argument("-v", "--verbose", action="store_true", help="print splitinfer's error lines")
    return p.parse_args()


def find_data(explicit):
    if explicit:
        return explicit if os.path.isdir(explicit) else None
    candidates = []
    try:
        import onnx
        candidates.append(os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node"))
    except ImportError:
        pass
    candidates.append("/usr/share/libonnx-testdata/data/node")
    for c in candidates:
        if os.path.isdir(c) and any(n.startswith("test_") for n in os.listdir(c)):
            return c
    return None


# Operators of older opsets the importer reads through ONNX's version
# converter as an operator of the IR.
CONVERTED_OPS = {"Upsample"}


def supported_ops(source_dir):
    with open(os.path.join(source_dir, "src", "graph", "ops.def")) as f:
        return set(re.findall(r"^SPLITINFER_OP\((\w+)\)", f.read(), re.M)) | CONVERTED_OPS


class Result:
    def __init__(self, name, status, detail=""):
        self.name, self.status, self.detail = name, status, detail


def load_tensor(path):
    from onnx import TensorProto, numpy_helper
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t, numpy_helper.to_array(t)


def structural_skip(model, inputs, outputs):
    """A reason splitinfer cannot take this test by design, from the model and data."""
    from onnx import TensorProto
    graph = model.graph
    init_names = {t.name for t in graph.initializer}
    graph_inputs = [i for i in graph.input if i.name not in init_names]
    if not graph_inputs:
        return "no graph input"
    elem = graph_inputs[0].type.tensor_type.elem_type
    if elem != TensorProto.FLOAT:
        return "input 0 is %s, splitinfer feeds float32 only" % TensorProto.DataType.Name(elem)
    for o in graph.output:
        elem = o.type.tensor_type.elem_type
        if elem != TensorProto.FLOAT:
            return "output %r is %s, splitinfer computes float32 only" % (
                o.name, TensorProto.DataType.Name(elem))
    if inputs and inputs[0].size == 0:
        return "input 0 is empty (shape %s)" % (list(inputs[0].shape),)
    for name, arr in outputs:
        if arr.size == 0:
            return "output %r is empty (shape %s)" % (name, list(arr.shape))
    return None


def prepare_test(test_dir, ops, work):
    """Returns (applies, runs or skip reason). runs: list of
    (label, model_path, input_path, expected array)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    op_types = [n.op_type for n in model.graph.node]
    if not all(t in ops or t == "Constant" for t in op_types):
        return False, None
    if not any(t in ops for t in op_types):
        return False, None

    runs = []
    data_sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
    init_names = {t.name for t in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in init_names]
    for v in list(graph_inputs) + list(model.graph.output):
        kind = v.type.WhichOneof("value")
        if kind != "tensor_type":
            return True, "%r is not a tensor (%s)" % (v.name, kind)
    for ds in data_sets:
        ds_dir = os.path.join(test_dir, ds)
        n_in = len([f for f in os.listdir(ds_dir) if re.fullmatch(r"input_\d+\.pb", f)])
        n_out = len([f for f in os.listdir(ds_dir) if re.fullmatch(r"output_\d+\.pb", f)])
        inputs = [load_tensor(os.path.join(ds_dir, "input_%d.pb" % i)) for i in range(n_in)]
        outputs = [load_tensor(os.path.join(ds_dir, "output_%d.pb" % i)) for i in range(n_out)]
        if n_in != len(graph_inputs) or n_out != len(model.graph.output):
            return True, "data set %s has %d inputs / %d outputs for %d / %d graph inputs / outputs" % (
                ds, n_in, n_out, len(graph_inputs), len(model.graph.output))
        reason = structural_skip(model, [a for _, a in inputs],
                                 [(o.name, a) for o, (_, a) in zip(model.graph.output, outputs)])
        if reason:
            return True, reason

        # Graph inputs 1.. become initializers holding this data set's values.
        m = onnx.ModelProto()
        m.CopyFrom(model)
        for info, (_, arr) in list(zip(graph_inputs, inputs))[1:]:
            t = numpy_helper.from_array(arr, info.name)
            m.graph.initializer.append(t)
            for k, gi in enumerate(m.graph.input):
                if gi.name == info.name:
                    del m.graph.input[k]
                    break
        x_path = os.path.join(work, "%s.x.bin" % ds)
        np.ascontiguousarray(inputs[0][1], dtype="<f4").tofile(x_path)

        all_outputs = list(m.graph.output)
        for k, out in enumerate(all_outputs):
            mk = onnx.ModelProto()
            mk.CopyFrom(m)
            if len(all_outputs) > 1:
                del mk.graph.output[:]
                mk.graph.output.append(out)
            path = os.path.join(work, "%s.out%d.onnx" % (ds, k))
            onnx.save(mk, path)
            label = ds if len(all_outputs) == 1 else "%s output %d (%s)" % (ds, k, out.name)
            runs.append((label, path, x_path, outputs[k][1]))
    if not runs:
        return True, "no test data set"
    return True, runs


def compare(expected, got_path, got_shape):
    import numpy as np
    exp = np.asarray(expected, dtype=np.float32)
    got = np.fromfile(got_path, dtype="<f4")
    if got.size != exp.size:
        return "output has %d values (shape %s), expected %d (shape %s)" % (
            got.size, got_shape, exp.size, list(exp.shape))
    if got_shape is not None and list(got_shape) != list(exp.shape):
        # Same values, different rank: splitinfer reports what its IR computed.
        return "output shape %s, expected %s" % (list(got_shape), list(exp.shape))
    got = got.reshape(exp.shape)
    rtol, atol = 1e-3, 1e-7
    bad = ~(np.abs(got - exp) <= atol + rtol * np.abs(exp))
    bad &= ~((got == exp) | (np.isnan(got) & np.isnan(exp)))  # infinities, NaNs
    if bad.any():
        idx = np.unravel_index(np.argmax(np.where(bad, np.abs(got - exp), -1)), exp.shape)
        return "%d of %d values differ beyond rtol=1e-3, atol=1e-7; worst at %s: %r vs expected %r" % (
            int(bad.sum()), exp.size, list(map(int, idx)), float(got[idx]), float(exp[idx]))
    return None


_worker = threading.local()


def run_test(name, test_dir, ops, splitinfer, devices, scratch, verbose):
    work = tempfile.mkdtemp(prefix=name + ".", dir=scratch)
    try:
        applies, runs = prepare_test(test_dir, ops, work)
        if not applies:
            return None
        if isinstance(runs, str):
            return Result(name, "SKIP", runs)
        if not hasattr(_worker, "device"):
            with devices["lock"]:
                _worker.device = devices["list"][devices["next"] % len(devices["list"])]
                devices["next"] += 1
        problems = []
        for label, model_path, x_path, expected in runs:
            y_path = model_path + ".y.bin"
            cmd = [splitinfer, "infer", model_path, "--input", x_path, "--output", y_path,
                   "--device", _worker.device, "--json"]
            try:
                proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, timeout=RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                problems.append(("crash", label, "no result after %d s" % RUN_TIMEOUT_S))
                continue
            if proc.returncode != 0:
                err = proc.stderr.strip().splitlines()
                msg = err[-1].replace(model_path + ": ", "") if err else "no message"
                if verbose and len(err) > 1:
                    msg += "\n" + "\n".join("    " + line for line in err[:-1])
                problems.append(("reject" if proc.returncode in (2, 3) else "crash", label,
                                 "exit %d: %s" % (proc.returncode, msg)))
                continue
            try:
                shape = json.loads(proc.stdout).get("output_shape")
            except ValueError:
                shape = None
            diff = compare(expected, y_path, shape)
            if diff:
                problems.append(("mismatch", label, diff))
        listed = expected_skip(name)
        if not problems:
            if listed:
                return Result(name, "PASS", "listed in EXPECTED_SKIPS but passes: remove the entry")
            return Result(name, "PASS")
        if listed and all(kind == "reject" and listed[1] in msg for kind, _, msg in problems):
            return Result(name, "SKIP", listed[0])
        # One line per distinct problem (a Split's outputs often share one).
        lines = []
        for kind, label, msg in problems:
            same = [l for l in lines if l[1] == msg]
            if same:
                same[0][0].append(label)
            else:
                lines.append(([label], msg))
        detail = "; ".join("%s: %s" % (", ".join(labels), msg) for labels, msg in lines)
        if listed:
            detail += " (listed in EXPECTED_SKIPS, expected an error with %r)" % listed[1]
        return Result(name, "FAIL", detail)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    args = parse_args()
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as e:
        print("skip: %s (install python3-onnx, run scripts/setup.sh)" % e)
        return SKIP
    data = find_data(args.data)
    if not data:
        print("skip: no ONNX node test data (install libonnx-testdata, run scripts/setup.sh)")
        return SKIP
    if not os.access(args.splitinfer, os.X_OK):
        print("error: %s is not an executable" % args.splitinfer)
        return 2

    ops = supported_ops(args.source_dir)
    cores = sorted(os.sched_getaffinity(0))
    jobs = args.jobs or min(len(cores), 8)
    devices = {"list": ["cpu%d:fp32" % c for c in cores] if jobs <= len(cores) else ["cpu:fp32"],
               "next": 0, "lock": threading.Lock()}
    names = sorted(n for n in os.listdir(data)
                   if n.startswith("test_") and args.filter in n
                   and os.path.isfile(os.path.join(data, n, "model.onnx")))
    print("ONNX %s node tests from %s; operators: src/graph/ops.def (%d) and Constant" % (
        onnx.__version__, data, len(ops)))
    start = time.monotonic()
    scratch = tempfile.mkdtemp(prefix="splitinfer-node-tests.")
    results = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_test, n, os.path.join(data, n), ops, args.splitinfer,
                                   devices, scratch, args.verbose) for n in names]
            for f in futures:
                r = f.result()
                if r is None:
                    continue
                results.append(r)
                print("%-4s %s%s" % (r.status, r.name, (": " + r.detail) if r.detail else ""),
                      flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    passed = sum(r.status == "PASS" for r in results)
    failed = sum(r.status == "FAIL" for r in results)
    skipped = sum(r.status == "SKIP" for r in results)
    reasons = {}
    for r in results:
        if r.status == "SKIP":
            reasons[r.detail] = reasons.get(r.detail, 0) + 1
    if reasons:
        print("skipped by reason:")
        for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            print("  %3d  %s" % (count, reason))
    print("(%.1f s)" % (time.monotonic() - start))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
