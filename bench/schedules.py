#!/usr/bin/python3
"""Does the chosen schedule win when measured? (issue 16, Acceptance)

For each model and element pair, one `splitinfer run MODEL --devices PAIR
--sweep --json` measures, in one process: the chosen schedule, the best
pipeline, data-parallel, and the pipeline at every split index (--sweep).
Reported per row, every figure measured unless it says predicted:
  chosen           the kind `run` chose (auto) and its measured period
  best measured    the fastest of every swept split and data-parallel
  chosen / best    the choice against that fastest, both measured again in
                   alternating rounds by `run` (sweep_rematch: the median of
                   the rounds' ratios; 1 when the choice is the fastest);
                   target <= 1.03. The fastest of a sweep's single figures is
                   biased low, so the ratio to it is kept apart as
                   chosen_over_sweep_minimum
  meas/pred        measured over predicted period, for the chosen split's
                   pipeline and data-parallel (each the median of `run`'s
                   alternating rounds, --rounds, default 3), and the range
                   over every split (one run each; target 0.9-1.1)
  measured twice   the chosen split's pipeline (its rounds) over the same split
                   in the sweep, both measured in the same process: how far
                   two measurements of one pipeline lie apart on this host,
                   the floor under the 0.9-1.1 target
  at run speed     measured over the prediction at the run's speed, for the
                   same two: each element's profiled times scaled by its
                   whole model alone in the run over its profile's time
                   (`run`'s alone_over_profile, measured before either
                   schedule runs): the prediction with the machine's move
                   between profile and run set aside (docs/schedules.md
                   says how that has fared)
A fresh cache directory per bench run: the profiles the planner uses are
measured in the same run (--reps, default 20 as in plan and run).

usage: bench/schedules.py [--splitinfer PATH] [--frames N] [--sweep-frames N]
                          [--reps N] [--rounds N] [--pairs A,B ...] [MODEL...]
       bench/schedules.py --history
Writes bench/results/schedules-DATE.json. Models default to resnet18 resnet50
mobilenet_v2; pairs to cpu0:int8,cpu1:fp32 and cpu0:int8,cpu1:int8.
--history prints the table of every run kept in bench/results (the one in
docs/schedules.md) and measures nothing.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import subprocess
import sys
import tempfile


def run(splitinfer, model, pair, args, cache):
    cmd = [splitinfer, "run", model, "--devices", pair, "--sweep", "--json",
           "--frames", str(args.frames), "--sweep-frames", str(args.sweep_frames),
           "--reps", str(args.reps), "--rounds", str(args.rounds)]
    env = dict(os.environ, SPLITINFER_CACHE_DIR=cache)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def measured_twice(doc):
    """The chosen split's pipeline measured in `run`'s rounds over the same split in its sweep."""
    sweep = {row["split"]: row["period_ms_measured"] for row in doc["sweep"]}
    return doc["period_ms_measured"] / sweep[doc["split"]]


def summarise(doc):
    sweep = {row["split"]: row for row in doc["sweep"]}
    dp = doc["data_parallel"]
    measured = {f"split {s}": row["period_ms_measured"] for s, row in sweep.items()}
    measured["data-parallel"] = dp["period_ms_measured"]
    best_name = min(measured, key=measured.get)
    chosen = doc["schedule"]
    rematch = doc["sweep_rematch"]
    if rematch["best"] != best_name:
        sys.exit(f"{doc['model']}: run's fastest of the sweep {rematch['best']} is not {best_name}")
    ratios = [row["period_ms_measured"] / row["period_ms_predicted"] for row in sweep.values()]
    return {
        "model": doc["model"],
        "devices": ",".join(doc["devices"]),
        "chosen_kind": chosen["kind"],
        "chosen_split": doc["split"] if chosen["kind"] == "pipeline" else None,
        "chosen_period_ms_measured": chosen["period_ms_measured"],
        "chosen_period_ms_predicted": chosen["period_ms_predicted"],
        "best_measured": best_name,
        "best_period_ms_measured": measured[best_name],
        "chosen_over_best": (1.0 if rematch["chosen_is_the_fastest"]
                             else rematch["chosen_over_best_median"]),
        "chosen_over_sweep_minimum": chosen["period_ms_measured"] / measured[best_name],
        "pipeline_measured_over_predicted": doc["period_ms_measured"] / doc["period_ms_predicted"],
        "data_parallel_measured_over_predicted":
            dp["period_ms_measured"] / dp["period_ms_predicted"],
        "pipeline_measured_over_predicted_at_run_speed":
            doc["period_ms_measured"] / doc["period_ms_predicted_at_run_speed"],
        "data_parallel_measured_over_predicted_at_run_speed":
            dp["period_ms_measured"] / dp["period_ms_predicted_at_run_speed"],
        "alone_over_profile": doc["alone_over_profile"],
        "sweep_measured_over_predicted": [min(ratios), max(ratios)],
        "pipeline_measured_twice": measured_twice(doc),
        "run": doc,
    }


def cpu_model():
    """The CPU's model name and logical core count, as the profile store keys its timings."""
    with open("/proc/cpuinfo") as f:
        names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    return f"{names[0] if names else platform.processor()} x{len(names) or os.cpu_count()}"


