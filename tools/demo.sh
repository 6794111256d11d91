#!/usr/bin/env bash
# `npm run demo`: install what is missing, build, then run the demo orchestrator
# (libs/devstack/src/demo.ts). Options go to it, e.g. `npm run demo -- --once`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/ensure-deps.sh
echo "building…"
build_started=$EPOCHREALTIME
npm run --silent build
awk -v a="$build_started" -v b="$EPOCHREALTIME" 'BEGIN { printf "built in %.1f s\n", b - a }'
# npm puts node_modules/.bin (Node 22) first on PATH; exec so signals reach the orchestrator.
exec node libs/devstack/dist/demo.js "$@"
