#!/usr/bin/env bash
# Installs the npm packages from package-lock.json, only when it changed since
# the last install here. Expects Node >= 22 on PATH (scripts/ensure-node.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.dsenv-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  # npm ci rejects the lock file npm 11 writes (optional platform bindings are
  # left out of it), so install from the lock file instead.
  npm install --no-audit --no-fund >&2
  echo "$lock_hash" >node_modules/.dsenv-lock-hash
fi
