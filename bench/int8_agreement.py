#!/usr/bin/python3
"""INT8 vs FP32 agreement of splitinfer on the zoo models (random weights).

For each model, runs `splitinfer infer` in fp32 and int8 (cpu0) on N inputs
drawn from the calibration distribution (standard normal, other seeds than the
calibration's) and reports top-1 agreement and the SQNR of the INT8 output
against the FP32 output, in dB. Every figure is measured.

usage: bench/int8_agreement.py [--splitinfer PATH] [--inputs N] [--calib-method M] [MODEL...]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

DEFAULT_MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "vgg16"]


def input_shape(splitinfer, model):
    out = subprocess.run([splitinfer, "inspect", model, "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["input_shape"]


def infer(splitinfer, model, x_path, y_path, precision, method=None):
    cmd = [splitinfer, "infer", model, "--input", x_path, "--output", y_path, "--precision", precision]
    if method:
        cmd += ["--calib-method", method]
    subprocess.run(cmd, check=True, capture_output=True)
    return np.fromfile(y_path, dtype=np.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--splitinfer", default="build/splitinfer")
    parser.add_argument("--inputs", type=int, default=8)
    parser.add_argument("--calib-method", default=None,
                        help="splitinfer's --calib-method (default: splitinfer's default)")
    parser.add_argument("models", nargs="*", default=DEFAULT_MODELS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            shape = input_shape(args.splitinfer, model)
            agree, signal, noise = 0, 0.0, 0.0
            for i in range(args.inputs):
                x = np.random.default_rng(1000 + i).standard_normal(shape).astype(np.float32)
                x_path = os.path.join(tmp, "x.bin")
                x.tofile(x_path)
                f = infer(args.splitinfer, model, x_path, os.path.join(tmp, "f.bin"), "fp32")
                q = infer(args.splitinfer, model, x_path, os.path.join(tmp, "q.bin"), "int8",
                          args.calib_method)
                agree += int(f.argmax() == q.argmax())
                signal += float((f.astype(np.float64) ** 2).sum())
                noise += float(((f - q).astype(np.float64) ** 2).sum())
            print(json.dumps({"model": model, "inputs": args.inputs,
                              "calib_method": args.calib_method or "default",
                              "top1_agreement_percent": 100.0 * agree / args.inputs,
                              "sqnr_db": 10 * np.log10(signal / max(noise, 1e-30)),
                              "source": "measured"}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
