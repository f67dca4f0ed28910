#!/usr/bin/env bash
# The installed package as a user gets it: `cmake --install` into a temporary
# prefix; examples/plan_and_run.cpp built against it with find_package and
# with pkg-config; examples/plan_and_run.py run from the installed Python
# package. Each runs lenet5 over cpu0:int8,cpu1:fp32 and must report every
# frame it submitted.
set -euo pipefail
build=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SPLITINFER_CACHE_DIR=$tmp/cache

cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
libdir=$(dirname "$(find "$tmp/prefix" -name 'libsplitinfer.so' | head -1)")
test -f "$tmp/prefix/include/splitinfer/splitinfer.h"

cmake -S "$root/examples" -B "$tmp/example" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  > "$tmp/configure.log"
cmake --build "$tmp/example" > "$tmp/build.log"
"$tmp/example/plan_and_run" lenet5 cpu0:int8,cpu1:fp32 60 | tee "$tmp/cmake_example.out"
grep -q "^60 frames" "$tmp/cmake_example.out"

export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
g++ -O1 $(pkg-config --cflags splitinfer) "$root/examples/plan_and_run.cpp" \
  $(pkg-config --libs splitinfer) -Wl,-rpath,"$libdir" -o "$tmp/pc_example"
"$tmp/pc_example" lenet5 cpu0:int8,cpu1:fp32 30 | tee "$tmp/pc_example.out"
grep -q "^30 frames" "$tmp/pc_example.out"

site=$(dirname "$(find "$tmp/prefix" -name '__init__.py' -path '*splitinfer*' | head -1)")
PYTHONPATH=$(dirname "$site") /usr/bin/python3 "$root/examples/plan_and_run.py" lenet5 \
  cpu0:int8,cpu1:fp32 40 | tee "$tmp/python_example.out"
grep -q "^40 frames" "$tmp/python_example.out"

# A wrong element is one error line and exit code 3, from C++ and Python.
set +e
"$tmp/example/plan_and_run" lenet5 cpu0:int4 5 2> "$tmp/err.txt"
code=$?
set -e
[ "$code" -eq 3 ] && grep -q "^error: .*int4" "$tmp/err.txt"
echo "installed examples: CMake package, pkg-config and Python all ran"
