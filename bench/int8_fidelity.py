#!/usr/bin/python3
"""INT8 fidelity of splitinfer against PyTorch FX post-training static
quantization, same models, same calibration inputs, same evaluation inputs,
one run (the acceptance benchmark of the INT8 fidelity issue).

  /usr/bin/python3 bench/int8_fidelity.py [MODEL...] [--calib N] [--eval N]
      [--seed S] [--calib-seed S] [--eval-seed S] [--bn-batches B]
      [--bn-batch-size K] [--bn-seed S] [--calib-method minmax|percentile|mse|entropy|histogram]
      [--equalize]
      [--quant-engine E] [--fx-activations affine|symmetric|symmetric-but-hardswish]
      [--threads 1|2] [--splitinfer PATH] [--out FILE] [--keep DIR]

MODEL defaults to resnet18 resnet50 mobilenet_v2 mobilenet_v3_small
mobilenet_v3_large squeezenet1_1 shufflenet_v2_x0_5 (torchvision
architectures, batch 1, 3x224x224).

Per model:
  model      torch.manual_seed(SEED) (default 0), torchvision's builder with
             weights=None (torchvision's own random init), then the BatchNorm
             running statistics are re-estimated (see below), then eval().
  reference  PyTorch eager FP32 output of that model (torch.no_grad()).
  ONNX       torch.onnx.export of that same eval() model, opset 13, batch 1,
             3x224x224, constant folding on (the exporter folds BatchNorm into
             the convolutions), into a temporary directory.
  FX INT8    torch.ao.quantization.quantize_fx: prepare_fx with
             get_default_qconfig_mapping(QE) (HistogramObserver activations,
             per-channel symmetric int8 weights; torch 1.13's native backend
             config, it has no onednn-specific one), calibrated by running the
             N calibration inputs one at a time (batch 1), convert_fx, run with
             torch.backends.quantized.engine = QE. QE is chosen as
             bench/pytorch_reference.py chooses it: the first of onednn, x86,
             fbgemm in torch.backends.quantized.supported_engines, unless
             --quant-engine is given. shufflenet_v2's block (InvertedResidual)
             unpacks x.chunk() and x.size() into tuples, which FX cannot trace;
             during prepare_fx only, its forward is replaced by the same
             computation written with indexing (chunk()[i], size(i)), so the
             block is traced and quantized (cat/view/transpose/contiguous run
             on quantized tensors); the float reference and the ONNX export
             use torchvision's own forward.
             --fx-activations changes only how FX codes activations, to
             find what splitinfer's coding costs: `affine` (default) is
             FX's own (uint8 with a zero point over each tensor's range);
             `symmetric` is splitinfer's (uint8 from 0 for tensors that are
             never negative, else codes symmetric about 0: uint8 with zero
             point 128 and scale max|x| / 127, as int8 -127..127), with the
             same histogram clipping; `symmetric-but-hardswish` is
             `symmetric` with the outputs of HardSwish left affine.
  splitinfer `splitinfer infer MODEL.onnx --input X.bin --output Y.bin
             --precision fp32|int8 [--calib c0.bin,c1.bin,... --calib-method M
             --equalize]
             --json`, one process per evaluation input, on a copy of the binary
             taken at the start (sha256 recorded) with SPLITINFER_CACHE_DIR in
             a fresh temporary directory, so no calibration cached by another
             run can leak in (the first INT8 run calibrates and caches, the
             later ones of the same model reuse that calibration). The float
             fallbacks are the `float_fallbacks` list of the first INT8 run's
             JSON ("Op (node)" entries, also counted per op type).

Inputs: standard-normal noise (like normalised pixels), float32 NCHW,
numpy.random.default_rng(seed) per input: calibration input i uses
CALIB_SEED + i (default 2000 + i), evaluation input i uses EVAL_SEED + i
(default 1000 + i, as bench/agreement.py), the BatchNorm re-estimation
batches use torch.Generator seeded with BN_SEED (default 3000): three disjoint
sets. Both engines calibrate on the very same N arrays (written to raw files
for splitinfer, torch.from_numpy for PyTorch).

Why the BatchNorm statistics are re-estimated: torchvision's random init
leaves running_mean = 0 and running_var = 1, which does not normalise
anything; measured here with torch 1.13 (seed 0), the FP32 outputs of
mobilenet_v2 and both mobilenet_v3 vanish to ~1e-9 (subnormal-range logits:
any INT8 engine then outputs zeros or noise, and the measurement says
nothing), shufflenet_v2's outputs differ between inputs by ~1e-5 of their
magnitude and resnet50's logits reach ~100. So before eval(), every
BatchNorm layer's statistics are reset (reset_running_stats, momentum=None,
i.e. a cumulative average) and the float model is run in train() mode under
no_grad on BN_BATCHES batches of BN_BATCH_SIZE standard-normal images
(default 2 x 8). Only running_mean/running_var change; the weights are
torchvision's init. The same model object is the FP32 reference, the FX
input and the ONNX export, so both engines see identical weights.
squeezenet1_1 has no BatchNorm and is unchanged.

What random weights mean for the figures: on noise inputs the output of a
random-weight CNN is mostly an input-independent vector; the share of the
output power that varies between the evaluation inputs is recorded as
"reference_input_dependent_fraction" (measured 2026-12-05 with the defaults:
about 0.02-0.06 for the resnets, mobilenet_v2 and shufflenet_v2, 0.2-0.4 for
the mobilenet_v3s, 0.0002 for squeezenet1_1). The SQNR therefore largely
measures how well that vector is reproduced; "sqnr_centered_db" is the
stricter figure. The re-estimation above keeps more input dependence than the
alternatives tried (torchvision's init as is; splitinfer's zoo weights, as
bench/pytorch_reference.py loads them, 0.001-0.012; re-estimated BN with the
residual branches' last BN scaled by 0.2, <= 0.002), but the quantisation
noise of any INT8 engine is also amplified more: PyTorch FX INT8 itself
measured 9-17 dB on resnet50, mobilenet_v2, mobilenet_v3 and shufflenet_v2
here (against 28-38 dB with splitinfer's zoo weights). So the 25 dB floor of
the acceptance may be out of reach of the reference engine too; the script
says so on a `note:` line, and the comparison with FX on the same models
and inputs is the informative part.

Figures (all measured in this run, labelled "source": "measured"):
  sqnr_db     10 log10(sum ||ref||^2 / sum ||out - ref||^2) over the
              evaluation inputs (signal and noise power each summed over all
              inputs, as bench/agreement.py does), ref = PyTorch FP32.
  sqnr_centered_db  the same with the signal taken about the mean reference
              output over the evaluation inputs: sum ||ref - mean(ref)||^2 /
              sum ||out - ref||^2 (the input-dependent part of the output;
              the noise term is unchanged).
  top1_agree  evaluation inputs whose argmax equals the reference's.
  minus_fx    splitinfer INT8's sqnr_db less FX's, with a 95% bootstrap
              interval over the evaluation inputs (resampled with
              replacement, both SQNRs recomputed; seeded). On these random
              networks the two engines' errors differ from one input to the
              next, so with 8 inputs a difference of a few tenths is chance:
              mobilenet_v3_small read -0.33 dB on the first 8 of these inputs
              and +1.26 dB [+0.74, +1.72] on all 64. Hence 64 evaluation
              inputs by default; the interval says whether they resolve the
              difference.
  For splitinfer: FP32 vs PyTorch FP32 (sanity, expected > ~80 dB), INT8 vs
  PyTorch FP32 (the acceptance figure) and INT8 vs splitinfer FP32 (context).

Output: one JSON line per model on stdout, then a Markdown table and a final
line `ACCEPTANCE: PASS|FAIL ...` (PASS iff on every model splitinfer INT8 SQNR
>= PyTorch FX INT8 SQNR and splitinfer INT8 SQNR >= 25 dB; a model where
either engine has no figure fails). Everything is also written to
bench/results/int8_fidelity-DATE.json (or --out). Progress goes to stderr.
If splitinfer (or FX) fails on a model, the error message is recorded for
that model and the run goes on. Exit status 0 whether or not the acceptance
holds; 2 on bad usage, 3 when the environment is missing something (binary,
torch), 1 on an unexpected error.

Needs Debian's python3-torch (1.13), python3-torchvision, python3-numpy and
python3-onnx (run with /usr/bin/python3), and build/splitinfer. torch uses
--threads threads (default 1). The defaults take about 6 minutes on the 2-core
development machine (one splitinfer process per evaluation input and
precision; see bench/README.md).
"""

