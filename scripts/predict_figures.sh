#!/usr/bin/env bash
# Regenerates docs/predict from the committed dataset and predictors: Table 2
# on the held-out test models (eval.json), Figure 8 for a test model, and,
# for each zoo model, the predicted splits against the measured exhaustive
# best (zoo-MODEL.json) with Figure 9 for VGG16. The zoo comparison profiles
# each model on cpu0:int8 and cpu1:fp32 first (`plan` measures what the
# profile store lacks), so it takes minutes on a quiet machine.
#
#   scripts/predict_figures.sh [--retrain] [zoo models...]
#
# --retrain trains the predictors again before evaluating them (`predict
# train`, about 10 minutes, on the pipeline's throughput objective: the
# committed predictors), and trains the partition model on the latency
# objective too (train-latency.json, its Table 2; those predictors are not
# kept).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/splitinfer
out=docs/predict
mkdir -p "$out"
if [ "${1:-}" = "--retrain" ]; then
  shift
  "$bin" predict train --json > "$out/train.json.tmp" && mv "$out/train.json.tmp" "$out/train.json"
  latency=$(mktemp -d)
  trap 'rm -rf "$latency"' EXIT
  "$bin" predict train --objective latency --out "$latency" --json > "$out/train-latency.json.tmp"
  mv "$out/train-latency.json.tmp" "$out/train-latency.json"
fi
zoo=("$@")
[ ${#zoo[@]} -gt 0 ] || zoo=(lenet5 resnet18 mobilenet_v2 vgg16 resnet50)

"$bin" predict eval --json --plot "$out/fig8-test-model.svg" > "$out/eval.json.tmp"
mv "$out/eval.json.tmp" "$out/eval.json"
"$bin" predict eval --plot "$out/fig8-test-model.svg" > "$out/eval.txt.tmp"
mv "$out/eval.txt.tmp" "$out/eval.txt"
for model in "${zoo[@]}"; do
  "$bin" plan "$model" --devices cpu0:int8,cpu1:fp32 --reps "${REPS:-10}" > /dev/null
  plot=()
  [ "$model" != vgg16 ] || plot=(--plot "$out/fig9-vgg16.svg")
  "$bin" predict "$model" --json "${plot[@]}" > "$out/zoo-$model.json.tmp"
  mv "$out/zoo-$model.json.tmp" "$out/zoo-$model.json"
done
echo "wrote $out"
