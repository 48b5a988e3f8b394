#!/usr/bin/env bash
# OpenTofu and the `docker` and `random` providers as OpenTofu plugins, for the
# benchmark's peer (scripts/bench.sh, bench/opentofu/): not needed by the
# program or its tests (scripts/test.sh does not ask for this part).
#
#   - `tofu` v1.10.10, built from the Go module proxy with a wrapper module:
#     upstream's go.mod has a `replace` (hcl/v2 => OpenTofu's fork), which a
#     plain `go install ...@version` refuses; the wrapper repeats it (read from
#     the module cache) and upstream's `godebug` lines.
#   - the providers from the SAME upstream modules and versions that the
#     project's bridged Pulumi plugins are built from (read from
#     providers/go.mod and providers/shims/random/go.mod), so both tools drive
#     the same provider code: kreuzwerker's docker provider (the v4.6.0 line,
#     its own `main`: plugin SDK v2 muxed with its framework part) and
#     hashicorp's random provider. (The bridge links the docker provider with
#     Pulumi's fork of the plugin SDK; an OpenTofu plugin needs the real one,
#     which is what upstream's go.mod requires.)
#   - installed offline: a filesystem mirror under a made-up host that needs no
#     registry (`dsenv.local/kreuzwerker/docker`, `dsenv.local/hashicorp/random`)
#     and a CLI config (`$CACHE/opentofu/tofurc`, exported as
#     TF_CLI_CONFIG_FILE) that installs providers from that mirror only.
#
# Everything goes to $CACHE/opentofu; a stamp (hash of this script and the
# versions) makes a second run only check and reuse (0.1 s). Cold on 2 cores,
# empty build cache (measured 2026-12-06 while three other Go builds shared the
# cores; about half that on a quiet machine): tofu 8.5 min, docker 3.2 min,
# random 33 s, one at a time (CPU-bound). A change of this script: ~10 s.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOFU_VERSION="${DSENV_TOFU_VERSION:-1.10.10}"
# The upstream modules, as the bridge pins them.
DOCKER_UPSTREAM="github.com/kreuzwerker/terraform-provider-docker"
DOCKER_MODVER="$(sed -n 's#^[[:space:]]*github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker \(v[^[:space:]]*\).*#\1#p' "$TOOLCHAIN_DIR/providers/go.mod" | head -n1)"
RANDOM_MODULE="github.com/terraform-providers/terraform-provider-random"
RANDOM_MODVER="$(sed -n 's#^[[:space:]]*github.com/terraform-providers/terraform-provider-random \(v[^[:space:]]*\)$#\1#p' "$TOOLCHAIN_DIR/providers/shims/random/go.mod" | head -n1)"
[ -n "$DOCKER_MODVER" ] && [ -n "$RANDOM_MODVER" ] \
  || die "tofu: cannot read the upstream provider versions from $TOOLCHAIN_DIR/providers/go.mod and shims/random/go.mod"
# The releases those commits belong to (upstream CHANGELOGs: docker's v4.6.0,
# random's 3.9.0): the versions the mirror offers. bench/opentofu/main.tf pins
# the same (change both together).
DOCKER_PLUGIN_VERSION=4.6.0
RANDOM_PLUGIN_VERSION=3.9.0

DIR="$CACHE/opentofu"
TBIN="$DIR/bin"
MIRROR="$DIR/mirror"
BUILD="$DIR/build"
RC="$DIR/tofurc"
STAMP="$DIR/.built"
platform=linux_amd64
case "$(uname -m)" in aarch64|arm64) platform=linux_arm64 ;; esac
docker_plugin="$MIRROR/dsenv.local/kreuzwerker/docker/$DOCKER_PLUGIN_VERSION/$platform/terraform-provider-docker_v$DOCKER_PLUGIN_VERSION"
random_plugin="$MIRROR/dsenv.local/hashicorp/random/$RANDOM_PLUGIN_VERSION/$platform/terraform-provider-random_v$RANDOM_PLUGIN_VERSION"

want_hash="$( (cat "${BASH_SOURCE[0]}"; echo "$TOFU_VERSION $DOCKER_MODVER $RANDOM_MODVER $DOCKER_PLUGIN_VERSION $RANDOM_PLUGIN_VERSION") | sha256sum | cut -c1-16)"

# The CLI config: providers only from the mirror (no `direct` block: nothing is
# ever asked of a registry). Used by every tofu run here too: the machine's
# environment may name a CLI config that does not exist (tofu then warns).
mkdir -p "$DIR"
cat >"$RC.tmp" <<EOF
# Written by scripts/toolchain/ensure-tofu.sh: providers from the local mirror only.
provider_installation {
  filesystem_mirror {
    path = "$MIRROR"
  }
}
EOF
mv "$RC.tmp" "$RC"
export TF_CLI_CONFIG_FILE="$RC"

write_env() {
  {
    echo "case \":\$PATH:\" in *\":$TBIN:\"*) ;; *) export PATH=\"$TBIN:\$PATH\" ;; esac"
    echo "export TF_CLI_CONFIG_FILE=\"$RC\""
    # What the mirror holds (scripts/bench.sh prints it).
    echo "export DSENV_TOFU_PLUGINS=\"docker $DOCKER_PLUGIN_VERSION ($DOCKER_UPSTREAM $DOCKER_MODVER), random $RANDOM_PLUGIN_VERSION ($RANDOM_MODULE $RANDOM_MODVER)\""
  } | write_env_fragment tofu
}

