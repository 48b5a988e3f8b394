#!/usr/bin/env bash
# The main job: `pulumi up` of a stack (default: local) with no account, no
# cloud login and no passphrase prompt. Extra arguments go to `pulumi up`.
#
#   scripts/up.sh                     # the local stack, on the local Docker engine
#   DSENV_STACK=azure scripts/up.sh   # another stack in stacks/
#
# State: PULUMI_BACKEND_URL if you set one (e.g. after `pulumi login`), else a
#   local file backend in ~/.dsenv/state.
# Secrets: PULUMI_CONFIG_PASSPHRASE(_FILE) if you set one, else a random
#   passphrase made once in ~/.dsenv/passphrase (mode 600). It decrypts the
#   stack's secrets: back it up with the state.
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${DSENV_STACK:-local}
home=${DSENV_HOME:-$HOME/.dsenv}

source scripts/ensure-node.sh
scripts/ensure-deps.sh
# A Pulumi CLI with the nodejs language host and the docker/random plugins, and
# a Docker engine: reused when present, installed or built when not.
toolchain_env=$(scripts/toolchain/ensure.sh docker pulumi)
eval "$toolchain_env"

mkdir -p "$home/state"
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$home/state}
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s "$home/passphrase" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 >"$home/passphrase")
    echo "up: made a passphrase for stack secrets in $home/passphrase (keep it with $home/state)" >&2
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$home/passphrase"
fi

pulumi stack select --create --secrets-provider passphrase "$stack" >/dev/null
pulumi up --yes --stack "$stack" "$@"
pulumi stack output --stack "$stack"
