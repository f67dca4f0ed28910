#!/usr/bin/python3
"""Framework overhead: a partition's run time vs the sum of its kernels' times.

Runs `splitinfer infer MODEL --reps R` under DNNL_VERBOSE=1, which makes
oneDNN print the execution time of every primitive. The primitives one run
executes are found by difference (R+1 runs minus 1 run, over R); their summed time per
run, averaged over the R timed runs, is compared with the median run time
splitinfer reports. The gap is what splitinfer adds around the kernels (hand-off
copies, plain C++ steps, dispatch) plus DNNL_VERBOSE's own cost, so it is an
upper bound. Every figure is measured.

usage: bench/overhead.py [--splitinfer PATH] [--reps R] [--precision P] [MODEL...]
"""
import argparse
import json
import os
import subprocess
import tempfile

import numpy as np


def verbose_run(splitinfer, model, precision, x, reps):
    env = dict(os.environ, DNNL_VERBOSE="1")
    out = subprocess.run(["taskset", "-c", "0", splitinfer, "infer", model, "--input", x,
                          "--output", x + ".out", "--precision", precision, "--reps",
                          str(reps), "--json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    kernels = [float(line.rsplit(",", 1)[1]) for line in out.splitlines()
               if line.startswith("onednn_verbose,exec,")]
    report = json.loads(out[out.index("{"):])
    return kernels, report["run_ms_measured"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--splitinfer", default="build/splitinfer")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("models", nargs="*", default=["resnet18", "resnet50", "mobilenet_v2"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            shape = json.loads(subprocess.run([args.splitinfer, "inspect", model, "--json"],
                                              check=True, capture_output=True,
                                              text=True).stdout)["input_shape"]
            x = os.path.join(tmp, "x.bin")
            np.random.default_rng(0).standard_normal(shape).astype(np.float32).tofile(x)
            # A first call calibrates INT8 (running the float model on the
            # calibration inputs) unless the cache has it: not counted.
            verbose_run(args.splitinfer, model, args.precision, x, 1)
            once, _ = verbose_run(args.splitinfer, model, args.precision, x, 1)
            many, median_ms = verbose_run(args.splitinfer, model, args.precision, x,
                                          args.reps + 1)
            per_run = (len(many) - len(once)) // args.reps
            timed = np.array(many[len(many) - args.reps * per_run:]).reshape(args.reps, per_run)
            kernel_ms = float(np.median(timed.sum(axis=1)))
            print(json.dumps({"model": model, "precision": args.precision,
                              "partition_ms": median_ms, "sum_of_kernels_ms": kernel_ms,
                              "kernels_per_run": per_run,
                              "overhead_percent": 100.0 * (median_ms - kernel_ms) / kernel_ms,
                              "source": "measured"}))


if __name__ == "__main__":
    main()
