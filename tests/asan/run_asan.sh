#!/usr/bin/env bash
# Builds tests/asan into $1 and runs the INT8 / FP32 backend, calibration,
# split-runner and pipeline tests under AddressSanitizer + UBSan; any report
# (memory error, undefined behaviour, leak) fails the run.
#
# Leak detection stays on (detect_leaks=1) with no suppressions: what oneDNN
# and libgomp keep for the life of the process (primitive cache, JIT code,
# the OpenMP thread pool, per-thread scratchpads) is still reachable from their
# globals and live threads at exit, which LeakSanitizer does not report; it
# reports only memory nothing points to any more. Should a library leak show
# up here, suppress that library's frame in a file passed with
# LSAN_OPTIONS=suppressions=..., with a comment saying why, never our own.
set -euo pipefail
build_dir=$1
source_dir=$2
mkdir -p "$build_dir"
start=$SECONDS
# The sanitizer flags come from tests/asan/CMakeLists.txt (-O1 -g), not from a
# build type.
cmake -S "$source_dir/tests/asan" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE= \
  >"$build_dir/configure.log" 2>&1 || { cat "$build_dir/configure.log"; exit 1; }
ninja -C "$build_dir" -j2 >"$build_dir/build.log" 2>&1 || { tail -n 80 "$build_dir/build.log"; exit 1; }
echo "asan: built in $((SECONDS - start)) s"
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:halt_on_error=1:exitcode=67"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=68"
start=$SECONDS
"$build_dir/splitinfer_asan_tests" --gtest_brief=1
echo "asan: tests ran in $((SECONDS - start)) s"
