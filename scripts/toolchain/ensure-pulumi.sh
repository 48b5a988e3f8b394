#!/usr/bin/env bash
# The Pulumi CLI, the Node.js language host and the `docker` and `random`
# resource plugins, reusing what is there and building the rest from Go modules
# (no prebuilt binary can be downloaded here):
#   - a `pulumi` / `pulumi-language-nodejs` on PATH is reused; otherwise they are
#     built from modules the Go module proxy serves. The proxy here is a
#     filtered mirror: only some versions are served (no `@v/list`, no
#     pseudo-versions), hence the pinned versions below.
#       CLI:           github.com/pulumi/pulumi/pkg/v3 (newest served: 3.259.0)
#       language host: the separate pulumi-language-nodejs module is never
#                      served; sdk/v3 up to 3.68.0 still contains the package
#                      (newer sdk versions do not) and that host runs current
#                      @pulumi/pulumi (3.270 on Node 24) fine.
#   - the plugins, at the versions package.json pins, in $PULUMI_HOME/plugins:
#     one already installed there is reused (the official one, or ours from the
#     same sources); else the official one from ~/.pulumi/plugins when
#     PULUMI_HOME is elsewhere (the tests' private home); else `pulumi plugin
#     install` downloads it where it can; else the real provider code is built
#     here: the upstream Terraform providers through the project's bridge
#     (build-providers.sh, providers/). DSENV_PROVIDERS=bridged skips the
#     official ones.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

. "$TOOLCHAIN_DIR/plugins.sh"
BUILD="$CACHE/pulumi/build"
mkdir -p "$BIN" "$BUILD"

# Our bin dir goes first on PATH for everything below, so that a CLI or
# language host built earlier counts as "already there".
export PATH="$BIN:$PATH"

# ---------------------------------------------------------------- builds
# Each build runs in the background with its own log; every 15 s the wait says
# which are still running and how far their logs have got (`go build -v` and
# `go mod` write a line per compiled package or downloaded module). Cold on 2
# cores: the CLI ~12 min, the providers ~8 min (together ~15 min).
declare -A JOBS=()
start_build() { # name log cmd...
  local name="$1" logf="$2"; shift 2
  log "pulumi: building $name in the background (log: $logf)"
  ( "$@" ) >"$logf" 2>&1 &
  JOBS[$name]="$!:$logf"
}
wait_builds() {
  local name pid logf failed=0 t0 n=0; t0=$(date +%s)
  while :; do
    local running=()
    for name in "${!JOBS[@]}"; do
      pid="${JOBS[$name]%%:*}"; logf="${JOBS[$name]#*:}"
      kill -0 "$pid" 2>/dev/null && running+=("$name: $(wc -l <"$logf" | tr -d ' ') packages/modules")
    done
    [ ${#running[@]} -eq 0 ] && break
    sleep 1
    n=$((n + 1))
    if [ $((n % 15)) -eq 0 ]; then
      local IFS=';'
      log "pulumi: still building ($(( $(date +%s) - t0 ))s; cold: CLI ~12 min, providers ~8 min): ${running[*]}"
    fi
  done
  for name in "${!JOBS[@]}"; do
    pid="${JOBS[$name]%%:*}"; logf="${JOBS[$name]#*:}"
    if ! wait "$pid"; then
      echo "---- last lines of $logf ----" >&2; tail -n 25 "$logf" >&2
      failed=1
    fi
  done
  JOBS=()
  [ $failed -eq 0 ] || die "pulumi: a build failed (see the logs above)"
}

# CLI: a wrapper module requiring pkg/v3 and sdk/v3 at the same version; pkg's
# own go.mod has replace directives that a dependency's go.mod cannot pass on,
# so the non-local ones are repeated here (read from the module cache).
build_cli() {
  local v="$CLI_VERSION" dir="$BUILD/pulumi-cli-$CLI_VERSION"
  mkdir -p "$dir"
  local gomod
  gomod="$(cd "$dir" && go_env mod download -json "github.com/pulumi/pulumi/pkg/v3@v$v" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')"
  [ -f "$gomod" ] || { echo "cannot download github.com/pulumi/pulumi/pkg/v3@v$v from the Go module proxy"; return 1; }
  {
    echo "module dsenv/pulumi-cli"
    echo
    grep -m1 '^go ' "$gomod"
    echo
    echo "require ("
    echo "	github.com/pulumi/pulumi/pkg/v3 v$v"
    echo "	github.com/pulumi/pulumi/sdk/v3 v$v"
    echo ")"
    echo
    # replace lines, single or in a block, minus local-path ones (=> ../sdk)
    awk '/^replace \(/ {b=1; next} b && /^\)/ {b=0; next}
         b {print "replace " $0; next} /^replace / {print}' "$gomod" \
      | sed 's/^replace[[:space:]]*/replace /' | grep -vE '=>[[:space:]]*\.'
  } >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >"$dir/tools.go"
  cd "$dir"
  go_env mod tidy
  go_env build -v -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v" \
    -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$BIN/pulumi.tmp" "$BIN/pulumi"
}

build_langhost() {
  local v="$LANGHOST_SDK_VERSION" dir="$BUILD/pulumi-language-nodejs-$LANGHOST_SDK_VERSION"
  local pkg=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
  mkdir -p "$dir"
  printf 'module dsenv/pulumi-language-nodejs\n\ngo 1.20\n\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n' "$v" >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" >"$dir/tools.go"
  cd "$dir"
  go_env mod tidy
  go_env build -v -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v" \
    -o "$BIN/pulumi-language-nodejs.tmp" "$pkg"
  mv "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
  echo "$v" >"$BIN/.pulumi-language-nodejs.version"
}

build_bridged() {
  "$TOOLCHAIN_DIR/build-providers.sh" "$BRIDGE_OUT.tmp" "$DOCKER_PROVIDER_VERSION" "$RANDOM_PROVIDER_VERSION"
  rm -rf "$BRIDGE_OUT" && mv "$BRIDGE_OUT.tmp" "$BRIDGE_OUT"
}

# ---------------------------------------------------------------- decide
# A CLI we built for another pinned version is rebuilt; anyone else's is reused.
if cli_ok && { [ "$(command -v pulumi)" != "$BIN/pulumi" ] || [ "$(pulumi version)" = "v$CLI_VERSION" ]; }; then
  log "pulumi: CLI $(pulumi version) at $(command -v pulumi), reusing it"
else
  start_build "pulumi CLI v$CLI_VERSION" "$CACHE/logs/build-pulumi-cli.log" build_cli
fi

if have pulumi-language-nodejs && { [ "$(command -v pulumi-language-nodejs)" != "$BIN/pulumi-language-nodejs" ] \
     || [ "$(cat "$BIN/.pulumi-language-nodejs.version" 2>/dev/null)" = "$LANGHOST_SDK_VERSION" ]; }; then
  log "pulumi: language host at $(command -v pulumi-language-nodejs), reusing it"
else
  start_build "pulumi-language-nodejs (sdk v$LANGHOST_SDK_VERSION)" "$CACHE/logs/build-pulumi-language-nodejs.log" build_langhost
fi

declare -a TO_BRIDGE=()
for spec in "${PLUGIN_SPECS[@]}"; do
  pkg="${spec%%:*}"; ver="${spec#*:}"
  case "$(plugin_state "$pkg" "$ver")" in
    official) log "pulumi: provider $pkg v$ver installed (official), reusing it" ;;
    current)  log "pulumi: provider $pkg v$ver installed (bridged here from upstream), up to date" ;;
    stale)    TO_BRIDGE+=("$spec") ;;
    test-build) die "pulumi: $(test_build_refusal "$pkg" "$ver")" ;;
    missing)  install_official "$pkg" "$ver" || TO_BRIDGE+=("$spec") ;;
  esac
