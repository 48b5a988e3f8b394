# shellcheck shell=bash
# Sourced after lib.sh, never run. What the program needs of Pulumi and how to
# tell what is installed: shared by ensure-pulumi.sh (which installs) and
# scripts/preflight.sh (which only checks).

# Versions follow package.json: the CLI the SDK's, the plugins the npm packages'.
pinned() { sed -n "s/.*\"@pulumi\/$1\": *\"\([0-9.]*\)\".*/\1/p" "$REPO_ROOT/package.json"; }
CLI_VERSION="${DSENV_PULUMI_VERSION:-$(pinned pulumi)}"
LANGHOST_SDK_VERSION="${DSENV_PULUMI_LANGHOST_SDK_VERSION:-3.68.0}"
DOCKER_PROVIDER_VERSION="${DSENV_DOCKER_PROVIDER_VERSION:-$(pinned docker)}"
RANDOM_PROVIDER_VERSION="${DSENV_RANDOM_PROVIDER_VERSION:-$(pinned random)}"
[ -n "$CLI_VERSION" ] && [ -n "$DOCKER_PROVIDER_VERSION" ] && [ -n "$RANDOM_PROVIDER_VERSION" ] \
  || die "pulumi: cannot read the pinned @pulumi/pulumi, @pulumi/docker, @pulumi/random versions from $REPO_ROOT/package.json"
# The plugins the program needs, as pkg:version.
PLUGIN_SPECS=("docker:$DOCKER_PROVIDER_VERSION" "random:$RANDOM_PROVIDER_VERSION")

# Where the CLI we build goes; first on PATH wherever we look for one.
BIN="$CACHE/pulumi/bin"
PLUGINS="${PULUMI_HOME:-$HOME/.pulumi}/plugins"

# The bridged providers are built once per source and version, into
# $CACHE/providers/<hash of both>.
BRIDGE_HASH="$( (cd "$TOOLCHAIN_DIR" && find providers build-providers.sh -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum;
  echo "$DOCKER_PROVIDER_VERSION $RANDOM_PROVIDER_VERSION") | sha256sum | cut -c1-16)"
BRIDGE_OUT="$CACHE/providers/$BRIDGE_HASH"

# Markers in a plugin's directory. BRIDGED_MARKER: the real provider code, built
# here by the project's bridge (holds the build's hash). TEST_BUILD_MARKER: a
# hand-written stand-in that this project's tests once installed (until
# 2026-11): not a provider, never used, never silently replaced.
BRIDGED_MARKER=".dsenv-bridged"
TEST_BUILD_MARKER=".dsenv-standin"

plugin_dir() { echo "$PLUGINS/resource-$1-v$2"; }
plugin_state() { # pkg version -> official | current | stale | test-build | missing
  local d; d="$(plugin_dir "$1" "$2")"
  if [ -f "$d/$TEST_BUILD_MARKER" ]; then echo test-build
  elif [ ! -x "$d/pulumi-resource-$1" ]; then echo missing
  elif [ ! -f "$d/$BRIDGED_MARKER" ]; then echo official
  elif [ "$(cat "$d/$BRIDGED_MARKER")" = "$BRIDGE_HASH" ]; then echo current
  else echo stale; fi
}
test_build_refusal() { # pkg version -> the message and its way out
  echo "the $1 plugin v$2 in $(plugin_dir "$1" "$2") is a test build (marker $TEST_BUILD_MARKER: a stand-in an older version of this project's tests installed), not the provider; it is never used. Remove it: \`pulumi plugin rm resource $1 $2 --yes\` (or \`rm -rf $(plugin_dir "$1" "$2")\`), then run again: the real plugin is installed."
}

# The official plugin in the user's own ~/.pulumi/plugins, when PULUMI_HOME is
# elsewhere (the tests' private home) and the official plugins are wanted:
# prints its binary, or fails.
official_copy() { # pkg version
  local own="$HOME/.pulumi/plugins/resource-$1-v$2"
  [ "${DSENV_PROVIDERS:-}" != bridged ] && [ "$PLUGINS" != "$HOME/.pulumi/plugins" ] && [ -x "$own/pulumi-resource-$1" ] \
    && [ ! -f "$own/$BRIDGED_MARKER" ] && [ ! -f "$own/$TEST_BUILD_MARKER" ] && echo "$own/pulumi-resource-$1"
}

cli_ok() { have pulumi && pulumi version >/dev/null 2>&1; }
