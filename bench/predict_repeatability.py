#!/usr/bin/python3
"""How repeatable is the predictors' ground truth? (issue 20, absolute accuracy)

Measures the first random CNNs of a committed dataset again, with the same
command, elements and repetitions that built it, and scores the new
measurement as if it were a predictor of the committed one, with the metrics
of `predict eval` (partition-time MAPE and the share within +-10%, per
element: prefixes [0, i) on the first element, suffixes [i, N) on the
second). A predictor that returned a second measurement of each model would
score exactly this, so it bounds what any predictor can show against this
machine's measurements. Reported, all measured:
  plain            the new times against the committed ones
  anchored         each new curve scaled so that its whole-model time equals
                   the committed one (as the anchored predictors are)
  shift removed    each element's curves divided by the median ratio of the
                   new whole-model times to the committed ones: what is left
                   when the machine's speed between the two sittings is
                   taken out
  whole ratio      the new whole-model times over the committed ones
  split            the new measurement's best split on the paper's objective
                   (the pipeline's period) scored against the committed best
                   with the four Table 2 metrics (src/predict/split_metrics.h),
                   beside the constant predictor on the same models: the
                   ceiling of any split predictor's figures on this machine

usage: bench/predict_repeatability.py [--splitinfer PATH] [--dataset PATH]
                                      [--models N] [--first-seed S]
Writes bench/results/predict-repeatability-DATE.json. Defaults: the
cpu0:int8 -> cpu1:bf16 dataset, its first 40 models (about 8 minutes).
"""
import argparse
import datetime
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile


def curves(model):
    """Partition times per element, as predict eval scores them."""
    return [model["first_ms"][1:], model["second_ms"][:-1]]


def wholes(model):
    return [model["first_ms"][model["units"]], model["second_ms"][0]]


def score(pairs, scale):
    """MAPE (%) and share within +-10% (%) per element; `scale(e, committed,
    new)` is the factor applied to the new curve of element e."""
    rows = []
    for e in range(2):
        errors = []
        for committed, new in pairs:
            k = scale(e, committed, new)
            for truth, measured in zip(curves(committed)[e], curves(new)[e]):
                errors.append(abs(k * measured - truth) / truth)
        rows.append({"mape_percent": 100 * statistics.fmean(errors),
                     "within_10_percent": 100 * sum(x <= 0.1 for x in errors) / len(errors)})
    return rows


def table2(pairs, predicted_split):
    """The four Table 2 metrics (%) of src/predict/split_metrics.h on the
    committed period curves: layerwise accuracy, partition-index MAPE, period
    MAPE at the predicted split, and agreement on whether splitting pays."""
    units = correct = 0
    index_errors, period_errors, agreeing = [], [], 0
    for committed, new in pairs:
        n, period = committed["units"], committed["period_ms"]
        best, chosen = committed["best_throughput_split"], predicted_split(committed, new)
        pays = lambda k: period[k] < min(period[0], period[n])  # noqa: E731
        units += n
        correct += n - abs(chosen - best)
        index_errors.append(abs(chosen - best) / n)
        period_errors.append(abs(period[chosen] - period[best]) / period[best])
        agreeing += pays(chosen) == pays(best)
    return {"layerwise_accuracy": 100 * correct / units,
            "mape_partition_index": 100 * statistics.fmean(index_errors),
            "mape_period": 100 * statistics.fmean(period_errors),
            "agreement": 100 * agreeing / len(pairs)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splitinfer", default="build/splitinfer")
    parser.add_argument("--dataset", default="data/predict/int8-bf16/dataset.json.gz")
    parser.add_argument("--models", type=int, default=40)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args()

    committed = json.load(gzip.open(args.dataset))
    by_seed = {m["seed"]: m for m in committed["models"]}
    reps = committed["models"][0]["reps"]
    devices = ",".join(committed["elements"])
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "again.json.gz")
        cmd = [args.splitinfer, "predict", "dataset", "--devices", devices,
               "--models", str(args.models), "--first-seed", str(args.first_seed),
               "--reps", str(reps), "--db", os.path.join(work, "profiles.sqlite"), "--out", out]
        print(f"repeatability: measuring {args.models} models again ({' '.join(cmd)})",
              file=sys.stderr)
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"{' '.join(cmd)}: {run.stderr.strip()}")
        again = json.load(gzip.open(out))["models"]
    missing = [m["seed"] for m in again if m["seed"] not in by_seed]
    if missing:
        sys.exit(f"seeds {missing} are not in {args.dataset}")
    pairs = [(by_seed[m["seed"]], m) for m in again]

    ratios = [[new_w / old_w for old_w, new_w in zip(wholes(c), wholes(n))] for c, n in pairs]
    shift = [statistics.median(r[e] for r in ratios) for e in range(2)]
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.processor() or platform.machine(),
        "command": " ".join(cmd[:-4]) + " --db TMP --out TMP",
        "dataset": args.dataset,
        "elements": committed["elements"],
        "models": len(pairs),
        "seeds": [m["seed"] for m in again],
        "plain": score(pairs, lambda e, c, n: 1.0),
        "anchored": score(pairs, lambda e, c, n: wholes(c)[e] / wholes(n)[e]),
        "shift_removed": score(pairs, lambda e, c, n: 1.0 / shift[e]),
        "split": {
            "measured_again": table2(pairs, lambda c, n: n["best_throughput_split"]),
            "constant": min((table2(pairs, lambda c, n, k=k: k * c["units"]) for k in (1, 0)),
                            key=lambda t: t["mape_period"]),
        },
        "whole_ratio": [{"median": shift[e],
                         "p10": statistics.quantiles([r[e] for r in ratios], n=10)[0],
                         "p90": statistics.quantiles([r[e] for r in ratios], n=10)[-1]}
                        for e in range(2)],
    }
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    path = f"bench/results/predict-repeatability-{stamp}.json"
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"| {len(pairs)} models again | {committed['elements'][0]} MAPE | within 10% "
          f"| {committed['elements'][1]} MAPE | within 10% |")
    print("|---|---:|---:|---:|---:|")
    for name in ("plain", "anchored", "shift_removed"):
        a, b = result[name]
        print(f"| {name} | {a['mape_percent']:.2f} | {a['within_10_percent']:.1f} "
              f"| {b['mape_percent']:.2f} | {b['within_10_percent']:.1f} |")
    for e, w in enumerate(result["whole_ratio"]):
        print(f"whole-model time again / committed, {committed['elements'][e]}: median "
              f"{w['median']:.3f}, p10 {w['p10']:.3f}, p90 {w['p90']:.3f}")
    print(f"\n| {len(pairs)} models, best split (period) | layerwise | index MAPE "
          f"| period MAPE | agreement |")
    print("|---|---:|---:|---:|---:|")
    for name, t in result["split"].items():
        print(f"| {name} | {t['layerwise_accuracy']:.2f} | {t['mape_partition_index']:.2f} "
              f"| {t['mape_period']:.2f} | {t['agreement']:.2f} |")
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
