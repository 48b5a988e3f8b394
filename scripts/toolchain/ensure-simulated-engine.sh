#!/usr/bin/env bash
# The Docker Engine that the e2e tests' simulated machines (lab servers, Azure
# VMs: dockerd in network namespaces, test/e2e/netns.ts) run: `dockerd` of
# Docker Engine v25.0.5, built from the Go module proxy. The machine's own
# engine (where images are built) stays what ensure-docker.sh gives.
#
# Why not Debian's docker.io 20.10.24 there: its vendored swarmkit removes a
# task that reserves a generic resource (NVIDIA-GPU) from its node at every
# node update (moby/moby#44378, docker/for-linux#1201: a `!` missing in
# constraintenforcer), e.g. when the node gets its attachment on an overlay
# network; such a service never runs ("assigned node no longer meets
# constraints"). Fixed in swarmkit 770a4d305, vendored from Docker 23.0.2. Real
# Azure VMs of this product install a current docker-ce.
#
# Why 25.0.5 and not 24.0.9: every 24.0.x after 24.0.1 (and 23.0.x) vendors
# buildkit, 24.0.0/24.0.1 swarmkit, at a pseudo-version that the module proxy
# refuses (403); 25.0.x needs only tagged or served versions. 25.0.5: its
# release commit and its Go version are known, both stamped below.
#
#   - source: `github.com/docker/docker@v25.0.5+incompatible` (moby has no
#     go.mod; the module zip holds no vendor/ code), copied with vendor.mod as
#     go.mod and vendor.sum as go.sum (what moby's hack/with-go-mod.sh does),
#     its dependencies from the proxy, checked against vendor.sum.
#   - Go 1.21.8, the release's (`golang.org/toolchain` through the proxy):
#     GOTOOLCHAIN picks it for this build only.
#   - flags as moby's static `binary-daemon` (hack/make.sh, hack/make/.binary):
#     CGO on, tags `netgo osusergo static_build`, `-w -extldflags -static`,
#     dockerversion.Version/GitCommit/BuildTime stamped (the release's commit,
#     the commit's time). Left out: the `journald` tag (moby adds it where
#     libsystemd-dev is installed; it is not here, and no test logs to journald).
#   - at run time it uses Debian's containerd, containerd-shim-runc-v2, runc,
#     docker-proxy and docker-init from PATH (/usr/bin, /usr/sbin).
#
# The binary goes to $CACHE/simulated-engine/v<version>/dockerd with a stamp
# (hash of this script and the versions): a second run only checks it (~0.1 s).
# Cold on 2 cores (empty module and build caches): ~2.5 min, 243 MB downloaded,
# 1.3 GB peak memory (scripts/toolchain/README.md).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENGINE_VERSION=25.0.5
ENGINE_COMMIT=e63daec                      # moby's v25.0.5 tag (short, as hack/make.sh stamps it)
ENGINE_BUILDTIME=2024-03-19T14:12:29Z      # its commit time (the module's .info Time)
ENGINE_GO=go1.21.8
MODULE=github.com/docker/docker

DIR="$CACHE/simulated-engine/v$ENGINE_VERSION"
BIN="$DIR/dockerd"
STAMP="$DIR/.built"
want_hash="$( (cat "${BASH_SOURCE[0]}"; echo "$ENGINE_VERSION $ENGINE_COMMIT $ENGINE_GO") | sha256sum | cut -c1-16)"

write_env() {
  echo "export DSENV_SIMULATED_DOCKERD=\"$BIN\"" | write_env_fragment simulated-engine
}
built_version() { "$BIN" --version 2>/dev/null | sed -n 's/^Docker version \([^,]*\),.*/\1/p'; }

if [ "$(cat "$STAMP" 2>/dev/null)" = "$want_hash" ] && [ "$(built_version)" = "$ENGINE_VERSION" ]; then
  write_env
  log "simulated-engine: $("$BIN" --version) in $BIN, reusing it"
  exit 0
fi
[ -n "$GO" ] || die "simulated-engine: no Go toolchain (go >= 1.21 on PATH or in /usr/local/go) to fetch $ENGINE_GO with"
rm -f "$STAMP"
mkdir -p "$DIR"

# The go command of this build: the pinned toolchain (fetched through the
# proxy by the machine's go), modules checked against vendor.sum only; at the
# lowest CPU priority (the machine's other work goes first).
engine_go() { nice -n 19 env GOTOOLCHAIN="$ENGINE_GO" GOFLAGS="-mod=readonly -buildvcs=false" "$GO" "$@"; }

build() {
  local src="$DIR/src" zipdir
  zipdir="$(cd "$DIR" && engine_go mod download -json "$MODULE@v$ENGINE_VERSION+incompatible" \
    | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')"
  [ -f "$zipdir/vendor.mod" ] || { echo "cannot download $MODULE@v$ENGINE_VERSION+incompatible from the Go module proxy"; return 1; }
  rm -rf "$src" && cp -r "$zipdir" "$src" && chmod -R u+w "$src" \
    && mv "$src/vendor.mod" "$src/go.mod" && mv "$src/vendor.sum" "$src/go.sum" \
    && rm -rf "$src/vendor" || return 1 # vendor/: only modules.txt (a module zip leaves vendored code out)
  (cd "$src" && engine_go version \
    && GOGC=1000 CGO_ENABLED=1 engine_go build -v -tags "netgo osusergo static_build" \
      -ldflags "-w -extldflags -static \
        -X $MODULE/dockerversion.Version=$ENGINE_VERSION \
        -X $MODULE/dockerversion.GitCommit=$ENGINE_COMMIT \
        -X $MODULE/dockerversion.BuildTime=$ENGINE_BUILDTIME" \
      -o "$BIN.tmp" ./cmd/dockerd) || return 1
  mv "$BIN.tmp" "$BIN" && rm -rf "$src"
}

logf="$CACHE/logs/build-simulated-engine.log"
t0=$(date +%s)
log "simulated-engine: building dockerd of Docker Engine v$ENGINE_VERSION with $ENGINE_GO (cold: ~3 min; log: $logf)"
with_progress "simulated-engine: dockerd v$ENGINE_VERSION" "$logf" "packages/modules" build \
  || { echo "---- last lines of $logf ----" >&2; tail -n 25 "$logf" >&2; die "simulated-engine: building dockerd failed"; }
[ "$(built_version)" = "$ENGINE_VERSION" ] || die "simulated-engine: $BIN does not say it is $ENGINE_VERSION ($("$BIN" --version 2>&1 | head -n1))"
echo "$want_hash" >"$STAMP"
write_env
log "simulated-engine: $("$BIN" --version) built in $(( $(date +%s) - t0 ))s: $BIN"
