#!/usr/bin/env bash
# The main job: `pulumi up` of a stack (default: local) with no account, no
# cloud login and no passphrase prompt. Extra arguments go to `pulumi up`.
#
#   scripts/up.sh                     # the local stack, on the local Docker engine
#   scripts/up.sh --preview           # only show what an up would change (pulumi preview)
#   scripts/up.sh --confirm           # preview first, then ask before changing anything
#   DSENV_STACK=azure scripts/up.sh   # another stack in stacks/
#
# Before any long step, scripts/preflight.sh checks in seconds everything the
# stack needs (engine, CLI, plugins, images) and stops with the way out when
# something cannot be had (scripts/lib/prepare.sh). Then the long steps, each
# saying how far it is. Afterwards, scripts/status.sh shows what runs.
#
# State: PULUMI_BACKEND_URL if you set one (e.g. after `pulumi login`), else a
#   local file backend in ~/.dsenv/state.
# Secrets: PULUMI_CONFIG_PASSPHRASE(_FILE) if you set one, else a random
#   passphrase made once in ~/.dsenv/passphrase (mode 600). It decrypts the
#   stack's secrets: back it up with the state.
# The stack's file, stacks/Pulumi.<stack>.yaml, is yours (git ignores the local
#   one): `pulumi stack init` writes your passphrase's salt into it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
stack=${DSENV_STACK:-local}
command=up
if [ "${1:-}" = --preview ]; then command=preview; shift; fi
# Without --confirm nobody reads a preview before the update (--yes), so none is
# run: the program runs once per up instead of twice (preview, then update).
# Invalid config still stops the update before any resource is declared.
# With --confirm, pulumi previews and asks, as a plain `pulumi up` does.
up_flags=(--yes --skip-preview)
if [ "${1:-}" = --confirm ]; then up_flags=(); shift; fi

source scripts/lib/prepare.sh

pulumi stack select --create --secrets-provider passphrase "$stack" >/dev/null
if [ "$command" = preview ]; then
  pulumi preview --stack "$stack" "$@"
  exit
fi
pulumi up "${up_flags[@]}" --stack "$stack" "$@"
scripts/status.sh || true  # it marks what is not running; the up itself succeeded
