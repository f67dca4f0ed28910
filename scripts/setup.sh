#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of splitinfer from
# Debian packages. Idempotent: re-running only refreshes the package lists.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libdnnl-dev            # oneDNN: the CPU kernel library (FP32 and INT8)
  libopenblas0-pthread   # ATen's fast FP32 path; without it convolutions crawl
  libtorch-dev           # ATen / libtorch: CUDA element, GNN training
  libonnx-dev libprotobuf-dev protobuf-compiler
  libsqlite3-dev nlohmann-json3-dev libcli11-dev libeigen3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-torch python3-torchvision python3-onnx  # reference exporter for tests
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
