#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of splitinfer from
# Debian packages, then the FP32 reference engine for tests and benchmarks,
# ONNX Runtime's CPU provider, from the npm registry: node and npm from Debian
# when npm is missing, and `npm ci --ignore-scripts` in tools/ort (the version is
# pinned in tools/ort/package.json and package-lock.json; the package ships
# libonnxruntime for linux x64, and its skipped postinstall step only fetches
# CUDA binaries). Idempotent: re-running installs only what is missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build pkg-config
  clang-format           # the format check (tests/format)
  libdnnl-dev            # oneDNN: the CPU kernel library (FP32 and INT8)
  libopenblas0-pthread   # ATen's fast FP32 path; without it convolutions crawl
  libtorch-dev           # ATen / libtorch: CUDA element, GNN training
  libonnx-dev libprotobuf-dev protobuf-compiler
  libsqlite3-dev nlohmann-json3-dev libcli11-dev libeigen3-dev zlib1g-dev
  libxgboost-dev         # gradient-boosted trees: the split predictors' baseline
  libpng-dev libjpeg62-turbo-dev  # PNG / JPEG images as inputs (--input, --calib)
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev  # video frame sources
  ffmpeg                 # writes the test videos
  libgtest-dev libgmock-dev libbenchmark-dev
  valgrind               # memcheck over the CLI (tests/asan/run_valgrind.sh)
  python3 python3-torch python3-torchvision python3-onnx  # reference exporter for tests
  python3-dev pybind11-dev python3-numpy python3-pytest   # the Python module and its tests
  libonnx-testdata       # ONNX's backend node tests (tests/onnx_node)
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime (onnxruntime-node): up to date when every package of the lock is
# installed at the locked version.
ort="$root/tools/ort"
ort_matches_lock() {
  [ -f "$ort/node_modules/onnxruntime-node/package.json" ] || return 1
  node -e '
    const fs = require("fs"), path = require("path");
    const dir = process.argv[1];
    const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
    for (const [p, meta] of Object.entries(lock.packages || {})) {
      if (p === "" || meta.optional) continue;
      const f = path.join(dir, p, "package.json");
      if (!fs.existsSync(f) || JSON.parse(fs.readFileSync(f, "utf8")).version !== meta.version) process.exit(1);
    }' "$ort" 2>/dev/null
}
if ort_matches_lock; then
  echo "setup: onnxruntime-node $(node -p 'require(process.argv[1]).version' "$ort/node_modules/onnxruntime-node/package.json") already installed in tools/ort"
else
  echo "setup: installing onnxruntime-node into tools/ort (npm ci --ignore-scripts)"
  npm ci --ignore-scripts --prefix "$ort" --no-audit --no-fund --loglevel=error >/dev/null
fi
