#!/usr/bin/python3
"""PyTorch reference times for zoo models (issue 4, Speed): eager FP32 and FX
graph-mode post-training static INT8, one thread, batch 1, 224x224.

  /usr/bin/python3 bench/pytorch_reference.py MODEL... [--reps N] [--warmup N]
      [--calib N] [--seed N] [--engines eager,int8] [--quant-engine E]
      [--weights splitinfer|torchvision] [--onnx-dir DIR] [--splitinfer PATH] [--json]

MODEL is a torchvision architecture name (resnet18 resnet50 mobilenet_v2 vgg16
...). Weights (--weights):
  splitinfer   (default) the very weights splitinfer uses for its zoo model:
               DIR/MODEL.onnx when --onnx-dir has it, else `splitinfer export
               MODEL --seed SEED` into a temporary file; every tensor of the
               torchvision state_dict (BatchNorm running statistics included,
               num_batches_tracked excepted) is loaded by name, shapes checked.
  torchvision  torchvision's own random init after torch.manual_seed(SEED).
               Beware: some of these models' activations shrink to subnormal
               floats (mobilenet_v2's outputs are ~1e-9), which makes eager
               FP32 several times slower and the INT8 output all zeros.
For each model and engine the model is
run WARMUP times untimed, then REPS times timed with time.perf_counter_ns on
one fixed standard-normal input; the median, p10 and p90 (linear
interpolation, numpy's default) are reported in milliseconds.

  pytorch-eager-fp32  model.eval() under torch.no_grad()
  pytorch-fx-int8     prepare_fx with get_default_qconfig_mapping(QE) (the
                      native backend config: torch 1.13 has no onednn-specific
                      one), calibrated on CALIB standard-normal inputs,
                      convert_fx, run with torch.backends.quantized.engine = QE

QE (--quant-engine) defaults to the first of onednn, x86, fbgemm that
torch.backends.quantized.supported_engines lists. torch.set_num_threads(1);
pin the process to a core from outside (taskset -c 0). With --json each result
is one JSON line:
  {"engine":..., "quant_engine":..., "model":..., "median_ms":..., "p10_ms":...,
   "p90_ms":..., "reps":..., "torch_version":..., "source":"measured", ...}
The INT8 line also carries a sanity check against the FP32 model on the timed
input (top-1 agreement, SQNR in dB) and how many quantized modules the converted
graph holds, so a silent float fallback would show (with random weights some
architectures' float outputs vanish, e.g. mobilenet_v2's are ~1e-9: then the
check says nothing; float_output_absmax shows it). Progress goes to stderr.
Needs Debian's python3-torch and python3-torchvision (run with /usr/bin/python3).
"""

import argparse
import copy
import json
import math
import os
import sys
import time

PREFERRED_QUANT_ENGINES = ("onednn", "x86", "fbgemm")


def fail(code, msg):
    sys.stderr.write(f"error: {msg}\n")
    sys.exit(code)


def choose_quant_engine(torch, requested):
    """Sets and returns PyTorch's quantized engine: `requested` when given
    (exit 2 if unsupported), else the first of PREFERRED_QUANT_ENGINES that
    this torch supports (exit 3 if none)."""
    supported = list(torch.backends.quantized.supported_engines)
    qe = requested
    if qe is None:
        qe = next((e for e in PREFERRED_QUANT_ENGINES if e in supported), None)
        if qe is None:
            fail(3, f"none of {PREFERRED_QUANT_ENGINES} is a supported quantized engine "
                    f"(supported: {supported})")
    elif qe not in supported:
        fail(2, f"quantized engine '{qe}' is not supported here (supported: {supported})")
    torch.backends.quantized.engine = qe
    return qe


def percentile(sorted_values, p):
    pos = (len(sorted_values) - 1) * p
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def time_runs(fn, x, warmup, reps):
    import torch

    with torch.no_grad():
        for _ in range(warmup):
            fn(x)
        times = []
        for _ in range(reps):
            t0 = time.perf_counter_ns()
            fn(x)
            times.append((time.perf_counter_ns() - t0) / 1e6)
    times.sort()
    return {
        "median_ms": round(percentile(times, 0.5), 3),
        "p10_ms": round(percentile(times, 0.1), 3),
        "p90_ms": round(percentile(times, 0.9), 3),
    }


