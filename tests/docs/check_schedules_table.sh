#!/bin/bash
# docs/schedules.md's table of bench runs is what `bench/schedules.py --history` prints from
# bench/results: a result file added, or the bench's summary changed, without the table
# regenerated fails here.
set -euo pipefail
cd "$1"
expected=$(python3 bench/schedules.py --history)
documented=$(sed -n '/^| file | CPU |/,/^$/p' docs/schedules.md | sed '/^$/d')
if [ "$expected" != "$documented" ]; then
  echo "docs/schedules.md: its table differs from 'python3 bench/schedules.py --history':" >&2
  diff <(echo "$documented") <(echo "$expected") >&2 || true
  exit 1
fi
