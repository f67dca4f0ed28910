#!/usr/bin/python3
"""INT8 or BF16 vs FP32 agreement of splitinfer on the zoo models (random weights).

For each model, runs `splitinfer infer` in fp32 and in the reduced precision
(cpu0) on N inputs drawn from the calibration distribution (standard normal,
other seeds than the calibration's) and reports top-1 agreement and the SQNR
of the reduced-precision output against the FP32 output, in dB, with the ops
that ran in float32. Every figure is measured. Models default to the whole zoo.

With --precision bf16, the other engine runs beside it: PyTorch (Debian's
python3-torch, eager, one thread) with torchvision's architecture and the zoo
model's own weights (read from `splitinfer export`), in float32 and in
bfloat16 (the model and its input cast with .to(torch.bfloat16)), on the same
inputs, scored the same way against its own float32 output. `pytorch.fp32_sqnr_db`
checks that both engines run the same function (their float32 outputs against
each other). Every input where an engine's top-1 moves is listed with the gap
between float32's two best logits (`top1_changes`), so a tie that random
weights make shows as one. lenet5 has no torchvision builder and no PyTorch
column.

usage: bench/agreement.py [--precision int8|bf16] [--splitinfer PATH] [--inputs N]
                          [--calib-method M] [MODEL...]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

def zoo_models(splitinfer):
    out = subprocess.run([splitinfer, "models", "--json"], check=True, capture_output=True, text=True).stdout
    return [m["name"] for m in json.loads(out)["models"]]


def input_shape(splitinfer, model):
    out = subprocess.run([splitinfer, "inspect", model, "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["input_shape"]


def infer(splitinfer, model, x_path, y_path, precision, method=None):
    """The output, and the ops that ran in float32."""
    cmd = [splitinfer, "infer", model, "--input", x_path, "--output", y_path, "--precision", precision,
           "--json"]
    if method and precision == "int8":
        cmd += ["--calib-method", method]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: {run.stderr.strip()}")
    return np.fromfile(y_path, dtype=np.float32), json.loads(run.stdout)["float_fallbacks"]


def pytorch_model(splitinfer, model, tmp):
    """The zoo model in PyTorch (torchvision's architecture, the zoo's weights), in float32
    and in bfloat16, or None."""
    import copy

    import onnx
    import torch
    import torchvision
    from onnx import numpy_helper
    builder = getattr(torchvision.models, model, None)
    if builder is None:
        return None
    path = os.path.join(tmp, model + ".onnx")
    subprocess.run([splitinfer, "export", model, "-o", path], check=True, capture_output=True)
    weights = {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}
    net = builder(weights=None)
    state = net.state_dict()
    for name in state:
        if name.endswith("num_batches_tracked"):
            continue
        if name not in weights:
            sys.exit(f"{model}: the exported model has no weight named {name}")
        state[name] = torch.from_numpy(weights[name].copy())
    net.load_state_dict(state)
    net.eval()
    return net, copy.deepcopy(net).to(torch.bfloat16)


def pytorch_outputs(nets, x):
    """PyTorch's float32 and bfloat16 outputs for input x."""
    import torch
    fp32, bf16 = nets
    with torch.no_grad():
        t = torch.from_numpy(x)
        return fp32(t).numpy().ravel(), bf16(t.to(torch.bfloat16)).float().numpy().ravel()


def top2_gap(y):
    best = np.sort(y.astype(np.float64))[-2:]
    return float(best[1] - best[0])


class Score:
    """Top-1 agreement and SQNR of outputs against their references."""

    def __init__(self):
        self.agree, self.signal, self.noise, self.changes = 0, 0.0, 0.0, []

    def add(self, i, ref, out):
        if ref.argmax() == out.argmax():
            self.agree += 1
        else:
            self.changes.append({"input": i, "fp32_top2_gap": top2_gap(ref),
                                 "largest_error": float(np.abs(ref - out).max())})
        self.signal += float((ref.astype(np.float64) ** 2).sum())
        self.noise += float(((ref - out).astype(np.float64) ** 2).sum())

    def sqnr_db(self):
        return 10 * np.log10(self.signal / max(self.noise, 1e-30))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--precision", default="int8", choices=["int8", "bf16"])
    parser.add_argument("--splitinfer", default="build/splitinfer")
    parser.add_argument("--inputs", type=int, default=8)
    parser.add_argument("--calib-method", default=None,
                        help="splitinfer's --calib-method for int8 (default: splitinfer's default)")
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    if args.precision == "bf16":
        import torch
        torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models or zoo_models(args.splitinfer):
            shape = input_shape(args.splitinfer, model)
            nets = pytorch_model(args.splitinfer, model, tmp) if args.precision == "bf16" else None
            ours, theirs, engines_fp32 = Score(), Score(), Score()
            for i in range(args.inputs):
                x = np.random.default_rng(1000 + i).standard_normal(shape).astype(np.float32)
                x_path = os.path.join(tmp, "x.bin")
                x.tofile(x_path)
                f, _ = infer(args.splitinfer, model, x_path, os.path.join(tmp, "f.bin"), "fp32")
                q, fallbacks = infer(args.splitinfer, model, x_path, os.path.join(tmp, "q.bin"),
                                     args.precision, args.calib_method)
                ours.add(i, f, q)
                if nets is not None:
                    pf, pb = pytorch_outputs(nets, x)
                    theirs.add(i, pf, pb)
                    engines_fp32.add(i, pf, f)
            row = {"model": model, "precision": args.precision, "inputs": args.inputs,
                   "calib_method": (args.calib_method or "default") if args.precision == "int8" else None,
                   "float_fallbacks": len(fallbacks),
                   "top1_agreement_percent": 100.0 * ours.agree / args.inputs,
                   "sqnr_db": ours.sqnr_db(), "top1_changes": ours.changes, "source": "measured"}
            if nets is not None:
                row["pytorch"] = {"version": torch.__version__,
                                  "bf16_top1_agreement_percent": 100.0 * theirs.agree / args.inputs,
                                  "bf16_sqnr_db": theirs.sqnr_db(), "top1_changes": theirs.changes,
                                  "fp32_sqnr_db": engines_fp32.sqnr_db(),
                                  "fp32_top1_agreement_percent": 100.0 * engines_fp32.agree / args.inputs}
            print(json.dumps(row))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
