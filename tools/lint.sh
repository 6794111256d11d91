#!/usr/bin/env bash
# `npm run lint`: ESLint over the whole workspace, module boundaries included.
# @nx/enforce-module-boundaries reads Nx's *cached* project graph and, when there is none, prints a
# warning and checks nothing. So compute the graph first (this also picks up projects added since
# the last run), then lint, and treat that warning as a failure in case the cache went missing.
# Extra arguments go to ESLint (`npm run lint -- --fix`).
set -euo pipefail
cd "$(dirname "$0")/.."

# Nx stays local and offline: no daemon, no Nx Cloud (nx.json also turns off analytics and cloud).
export NX_DAEMON=false NX_NO_CLOUD=true

npx --no-install nx show projects >/dev/null

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
status=0
npx --no-install eslint . "$@" 2>&1 | tee "$out" || status=$?
if grep -q 'No cached ProjectGraph is available' "$out"; then
  echo "lint: Nx's project graph was missing, so module boundaries were not checked" >&2
  exit 1
fi
exit "$status"
