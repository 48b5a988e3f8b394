#!/usr/bin/env bash
# The main job: `pulumi up` of a stack (default: local) with no account, no
# cloud login and no passphrase prompt. Extra arguments go to `pulumi up`.
#
#   scripts/up.sh                     # the local stack, on the local Docker engine
#   scripts/up.sh --preview           # only show what an up would change (pulumi preview)
#   scripts/up.sh --confirm           # preview first, then ask before changing anything
#   DSENV_STACK=azure scripts/up.sh   # another stack in stacks/: previews and asks first
#   DSENV_STACK=azure scripts/up.sh --yes   # ... without asking (CI)
#
# Before any long step, scripts/preflight.sh checks in seconds everything the
# stack needs (engine, CLI, plugins, images) and stops with the way out when
# something cannot be had (scripts/lib/prepare.sh). Then the long steps, each
# saying how far it is. Afterwards, scripts/status.sh shows what runs.
#
# State: PULUMI_BACKEND_URL if you set one, else the backend `pulumi login`
#   logged you in to, else (no login at all) a local file backend in
#   ~/.dsenv/state (scripts/env.sh; up.sh says which).
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
# The local stack only touches this machine's engine: it runs without asking,
# and then without a preview nobody would read (the program runs once instead
# of twice; invalid config still stops it before any resource is declared).
# Any other stack creates or changes machines elsewhere (an Azure VM, a lab's
# servers): pulumi previews and asks, as a plain `pulumi up` does, unless
# --yes says not to ask (CI). --confirm asks on the local stack too.
if [ "$stack" = local ]; then up_flags=(--yes --skip-preview); else up_flags=(); fi
case "${1:-}" in
  --confirm) up_flags=(); shift ;;
  --yes) up_flags=(--yes --skip-preview); shift ;;
esac

source scripts/lib/prepare.sh

echo "state: $(dsenv_backend_said)" >&2
# A new stack gets the backend's default secrets provider: a passphrase on a
# file or bucket backend (scripts/lib/prepare.sh makes one), Pulumi Cloud's own.
pulumi stack select --create "$stack" >/dev/null
if [ "$command" = preview ]; then
  pulumi preview --stack "$stack" "$@"
  exit
fi
pulumi up "${up_flags[@]}" --stack "$stack" "$@"
scripts/status.sh || true  # it marks what is not running; the up itself succeeded
