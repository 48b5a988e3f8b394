# shellcheck shell=bash
# Sets up a shell for dsenv, from any directory:  source scripts/env.sh
#
# - PATH: the Node.js >= 22 and the Pulumi CLI that scripts/up.sh installed or
#   built under ${DSENV_CACHE:-~/.cache/ds-envs}, where it did (yours first
#   otherwise: nothing is installed here).
# - pulumi's state and secrets, as scripts/up.sh uses them: the backend is
#   PULUMI_BACKEND_URL if you set it, else the one `pulumi login` logged you in
#   to, else (no login at all) the file backend in ${DSENV_HOME:-~/.dsenv}/state;
#   and the passphrase file made there (unless PULUMI_CONFIG_PASSPHRASE(_FILE) is set).
# Sourced by scripts/up.sh, down.sh and status.sh too, so all agree.
DSENV_CACHE=${DSENV_CACHE:-$HOME/.cache/ds-envs}
DSENV_HOME=${DSENV_HOME:-$HOME/.dsenv}
export DSENV_CACHE DSENV_HOME

dsenv_node_bin="$DSENV_CACHE/node${DSENV_NODE_MAJOR:-24}/node_modules/.bin"
dsenv_node_major=$(node --version 2>/dev/null | sed 's/^v\([0-9]*\).*/\1/')
if [ "${dsenv_node_major:-0}" -lt 22 ] && [ -x "$dsenv_node_bin/node" ]; then
  case ":$PATH:" in *":$dsenv_node_bin:"*) ;; *) PATH="$dsenv_node_bin:$PATH" ;; esac
fi
# The CLI built here goes first: scripts/toolchain/ensure-pulumi.sh reuses a
# `pulumi` of yours and only builds one where there is none.
if [ -x "$DSENV_CACHE/pulumi/bin/pulumi" ]; then
  case ":$PATH:" in *":$DSENV_CACHE/pulumi/bin:"*) ;; *) PATH="$DSENV_CACHE/pulumi/bin:$PATH" ;; esac
fi
export PATH
unset dsenv_node_bin dsenv_node_major

# The CLI keeps its login in $PULUMI_HOME/credentials.json ("current": the
# backend URL); a plain `pulumi` in another shell uses that one, so dsenv does too.
dsenv_logged_in_backend() {
  sed -n 's/^[[:space:]]*"current":[[:space:]]*"\([^"]*\)".*/\1/p' "${PULUMI_HOME:-$HOME/.pulumi}/credentials.json" 2>/dev/null | head -n1
}
if [ -n "${PULUMI_BACKEND_URL:-}" ]; then dsenv_backend_source="PULUMI_BACKEND_URL"
elif [ -n "$(dsenv_logged_in_backend)" ]; then dsenv_backend_source="your pulumi login"
else
  dsenv_backend_source="no pulumi login: dsenv's file backend; \`pulumi login\` to keep state elsewhere"
  export PULUMI_BACKEND_URL="file://$DSENV_HOME/state"
fi
# Where the state goes and why, for the scripts to say.
dsenv_backend_said() { echo "${PULUMI_BACKEND_URL:-$(dsenv_logged_in_backend)} ($dsenv_backend_source)"; }
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && [ -s "$DSENV_HOME/passphrase" ]; then
  export PULUMI_CONFIG_PASSPHRASE_FILE="$DSENV_HOME/passphrase"
fi
# Node >= 22 keeps the compiled code of the modules a program loads (~0.8 s of
# each pulumi run here).
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-$DSENV_CACHE/node-compile-cache}