import argparse
import collections
import copy
import datetime
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

# The engine choice and the error exit are bench/pytorch_reference.py's (its
# module level imports nothing beyond the standard library).
from pytorch_reference import PREFERRED_QUANT_ENGINES, choose_quant_engine, fail

DEFAULT_MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small",
                  "mobilenet_v3_large", "squeezenet1_1", "shufflenet_v2_x0_5"]
INPUT_SHAPE = (1, 3, 224, 224)
OPSET = 13
MIN_SQNR_DB = 25.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    sys.stderr.write(f"int8_fidelity: {msg}\n")
    sys.stderr.flush()


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="INT8 fidelity: splitinfer vs PyTorch FX PTQ, same calibration inputs.")
    ap.add_argument("models", nargs="*", metavar="MODEL", default=DEFAULT_MODELS)
    ap.add_argument("--calib", type=int, default=16, help="calibration inputs (default 16)")
    ap.add_argument("--eval", type=int, default=64, help="evaluation inputs (default 64)")
    ap.add_argument("--seed", type=int, default=0, help="torch.manual_seed for the weights")
    ap.add_argument("--calib-seed", type=int, default=2000,
                    help="calibration input i uses numpy seed CALIB_SEED+i (default 2000)")
    ap.add_argument("--eval-seed", type=int, default=1000,
                    help="evaluation input i uses numpy seed EVAL_SEED+i (default 1000)")
    ap.add_argument("--bn-batches", type=int, default=2,
                    help="noise batches for the BatchNorm re-estimation (0: keep torchvision's "
                         "mean 0 / var 1, degenerate for several models)")
    ap.add_argument("--bn-batch-size", type=int, default=8)
    ap.add_argument("--bn-seed", type=int, default=3000)
    ap.add_argument("--calib-method", choices=("minmax", "percentile", "mse", "entropy", "histogram"), default=None,
                    help="splitinfer's --calib-method (default: splitinfer's own default)")
    ap.add_argument("--equalize", action="store_true",
                    help="splitinfer's --equalize (cross-layer equalization) on its INT8 runs")
    ap.add_argument("--quant-engine", default=None,
                    help="PyTorch quantized engine (default: first supported of "
                         + ", ".join(PREFERRED_QUANT_ENGINES) + ")")
    ap.add_argument("--fx-activations", default="affine",
                    choices=("affine", "symmetric", "symmetric-but-hardswish"),
                    help="how FX codes activations (default affine, FX's own; see above)")
    ap.add_argument("--threads", type=int, default=1, choices=(1, 2),
                    help="torch.set_num_threads (default 1)")
    ap.add_argument("--splitinfer", default=None,
                    help="binary (default: $SPLITINFER or build/splitinfer)")
    ap.add_argument("--out", default=None,
                    help="JSON results file (default bench/results/int8_fidelity-DATE.json)")
    ap.add_argument("--keep", default=None, metavar="DIR",
                    help="keep the ONNX files, inputs and outputs in DIR (default: a temporary "
                         "directory, removed)")
    a = ap.parse_args(argv)
    if a.calib < 1 or a.eval < 1 or a.bn_batches < 0 or a.bn_batch_size < 2:
        fail(2, "--calib and --eval must be >= 1, --bn-batches >= 0, --bn-batch-size >= 2")
    if len(set(range(a.calib_seed, a.calib_seed + a.calib))
           & set(range(a.eval_seed, a.eval_seed + a.eval))):
        fail(2, "calibration and evaluation input seeds overlap; pick disjoint --calib-seed/--eval-seed")
    return a


