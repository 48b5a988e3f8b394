#!/usr/bin/env bash
# The Pulumi CLI, the Node.js language host and the `docker` and `random`
# resource plugins, without downloading any prebuilt binary (nothing outside
# the package registries can be reached here):
#   - reuse a `pulumi` / `pulumi-language-nodejs` on PATH and plugins already
#     under $PULUMI_HOME/plugins;
#   - otherwise build them with Go from modules served by the Go module proxy.
#     The proxy here is a filtered mirror: only some versions are served (no
#     `@v/list`, no pseudo-versions), hence the pinned versions below.
#       CLI:           github.com/pulumi/pulumi/pkg/v3 (newest served: 3.259.0)
#       language host: the separate pulumi-language-nodejs module is never
#                      served; sdk/v3 up to 3.68.0 still contains the package
#                      (newer sdk versions do not) and that host runs current
#                      @pulumi/pulumi (3.270 on Node 24) fine.
#       providers:     no version of pulumi-docker / pulumi-random (nor the
#                      terraform providers they bridge) is served. With
#                      DSENV_STANDIN_PROVIDERS=1 (the tests and the benchmark)
#                      the project's stand-ins from
#                      test/e2e/standins/pulumi-providers are installed under
#                      the versions the project's npm packages pin; otherwise
#                      plugins are left to pulumi (it downloads the real ones).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Versions follow package.json: the CLI the SDK's, the plugins the npm packages'.
pinned() { sed -n "s/.*\"@pulumi\/$1\": *\"\([0-9.]*\)\".*/\1/p" "$REPO_ROOT/package.json"; }
CLI_VERSION="${DSENV_PULUMI_VERSION:-$(pinned pulumi)}"
LANGHOST_SDK_VERSION="${DSENV_PULUMI_LANGHOST_SDK_VERSION:-3.68.0}"
DOCKER_PROVIDER_VERSIONS="${DSENV_DOCKER_PROVIDER_VERSIONS:-$(pinned docker)}"
RANDOM_PROVIDER_VERSIONS="${DSENV_RANDOM_PROVIDER_VERSIONS:-$(pinned random)}"
[ -n "$CLI_VERSION" ] && [ -n "$DOCKER_PROVIDER_VERSIONS" ] && [ -n "$RANDOM_PROVIDER_VERSIONS" ] \
  || die "pulumi: cannot read the pinned @pulumi/pulumi, @pulumi/docker, @pulumi/random versions from $REPO_ROOT/package.json"

BIN="$CACHE/pulumi/bin"
BUILD="$CACHE/pulumi/build"
PLUGINS="${PULUMI_HOME:-$HOME/.pulumi}/plugins"
STANDINS_SRC="$REPO_ROOT/test/e2e/standins/pulumi-providers"
mkdir -p "$BIN" "$BUILD"

# Our bin dir goes first on PATH for everything below, so that a CLI or
# language host built earlier counts as "already there".
export PATH="$BIN:$PATH"

find_go() {
  if have go; then command -v go; elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; fi
}
GO="$(find_go)"
go_env() { # run go with the settings every build here needs
  [ -n "$GO" ] || die "pulumi: no Go toolchain (go >= 1.25 on PATH or in /usr/local/go) to build Pulumi with"
  # -mod=mod: the wrapper modules have no committed go.sum; -buildvcs=false:
  # the build dirs are not repositories. The module and build caches are the
  # user's defaults, so a second run compiles nothing.
  env GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local "$GO" "$@"
}

