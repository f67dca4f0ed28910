#!/usr/bin/python3
"""Framework overhead: a partition's run time against the sum of its kernels' times.

For each model and precision, R rounds (default 5), each one process of
`splitinfer infer MODEL --reps N --kernel-times`, pinned to core 0 with
taskset. Before each of its N timed runs the process runs the partition
once untimed with oneDNN's verbose mode switched on, so the two figures
of a round come from one process, interleaved run by run, and the
machine's changes of speed (2x, from one second to the next, on the hosts
this was written on) reach both alike:
  kernels    the untimed runs: oneDNN prints the execution time of every
             primitive it runs; the kernel time of a run is their sum.
  partition  the timed runs, without verbose mode (printing a line per
             primitive costs about a microsecond each, which is not
             splitinfer's): splitinfer's own clock around each run.
A second process per round, `infer --step-times`, times the same runs by
splitinfer's own clock instead (row key "outside_library_calls"):
  calls      the untimed runs: the steady clock read around every library
             call (each oneDNN execute, the input's reorder included, and
             splitinfer's C++ kernels), summed per run, less the clock's own
             reading time (the median of 1001 back-to-back readings);
  partition  the timed runs, as above.
Nothing is printed between calls, so this figure has no verbose-mode
disturbance; it counts oneDNN's dispatch inside execute (the argument map
it builds) with the call, not as overhead, and splitinfer's C++ kernels as
kernels. The two figures bracket what is splitinfer's.
Both are means over the N runs with the fastest and slowest 10% dropped,
not medians: oneDNN's clock ticks in microseconds, and a LeNet-5 kernel
lasts a few ticks, so medians of its sums sit on that grid (up to 7% of
LeNet-5's time away from the truth) while means of many readings do not.
A round's overhead is (partition - kernels) / kernels; the figure is the
median over the rounds. It is what splitinfer adds around the kernels
(copying the hand-off in and out, and dispatch, its own and oneDNN's: the
argument map oneDNN 2.6 builds inside every execute, outside the time it
prints), and splitinfer's own C++ steps (the INT8 lookup tables,
data-movement loops such as Pad or Slice), which verbose mode does not see
and which are therefore counted here as overhead. Every figure is
measured; the first run of each model (which calibrates INT8) is not
counted. Prints one JSON line per model and precision, and a summary line
with the largest overhead.

With --perf N, each line also says where the time of one more process,
`infer --reps N` under `perf record` (Linux perf, sampling at 20 kHz), goes:
the share of samples in oneDNN's generated kernels ([JIT]), in the rest of
libdnnl (kernel drivers, and the execute path around them), in
splitinfer's run loop (the partition and its hand-offs), in splitinfer's
other code (the timing harness of `infer`, compilation), in libc and
libstdc++ (allocation and hash maps, oneDNN's argument map among them), and
elsewhere. The process's start and compilation are in those samples too:
choose N so that the runs dominate.

usage: bench/overhead.py [--splitinfer PATH] [--reps N] [--rounds R]
                         [--precision P[,P...]] [--perf N] [MODEL...]
MODEL defaults to every zoo model (`splitinfer models`); P to fp32,int8; N to
about a second's worth of runs (20 to 5000).
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np


PERF_HZ = 20000  # perf record's sampling rate


def infer_argv(splitinfer, model, precision, x, reps):
    """`splitinfer infer` of `reps` runs of the model on x, pinned to core 0."""
    return ["taskset", "-c", "0", splitinfer, "infer", model, "--input", x, "--output",
            x + ".out", "--precision", precision, "--reps", str(reps)]


def quiet_env():
    """The environment without DNNL_VERBOSE: --kernel-times alone switches it on."""
    env = dict(os.environ)
    env.pop("DNNL_VERBOSE", None)
    return env


def reps_for(splitinfer, model, precision, x, round_s):
    """Timed runs that fill about `round_s` seconds (20 to 5000). The first
    call calibrates an INT8 model into the cache."""
    out = subprocess.run(infer_argv(splitinfer, model, precision, x, 5) + ["--json"],
                         check=True, capture_output=True, text=True, env=quiet_env()).stdout
    run_ms = json.loads(out)["run_ms_measured"]
    return int(min(5000, max(20, 1000.0 * round_s / (2.0 * run_ms))))  # two runs per rep


def round_ms(splitinfer, model, precision, x, reps):
    """(partition ms, sum of kernels ms, kernels per run) of one process."""
    out = subprocess.run(infer_argv(splitinfer, model, precision, x, reps) +
                         ["--kernel-times", "--json"],
                         check=True, capture_output=True, text=True, env=quiet_env()).stdout
    kernels = [float(line.rsplit(",", 1)[1]) for line in out.splitlines()
               if line.startswith("onednn_verbose,exec,")]
    if len(kernels) % reps:
        raise RuntimeError(f"{model} {precision}: {len(kernels)} kernel lines over {reps} runs")
    per_run = len(kernels) // reps
    sums = np.array(kernels).reshape(reps, per_run).sum(axis=1)
    partition_ms = json.loads(out[out.index("{"):])["run_ms_trimmed_mean_measured"]
    return partition_ms, trimmed_mean(sums), per_run


def calls_round_ms(splitinfer, model, precision, x, reps):
    """(partition ms, library calls ms, calls per run) of one process, by
    splitinfer's clock around each call (`infer --step-times`)."""
    out = subprocess.run(infer_argv(splitinfer, model, precision, x, reps) +
                         ["--step-times", "--json"],
                         check=True, capture_output=True, text=True, env=quiet_env()).stdout
    doc = json.loads(out)
    return (doc["run_ms_trimmed_mean_measured"], doc["library_calls_ms_trimmed_mean_measured"],
            doc["library_calls_per_run"])


