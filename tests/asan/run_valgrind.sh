#!/usr/bin/env bash
# memcheck over the Release CLI ($1), for what AddressSanitizer cannot see
# (tests/asan/CMakeLists.txt): valgrind checks every load and store, oneDNN's
# JIT kernels and libgomp included, against what was allocated and
# initialised. Three short runs, about 40 s on two cores:
#   - lenet5: INT8 calibration and whole-model inference (`infer`);
#   - lenet5: a two-stage INT8 -> FP32 split as a pipeline (`run`): stages
#     compiled on their elements, hand-offs through the queues, each element
#     alone, the FP32 reference and the stages in turn;
#   - mobilenet_v3_small: INT8 inference with the code-table activations,
#     squeeze-excitation gates and integer Add/Mul.
# Any memcheck error (invalid read/write, use of uninitialised values in a
# branch or a system call, bad free, definite leak) fails the test. No
# suppressions are needed today; add one only with a comment saying whose
# frame it hides and why.
#
# Under valgrind oneDNN sees valgrind's CPU (AVX2, no AVX-512 or VNNI), so it
# runs other kernels than it would natively: numbers printed here mean nothing.
# Profiling under valgrind would take many minutes, so the profile store `run`
# plans from is filled natively first (same binary, same machine id).
set -euo pipefail
cli=$1
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind is not installed (scripts/setup.sh installs it): skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
python3 - <<'PY'
import random, struct
random.seed(1)
for name, n in (("lenet5.bin", 1 * 32 * 32), ("mobilenet.bin", 3 * 224 * 224)):
    open(name, "wb").write(struct.pack("<%df" % n, *(random.gauss(0, 1) for _ in range(n))))
PY
run_args=(lenet5 --devices cpu0:int8,cpu1:fp32 --split 5 --frames 4 --alone-frames 1
          --reps 1 --calib 4 --db "$work/profiles.sqlite")
SPLITINFER_CACHE_DIR="$work/native" "$cli" run "${run_args[@]}" >/dev/null 2>&1

# Fresh calibration cache: `infer` calibrates under memcheck, `run` reads it back.
export SPLITINFER_CACHE_DIR="$work/cache"
# Idle OpenMP workers sleep rather than spin: valgrind runs one thread at a time.
export OMP_WAIT_POLICY=passive
memcheck=(valgrind --tool=memcheck --error-exitcode=9 --leak-check=full
          --errors-for-leak-kinds=definite --show-leak-kinds=definite --num-callers=40 -q)
start=$SECONDS
echo "== infer lenet5 (int8)"
"${memcheck[@]}" "$cli" infer lenet5 --input lenet5.bin --output lenet5.out --precision int8 --calib 4
echo "== run lenet5 cpu0:int8 -> cpu1:fp32"
"${memcheck[@]}" "$cli" run "${run_args[@]}"
echo "== infer mobilenet_v3_small (int8)"
"${memcheck[@]}" "$cli" infer mobilenet_v3_small --input mobilenet.bin --output mobilenet.out \
  --precision int8 --calib 2
echo "valgrind: clean in $((SECONDS - start)) s"
