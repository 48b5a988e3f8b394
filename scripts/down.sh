#!/usr/bin/env bash
# Day two: `pulumi destroy` of a stack (default: local), then what it kept and
# how to remove that too. Extra arguments go to `pulumi destroy`.
#
#   scripts/down.sh                     # the local stack
#   DSENV_STACK=azure scripts/down.sh
#
# Kept by design: the data volumes marked to be kept (dsenv:mysqlKeepData,
# dsenv:jupyterKeepWork, ... all true by default; the next up finds the same
# data) and images (the engine's cache). The stack itself and its state stay:
# `pulumi stack rm` removes them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
stack=${DSENV_STACK:-local}
PREFLIGHT_PARTS="engine cli plugins" source scripts/lib/prepare.sh

if ! pulumi stack select "$stack" >/dev/null 2>&1; then
  echo "down: there is no stack $stack in $(dsenv_backend_said): nothing to destroy" >&2
  exit 0
fi
before=$(mktemp)
trap 'rm -f "$before"' EXIT
pulumi stack export --stack "$stack" >"$before"
pulumi destroy --yes --stack "$stack" "$@"
node scripts/lib/kept.js "$before"