def print_history():
    """One row per kept run: its CPU, the choice within 3% and measured over predicted per kind."""
    bands = ("pipeline_measured_over_predicted", "data_parallel_measured_over_predicted")
    print("| file | CPU | `--reps` | rounds | chosen within 3% | pipeline meas/pred "
          "| data-parallel meas/pred | outside 0.9-1.1 | pipeline measured twice, outside 0.9-1.1 |")
    print("|---|---|---:|---:|---|---|---|---|---|")
    for path in sorted(glob.glob("bench/results/schedules-*.json")):
        with open(path) as f:
            doc = json.load(f)
        rows = doc["rows"]
        within = sum(1 for r in rows if r["chosen_over_best"] <= 1.03)
        outside = sum(1 for r in rows for k in bands if not 0.9 <= r[k] <= 1.1)
        twice = sum(1 for r in rows if not 0.9 <= measured_twice(r["run"]) <= 1.1)
        spans = [f"{min(r[k] for r in rows):.2f}-{max(r[k] for r in rows):.2f}" for k in bands]
        cpu = doc.get("cpu", "Intel Xeon (AMX; the file predates its `cpu` field)")
        print(f"| `{os.path.basename(path)}` | {cpu} | {doc['args']['reps']} "
              f"| {doc['args'].get('rounds') or 1} | {within} of {len(rows)} | {spans[0]} "
              f"| {spans[1]} | {outside} of {2 * len(rows)} | {twice} of {len(rows)} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--splitinfer", default="build/splitinfer")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--sweep-frames", type=int, default=60)
    parser.add_argument("--reps", type=int, default=20)  # plan and run's own default
    parser.add_argument("--rounds", type=int, default=3)  # run's own default
    parser.add_argument("--pairs", nargs="*", default=["cpu0:int8,cpu1:fp32", "cpu0:int8,cpu1:int8"])
    parser.add_argument("--history", action="store_true")
    parser.add_argument("models", nargs="*", default=["resnet18", "resnet50", "mobilenet_v2"])
    args = parser.parse_args()
    if args.history:
        print_history()
        return
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        for model in args.models:
            for pair in args.pairs:
                print(f"schedules: {model} over {pair}", file=sys.stderr)
                rows.append(summarise(run(args.splitinfer, model, pair, args, cache)))
    print("| model | devices | chosen | chosen ms | best measured | best ms | chosen/best "
          "(rematched) | chosen/sweep minimum | pipeline meas/pred | data-parallel meas/pred "
          "| sweep meas/pred | pipeline at run speed | data-parallel at run speed "
          "| pipeline measured twice |")
    print("|---|---|---|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for r in rows:
        chosen = r["chosen_kind"] + (f" {r['chosen_split']}" if r["chosen_split"] is not None else "")
        lo, hi = r["sweep_measured_over_predicted"]
        print(f"| {r['model']} | {r['devices']} | {chosen} | {r['chosen_period_ms_measured']:.3f} "
              f"| {r['best_measured']} | {r['best_period_ms_measured']:.3f} "
              f"| {r['chosen_over_best']:.3f} | {r['chosen_over_sweep_minimum']:.3f} "
              f"| {r['pipeline_measured_over_predicted']:.2f} "
              f"| {r['data_parallel_measured_over_predicted']:.2f} | {lo:.2f}-{hi:.2f} "
              f"| {r['pipeline_measured_over_predicted_at_run_speed']:.2f} "
              f"| {r['data_parallel_measured_over_predicted_at_run_speed']:.2f} "
              f"| {r['pipeline_measured_twice']:.2f} |")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    os.makedirs("bench/results", exist_ok=True)
    path = f"bench/results/schedules-{stamp}.json"
    with open(path, "w") as f:
        json.dump({"date": stamp, "machine": platform.node(), "cpu": cpu_model(),
                   "args": vars(args), "rows": rows}, f, indent=1)
    print(f"\nwritten: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
