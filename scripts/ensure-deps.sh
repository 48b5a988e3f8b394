#!/usr/bin/env bash
# Installs the npm packages from package-lock.json, only when it changed since
# the last install here. Expects Node >= 22 on PATH (scripts/ensure-node.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/progress.sh
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.dsenv-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  # npm ci rejects the lock file npm 11 writes (optional platform bindings are
  # left out of it), so install from the lock file instead.
  mkdir -p node_modules
  with_progress "ensure-deps: npm install (from package-lock.json; ~1 min the first time)" node_modules/.dsenv-install.log "lines of npm output" \
    npm install --no-audit --no-fund \
    || { tail -n 20 node_modules/.dsenv-install.log >&2; exit 1; }
  echo "$lock_hash" >node_modules/.dsenv-lock-hash
fi