# ---------------------------------------------------------------- metrics

def metrics(refs, outs):
    """SQNR (summed powers), centred SQNR and top-1 agreement of outs vs refs
    (lists of float64 numpy arrays of the same shape)."""
    import numpy as np

    mean = np.mean(np.stack(refs), axis=0)
    signal = sum(float((r ** 2).sum()) for r in refs)
    centred = sum(float(((r - mean) ** 2).sum()) for r in refs)
    noise = sum(float(((o - r) ** 2).sum()) for r, o in zip(refs, outs))
    agree = sum(int(np.argmax(r) == np.argmax(o)) for r, o in zip(refs, outs))

    def db(s):
        if noise == 0:
            return math.inf if s > 0 else None
        return round(10 * math.log10(s / noise), 2) if s > 0 else None

    return {
        "sqnr_db": db(signal),
        "sqnr_centered_db": db(centred),
        "top1_agree": agree,
        "inputs": len(refs),
        "max_abs_error": float(max(np.abs(o - r).max() for r, o in zip(refs, outs))),
        "source": "measured",
    }


def paired_difference(refs, a_outs, b_outs, resamples=10000, seed=0):
    """SQNR(a) - SQNR(b) in dB over the same inputs, with a 95% bootstrap
    interval: the inputs are resampled with replacement (seeded, so the
    interval is reproducible) and both SQNRs recomputed on each resample.
    Per-input SQNRs of two engines differ by several dB from input to input
    on these random networks, so a difference of a few tenths over 8 inputs
    can be chance; the interval says whether the inputs resolve it."""
    import numpy as np

    noise_a = np.array([float(((o - r) ** 2).sum()) for r, o in zip(refs, a_outs)])
    noise_b = np.array([float(((o - r) ** 2).sum()) for r, o in zip(refs, b_outs)])
    if not (noise_a > 0).any() or not (noise_b > 0).any():
        return None
    pick = np.random.default_rng(seed).integers(0, len(refs), size=(resamples, len(refs)))
    na, nb = noise_a[pick].sum(1), noise_b[pick].sum(1)
    ok = (na > 0) & (nb > 0)
    d = 10 * np.log10(nb[ok] / na[ok])  # = SQNR(a) - SQNR(b), the signal cancels
    lo, hi = np.percentile(d, [2.5, 97.5])
    return {"difference_db": round(10 * math.log10(noise_b.sum() / noise_a.sum()), 2),
            "ci95_db": [round(float(lo), 2), round(float(hi), 2)],
            "resolved": bool(lo > 0 or hi < 0), "inputs": len(refs),
            "method": f"bootstrap over inputs, {resamples} resamples (seed {seed}), percentile"}


