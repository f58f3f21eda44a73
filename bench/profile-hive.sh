#!/usr/bin/env bash
# Stands in for dist/hive (HIVE_BIN=bench/profile-hive.sh) to run the appliance from source under Bun's CPU profiler;
# the profile lands in $HIVE_PROFILE_DIR (default /tmp/hive-prof) when the appliance exits.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${HIVE_PROFILE_DIR:-/tmp/hive-prof}"
mkdir -p "$dir"
if [ "${1:-}" = "up" ]; then
  exec "$root/node_modules/.bin/bun" --cpu-prof --cpu-prof-dir="$dir" "$root/src/main.ts" "$@"
fi
exec "$root/node_modules/.bin/bun" "$root/src/main.ts" "$@"
