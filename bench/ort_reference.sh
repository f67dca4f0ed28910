#!/usr/bin/env bash
# ONNX Runtime (CPU provider, one thread) reference times for zoo models, the
# denominator of the "FP32 vs ONNX Runtime" ratio (issue 4, Speed).
#
#   bench/ort_reference.sh [--splitinfer PATH] [--reps N] [--seed N] [--core C] [MODEL...]
#
# For each model (default resnet18 resnet50 mobilenet_v2 vgg16): export it with
# `splitinfer export --seed N`, make a deterministic 1-batch input, and time
# ONNX Runtime with one intra-op thread (3 warm-ups, then N runs), pinned to
# core C (default 1) with taskset where available. Prints one JSON line per model:
#   {"model":..., "engine":"onnxruntime", "version":..., "threads":1,
#    "median_ms":..., "p10_ms":..., "p90_ms":..., "reps":N, "core":"1",
#    "source":"measured"}
# Progress goes to stderr. Needs node and tools/ort/node_modules (scripts/setup.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
splitinfer="${SPLITINFER:-$root/build/splitinfer}"
reps=30
seed=0
pin_core=1
models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --splitinfer) splitinfer="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --core) pin_core="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option '$1'" >&2; exit 2 ;;
    *) models+=("$1"); shift ;;
  esac
done
if [ ${#models[@]} -eq 0 ]; then models=(resnet18 resnet50 mobilenet_v2 vgg16); fi

ort="$root/tools/ort"
if ! command -v node >/dev/null 2>&1 || [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "error: node or $ort/node_modules is missing (run scripts/setup.sh)" >&2
  exit 3
fi
if [ ! -x "$splitinfer" ]; then
  echo "error: $splitinfer is not an executable (build it, or pass --splitinfer PATH)" >&2
  exit 3
fi

pin=()
core="none"
if command -v taskset >/dev/null 2>&1 && taskset -c "$pin_core" true 2>/dev/null; then
  pin=(taskset -c "$pin_core")
  core="$pin_core"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for m in "${models[@]}"; do
  echo "ort_reference: $m (seed $seed, $reps reps, core $core)" >&2
  "$splitinfer" export "$m" --seed "$seed" -o "$work/$m.onnx" >/dev/null
  shape=$("$splitinfer" inspect "$work/$m.onnx" --json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).input_shape.join("x")))')
  node "$ort/make_input.js" "$shape" 1 "$work/$m.in.bin"
  "${pin[@]}" node "$ort/run_ort.js" "$work/$m.onnx" "$work/$m.in.bin" "$work/$m.out.bin" \
    --threads 1 --reps "$reps" --json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
      const r=JSON.parse(s);
      console.log(JSON.stringify({model:process.argv[1],...r,core:process.argv[2],source:"measured"}));})' "$m" "$core"
  rm -f "$work/$m.onnx"
done
