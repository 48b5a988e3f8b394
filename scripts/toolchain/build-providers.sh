#!/usr/bin/env bash
# Builds the `docker` and `random` resource plugins from the upstream Terraform
# providers with the project's bridge module (scripts/toolchain/providers):
#   1. pulumi-tfgen-dsenv writes each provider's Pulumi schema and bridge metadata;
#   2. each plugin is built with them embedded, stamped with its version.
#
#   build-providers.sh OUT_DIR DOCKER_VERSION RANDOM_VERSION
#
# Works on a copy of the module under OUT_DIR (the generated files never land in
# the repo). Go's module and build caches are the user's defaults, so a rebuild
# after a small change of the mapping takes seconds, not minutes.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out="$1" docker_version="$2" random_version="$3"
src="$out/src"
rm -rf "$src" && mkdir -p "$src" "$out/bin"
cp -r "$TOOLCHAIN_DIR/providers/." "$src/"
cd "$src"

step() { log "providers: $*"; }
step "building pulumi-tfgen-dsenv (cold: minutes; it links Pulumi's code generators)"
go_env build -v -trimpath -ldflags "-s -w" -o "$out/bin/pulumi-tfgen-dsenv" ./cmd/pulumi-tfgen-dsenv

upstream_dir() { go_env list -m -f '{{.Dir}}' "$1"; }
generate() { # pkg version upstream-module
  step "writing the $1 schema (v$2)"
  "$out/bin/pulumi-tfgen-dsenv" "$1" "$2" "$(upstream_dir "$3")" schema --skip-examples --out "cmd/pulumi-resource-$1" \
    >"$out/tfgen-$1.log" 2>&1 || { tail -n 30 "$out/tfgen-$1.log" >&2; return 1; }
}
generate docker "$docker_version" github.com/terraform-providers/terraform-provider-docker
generate random "$random_version" github.com/terraform-providers/terraform-provider-random

for spec in "docker:$docker_version" "random:$random_version"; do
  pkg="${spec%%:*}" ver="${spec#*:}"
  step "building pulumi-resource-$pkg v$ver"
  go_env build -v -trimpath -ldflags "-s -w -X main.version=$ver" -o "$out/bin/pulumi-resource-$pkg" "./cmd/pulumi-resource-$pkg"
done