def median_round(rounds):
    """The round of median overhead and every round's overhead (percent), of
    (partition ms, kernels ms, kernels per run) rounds."""
    overheads = [100.0 * (p - k) / k for p, k, _ in rounds]
    middle = sorted(range(len(rounds)), key=lambda i: overheads[i])[len(rounds) // 2]
    return rounds[middle], overheads


def trimmed_mean(values, trim=0.1):
    """The mean without the lowest and highest `trim` of the values, as splitinfer's."""
    values = np.sort(values)
    drop = int(trim * len(values))
    return float(values[drop:len(values) - drop].mean())


# Symbols of splitinfer's per-frame path in a compiled partition.
RUN_LOOP_SYMBOLS = ("CpuPartition::", "Handoff::")


def perf_shares(splitinfer, model, precision, x, reps, tmp):
    """Percent of perf samples per part of the process (see the docstring)."""
    data = os.path.join(tmp, "perf.data")
    subprocess.run(["perf", "record", "-q", "-F", str(PERF_HZ), "-o", data] +
                   infer_argv(splitinfer, model, precision, x, reps),
                   check=True, capture_output=True)
    report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                             "--sort", "dso,sym", "-t", ";"],
                            check=True, capture_output=True, text=True).stdout
    shares = dict.fromkeys(["onednn_jit_kernels", "onednn_library", "splitinfer_run_loop",
                            "splitinfer_other", "libc_and_libstdcxx", "elsewhere"], 0.0)
    for line in report.splitlines():
        fields = line.split(";")
        if line.startswith("#") or len(fields) < 3:
            continue
        share, dso, sym = float(fields[0].strip().rstrip("%")), fields[1].strip(), fields[2]
        if dso.startswith("[JIT]"):
            part = "onednn_jit_kernels"
        elif dso.startswith("libdnnl"):
            part = "onednn_library"
        elif dso == os.path.basename(splitinfer) or dso.startswith("libsplitinfer"):
            run_loop = any(s in sym for s in RUN_LOOP_SYMBOLS)
            part = "splitinfer_run_loop" if run_loop else "splitinfer_other"
        elif dso.startswith(("libc.so", "libstdc++")):
            part = "libc_and_libstdcxx"
        else:
            part = "elsewhere"
        shares[part] += share
    return {"share_percent": {k: round(v, 2) for k, v in shares.items()}, "reps": reps,
            "sampling_hz": PERF_HZ, "source": "measured"}


