#!/usr/bin/env bash
# `npm run up`: install what is missing, build dist/hive, and start the appliance in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec dist/hive up "$@"
