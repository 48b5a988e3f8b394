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
# The plugins every stack needs, as pkg:version.
PLUGIN_SPECS=("docker:$DOCKER_PROVIDER_VERSION" "random:$RANDOM_PROVIDER_VERSION")
# The kubernetes plugin: only stacks that run on a cluster (target kubernetes,
# or azure with azureRunsOn aks) need it; a build takes minutes
# (ensure-kubernetes-plugin.sh).
KUBERNETES_PROVIDER_VERSION="${DSENV_KUBERNETES_PROVIDER_VERSION:-$(pinned kubernetes)}"

# Where the CLI we build goes; first on PATH wherever we look for one.
BIN="$CACHE/pulumi/bin"
PLUGINS="${PULUMI_HOME:-$HOME/.pulumi}/plugins"

# The bridged providers are built once per source and version, into
# $CACHE/providers/<hash of both>.
BRIDGE_HASH="$( (cd "$TOOLCHAIN_DIR" && find providers build-providers.sh -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum;
  echo "$DOCKER_PROVIDER_VERSION $RANDOM_PROVIDER_VERSION") | sha256sum | cut -c1-16)"
BRIDGE_OUT="$CACHE/providers/$BRIDGE_HASH"
# The kubernetes plugin, built from upstream's provider module once per recipe
# (ensure-kubernetes-plugin.sh) and version, into $CACHE/kubernetes-plugin/<hash>.
KUBE_BUILD_HASH="$( (cat "$TOOLCHAIN_DIR/ensure-kubernetes-plugin.sh"; echo "$KUBERNETES_PROVIDER_VERSION") | sha256sum | cut -c1-16)"
KUBE_BUILD_OUT="$CACHE/kubernetes-plugin/$KUBE_BUILD_HASH"

# Markers in a plugin's directory. BRIDGED_MARKER: the real provider code, built
# here by the project's bridge (holds the build's hash). BUILT_MARKER: upstream's
# own provider code, built here from its module (the kubernetes plugin; holds
# the build's hash). TEST_BUILD_MARKER: a hand-written stand-in that this
# project's tests once installed (until 2026-11): not a provider, never used,
# never silently replaced.
BRIDGED_MARKER=".dsenv-bridged"
BUILT_MARKER=".dsenv-built"
TEST_BUILD_MARKER=".dsenv-standin"

plugin_dir() { echo "$PLUGINS/resource-$1-v$2"; }
build_hash() { # pkg -> the hash of the build here that makes its plugin
  if [ "$1" = kubernetes ]; then echo "$KUBE_BUILD_HASH"; else echo "$BRIDGE_HASH"; fi
}
plugin_state() { # pkg version -> official | current | stale | test-build | missing
  local d marker; d="$(plugin_dir "$1" "$2")"
  marker=$(cat "$d/$BRIDGED_MARKER" "$d/$BUILT_MARKER" 2>/dev/null || true)
  if [ -f "$d/$TEST_BUILD_MARKER" ]; then echo test-build
  elif [ ! -x "$d/pulumi-resource-$1" ]; then echo missing
  elif [ -z "$marker" ]; then echo official
  elif [ "$marker" = "$(build_hash "$1")" ]; then echo current
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
    && [ ! -f "$own/$BRIDGED_MARKER" ] && [ ! -f "$own/$BUILT_MARKER" ] && [ ! -f "$own/$TEST_BUILD_MARKER" ] \
    && echo "$own/pulumi-resource-$1"
}

# Installing (ensure-pulumi.sh, ensure-kubernetes-plugin.sh): the official
# plugin, from the user's own plugin dir or a download. Only where one of them
# works: never a build.
install_official() { # pkg version
  local own
  [ "${DSENV_PROVIDERS:-}" != bridged ] || return 1
  if own=$(official_copy "$1" "$2"); then
    log "pulumi: provider $1 v$2: the official plugin from $own"
    pulumi plugin install resource "$1" "$2" --file "$own" >/dev/null 2>&1 && return 0
  fi
  cli_ok || return 1
  log "pulumi: provider $1 v$2: trying to download the official plugin"
  timeout 120 pulumi plugin install resource "$1" "$2" >"$CACHE/logs/plugin-download-$1.log" 2>&1
}
# A plugin built here, marked with the hash of its build (MARKER: BRIDGED_MARKER
# or BUILT_MARKER) so that a change of the sources rebuilds it.
install_built() { # pkg version binary marker
  log "pulumi: installing provider $1 v$2 (built here: $3)"
  pulumi plugin install resource "$1" "$2" --reinstall --file "$3" >"$CACHE/logs/plugin-install-$1.log" 2>&1 \
    || die "pulumi: installing plugin $1 v$2 failed, see $CACHE/logs/plugin-install-$1.log"
  build_hash "$1" >"$(plugin_dir "$1" "$2")/$4"
}

cli_ok() { have pulumi && pulumi version >/dev/null 2>&1; }
