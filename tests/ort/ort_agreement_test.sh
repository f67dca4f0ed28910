#!/usr/bin/env bash
# FP32 agreement of splitinfer with an independent engine, ONNX Runtime's CPU
# provider (tools/ort, installed by scripts/setup.sh).
#
#   tests/ort/ort_agreement_test.sh SPLITINFER SOURCE_DIR [MODEL...]
#
# For each zoo model (default lenet5 resnet18 mobilenet_v2 mobilenet_v3_small):
# export it with a fixed seed, make a deterministic random input of the model's
# input shape, run `splitinfer infer` on the exported ONNX file and on the zoo
# name with the same seed, run ONNX Runtime on the ONNX file, and require
# max|a-b| / max|ort| <= 1e-4 for both. Exits 77 (skipped) when node or
# tools/ort/node_modules is missing.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 SPLITINFER SOURCE_DIR [MODEL...]" >&2
  exit 2
fi
splitinfer=$1
src=$2
shift 2
models=("$@")
if [ ${#models[@]} -eq 0 ]; then models=(lenet5 resnet18 mobilenet_v2 mobilenet_v3_small); fi

seed=7
input_seed=1234
rtol=1e-4
ort="$src/tools/ort"

if ! command -v node >/dev/null 2>&1; then
  echo "skip: node is not installed (run scripts/setup.sh)"
  exit 77
fi
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "skip: $ort/node_modules is missing (run scripts/setup.sh)"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
for m in "${models[@]}"; do
  echo "== $m (seed $seed)"
  "$splitinfer" export "$m" --seed "$seed" -o "$work/$m.onnx" >/dev/null
  shape=$("$splitinfer" inspect "$work/$m.onnx" --json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).input_shape.join("x")))')
  node "$ort/make_input.js" "$shape" "$input_seed" "$work/$m.in.bin"
  node "$ort/run_ort.js" "$work/$m.onnx" "$work/$m.in.bin" "$work/$m.ort.bin"

  "$splitinfer" infer "$work/$m.onnx" --input "$work/$m.in.bin" --output "$work/$m.onnx.out.bin" \
    --precision fp32 >/dev/null
  echo -n "$m.onnx vs onnxruntime: "
  node "$ort/compare.js" "$work/$m.onnx.out.bin" "$work/$m.ort.bin" --rtol "$rtol" || failures=$((failures + 1))

  "$splitinfer" infer "$m" --seed "$seed" --input "$work/$m.in.bin" --output "$work/$m.zoo.out.bin" \
    --precision fp32 >/dev/null
  echo -n "$m (zoo) vs onnxruntime: "
  node "$ort/compare.js" "$work/$m.zoo.out.bin" "$work/$m.ort.bin" --rtol "$rtol" || failures=$((failures + 1))
done

if [ "$failures" -ne 0 ]; then
  echo "FAILED: $failures comparison(s) above rtol $rtol"
  exit 1
fi
echo "all ${#models[@]} models agree with onnxruntime to rtol $rtol"
