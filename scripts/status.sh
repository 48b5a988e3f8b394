#!/usr/bin/env bash
# Day two: what a stack (default: local) has running, as it is now — its URLs,
# each container's state and health, and where each container's data lives.
#
#   scripts/status.sh                     # the local stack
#   DSENV_STACK=azure scripts/status.sh
# Exit status: 0 all running and healthy, 3 some are not, 1 no such stack.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
stack=${DSENV_STACK:-local}
command -v pulumi >/dev/null && command -v node >/dev/null \
  || { echo "status: no pulumi or node on PATH: scripts/up.sh installs them" >&2; exit 1; }
exec node scripts/lib/status.js "$stack"