def load_splitinfer_weights(model, name, a):
    """Loads the zoo model's weights, exported by splitinfer as ONNX, into the
    torchvision model by parameter name. Returns a description of the source."""
    import subprocess
    import tempfile

    import torch
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as e:
        fail(3, f"--weights splitinfer needs the onnx package ({e}); or use --weights torchvision")
    tmpdir = None
    path = os.path.join(a.onnx_dir, name + ".onnx") if a.onnx_dir else None
    if path is None or not os.path.exists(path):
        exe = a.splitinfer or os.environ.get("SPLITINFER") or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build", "splitinfer")
        if not os.access(exe, os.X_OK):
            fail(3, f"{exe} is not an executable (pass --splitinfer, --onnx-dir or --weights torchvision)")
        tmpdir = tempfile.TemporaryDirectory()
        path = os.path.join(tmpdir.name, name + ".onnx")
        r = subprocess.run([exe, "export", name, "--seed", str(a.seed), "-o", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            last = (r.stderr.strip().splitlines() or ["?"])[-1]
            fail(3, f"splitinfer export {name} failed: {last}")
    try:
        proto = onnx.load(path)
        inits = {i.name: i for i in proto.graph.initializer}
        state = model.state_dict()
        new_state = {}
        for key, t in state.items():
            if key.endswith("num_batches_tracked"):
                new_state[key] = t
                continue
            if key not in inits:
                fail(3, f"{path}: no initializer '{key}' for torchvision {name}")
            arr = numpy_helper.to_array(inits[key])
            if tuple(arr.shape) != tuple(t.shape):
                fail(3, f"{path}: '{key}' is {tuple(arr.shape)}, torchvision {name} has {tuple(t.shape)}")
            new_state[key] = torch.from_numpy(arr.copy()).to(t.dtype)
        model.load_state_dict(new_state, strict=True)
    finally:
        if tmpdir is not None:
            tmpdir.cleanup()
    return f"splitinfer zoo weights, seed {a.seed} (ONNX export, loaded by name)"


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="PyTorch eager FP32 and FX INT8 reference times, one thread.")
    ap.add_argument("models", nargs="+", metavar="MODEL")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--calib", type=int, default=4, help="random calibration inputs (default 4)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engines", default="eager,int8",
                    help="comma-separated subset of eager,int8, in the order to run them")
    ap.add_argument("--quant-engine", default=None,
                    help="onednn, x86, fbgemm or qnnpack (default: first supported of "
                         + ", ".join(PREFERRED_QUANT_ENGINES) + ")")
    ap.add_argument("--weights", choices=("splitinfer", "torchvision"), default="splitinfer")
    ap.add_argument("--onnx-dir", default=None,
                    help="directory with MODEL.onnx exported by splitinfer (reused, not re-exported)")
    ap.add_argument("--splitinfer", default=None,
                    help="splitinfer binary for the export (default: $SPLITINFER or build/splitinfer)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.reps < 1 or a.warmup < 0 or a.calib < 1:
        fail(2, "--reps and --calib must be >= 1, --warmup >= 0")
    a.engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    for e in a.engines:
        if e not in ("eager", "int8"):
            fail(2, f"unknown engine '{e}' (expected eager or int8)")
    return a


def main(argv):
    a = parse_args(argv)
    try:
        import torch
        import torchvision
        from torch.ao.quantization import get_default_qconfig_mapping
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    except ImportError as e:
        fail(3, f"cannot import torch/torchvision ({e}); use /usr/bin/python3 "
                "with Debian's python3-torch and python3-torchvision")

    torch.set_num_threads(1)
    qe = choose_quant_engine(torch, a.quant_engine)

    try:
        affinity = sorted(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    common = {
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "threads": torch.get_num_threads(),
        "cpu_affinity": affinity,
        "batch": 1,
        "warmup": a.warmup,
        "reps": a.reps,
        "seed": a.seed,
        "source": "measured",
    }

    for name in a.models:
        builder = getattr(torchvision.models, name, None)
        if builder is None or not callable(builder):
            fail(2, f"'{name}' is not a torchvision model")
        sys.stderr.write(f"pytorch_reference: {name} ({', '.join(a.engines)}, {a.reps} reps, "
                         f"quantized engine {qe})\n")
        torch.manual_seed(a.seed)
        model = builder(weights=None).eval()
        if a.weights == "splitinfer":
            weights = load_splitinfer_weights(model, name, a)
        else:
            weights = f"torchvision random init, torch.manual_seed({a.seed})"
        torch.manual_seed(a.seed)
        x = torch.randn(1, 3, 224, 224)
        for engine in a.engines:
            row = {"model": name, "weights": weights}
            if engine == "eager":
                row["engine"] = "pytorch-eager-fp32"
                row["quant_engine"] = None
                row.update(time_runs(model, x, a.warmup, a.reps))
            else:
                t0 = time.perf_counter()
                qconfig_mapping = get_default_qconfig_mapping(qe)
                prepared = prepare_fx(copy.deepcopy(model), qconfig_mapping, example_inputs=(x,))
                with torch.no_grad():
                    for _ in range(a.calib):
                        prepared(torch.randn(1, 3, 224, 224))
                qmodel = convert_fx(prepared).eval()
                prepare_s = time.perf_counter() - t0
                row["engine"] = "pytorch-fx-int8"
                row["quant_engine"] = qe
                row["backend_config"] = "native (torch 1.13 default)"
                row["calibration_inputs"] = a.calib
                row.update(time_runs(qmodel, x, a.warmup, a.reps))
                # Sanity: a converted graph with real quantized modules that
                # tracks the float model on the timed input.
                with torch.no_grad():
                    ref = model(x)
                    out = qmodel(x)
                noise = torch.sum((ref - out) ** 2).item()
                signal = torch.sum(ref ** 2).item()
                row["check"] = {
                    "top1_agree": bool(torch.argmax(ref) == torch.argmax(out)),
                    "float_output_absmax": float(ref.abs().max()),
                    "sqnr_db": (round(10 * math.log10(signal / noise), 2)
                                if noise > 0 and signal > 0 else None),
                    "quantized_modules": sum(
                        1 for m in qmodel.modules() if ".quantized" in type(m).__module__),
                    "quantize_seconds": round(prepare_s, 2),
                }
            row.update(common)
            if a.json:
                print(json.dumps(row), flush=True)
            else:
                print(f"{row['engine']:20s} {name:14s} median {row['median_ms']:9.3f} ms  "
                      f"p10 {row['p10_ms']:9.3f}  p90 {row['p90_ms']:9.3f}  ({a.reps} reps, "
                      f"torch {torch.__version__}{', ' + qe if row['quant_engine'] else ''})",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
