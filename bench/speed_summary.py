#!/usr/bin/python3
"""Summary step of bench/speed.sh: reads the raw per-round measurements (JSON
lines), takes the median per model and configuration across rounds, computes
the ratios, writes the result JSON and prints a Markdown table. Not meant to be
run by hand; see bench/speed.sh --help and bench/README.md."""

import argparse
import json
import os
import statistics
import sys

CONFIGS = {
    "si-fp32": "splitinfer FP32",
    "si-int8": "splitinfer INT8",
    "si-bf16": "splitinfer BF16",
    "ort": "ONNX Runtime FP32",
    "pytorch-int8": "PyTorch FX INT8",
    "pytorch-fp32": "PyTorch eager FP32",
}
# name: (numerator, denominator, target, "min"|"max", what); HEADINGS names
# each in the Markdown table.
HEADINGS = {"int8_vs_fp32": "INT8/FP32 speedup", "bf16_vs_fp32": "BF16/FP32 speedup",
            "fp32_vs_ort": "FP32 vs ORT (≤1.2)", "int8_vs_pytorch_int8": "INT8 vs PyTorch INT8 (≤1.0)"}
RATIOS = {
    "int8_vs_fp32": ("si-fp32", "si-int8", 2.0, "min",
                     "speedup of splitinfer INT8 over FP32 = fp32_ms / int8_ms; target >= 2 on resnet18/resnet50"),
    "bf16_vs_fp32": ("si-fp32", "si-bf16", 1.5, "min",
                     "speedup of splitinfer BF16 over FP32 = fp32_ms / bf16_ms; target >= 1.5 on resnet50/vgg16 (goal 1.8)"),
    "fp32_vs_ort": ("si-fp32", "ort", 1.2, "max",
                    "splitinfer FP32 ms / ONNX Runtime ms; target <= 1.2 (goal 1.0)"),
    "int8_vs_pytorch_int8": ("si-int8", "pytorch-int8", 1.0, "max",
                             "splitinfer INT8 ms / PyTorch FX INT8 ms; target <= 1.0"),
}
# The models a ratio's target is set for (all models when a ratio is absent).
TARGET_MODELS = {"int8_vs_fp32": ("resnet18", "resnet50"), "bf16_vs_fp32": ("resnet50", "vgg16")}


def parse_args():
    ap = argparse.ArgumentParser()
    for a in ("raw", "prep", "out", "date", "cpu-model", "cores", "kernel", "loadavg-start",
              "loadavg-end", "elapsed-s", "splitinfer", "splitinfer-sha", "splitinfer-mtime", "git-head", "ort-version", "torch-version",
              "reps", "rounds", "warmup", "core", "seed", "configs", "models"):
        ap.add_argument("--" + a, default="")
    return ap.parse_args()


def read_jsonl(path):
    rows = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    return rows


def fmt_ms(v):
    if v is None:
        return "n/a"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def fmt_ratio(r):
    if r is None or r.get("value") is None:
        return "n/a"
    mark = ""
    if r.get("target_met") is True:
        mark = " ✓"
    elif r.get("target_met") is False:
        mark = " ✗"
    return f"{r['value']:.2f}{mark}"


