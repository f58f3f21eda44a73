#!/usr/bin/env bash
# `npm test`: install what is missing, typecheck, lint the layering, build dist/hive, then run every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every temporary file of the tests goes under build/tmp, never /tmp: tsx keeps its compile cache there between runs,
# and anything else a run leaves behind fails it, named.
export TMPDIR="$PWD/build/tmp"
mkdir -p "$TMPDIR"
leftovers() { find "$TMPDIR" -mindepth 1 -maxdepth 1 ! -name 'tsx-*'; }
leftovers | xargs -r rm -rf   # an interrupted run's

bash scripts/setup.sh --test

echo "== typecheck" >&2
./node_modules/.bin/tsc --noEmit -p .
echo "== lint: layering" >&2
./node_modules/.bin/tsx scripts/lint-layers.ts

echo "== store cases under Bun (bun:sqlite)" >&2
./node_modules/.bin/bun test ./test/unit/store.test.ts ./test/unit/region-log.test.ts

echo "== unit, integration and end-to-end tests under Node" >&2
node --import tsx --test --test-force-exit --test-timeout=300000 test/unit/*.test.ts test/integration/*.test.ts test/e2e/*.test.ts

left=$(leftovers)
if [[ -n $left ]]; then
  echo "the tests passed but left these in $TMPDIR:" >&2
  echo "$left" >&2
  exit 1
fi
