#!/usr/bin/python3
"""Models from other exporters, end to end (issue 18's acceptance).

    exporter_families_test.py SPLITINFER SOURCE_DIR

tests/onnx/exporter_families.py writes a DB-style detector, a CRNN-style
recognizer with an attention block and a MobileNetV3-style classifier at
opsets 9, 11, 13, 17 and 20, with symbolic height and width. For every file,
with --input-shape fixing the size:
  * FP32: `splitinfer infer` agrees with ONNX Runtime (tools/ort) on the same
    input: max |a - b| <= 1e-4 * max |ort|;
  * INT8: `splitinfer infer --precision int8` keeps at least 25 dB SQNR
    against splitinfer's FP32 output;
and for every family at opset 17, `splitinfer run` over cpu0:int8,cpu1:fp32
plans and runs the split, and the detector offers at least 10 split indices,
also with node names that carry no module hierarchy.
Exits 77 (skipped) without PyTorch, numpy, node or tools/ort/node_modules.
"""
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77
FP32_RTOL = 1e-4
MIN_INT8_SQNR_DB = 25.0
MIN_DETECTOR_SPLITS = 10


def skip_reason(source_dir):
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
        import torch  # noqa: F401
        import torchvision  # noqa: F401
    except ImportError as e:
        return "%s (python3-torch, python3-torchvision, python3-onnx)" % e
    if subprocess.run(["node", "--version"], capture_output=True).returncode != 0:
        return "node is not installed (scripts/setup.sh)"
    if not os.path.isdir(os.path.join(source_dir, "tools", "ort", "node_modules", "onnxruntime-node")):
        return "tools/ort/node_modules is missing (scripts/setup.sh)"
    return None


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise RuntimeError("exit %d: %s" % (proc.returncode, lines[-1] if lines else "no message"))
    return proc.stdout


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    splitinfer, source_dir = sys.argv[1], sys.argv[2]
    reason = skip_reason(source_dir)
    if reason:
        print("skip: " + reason)
        return SKIP
    import numpy as np
    ort = os.path.join(source_dir, "tools", "ort")
    failures = []
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, SPLITINFER_CACHE_DIR=os.path.join(work, "cache"))
        models = os.path.join(work, "models")
        subprocess.run(["/usr/bin/python3", os.path.join(source_dir, "tests", "onnx",
                                                          "exporter_families.py"), models],
                       check=True, capture_output=True)
        with open(os.path.join(models, "families.json")) as f:
            files = json.load(f)
        for entry in files:
            path, shape = entry["path"], "x".join(map(str, entry["shape"]))
            label = os.path.basename(path)
            x_path = os.path.join(work, label + ".x.bin")
            np.random.default_rng(11).standard_normal(entry["shape"]).astype("<f4").tofile(x_path)
            outputs = {k: os.path.join(work, "%s.%s.bin" % (label, k)) for k in ("ort", "fp32", "int8")}
            try:
                run(["node", os.path.join(ort, "run_ort.js"), path, x_path, outputs["ort"],
                     "--shape", shape])
                base = [splitinfer, "infer", path, "--input-shape", shape, "--input", x_path]
                run(base + ["--output", outputs["fp32"]])
                int8 = json.loads(run(base + ["--output", outputs["int8"], "--precision", "int8",
                                              "--json"]))
            except RuntimeError as e:
                failures.append("%s: %s" % (label, e))
                print("FAIL %s: %s" % (label, e))
                continue
            want, fp32, q = (np.fromfile(outputs[k], "<f4") for k in ("ort", "fp32", "int8"))
            rel = float(np.abs(fp32 - want).max() / np.abs(want).max()) if want.size == fp32.size else float("inf")
            # Also about the output's mean: a detector's probability map sits
            # near one value, and only its variation carries the detections.
            noise = max(float(((fp32 - q) ** 2).sum()), 1e-30)
            sqnr = float(10 * np.log10((fp32 ** 2).sum() / noise))
            centered = float(10 * np.log10(((fp32 - fp32.mean()) ** 2).sum() / noise))
            ok = rel <= FP32_RTOL and min(sqnr, centered) >= MIN_INT8_SQNR_DB
            print("%s %s: FP32 vs ONNX Runtime max rel %.2e (<= %.0e); INT8 vs FP32 %.1f dB, about "
                  "the mean %.1f dB (>= %.0f); %d ops in float32 in INT8" % (
                      "ok  " if ok else "FAIL", label, rel, FP32_RTOL, sqnr, centered,
                      MIN_INT8_SQNR_DB, len(int8.get("float_fallbacks", []))))
            if not ok:
                failures.append(label)
        for entry in files:
            if entry["opset"] != 17:
                continue
            path, shape = entry["path"], "x".join(map(str, entry["shape"]))
            label = os.path.basename(path)
            try:
                splits = json.loads(run([splitinfer, "inspect", path, "--input-shape", shape,
                                         "--json"]))["splits"]
                report = json.loads(subprocess.run(
                    [splitinfer, "run", path, "--input-shape", shape, "--devices",
                     "cpu0:int8,cpu1:fp32", "--frames", "20", "--alone-frames", "2", "--json"],
                    capture_output=True, text=True, env=env, check=True).stdout)
            except (RuntimeError, subprocess.CalledProcessError) as e:
                failures.append("%s run: %s" % (label, e))
                print("FAIL %s run: %s" % (label, e))
                continue
            if entry["family"] == "detector":
                # As another exporter writes it: node names without PyTorch's
                # module hierarchy, so every node may start a unit.
                import onnx
                model = onnx.load(path)
                for i, node in enumerate(model.graph.node):
                    node.name = "node%d" % i
                nameless = os.path.join(work, "detector.nameless.onnx")
                onnx.save(model, nameless)
                nameless_splits = json.loads(run([splitinfer, "inspect", nameless, "--input-shape",
                                                  shape, "--json"]))["splits"]
                label += " (%d split indices without module names)" % nameless_splits
                splits = min(splits, nameless_splits)
            # Top-1 is reported for the classifier's scores only, not for a
            # detector's map or a recognizer's sequence.
            class_scores = report["agreement_with_fp32"]["output_is_class_scores"]
            if class_scores != (entry["family"] == "classifier"):
                failures.append("%s: output_is_class_scores is %s" % (label, class_scores))
            enough = entry["family"] != "detector" or splits >= MIN_DETECTOR_SPLITS
            print("%s %s: at least %d split indices; run over cpu0:int8,cpu1:fp32: split %s, period "
                  "%.3f ms (measured), fastest measured schedule: %s" % (
                      "ok  " if enough else "FAIL", label, splits, report["split"],
                      report["period_ms_measured"], report["best_measured"]))
            if not enough:
                failures.append("%s has %d split indices, fewer than %d" % (label, splits,
                                                                           MIN_DETECTOR_SPLITS))
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("all %d files agree with ONNX Runtime, keep INT8 fidelity, and run split" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