def main():
    a = parse_args()
    raw = read_jsonl(a.raw)
    prep = {p["model"]: p for p in read_jsonl(a.prep)}
    models = a.models.split()

    results = {}
    for m in models:
        per = {}
        errors = []
        for c in CONFIGS:
            rows = [r for r in raw if r["model"] == m and r["config"] == c]
            ok = [r for r in rows if r.get("ok") and isinstance(r.get("median_ms"), (int, float))]
            for r in rows:
                if not r.get("ok"):
                    errors.append({"config": c, "round": r["round"], "error": r.get("error")})
            if not rows:
                continue
            per[c] = {
                "label": CONFIGS[c],
                "median_ms": round(statistics.median([r["median_ms"] for r in ok]), 3) if ok else None,
                "per_round_median_ms": [r["median_ms"] for r in sorted(ok, key=lambda r: r["round"])],
                "best_round_ms": min(r["median_ms"] for r in ok) if ok else None,
                "rounds_ok": len(ok),
                "rounds_failed": len(rows) - len(ok),
                "source": "measured",
            }
        ratios = {}
        for name, (num, den, target, kind, what) in RATIOS.items():
            n = per.get(num, {}).get("median_ms")
            d = per.get(den, {}).get("median_ms")
            value = round(n / d, 3) if n and d else None
            applies = m in TARGET_MODELS.get(name, (m,))
            met = None
            if value is not None and applies:
                met = value >= target if kind == "min" else value <= target
            # Ratio per round (both configurations measured in the same round),
            # to show how stable the ratio is under background load.
            by_round = {}
            for r in raw:
                if r["model"] == m and r.get("ok") and r["config"] in (num, den):
                    by_round.setdefault(r["round"], {})[r["config"]] = r["median_ms"]
            per_round = [round(v[num] / v[den], 3) for _, v in sorted(by_round.items())
                         if num in v and den in v and v[den]]
            bn = per.get(num, {}).get("best_round_ms")
            bd = per.get(den, {}).get("best_round_ms")
            ratios[name] = {
                "value": value,
                "from_best_rounds": round(bn / bd, 3) if bn and bd else None,
                "definition": what,
                "target": (">= " if kind == "min" else "<= ") + str(target) if applies else None,
                "target_met": met,
                "per_round": per_round,
                "source": "measured",
            }
        pt_check = next((r.get("check") for r in raw
                         if r["model"] == m and r["config"] == "pytorch-int8" and r.get("ok")), None)
        quant_engine = next((r.get("quant_engine") for r in raw
                             if r["model"] == m and r["config"] == "pytorch-int8" and r.get("ok")), None)
        results[m] = {
            "configs": per,
            "ratios": ratios,
            "errors": errors,
            "splitinfer_int8_prepare": prep.get(m),
            "pytorch_quant_engine": quant_engine,
            "pytorch_int8_check": pt_check,
        }

    doc = {
        "benchmark": "bench/speed.sh (issue 4, Speed): one core, batch 1, side by side in one run",
        "date": a.date,
        "machine": {
            "cpu_model": a.cpu_model,
            "cores": int(a.cores) if a.cores.isdigit() else a.cores,
            "kernel": a.kernel,
            "loadavg_start": a.loadavg_start,
            "loadavg_end": a.loadavg_end,
        },
        "settings": {
            "reps": int(a.reps), "rounds": int(a.rounds), "warmup": int(a.warmup),
            "core": int(a.core), "seed": int(a.seed), "configs": a.configs.split(","),
            "models": models,
            "statistic": "per configuration: median over rounds of the per-round median of REPS timed runs",
        },
        "versions": {
            "splitinfer": a.splitinfer,
            "splitinfer_sha256_16": a.splitinfer_sha,
            "splitinfer_mtime": a.splitinfer_mtime,
            "git_head": a.git_head,
            "onnxruntime": a.ort_version,
            "torch": a.torch_version,
        },
        "elapsed_s": int(a.elapsed_s) if a.elapsed_s.isdigit() else None,
        "source": "measured",
        "results": results,
        "raw": raw,
    }
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, a.out)

    # Markdown table.
    print(f"Speed, one core (taskset -c {a.core}), batch 1, medians in ms over {a.rounds} rounds "
          f"x {a.reps} reps, measured {a.date} on {a.cpu_model} ({a.cores} cores, load "
          f"{a.loadavg_start} -> {a.loadavg_end})")
    print()
    head = ["model"] + list(CONFIGS.values()) + [HEADINGS[n] for n in RATIOS]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for m in models:
        res = results[m]
        cells = [m] + [fmt_ms(res["configs"].get(c, {}).get("median_ms")) for c in CONFIGS]
        cells += [fmt_ratio(res["ratios"][n]) for n in RATIOS]
        print("| " + " | ".join(cells) + " |")
    print()
    print("Ratios from each configuration's fastest round (less exposed to background load; "
          "compare with the medians above):")
    print()
    print("| model | " + " | ".join(RATIOS) + " |")
    print("|" + "|".join(["---"] + ["---:"] * len(RATIOS)) + "|")
    for m in models:
        vals = [results[m]["ratios"][n]["from_best_rounds"] for n in RATIOS]
        print("| " + m + " | " + " | ".join("n/a" if v is None else f"{v:.2f}" for v in vals) + " |")
    print()
    print("All figures measured in this run. ✓/✗: target met/missed (INT8 speedup target only "
          "on resnet18/resnet50, BF16 speedup target only on resnet50/vgg16).")
    qe = sorted({r["pytorch_quant_engine"] for r in results.values() if r["pytorch_quant_engine"]})
    if qe:
        print(f"PyTorch INT8: FX post-training static quantization, quantized engine {', '.join(qe)}.")
    for m in models:
        seen = set()
        for e in results[m]["errors"]:
            key = (e["config"], e["error"])
            if key in seen:
                continue
            seen.add(key)
            n = sum(1 for x in results[m]["errors"] if (x["config"], x["error"]) == key)
            print(f"- {m} {e['config']}: failed in {n} round(s): {e['error']}")
        p = results[m]["splitinfer_int8_prepare"] or {}
        if p.get("int8_float_fallbacks"):
            print(f"- {m} splitinfer INT8 float fallbacks: {', '.join(map(str, p['int8_float_fallbacks']))}")
    print()
    print(f"Raw numbers: {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