if [ "$(cat "$STAMP" 2>/dev/null)" = "$want_hash" ] && [ -x "$docker_plugin" ] && [ -x "$random_plugin" ] \
   && "$TBIN/tofu" version >/dev/null 2>&1; then
  write_env
  log "tofu: $("$TBIN/tofu" version | head -n1), docker $DOCKER_PLUGIN_VERSION and random $RANDOM_PLUGIN_VERSION plugins in $MIRROR, reusing them"
  exit 0
fi
[ -n "$GO" ] || die "tofu: no Go toolchain (go >= 1.25 on PATH or in /usr/local/go) to build OpenTofu with"
mkdir -p "$TBIN" "$BUILD"
rm -f "$STAMP"

# A wrapper module for the `main` package of a module whose go.mod has replace
# directives (which a dependency's go.mod cannot pass on): require it, repeat
# its `go` line, `godebug` lines and non-local replaces.
#   wrapper DIR MODULE VERSION PACKAGE [REQUIRE_AS]
# REQUIRE_AS: the path the module's own go.mod declares, when it differs from
# where it is fetched (required as that, replaced by MODULE VERSION).
wrapper() {
  local dir="$1" mod="$2" ver="$3" pkg="$4" as="${5:-}"
  mkdir -p "$dir"
  local gomod
  gomod="$(cd "$dir" && go_env mod download -json "$mod@$ver" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')"
  [ -f "$gomod" ] || { echo "cannot download $mod@$ver from the Go module proxy"; return 1; }
  {
    echo "module dsenv/tofu-wrapper"
    echo
    grep -m1 '^go ' "$gomod"
    grep '^godebug ' "$gomod" || true
    echo
    if [ -n "$as" ]; then
      echo "require $as v0.0.0-00010101000000-000000000000"
      echo
      echo "replace $as => $mod $ver"
    else
      echo "require $mod $ver"
    fi
    echo
    awk '/^replace \(/ {b=1; next} b && /^\)/ {b=0; next}
         b {print "replace " $0; next} /^replace / {print}' "$gomod" \
      | sed 's/^replace[[:space:]]*/replace /' | grep -vE '=>[[:space:]]*\.' || true
  } >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" >"$dir/tools.go"
  (cd "$dir" && go_env mod tidy)
}

build_tofu() {
  local dir="$BUILD/tofu-$TOFU_VERSION"
  wrapper "$dir" github.com/opentofu/opentofu "v$TOFU_VERSION" github.com/opentofu/opentofu/cmd/tofu
  cd "$dir"
  go_env build -v -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
    -o "$TBIN/tofu.tmp" github.com/opentofu/opentofu/cmd/tofu
  mv "$TBIN/tofu.tmp" "$TBIN/tofu"
}

# docker: kreuzwerker's go.mod declares the old module path
# (github.com/terraform-providers/terraform-provider-docker), so it is required
# under that path and replaced by the kreuzwerker module at the bridge's commit.
build_docker() {
  local dir="$BUILD/provider-docker-$DOCKER_MODVER" as=github.com/terraform-providers/terraform-provider-docker
  wrapper "$dir" "$DOCKER_UPSTREAM" "$DOCKER_MODVER" "$as" "$as"
  cd "$dir"
  mkdir -p "$(dirname "$docker_plugin")"
  go_env build -v -trimpath -ldflags "-s -w -X main.version=$DOCKER_PLUGIN_VERSION" -o "$docker_plugin.tmp" "$as"
  mv "$docker_plugin.tmp" "$docker_plugin"
}

build_random() {
  local dir="$BUILD/provider-random-$RANDOM_MODVER"
  wrapper "$dir" "$RANDOM_MODULE" "$RANDOM_MODVER" "$RANDOM_MODULE"
  cd "$dir"
  mkdir -p "$(dirname "$random_plugin")"
  go_env build -v -trimpath -ldflags "-s -w" -o "$random_plugin.tmp" "$RANDOM_MODULE"
  mv "$random_plugin.tmp" "$random_plugin"
}

step() { # name log what...
  local name="$1" logf="$2" t0; shift 2; t0=$(date +%s)
  log "tofu: building $name (log: $logf)"
  with_progress "tofu: $name" "$logf" "packages/modules" "$@" \
    || { echo "---- last lines of $logf ----" >&2; tail -n 25 "$logf" >&2; die "tofu: building $name failed"; }
  log "tofu: $name built in $(( $(date +%s) - t0 ))s"
}
if "$TBIN/tofu" version 2>/dev/null | grep -q "^OpenTofu v$TOFU_VERSION\$"; then
  log "tofu: OpenTofu v$TOFU_VERSION already built"
else
  step "OpenTofu v$TOFU_VERSION (cold: 3-9 min)" "$CACHE/logs/build-tofu.log" build_tofu
fi
step "docker provider v$DOCKER_PLUGIN_VERSION ($DOCKER_UPSTREAM $DOCKER_MODVER; cold: 2-3 min)" \
  "$CACHE/logs/build-tofu-provider-docker.log" build_docker
step "random provider v$RANDOM_PLUGIN_VERSION ($RANDOM_MODULE $RANDOM_MODVER)" \
  "$CACHE/logs/build-tofu-provider-random.log" build_random

echo "$want_hash" >"$STAMP"
write_env
log "tofu: $("$TBIN/tofu" version | head -n1), docker $DOCKER_PLUGIN_VERSION and random $RANDOM_PLUGIN_VERSION plugins in $MIRROR"
