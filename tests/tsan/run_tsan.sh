#!/usr/bin/env bash
# Builds tests/tsan into $1 and runs the pipeline tests under ThreadSanitizer;
# any data race fails the run.
set -euo pipefail
build_dir=$1
source_dir=$2
# Quiet when the build works; its output when it does not.
quietly() { local log; log=$("$@" 2>&1) || { printf '%s\n' "$log" >&2; return 1; }; }
quietly cmake -S "$source_dir/tests/tsan" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
quietly ninja -C "$build_dir" -j2
TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$build_dir/pipeline_tsan_tests"
