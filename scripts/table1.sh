#!/usr/bin/env bash
# Regenerates docs/table1 (Table 1 and the Figures 5-7 plots of the
# split-inference paper): profiles the real elements into a fresh profile
# store, plans, runs each planned split as a pipeline, and prices the
# simulated paper devices. Takes about 10 minutes on a 2-core machine; run it
# on an otherwise idle machine, since the measured columns are timings.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
db=$(mktemp -d)/profiles.sqlite
trap 'rm -rf "$(dirname "$db")"' EXIT
build/splitinfer report table1 --out docs/table1 --db "$db" "$@"
