#!/usr/bin/env bash
# `npm run bench`: install what is missing, build dist/hive, run the benchmarks (figures in bench/results.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
# The disk benchmark compiles its in-guest load tool statically (bench/guest-io/hive-io.c): gcc, and libc.a from libc6-dev.
if ! command -v gcc >/dev/null || [[ ! -e /usr/lib/x86_64-linux-gnu/libc.a ]]; then
  echo "bench: installing gcc libc6-dev from Debian's packages" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
fi
exec ./node_modules/.bin/tsx bench/run.ts "$@"
