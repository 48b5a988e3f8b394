# shellcheck shell=bash
# Sourced by scripts/up.sh and scripts/down.sh, never run: makes this shell
# ready to run pulumi on stack $stack. Node and the npm packages first (the
# checks need them), then scripts/preflight.sh, which checks in seconds
# everything else the stack needs (engine, CLI, plugins, and with
# PREFLIGHT_PARTS including `images` the images to pull) and stops with the way
# out when something cannot be had; only then the long steps, each saying how
# far it is: a Docker engine started, the CLI and plugins built where there are
# none. Last, the state backend and passphrase, and the stack selected.
source scripts/ensure-node.sh
scripts/ensure-deps.sh
# (a variable of its own: a failing preflight must stop the caller under set -e)
preflight_steps=$(scripts/preflight.sh "$stack" ${PREFLIGHT_PARTS:-})

# The engine first (seconds): the images could not be checked without it.
if grep -qx start-engine <<<"$preflight_steps"; then
  eval "$(scripts/toolchain/ensure.sh docker)"
  case " ${PREFLIGHT_PARTS:-images} " in *" images "*) scripts/preflight.sh "$stack" images >/dev/null ;; esac
fi
# The kubernetes plugin (a build of minutes) only where the preflight asks for
# it: a stack on a Kubernetes cluster whose plugin is not installed yet.
if grep -qx install-kubernetes-plugin <<<"$preflight_steps"; then
  eval "$(scripts/toolchain/ensure.sh pulumi kubernetes-plugin)"
else
  eval "$(scripts/toolchain/ensure.sh pulumi)"
fi

[ "${PULUMI_BACKEND_URL:-}" = "file://$DSENV_HOME/state" ] && mkdir -p "$DSENV_HOME/state"
# Pulumi Cloud (an https:// backend) keeps secrets itself; the others need a passphrase.
dsenv_backend=$(dsenv_backend_said)
if [[ "$dsenv_backend" != http* ]] && [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 >"$DSENV_HOME/passphrase")
  echo "made a passphrase for stack secrets in $DSENV_HOME/passphrase (keep it with the state: ${dsenv_backend%% *})" >&2
  export PULUMI_CONFIG_PASSPHRASE_FILE="$DSENV_HOME/passphrase"
fi