def zoo_models(splitinfer):
    listing = subprocess.run([splitinfer, "models"], check=True, capture_output=True,
                             text=True).stdout
    return [line.split("\t")[0] for line in listing.splitlines() if "\t" in line]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--splitinfer", default="build/splitinfer")
    parser.add_argument("--reps", type=int, default=0,
                        help="timed runs per round (default: about a second's worth)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--precision", default="fp32,int8")
    parser.add_argument("--perf", type=int, default=0, metavar="N",
                        help="also profile `infer --reps N` with Linux perf")
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    if args.perf and shutil.which("perf") is None:
        parser.error("--perf needs Linux perf (Debian package linux-perf) on the PATH")
    models = args.models or zoo_models(args.splitinfer)
    worst = worst_calls = None
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SPLITINFER_CACHE_DIR"] = os.path.join(tmp, "cache")
        for model in models:
            shape = json.loads(subprocess.run([args.splitinfer, "inspect", model, "--json"],
                                              check=True, capture_output=True,
                                              text=True).stdout)["input_shape"]
            x = os.path.join(tmp, "x.bin")
            np.random.default_rng(0).standard_normal(shape).astype(np.float32).tofile(x)
            for precision in args.precision.split(","):
                reps = args.reps or reps_for(args.splitinfer, model, precision, x, 1.0)
                rounds, call_rounds = [], []
                for _ in range(args.rounds):  # the two clocks' processes alternate
                    rounds.append(round_ms(args.splitinfer, model, precision, x, reps))
                    call_rounds.append(calls_round_ms(args.splitinfer, model, precision, x, reps))
                (partition_ms, kernel_ms, per_run), overheads = median_round(rounds)
                (call_partition_ms, calls_ms, calls), call_overheads = median_round(call_rounds)
                row = {"model": model, "precision": precision, "partition_ms": partition_ms,
                       "sum_of_kernels_ms": kernel_ms, "kernels_per_run": per_run,
                       "overhead_percent": 100.0 * (partition_ms - kernel_ms) / kernel_ms,
                       # the gap spread over the library calls: about what one
                       # dnnl_primitive_execute costs beyond its kernel
                       "gap_us_per_kernel": 1000.0 * (partition_ms - kernel_ms) / per_run,
                       "overhead_percent_rounds": overheads,
                       "kernel_ms_rounds": [k for _, k, _ in rounds],
                       "partition_ms_rounds": [p for p, _, _ in rounds],
                       "outside_library_calls": {
                           "partition_ms": call_partition_ms, "library_calls_ms": calls_ms,
                           "calls_per_run": calls,
                           "overhead_percent": 100.0 * (call_partition_ms - calls_ms) / calls_ms,
                           "overhead_percent_rounds": call_overheads},
                       "rounds": args.rounds, "reps": reps, "source": "measured"}
                if args.perf:
                    row["perf"] = perf_shares(args.splitinfer, model, precision, x, args.perf,
                                              tmp)
                print(json.dumps(row), flush=True)
                if worst is None or row["overhead_percent"] > worst["overhead_percent"]:
                    worst = row
                calls_percent = row["outside_library_calls"]["overhead_percent"]
                if worst_calls is None or calls_percent > worst_calls[0]:
                    worst_calls = (calls_percent, model, precision)
    print(json.dumps({"largest_overhead_percent": worst["overhead_percent"],
                      "model": worst["model"], "precision": worst["precision"],
                      "largest_outside_library_calls_percent": worst_calls[0],
                      "outside_library_calls_model": worst_calls[1],
                      "outside_library_calls_precision": worst_calls[2],
                      "target_percent": 5.0, "target_met": worst["overhead_percent"] <= 5.0,
                      "target_met_outside_library_calls": worst_calls[0] <= 5.0}))


if __name__ == "__main__":
    main()
