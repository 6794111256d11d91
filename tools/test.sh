#!/usr/bin/env bash
# `npm test`: dependencies, build, static checks, then jest. Stops at the first failing step and
# names it. Arguments go to jest (e.g. `npm test -- libs/devstack`).
# The last line is always jest's `tests: N passed, N failed` when jest ran (CI parses it).
set -uo pipefail
cd "$(dirname "$0")/.."

summary_file="$(mktemp)"
trap 'rm -f "$summary_file"' EXIT
timings=()
run_started=$EPOCHREALTIME

elapsed() { # seconds since $1, one decimal
  awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

finish() { # $1 = exit status
  echo "==> timings: ${timings[*]}; total $(elapsed "$run_started") s"
  [ "$1" = 0 ] || echo "==> FAILED at step: $failed_step (exit $1)"
  # The closing line for CI, after everything else.
  [ -s "$summary_file" ] && cat "$summary_file"
  exit "$1"
}

failed_step=""
step() { # $1 = name, rest = command
  local name="$1" started=$EPOCHREALTIME status=0
  shift
  echo "==> $name"
  "$@" || status=$?
  timings+=("$name $(elapsed "$started") s")
  if [ "$status" != 0 ]; then
    failed_step="$name"
    finish "$status"
  fi
}

skip() { echo "==> $1: skipped ($2)"; }

step ensure-deps bash tools/ensure-deps.sh
step build npm run --silent build
step typecheck-tests npx --no-install tsc -p tsconfig.spec.json
if [ -f tools/lint.sh ]; then step lint npm run --silent lint; else skip lint "tools/lint.sh does not exist"; fi
step db:check npm run --silent db:check
if [ -f apps/control-plane/dist/cli.js ]; then
  step graphql:check npm run --silent graphql:check
else
  skip graphql:check "apps/control-plane/dist/cli.js was not built"
fi
export SWITCHYARD_TEST_SUMMARY_FILE="$summary_file"
step jest npm run --silent test:jest -- "$@"
finish 0
