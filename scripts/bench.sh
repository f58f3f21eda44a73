#!/usr/bin/env bash
# `npm run bench`: install what is missing, build dist/hive, run the benchmarks (figures in bench/results.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec ./node_modules/.bin/tsx bench/run.ts "$@"
