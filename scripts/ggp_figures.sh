#!/usr/bin/env bash
# Regenerates docs/ggp: the 1,000-layer verification against exhaustive
# search, the paper's example layer (Figure 3) and the AlexNet, VGG16 and
# ResNet18 partitions over the simulated Jetson TX2 + Cyclone 10 GX platform
# (Figure 9). Everything here is simulated from data/devices.json; the real
# (measured) runs need fitted models of this machine and are in docs/ggp.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/splitinfer
out=docs/ggp
mkdir -p "$out"
platform=sim:jetson-tx2-cpu,sim:jetson-tx2-gpu,sim:cyclone10gx@pcie2x4

"$bin" ggp verify --layers 1000 --seed 1 --json > "$out/verify.json.tmp" && mv "$out/verify.json.tmp" "$out/verify.json"
"$bin" ggp layer --H 112 --W 112 --C 16 --k 1 --N 32 --technique channels --execution sequential \
  --devices "$platform" --verify --json --plot "$out/fig3-paper-layer.svg" > "$out/paper-layer.json.tmp"
mv "$out/paper-layer.json.tmp" "$out/paper-layer.json"
for model in alexnet vgg16 resnet18; do
  for execution in concurrent sequential; do
    for fused in 0 4; do
      name="$model-$execution"
      [ "$fused" = 0 ] || name="$name-fused"
      "$bin" ggp model "$model" --devices "$platform" --execution "$execution" --fused "$fused" --json \
        --plot "$out/fig9-$name.svg" > "$out/$name.json.tmp"
      mv "$out/$name.json.tmp" "$out/$name.json"
    done
  done
done
echo "wrote $out"
