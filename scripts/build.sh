#!/usr/bin/env bash
# Installs the dependencies (scripts/setup.sh), configures and builds
# splitinfer in ./build. Extra arguments go to the CMake configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j2
