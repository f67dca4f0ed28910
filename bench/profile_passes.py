#!/usr/bin/python3
"""How repeatable is a profile, in one pass or in several? (issue 16, honest pricing)

Profiles each model from scratch several times over one element pair, with
`plan MODEL --devices PAIR --json --passes P` and a fresh cache directory
each time, alternating --passes 1 (every partition's runs in one stretch)
and --passes 3 (the default: three passes over the model, each with a third
of the runs, pooled), and compares the profiles of one setting with each
other, all measured:
  wall s           the plan command's wall time, profiling included (median)
  factor           for each pair of profiles, the median over split indices
                   of one's predicted period over the other's: how far the
                   machine's speed moved between the two (shown as a range)
  local dev        |ratio / factor - 1| over every split index of every pair:
                   what is left of the difference once that move is taken
                   out, the part that lands on single partitions (median and
                   90th percentile)
  outside 0.9-1.1  the share of split indices whose predicted period differs
                   by more than 10% between two profiles (raw ratios)
  choices          the schedule each profile chose (data-parallel or split)
Side by side in one run; the machine is shared, so compare the settings only
within one file.

usage: bench/profile_passes.py [--splitinfer PATH] [--pair A,B] [--profiles N]
                               [--reps N] [MODEL...]
Writes bench/results/profile-passes-DATE.json. Defaults: mobilenet_v2 and
resnet18 over cpu0:int8,cpu1:int8, 4 profiles per setting, --reps 20 (about
5 minutes on two cores).
"""
import argparse
import datetime
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from schedules import cpu_model

SETTINGS = (1, 3)


def profile(splitinfer, model, pair, passes, reps):
    """One plan from an empty cache: its split periods, its choice and its wall time."""
    with tempfile.TemporaryDirectory() as cache:
        cmd = [splitinfer, "plan", model, "--devices", pair, "--json", "--reps", str(reps),
               "--passes", str(passes)]
        start = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True,
                             env=dict(os.environ, SPLITINFER_CACHE_DIR=cache))
        wall = time.monotonic() - start
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: {out.stderr.strip()}")
    doc = json.loads(out.stdout)
    periods = {c["splits"][0]: c["period_ms"] for c in doc["candidates"] if c["kind"] == "pipeline"}
    kind = doc["schedule"]["kind"]
    choice = f"split {doc['splits'][0]}" if kind == "pipeline" else kind.replace("_", "-")
    return {"wall_s": wall, "periods": periods, "choice": choice}


def compare(profiles):
    """Pairwise differences between the profiles of one setting."""
    factors, local, raw = [], [], []
    for a, b in itertools.combinations(profiles, 2):
        ratios = [a["periods"][k] / b["periods"][k] for k in a["periods"] if k in b["periods"]]
        factor = statistics.median(ratios)
        factors.append(factor)
        local += [abs(r / factor - 1) for r in ratios]
        raw += ratios
    local.sort()
    return {
        "wall_s_median": statistics.median(p["wall_s"] for p in profiles),
        "factor_range": [min(factors), max(factors)],
        "local_dev_median": statistics.median(local),
        "local_dev_p90": local[int(0.9 * (len(local) - 1))],
        "outside_0.9_1.1": sum(1 for r in raw if not 0.9 <= r <= 1.1) / len(raw),
        "choices": [p["choice"] for p in profiles],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--splitinfer", default="build/splitinfer")
    parser.add_argument("--pair", default="cpu0:int8,cpu1:int8")
    parser.add_argument("--profiles", type=int, default=4)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("models", nargs="*", default=["mobilenet_v2", "resnet18"])
    args = parser.parse_args()
    rows = []
    for model in args.models:
        runs = {p: [] for p in SETTINGS}
        for i in range(args.profiles):
            # Alternating, the setting that goes first swapped every time.
            for passes in SETTINGS if i % 2 == 0 else reversed(SETTINGS):
                print(f"profile_passes: {model}, --passes {passes}, profile {i + 1}", file=sys.stderr)
                runs[passes].append(profile(args.splitinfer, model, args.pair, passes, args.reps))
        for passes in SETTINGS:
            rows.append({"model": model, "passes": passes, **compare(runs[passes]),
                         "profiles": runs[passes]})
    print(f"| model | `--passes` | wall s (median) | machine's move between profiles "
          f"| local dev median | local dev p90 | outside 0.9-1.1 | choices |")
    print("|---|---:|---:|---|---:|---:|---:|---|")
    for r in rows:
        lo, hi = r["factor_range"]
        print(f"| {r['model']} | {r['passes']} | {r['wall_s_median']:.1f} | {lo:.3f}-{hi:.3f} "
              f"| {r['local_dev_median']:.3f} | {r['local_dev_p90']:.3f} "
              f"| {100 * r['outside_0.9_1.1']:.0f}% | {', '.join(r['choices'])} |")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    os.makedirs("bench/results", exist_ok=True)
    path = f"bench/results/profile-passes-{stamp}.json"
    with open(path, "w") as f:
        json.dump({"date": stamp, "machine": platform.node(), "cpu": cpu_model(), "args": vars(args),
                   "rows": rows}, f, indent=1)
    print(f"\nwritten: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
