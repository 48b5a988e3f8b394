#!/usr/bin/env bash
# The `kubernetes` resource plugin (pulumi-resource-kubernetes) at the version
# package.json pins for @pulumi/kubernetes, in $PULUMI_HOME/plugins, as
# ensure-pulumi.sh does for docker and random: one installed there is reused
# (the official one, or ours from the same recipe); else the official one from
# ~/.pulumi/plugins or a `pulumi plugin install` download; else upstream's own
# provider is built here from the Go module proxy. Only stacks on a cluster
# need it (target kubernetes, azure with azureRunsOn aks): not a default part.
# Needs the Pulumi CLI (the pulumi part) to install the plugin.
#
# The build: the proxy serves no tagged version of
# github.com/pulumi/pulumi-kubernetes/provider/v4, only the pseudo-version of
# the commit upstream tagged as the release (below). Its go.mod replaces the
# Go SDK with ../sdk (a path outside the module zip), so a wrapper module
# requires the release's own sdk/v4 and the pulumi pkg/sdk versions the
# provider's go.mod names (a newer sdk/v3 breaks the build: "not enough
# arguments in call to lang.InstallDependencies"); upstream's
# cmd/pulumi-resource-kubernetes files are copied into it, its generate.go
# writes the schema and mapping that main.go embeds, stamped with the version
# (upstream's Makefile: `VERSION=... go generate`, then `CGO_ENABLED=0 go build
# -ldflags "-X .../pkg/version.Version=..."`); here also `-s -w -trimpath`.
#
# The binary stays in $CACHE/kubernetes-plugin/<hash of this script and the
# version> (a second PULUMI_HOME installs it without a build); the plugin dir
# gets a .dsenv-built marker with that hash. Cold on 2 cores: see
# scripts/toolchain/README.md.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$TOOLCHAIN_DIR/plugins.sh"
export PATH="$BIN:$PATH"

VERSION="$KUBERNETES_PROVIDER_VERSION"
[ -n "$VERSION" ] || die "kubernetes-plugin: cannot read the pinned @pulumi/kubernetes version from $REPO_ROOT/package.json"
PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
case "$VERSION" in
  4.25.0) PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199 ;; # upstream's tag v4.25.0
  *) die "kubernetes-plugin: no known provider module for @pulumi/kubernetes $VERSION (known: 4.25.0). The plugin must be the release the SDK was made with: add the pseudo-version of that release's commit (tag v$VERSION of pulumi/pulumi-kubernetes) here, or install the official plugin: \`pulumi plugin install resource kubernetes $VERSION --file PATH/pulumi-resource-kubernetes\`" ;;
esac
SDK_MODULE_VERSION="v$VERSION"   # github.com/pulumi/pulumi-kubernetes/sdk/v4, the release's own
PULUMI_GO_VERSION=v3.215.0       # github.com/pulumi/pulumi/{pkg,sdk}/v3, as the provider's go.mod

OUT="$KUBE_BUILD_OUT/pulumi-resource-kubernetes"

case "$(plugin_state kubernetes "$VERSION")" in
  official) log "kubernetes-plugin: provider kubernetes v$VERSION installed (official), reusing it"; exit 0 ;;
  current) log "kubernetes-plugin: provider kubernetes v$VERSION installed (built here from upstream), up to date"; exit 0 ;;
  test-build) die "kubernetes-plugin: $(test_build_refusal kubernetes "$VERSION")" ;;
  missing) install_official kubernetes "$VERSION" && exit 0 ;;
esac
cli_ok || die "kubernetes-plugin: no pulumi CLI to install the plugin with (run the pulumi part first: scripts/toolchain/ensure.sh pulumi kubernetes-plugin)"

# Each step says when it fails (the caller tests the status: errexit does not hold here).
build() {
  local dir="$KUBE_BUILD_OUT.tmp" zipdir f
  renice -n 19 -p "$BASHPID" >/dev/null # the machine's other work goes first
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || return 1
  zipdir="$(go_env mod download -json "$PROVIDER_MODULE@$PROVIDER_MODULE_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')"
  [ -f "$zipdir/cmd/pulumi-resource-kubernetes/main.go" ] \
    || { echo "cannot download $PROVIDER_MODULE@$PROVIDER_MODULE_VERSION from the Go module proxy"; return 1; }
  {
    echo "module dsenv/pulumi-resource-kubernetes"
    echo
    grep -m1 '^go ' "$zipdir/go.mod"
    echo
    echo "require ("
    echo "	$PROVIDER_MODULE $PROVIDER_MODULE_VERSION"
    echo "	github.com/pulumi/pulumi-kubernetes/sdk/v4 $SDK_MODULE_VERSION"
    echo "	github.com/pulumi/pulumi/pkg/v3 $PULUMI_GO_VERSION"
    echo "	github.com/pulumi/pulumi/sdk/v3 $PULUMI_GO_VERSION"
    echo ")"
  } >go.mod || return 1
  for f in main.go generate.go schema.json terraform-mapping.json; do
    install -m 0644 "$zipdir/cmd/pulumi-resource-kubernetes/$f" "$f" || return 1
  done
  go_env mod tidy || return 1
  f=$(go_env list -m -f '{{.Version}}' github.com/pulumi/pulumi/sdk/v3) || return 1
  [ "$f" = "$PULUMI_GO_VERSION" ] || { echo "go mod tidy moved github.com/pulumi/pulumi/sdk/v3 from $PULUMI_GO_VERSION to $f"; return 1; }
  VERSION="$VERSION" go_env run generate.go || return 1
  CGO_ENABLED=0 go_env build -v -trimpath -ldflags "-s -w -X $PROVIDER_MODULE/pkg/version.Version=$VERSION" \
    -o pulumi-resource-kubernetes . || return 1
  # Only the binary is kept (the sources are the module cache's).
  find . -mindepth 1 -maxdepth 1 ! -name pulumi-resource-kubernetes -exec rm -rf {} + \
    && cd / && rm -rf "$KUBE_BUILD_OUT" && mv "$dir" "$KUBE_BUILD_OUT"
}

if [ ! -x "$OUT" ]; then
  logf="$CACHE/logs/build-kubernetes-plugin.log"
  t0=$(date +%s)
  log "kubernetes-plugin: building pulumi-resource-kubernetes v$VERSION from $PROVIDER_MODULE@$PROVIDER_MODULE_VERSION (cold: ~10 min on 2 cores; log: $logf)"
  with_progress "kubernetes-plugin: pulumi-resource-kubernetes v$VERSION" "$logf" "packages/modules" build \
    || { echo "---- last lines of $logf ----" >&2; tail -n 25 "$logf" >&2; die "kubernetes-plugin: building pulumi-resource-kubernetes failed"; }
  log "kubernetes-plugin: built in $(( $(date +%s) - t0 ))s: $OUT"
fi
install_built kubernetes "$VERSION" "$OUT" "$BUILT_MARKER"

# Older builds (another recipe or version) are of no further use.
for d in "$CACHE"/kubernetes-plugin/*; do
  [ -d "$d" ] && [ "$d" != "$KUBE_BUILD_OUT" ] && rm -rf "$d"
done
log "kubernetes-plugin: provider kubernetes v$VERSION installed in $(plugin_dir kubernetes "$VERSION")"