# ---------------------------------------------------------------- builds
# Each build runs in the background with its own log; we poll so a long
# (cold: ~6 min on 2 cores) build shows it is alive.
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
      pid="${JOBS[$name]%%:*}"
      kill -0 "$pid" 2>/dev/null && running+=("$name")
    done
    [ ${#running[@]} -eq 0 ] && break
    sleep 5
    n=$((n + 1))
    [ $((n % 12)) -eq 0 ] && log "pulumi: still building: ${running[*]} ($(( $(date +%s) - t0 ))s)"
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
  go_env build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v" \
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
  go_env build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$v" \
    -o "$BIN/pulumi-language-nodejs.tmp" "$pkg"
  mv "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
  echo "$v" >"$BIN/.pulumi-language-nodejs.version"
}

STANDINS_HASH="$(cd "$STANDINS_SRC" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
STANDINS_BIN="$CACHE/pulumi/standins-$STANDINS_HASH"
build_standins() {
  cd "$STANDINS_SRC"
  mkdir -p "$STANDINS_BIN.tmp"
  go_env build -trimpath -ldflags "-s -w" -o "$STANDINS_BIN.tmp/" ./cmd/pulumi-resource-docker ./cmd/pulumi-resource-random
  rm -rf "$STANDINS_BIN" && mv "$STANDINS_BIN.tmp" "$STANDINS_BIN"
}

# ---------------------------------------------------------------- decide
cli_ok() { have pulumi && pulumi version >/dev/null 2>&1; }
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

# A plugin directory without our marker is a real provider someone installed:
# reuse it. One with a marker of another hash is an older stand-in: replace it.
MARKER=".dsenv-standin"
plugin_state() { # pkg version -> real | current | stale | missing
  local d="$PLUGINS/resource-$1-v$2"
  if [ ! -x "$d/pulumi-resource-$1" ]; then echo missing
  elif [ ! -f "$d/$MARKER" ]; then echo real
  elif [ "$(cat "$d/$MARKER")" = "$STANDINS_HASH" ]; then echo current
  else echo stale; fi
}
# Stand-ins only where asked for (the tests, the benchmark): a user's `pulumi up`
# must get the real providers, which pulumi downloads itself where it can.
STANDINS_WANTED="${DSENV_STANDIN_PROVIDERS:-0}"
declare -a TO_INSTALL=()
[ "$STANDINS_WANTED" = 1 ] && for spec in $(for v in $DOCKER_PROVIDER_VERSIONS; do echo "docker:$v"; done; for v in $RANDOM_PROVIDER_VERSIONS; do echo "random:$v"; done); do
  pkg="${spec%%:*}"; ver="${spec#*:}"
  case "$(plugin_state "$pkg" "$ver")" in
    real)    log "pulumi: provider $pkg v$ver installed (not a stand-in), reusing it" ;;
    current) log "pulumi: stand-in provider $pkg v$ver up to date" ;;
    *)       TO_INSTALL+=("$spec") ;;
  esac
done
if [ ${#TO_INSTALL[@]} -gt 0 ] && [ ! -x "$STANDINS_BIN/pulumi-resource-docker" ]; then
  start_build "stand-in providers" "$CACHE/logs/build-standin-providers.log" build_standins
fi

[ ${#JOBS[@]} -eq 0 ] || wait_builds
cli_ok || die "pulumi: no working pulumi CLI after the build (see $CACHE/logs/build-pulumi-cli.log)"

for spec in "${TO_INSTALL[@]}"; do
  pkg="${spec%%:*}"; ver="${spec#*:}"
  log "pulumi: installing stand-in provider $pkg v$ver"
  pulumi plugin install resource "$pkg" "$ver" --reinstall --file "$STANDINS_BIN/pulumi-resource-$pkg" \
    >"$CACHE/logs/plugin-install-$pkg.log" 2>&1 \
    || die "pulumi: installing plugin $pkg v$ver failed, see $CACHE/logs/plugin-install-$pkg.log"
  echo "$STANDINS_HASH" >"$PLUGINS/resource-$pkg-v$ver/$MARKER"
done

# Older stand-in builds are of no further use.
for d in "$CACHE"/pulumi/standins-*; do
  [ "$d" = "$STANDINS_BIN" ] || rm -rf "$d"
done

{
  echo "case \":\$PATH:\" in *\":$BIN:\"*) ;; *) export PATH=\"$BIN:\$PATH\" ;; esac"
  if [ "$STANDINS_WANTED" = 1 ]; then
    echo "# Plugins can only come from what ensure-pulumi.sh installed: nothing can be downloaded here."
    echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
  fi
  echo "export PULUMI_SKIP_UPDATE_CHECK=true"
  # plugins went to this PULUMI_HOME: pulumi must look there too
  if [ -n "${PULUMI_HOME:-}" ]; then echo "export PULUMI_HOME=\"$PULUMI_HOME\""; fi
} | write_env_fragment pulumi
log "pulumi: CLI $(pulumi version), language host $(command -v pulumi-language-nodejs)"