done
if [ ${#TO_BRIDGE[@]} -gt 0 ] && [ ! -x "$BRIDGE_OUT/bin/pulumi-resource-random" ]; then
  start_build "docker and random providers from upstream (bridge)" "$CACHE/logs/build-providers.log" build_bridged
fi

[ ${#JOBS[@]} -eq 0 ] || wait_builds
cli_ok || die "pulumi: no working pulumi CLI after the build (see $CACHE/logs/build-pulumi-cli.log)"

# The host of a Node.js program's dynamic providers (e.g. the swarm's membership
# steps): a script the official CLI archive ships beside pulumi, and that the
# SDK's Go module carries in nodejs/dist.
if ! have pulumi-resource-pulumi-nodejs; then
  dist="$( (cd "$BUILD" && go_env mod download -json "github.com/pulumi/pulumi/sdk/v3@v$LANGHOST_SDK_VERSION") | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')/nodejs/dist"
  [ -f "$dist/pulumi-resource-pulumi-nodejs" ] || die "pulumi: no pulumi-resource-pulumi-nodejs in $dist"
  install -m 0755 "$dist/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
  log "pulumi: dynamic-provider host pulumi-resource-pulumi-nodejs installed from sdk v$LANGHOST_SDK_VERSION"
fi

for spec in "${TO_BRIDGE[@]}"; do
  pkg="${spec%%:*}"; ver="${spec#*:}"
  install_built "$pkg" "$ver" "$BRIDGE_OUT/bin/pulumi-resource-$pkg" "$BRIDGED_MARKER"
done

# Older bridged builds are of no further use.
for d in "$CACHE"/providers/*; do
  [ -d "$d" ] && [ "$d" != "$BRIDGE_OUT" ] && rm -rf "$d"
done

{
  echo "case \":\$PATH:\" in *\":$BIN:\"*) ;; *) export PATH=\"$BIN:\$PATH\" ;; esac"
  # Every plugin the program needs is installed above: a download attempt at
  # `up` would only wait for a network that may not be there.
  echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
  echo "export PULUMI_SKIP_UPDATE_CHECK=true"
  # Node >= 22 keeps the compiled code of the modules a program loads: the Pulumi
  # SDK alone is ~1 s to load on 2 cores, ~0.8 s less with the cache.
  echo "export NODE_COMPILE_CACHE=\"$CACHE/node-compile-cache\""
  # plugins went to this PULUMI_HOME: pulumi must look there too
  if [ -n "${PULUMI_HOME:-}" ]; then echo "export PULUMI_HOME=\"$PULUMI_HOME\""; fi
} | write_env_fragment pulumi
log "pulumi: CLI $(pulumi version), language host $(command -v pulumi-language-nodejs)"
