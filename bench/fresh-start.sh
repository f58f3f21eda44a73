#!/usr/bin/env bash
# Fresh clone → `hive ready`: clones this repository's HEAD into a temporary directory, times `scripts/up.sh` (npm
# packages, the build, the first start) until the ready line, checks that better-sqlite3 was not compiled, then
# stops hive and removes everything. Usage: bench/fresh-start.sh [--cold] (--cold: an empty npm cache, as on a new box).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)
tmp=$(mktemp -d -t hive-fresh-XXXXXX)
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
cache_env=()
[[ ${1:-} == --cold ]] && cache_env=(npm_config_cache="$tmp/npm-cache")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
git clone -q "$repo" "$tmp/hive"
cd "$tmp/hive"
: >"$tmp/up.log"
start=$(date +%s.%N)
# User-mode networking: the figure is the first start, and VPC mode would add the host's bridge and rules.
env "${cache_env[@]}" bash scripts/up.sh --data-dir "$tmp/data" --no-aws-profile --network user \
  --gateway-port "$(free_port)" --nats-port "$(free_port)" --leaf-port "$(free_port)" --monitor-port "$(free_port)" \
  >"$tmp/up.log" 2>&1 &
pid=$!
until grep -q "^hive ready:" "$tmp/up.log"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$tmp/up.log" >&2
    echo "fresh-start: scripts/up.sh ended before hive was ready" >&2
    exit 1
  fi
  sleep 0.2
done
ready=$(date +%s.%N)
if [[ -e node_modules/better-sqlite3/build/Release/better_sqlite3.node ]]; then
  echo "fresh-start: better-sqlite3 was compiled on the appliance's path" >&2
  exit 1
fi
grep "^hive ready:" "$tmp/up.log"
awk -v a="$start" -v b="$ready" -v c="${1:-warm}" 'BEGIN { printf "fresh clone -> hive ready: %.1f s (npm cache %s)\n", b - a, (c == "--cold" ? "empty" : "as found") }'
