#!/usr/bin/env bash
# The code follows its own .clang-format: every C++ file under src/, tests/,
# include/, python/ and examples/
# is left unchanged by clang-format (Debian's clang-format,
# installed by scripts/setup.sh). Prints the offending lines and fails
# otherwise; `clang-format -i FILE` fixes a file.
set -euo pipefail
root=$1
command -v clang-format >/dev/null || { echo "clang-format is missing (scripts/setup.sh installs it)" >&2; exit 1; }
cd "$root"
mapfile -t files < <(find src tests include python examples -name '*.cpp' -o -name '*.h' | sort)
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files follow .clang-format"
