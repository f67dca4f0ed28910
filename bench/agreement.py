#!/usr/bin/python3
"""INT8 or BF16 vs FP32 agreement of splitinfer on the zoo models (random weights).

For each model, runs `splitinfer infer` in fp32 and in the reduced precision
(cpu0) on N inputs drawn from the calibration distribution (standard normal,
other seeds than the calibration's) and reports top-1 agreement and the SQNR
of the reduced-precision output against the FP32 output, in dB, with the ops
that ran in float32. Every figure is measured. Models default to the whole zoo.

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--precision", default="int8", choices=["int8", "bf16"])
    parser.add_argument("--splitinfer", default="build/splitinfer")
    parser.add_argument("--inputs", type=int, default=8)
    parser.add_argument("--calib-method", default=None,
                        help="splitinfer's --calib-method for int8 (default: splitinfer's default)")
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models or zoo_models(args.splitinfer):
            shape = input_shape(args.splitinfer, model)
            agree, signal, noise = 0, 0.0, 0.0
            for i in range(args.inputs):
                x = np.random.default_rng(1000 + i).standard_normal(shape).astype(np.float32)
                x_path = os.path.join(tmp, "x.bin")
                x.tofile(x_path)
                f, _ = infer(args.splitinfer, model, x_path, os.path.join(tmp, "f.bin"), "fp32")
                q, fallbacks = infer(args.splitinfer, model, x_path, os.path.join(tmp, "q.bin"),
                                     args.precision, args.calib_method)
                agree += int(f.argmax() == q.argmax())
                signal += float((f.astype(np.float64) ** 2).sum())
                noise += float(((f - q).astype(np.float64) ** 2).sum())
            print(json.dumps({"model": model, "precision": args.precision, "inputs": args.inputs,
                              "calib_method": (args.calib_method or "default") if args.precision == "int8" else None,
                              "float_fallbacks": len(fallbacks),
                              "top1_agreement_percent": 100.0 * agree / args.inputs,
                              "sqnr_db": 10 * np.log10(signal / max(noise, 1e-30)),
                              "source": "measured"}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
