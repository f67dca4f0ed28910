#!/usr/bin/env bash
# Regenerates docs/predict from the committed dataset and predictors: Table 2
# on the held-out test models (eval.json), Figure 8 for a test model, and,
# for each zoo model, the predicted splits against the measured exhaustive
# best (zoo-MODEL.json) with Figure 9 for VGG16. The zoo comparison profiles
# each model on both elements first (`plan` measures what the profile store
# lacks), so it takes minutes on a quiet machine.
#
#   scripts/predict_figures.sh [--pair int8-bf16] [--retrain | --zoo-only DIR] [zoo models...]
#
# --pair int8-bf16 does all of it for the second pair of elements,
# cpu0:int8 -> cpu1:bf16 (data/predict/int8-bf16, docs/predict/int8-bf16)
# instead of cpu0:int8 -> cpu1:fp32 (data/predict, docs/predict).
#
# --retrain trains the predictors again before evaluating them (`predict
# train`, 20 to 30 minutes, on the pipeline's throughput objective: the
# committed predictors, with the partition model's options chosen on the
# validation models: an ensemble of three with the times beside the labels,
# --partition-time-weight 30 --partition-models 3, for the second pair on
# soft labels, --label-tolerance 0.05). For the first pair it also
# trains the partition model on the latency objective (train-latency.json,
# its Table 2, with the default options; those predictors are not kept).
#
# --zoo-only DIR runs the zoo comparison alone and writes it to DIR: the
# same predictors on the profiles of another machine (each zoo-MODEL.json
# names the machine in measured.machine).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/splitinfer
dataset=data/predict/dataset.json.gz
predictors=data/predict/gnn
out=docs/predict
devices=cpu0:int8,cpu1:fp32
latency_table=yes
training=(--partition-time-weight 30 --partition-models 3)
if [ "${1:-}" = "--pair" ]; then
  [ "${2:-}" = int8-bf16 ] || { echo "error: --pair takes int8-bf16, not '${2:-}'" >&2; exit 2; }
  dataset=data/predict/int8-bf16/dataset.json.gz
  predictors=data/predict/int8-bf16/gnn
  out=docs/predict/int8-bf16
  devices=cpu0:int8,cpu1:bf16
  latency_table=no
  training=(--label-tolerance 0.05 "${training[@]}")
  shift 2
fi
mkdir -p "$out"
if [ "${1:-}" = "--retrain" ]; then
  shift
  "$bin" predict train --dataset "$dataset" --out "$predictors" "${training[@]}" --json \
    > "$out/train.json.tmp"
  mv "$out/train.json.tmp" "$out/train.json"
  if [ "$latency_table" = yes ]; then
    latency=$(mktemp -d)
    trap 'rm -rf "$latency"' EXIT
    "$bin" predict train --dataset "$dataset" --objective latency --out "$latency" --json \
      > "$out/train-latency.json.tmp"
    mv "$out/train-latency.json.tmp" "$out/train-latency.json"
  fi
fi
zoo_out=
if [ "${1:-}" = "--zoo-only" ]; then
  [ -n "${2:-}" ] || { echo "error: --zoo-only needs a directory" >&2; exit 2; }
  zoo_out=$2
  shift 2
  mkdir -p "$zoo_out"
fi
zoo=("$@")
[ ${#zoo[@]} -gt 0 ] || zoo=(lenet5 resnet18 mobilenet_v2 vgg16 resnet50)

if [ -z "$zoo_out" ]; then
  zoo_out=$out
  evaluate=("$bin" predict eval --dataset "$dataset" --predictors "$predictors"
    --plot "$out/fig8-test-model.svg")
  "${evaluate[@]}" --json > "$out/eval.json.tmp"
  mv "$out/eval.json.tmp" "$out/eval.json"
  "${evaluate[@]}" > "$out/eval.txt.tmp"
  mv "$out/eval.txt.tmp" "$out/eval.txt"
fi
for model in "${zoo[@]}"; do
  "$bin" plan "$model" --devices "$devices" --reps "${REPS:-10}" > /dev/null
  plot=()
  [ "$model" != vgg16 ] || plot=(--plot "$zoo_out/fig9-vgg16.svg")
  "$bin" predict "$model" --predictors "$predictors" --json "${plot[@]}" \
    > "$zoo_out/zoo-$model.json.tmp"
  mv "$zoo_out/zoo-$model.json.tmp" "$zoo_out/zoo-$model.json"
done
echo "wrote $zoo_out"