def json_safe(x):
    """inf is not JSON; write it as a string."""
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [json_safe(v) for v in x]
    return x


# ---------------------------------------------------------------- PyTorch side

def reestimate_bn(model, batches, batch_size, seed):
    import torch

    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if batches == 0 or not bns:
        return len(bns)
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average over the batches
    model.train()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(batch_size, *INPUT_SHAPE[1:], generator=g))
    return len(bns)


def fx_traceable_shufflenet_forward(self, x):
    # torchvision.models.shufflenetv2.InvertedResidual.forward (with its
    # channel_shuffle inlined) written so that FX can trace it: chunk() is
    # indexed and x.size() read index by index instead of being unpacked (FX
    # cannot iterate a Proxy). The same computation, op for op.
    import torch

    if self.stride == 1:
        halves = x.chunk(2, dim=1)
        out = torch.cat((halves[0], self.branch2(halves[1])), dim=1)
    else:
        out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
    batchsize, num_channels, height, width = out.size(0), out.size(1), out.size(2), out.size(3)
    out = out.view(batchsize, 2, num_channels // 2, height, width)
    out = torch.transpose(out, 1, 2).contiguous()
    return out.view(batchsize, -1, height, width)


def fx_qconfig_mapping(qe, activations):
    """FX's default mapping for engine qe, its activations coded as
    --fx-activations says."""
    import torch
    from torch.ao.quantization import QConfig, get_default_qconfig_mapping
    from torch.ao.quantization.observer import HistogramObserver

    mapping = get_default_qconfig_mapping(qe)
    if activations == "affine":
        return mapping

    class SymmetricCoding(HistogramObserver):
        """splitinfer's coding of the range the histogram search keeps."""

        def _calculate_qparams(self, min_val, max_val):
            lo, hi = float(min_val), float(max_val)
            if lo >= 0:
                return torch.tensor([max(hi, 1e-12) / 255.0]), torch.tensor([0])
            return torch.tensor([max(-lo, hi, 1e-12) / 127.0]), torch.tensor([128])

    default = mapping.global_qconfig
    mapping.set_global(QConfig(activation=SymmetricCoding.with_args(reduce_range=False),
                               weight=default.weight))
    if activations == "symmetric-but-hardswish":
        mapping.set_object_type(torch.nn.Hardswish, default)
        mapping.set_object_type(torch.nn.functional.hardswish, default)
    return mapping


def fx_int8(model, calib_arrays, eval_arrays, qe, activations):
    """Returns (outputs on eval inputs as float64 numpy, info dict)."""
    import torch
    import torchvision
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    t0 = time.perf_counter()
    example = (torch.from_numpy(calib_arrays[0]),)
    shuffle_mod = getattr(torchvision.models, "shufflenetv2", None)
    block = getattr(shuffle_mod, "InvertedResidual", None) if shuffle_mod else None
    patched = block is not None and any(isinstance(m, block) for m in model.modules())
    original = block.forward if patched else None
    try:
        if patched:
            block.forward = fx_traceable_shufflenet_forward
        prepared = prepare_fx(copy.deepcopy(model).eval(), fx_qconfig_mapping(qe, activations),
                              example_inputs=example)
    finally:
        if patched:
            block.forward = original
    with torch.no_grad():
        for c in calib_arrays:
            prepared(torch.from_numpy(c))
    qmodel = convert_fx(prepared).eval()
    quantize_s = time.perf_counter() - t0
    with torch.no_grad():
        outs = [qmodel(torch.from_numpy(x)).double().numpy().ravel() for x in eval_arrays]
    quantized_modules = sum(1 for m in qmodel.modules() if ".quantized" in type(m).__module__)
    float_modules = sorted({type(m).__name__ for m in qmodel.modules()
                            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
                            and ".quantized" not in type(m).__module__})
    info = {
        "quant_engine": qe,
        "qconfig_mapping": f"get_default_qconfig_mapping('{qe}')",
        "activations": activations,
        "backend_config": "native (torch 1.13 default)",
        "calibration_inputs": len(calib_arrays),
        "quantized_modules": quantized_modules,
        "float_conv_linear_module_types": float_modules,
        "shufflenet_block_forward_rewritten_for_fx": patched,
        "quantize_seconds": round(quantize_s, 2),
    }
    return outs, info


# ---------------------------------------------------------------- splitinfer side

def last_error_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    errs = [l for l in lines if l.startswith("error:")]
    return (errs or lines or ["(no message)"])[-1][:500]


class SplitinferError(Exception):
    pass


def int8_options(a):
    """splitinfer's INT8 options from the command line: --calib-method and --equalize."""
    return (["--calib-method", a.calib_method] if a.calib_method else []) + \
        (["--equalize"] if a.equalize else [])


def si_infer(exe, onnx_path, x_path, y_path, precision, calib_arg, int8_flags, env):
    cmd = [exe, "infer", onnx_path, "--input", x_path, "--output", y_path,
           "--precision", precision, "--json"]
    if precision == "int8":
        cmd += ["--calib", calib_arg]
        cmd += int8_flags
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SplitinferError(f"splitinfer infer --precision {precision} exited {r.returncode}: "
                              f"{last_error_line(r.stderr or r.stdout)}")
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        raise SplitinferError(f"splitinfer infer --precision {precision}: unparsable --json "
                              f"output: {r.stdout[:200]!r}")
    return doc


def si_run(exe, onnx_path, eval_paths, work, tag, precision, calib_arg, int8_flags, env,
           expected_numel):
    """Runs every evaluation input; returns (outputs, first JSON document, seconds of the
    first run, seconds of the others)."""
    import numpy as np

    outs, first_doc, first_s = [], None, None
    t_rest = 0.0
    for i, x_path in enumerate(eval_paths):
        y_path = os.path.join(work, f"{tag}.{precision}.{i}.out.bin")
        t0 = time.perf_counter()
        doc = si_infer(exe, onnx_path, x_path, y_path, precision, calib_arg, int8_flags, env)
        dt = time.perf_counter() - t0
        if i == 0:
            first_doc, first_s = doc, dt
        else:
            t_rest += dt
        y = np.fromfile(y_path, dtype=np.float32)
        if y.size != expected_numel:
            raise SplitinferError(f"splitinfer infer --precision {precision} wrote {y.size} "
                                  f"floats, PyTorch's output has {expected_numel}")
        outs.append(y.astype(np.float64))
    return outs, first_doc, first_s, t_rest


# ---------------------------------------------------------------- one model

def run_model(name, a, ctx):
    import numpy as np
    import torch
    import torchvision

    row = {"model": name, "source": "measured"}
    timings = {}
    builder = getattr(torchvision.models, name, None)
    if builder is None or not callable(builder):
        row["error"] = f"'{name}' is not a torchvision model"
        return row

    t0 = time.perf_counter()
    torch.manual_seed(a.seed)
    model = builder(weights=None)
    bn_layers = reestimate_bn(model, a.bn_batches, a.bn_batch_size, a.bn_seed)
    model.eval()
    row["weights"] = (f"torchvision random init, torch.manual_seed({a.seed}); "
                      + (f"{bn_layers} BatchNorm layers re-estimated in train mode on "
                         f"{a.bn_batches}x{a.bn_batch_size} noise images (seed {a.bn_seed})"
                         if bn_layers and a.bn_batches else
                         ("no BatchNorm layers" if not bn_layers else
                          "BatchNorm statistics left at torchvision's init")))
    with torch.no_grad():
        refs = [model(torch.from_numpy(x)).double().numpy().ravel() for x in ctx["eval_arrays"]]
    timings["build_and_reference_s"] = round(time.perf_counter() - t0, 2)
    mean = np.mean(np.stack(refs), axis=0)
    total = sum(float((r ** 2).sum()) for r in refs)
    row["reference"] = {
        "engine": "pytorch-eager-fp32",
        "output_numel": int(refs[0].size),
        "output_absmax": float(max(np.abs(r).max() for r in refs)),
        "output_rms": math.sqrt(total / sum(r.size for r in refs)),
        # share of the output power that varies between inputs; near 0 means
        # the random-weight model answers (almost) the same for every input
        "reference_input_dependent_fraction": (
            round(sum(float(((r - mean) ** 2).sum()) for r in refs) / total, 6) if total > 0 else None),
        "distinct_top1": len({int(np.argmax(r)) for r in refs}),
        "source": "measured",
    }

    # PyTorch FX INT8
    ctx["fx_outs"] = None
    log(f"{name}: PyTorch FX INT8 ({ctx['qe']})")
    try:
        fx_outs, info = fx_int8(model, ctx["calib_arrays"], ctx["eval_arrays"], ctx["qe"],
                                a.fx_activations)
        row["pytorch_fx_int8"] = dict(engine="pytorch-fx-int8", **metrics(refs, fx_outs), **info)
        ctx["fx_outs"] = fx_outs
    except Exception as e:  # recorded, the run goes on
        msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
        log(f"{name}: PyTorch FX INT8 failed: {msg}")
        row["pytorch_fx_int8"] = {"engine": "pytorch-fx-int8", "error": msg[:500]}

    # ONNX export of the same model
    onnx_path = os.path.join(ctx["work"], f"{name}.onnx")
    t0 = time.perf_counter()
    try:
        with torch.no_grad():
            torch.onnx.export(model, torch.from_numpy(ctx["eval_arrays"][0]), onnx_path,
                              opset_version=OPSET, do_constant_folding=True,
                              input_names=["input"], output_names=["output"])
        timings["onnx_export_s"] = round(time.perf_counter() - t0, 2)
        row["onnx"] = {"opset": OPSET, "bytes": os.path.getsize(onnx_path)}
    except Exception as e:
        msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
        log(f"{name}: ONNX export failed: {msg}")
        row["onnx"] = {"opset": OPSET, "error": msg[:500]}
        row["splitinfer_fp32"] = {"engine": "splitinfer-fp32", "error": "no ONNX file: " + msg[:300]}
        row["splitinfer_int8"] = {"engine": "splitinfer-int8", "error": "no ONNX file: " + msg[:300]}
        row["timings_s"] = timings
        return row

    # splitinfer FP32 and INT8
    si = {}
    for precision in ("fp32", "int8"):
        key = f"splitinfer_{precision}"
        log(f"{name}: splitinfer {precision}")
        try:
            outs, doc, first_s, rest_s = si_run(
                ctx["exe"], onnx_path, ctx["eval_paths"], ctx["work"], name, precision,
                ctx["calib_arg"], int8_options(a), ctx["env"], refs[0].size)
            si[precision] = outs
            entry = dict(engine=f"splitinfer-{precision}", device=doc.get("device"),
                         **metrics(refs, outs))
            if precision == "int8":
                fallbacks = list(doc.get("float_fallbacks") or [])
                entry["float_fallbacks"] = fallbacks
                entry["float_fallbacks_count"] = len(fallbacks)
                entry["float_fallbacks_by_op"] = dict(collections.Counter(
                    f.split(" (", 1)[0] for f in fallbacks))
                reported = doc.get("calibration") or {}
                entry["calibration"] = {
                    "inputs": len(ctx["calib_paths"]),
                    "files": "the same arrays PyTorch FX calibrates on",
                    "method": a.calib_method,
                    "equalize": a.equalize,
                    # what splitinfer's --json says it used
                    "reported_method": reported.get("method"),
                    "reported_input_files": len(str(reported.get("inputs", "")).split(","))
                    if reported.get("inputs") else None}
                entry["first_run_with_calibration_s"] = round(first_s, 2)
                # context: INT8 against splitinfer's own FP32 on the same inputs
                if "fp32" in si:
                    entry["vs_splitinfer_fp32"] = metrics(si["fp32"], outs)
                if ctx["fx_outs"] is not None:
                    entry["minus_fx"] = paired_difference(refs, outs, ctx["fx_outs"])
            timings[f"splitinfer_{precision}_s"] = round(first_s + rest_s, 2)
            row[key] = entry
        except SplitinferError as e:
            log(f"{name}: {e}")
            row[key] = {"engine": f"splitinfer-{precision}", "error": str(e)}
    row["timings_s"] = timings
    return row


# ---------------------------------------------------------------- summary

def fmt_db(x):
    if x is None:
        return "n/a"
    if isinstance(x, str) or math.isinf(x):
        return "inf"
    return f"{x:.2f}"


def interval_note(si):
    """' (95% interval of the difference [lo, hi], ...)' or ''."""
    d = si.get("minus_fx")
    if not d:
        return ""
    lo, hi = d["ci95_db"]
    return (f" (95% interval of the difference [{lo:+.2f}, {hi:+.2f}] dB over {d['inputs']} "
            f"inputs: {'resolved' if d['resolved'] else 'within the noise of the inputs'})")


def accept(row):
    """(ok, reason) of one model against the acceptance."""
    si = row.get("splitinfer_int8", {})
    fx = row.get("pytorch_fx_int8", {})
    s, f = si.get("sqnr_db"), fx.get("sqnr_db")
    if row.get("error"):
        return False, row["error"]
    if s is None:
        return False, "no splitinfer INT8 figure: " + si.get("error", "?")
    if f is None:
        return False, "no PyTorch FX INT8 figure: " + fx.get("error", "?")
    reasons = []
    if s < f:
        reasons.append(f"splitinfer {s:.2f} dB < FX {f:.2f} dB{interval_note(si)}")
    if s < MIN_SQNR_DB:
        reasons.append(f"splitinfer {s:.2f} dB < {MIN_SQNR_DB:g} dB")
    return not reasons, "; ".join(reasons)


def table(rows):
    lines = ["| model | splitinfer INT8 SQNR dB | PyTorch FX INT8 SQNR dB | splitinfer - FX [95% interval] | "
             "top-1 agreements (si INT8 / FX) | float fallbacks | splitinfer FP32 SQNR dB | "
             "centred SQNR dB (si / FX) | acceptance |",
             "|---|---:|---:|---:|---|---:|---:|---|---|"]
    for row in rows:
        si = row.get("splitinfer_int8", {})
        fx = row.get("pytorch_fx_int8", {})
        f32 = row.get("splitinfer_fp32", {})
        s, f = si.get("sqnr_db"), fx.get("sqnr_db")
        diff = (f"{s - f:+.2f}" if isinstance(s, (int, float)) and isinstance(f, (int, float))
                and not math.isinf(s) and not math.isinf(f) else "n/a")
        if si.get("minus_fx"):
            lo, hi = si["minus_fx"]["ci95_db"]
            diff += f" [{lo:+.2f}, {hi:+.2f}]"

        def agree(d):
            return f"{d['top1_agree']}/{d['inputs']}" if "top1_agree" in d else "err"

        fb = si.get("float_fallbacks_count")
        ok, _ = accept(row)
        lines.append(
            f"| {row['model']} | {fmt_db(s) if 'error' not in si else 'error'} | "
            f"{fmt_db(f) if 'error' not in fx else 'error'} | {diff} | "
            f"{agree(si)} / {agree(fx)} | {fb if fb is not None else 'n/a'} | "
            f"{fmt_db(f32.get('sqnr_db')) if 'error' not in f32 else 'error'} | "
            f"{fmt_db(si.get('sqnr_centered_db'))} / {fmt_db(fx.get('sqnr_centered_db'))} | "
            f"{'pass' if ok else 'FAIL'} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def main(argv):
    a = parse_args(argv)
    exe_src = a.splitinfer or os.environ.get("SPLITINFER") or os.path.join(ROOT, "build", "splitinfer")
    if not (os.path.isfile(exe_src) and os.access(exe_src, os.X_OK)):
        fail(3, f"{exe_src} is not an executable (build it, or pass --splitinfer PATH)")
    try:
        import numpy as np
        import onnx  # noqa: F401  (torch.onnx.export needs it)
        import torch
        import torchvision
    except ImportError as e:
        fail(3, f"cannot import numpy/onnx/torch/torchvision ({e}); use /usr/bin/python3 with "
                "Debian's python3-numpy python3-onnx python3-torch python3-torchvision")

    unknown = [m for m in a.models if not callable(getattr(torchvision.models, m, None))
               or m.startswith("_") or m[:1].isupper()]
    if unknown:
        fail(2, f"not torchvision model builders: {', '.join(unknown)}")
    torch.set_num_threads(a.threads)
    qe = choose_quant_engine(torch, a.quant_engine)

    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H%M%SZ")
    out_path = a.out or os.path.join(ROOT, "bench", "results", f"int8_fidelity-{stamp}.json")
    t_start = time.time()
    loadavg_start = os.getloadavg() if hasattr(os, "getloadavg") else None

    tmp = None
    if a.keep:
        work = os.path.abspath(a.keep)
        os.makedirs(work, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="int8_fidelity.")
        work = tmp.name
    try:
        # A frozen copy of the binary: build/ may be rebuilt during the run.
        exe = os.path.join(work, "splitinfer")
        exe_mtime = datetime.datetime.fromtimestamp(
            os.path.getmtime(exe_src), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        shutil.copy2(exe_src, exe)
        with open(exe, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()[:16]
        cache_dir = os.path.join(work, "cache")
        if os.path.exists(cache_dir):
            shutil.rmtree(cache_dir)
        os.makedirs(cache_dir)
        env = dict(os.environ, SPLITINFER_CACHE_DIR=cache_dir)

        def noise(seed):
            return np.random.default_rng(seed).standard_normal(INPUT_SHAPE).astype(np.float32)

        calib_arrays = [noise(a.calib_seed + i) for i in range(a.calib)]
        eval_arrays = [noise(a.eval_seed + i) for i in range(a.eval)]
        calib_paths, eval_paths = [], []
        for i, x in enumerate(calib_arrays):
            p = os.path.join(work, f"calib{i}.bin")
            x.tofile(p)
            calib_paths.append(p)
        for i, x in enumerate(eval_arrays):
            p = os.path.join(work, f"eval{i}.bin")
            x.tofile(p)
            eval_paths.append(p)
        calib_arg = ",".join(calib_paths)
        if len(calib_paths) == 1 and calib_arg.isdigit():  # cannot happen with absolute paths
            fail(1, "calibration path looks like a count")
        ctx = {"exe": exe, "env": env, "qe": qe, "work": work,
               "calib_arrays": calib_arrays, "eval_arrays": eval_arrays,
               "calib_paths": calib_paths, "eval_paths": eval_paths, "calib_arg": calib_arg}

        rows = []
        for name in a.models:
            t0 = time.perf_counter()
            log(f"{name}: building (seed {a.seed})")
            row = run_model(name, a, ctx)
            row.setdefault("timings_s", {})["total_s"] = round(time.perf_counter() - t0, 2)
            ok, reason = accept(row)
            row["acceptance"] = {"pass": ok, "reason": reason,
                                 "criterion": f"splitinfer INT8 SQNR >= PyTorch FX INT8 SQNR "
                                              f"and >= {MIN_SQNR_DB:g} dB"}
            rows.append(row)
            print(json.dumps(json_safe(row)), flush=True)
    finally:
        if tmp is not None:
            tmp.cleanup()

    md = table(rows)
    failed = [r["model"] for r in rows if not r["acceptance"]["pass"]]
    fx_low = [r["model"] for r in rows
              if isinstance(r.get("pytorch_fx_int8", {}).get("sqnr_db"), (int, float))
              and r["pytorch_fx_int8"]["sqnr_db"] < MIN_SQNR_DB]
    fx_note = (f"note: PyTorch FX INT8 itself is below {MIN_SQNR_DB:g} dB on {len(fx_low)} of "
               f"{len(rows)} models ({', '.join(fx_low)})" if fx_low else None)
    verdict = ("ACCEPTANCE: PASS (splitinfer INT8 SQNR >= PyTorch FX INT8 SQNR and >= "
               f"{MIN_SQNR_DB:g} dB on all {len(rows)} models)" if not failed else
               f"ACCEPTANCE: FAIL on {len(failed)} of {len(rows)} models: "
               + "; ".join(f"{r['model']} ({r['acceptance']['reason']})"
                           for r in rows if not r["acceptance"]["pass"]))
    elapsed = round(time.time() - t_start, 1)
    print()
    print(md)
    print()
    print(f"{a.eval} evaluation inputs, {a.calib} calibration inputs (the same for both engines), "
          f"SQNR against PyTorch eager FP32; all figures measured in this run ({elapsed} s).")
    for r in rows:
        for key in ("onnx", "pytorch_fx_int8", "splitinfer_fp32", "splitinfer_int8"):
            if isinstance(r.get(key), dict) and r[key].get("error"):
                print(f"error: {r['model']}: {key}: {r[key]['error']}")
    if fx_note:
        print(fx_note)
    print(verdict, flush=True)

    def git_head():
        try:
            return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                  capture_output=True, text=True).stdout.strip() or None
        except OSError:
            return None

    cpu_model = None
    try:
        with open("/proc/cpuinfo") as f:
            cpu_model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), None)
    except OSError:
        pass
    doc = {
        "benchmark": "int8_fidelity",
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "elapsed_s": elapsed,
        "machine": {"cpu_model": cpu_model, "cores": os.cpu_count(), "kernel": platform.release(),
                    "loadavg_start": loadavg_start,
                    "loadavg_end": os.getloadavg() if hasattr(os, "getloadavg") else None},
        "versions": {"splitinfer": exe_src, "splitinfer_sha256_16": sha,
                     "splitinfer_mtime": exe_mtime,  # of the copy taken at the start
                     "git_head": git_head(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "numpy": np.__version__,
                     "onnx": __import__("onnx").__version__, "python": platform.python_version()},
        "settings": {"models": a.models, "calib_inputs": a.calib, "eval_inputs": a.eval,
                     "weight_seed": a.seed, "calib_seeds": [a.calib_seed, a.calib_seed + a.calib - 1],
                     "eval_seeds": [a.eval_seed, a.eval_seed + a.eval - 1],
                     "input": "numpy default_rng(seed).standard_normal((1,3,224,224)) float32",
                     "bn_reestimation": {"batches": a.bn_batches, "batch_size": a.bn_batch_size,
                                         "seed": a.bn_seed},
                     "splitinfer_calib_method": a.calib_method,
                     "splitinfer_equalize": a.equalize, "quant_engine": qe,
                     "fx_activations": a.fx_activations,
                     "torch_threads": torch.get_num_threads(), "onnx_opset": OPSET,
                     "min_sqnr_db": MIN_SQNR_DB},
        "models": json_safe(rows),
        "table_markdown": md,
        "acceptance": {"pass": not failed, "failed_models": failed, "line": verdict,
                       "pytorch_fx_below_min_sqnr": fx_low},
    }
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    log(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as e:  # an unexpected error: non-zero
        import traceback
        traceback.print_exc()
        sys.stderr.write(f"error: {type(e).__name__}: {e}\n")
        sys.exit(1)
