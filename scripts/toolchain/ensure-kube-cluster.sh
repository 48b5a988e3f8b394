#!/usr/bin/env bash
# The e2e tests' single-node Kubernetes cluster (test/e2e/kube-cluster.ts):
# its binaries and images. Not a default part: only the Kubernetes e2e tests
# ask for it (scripts/test.sh).
#
#   - Kubernetes v1.37.2 (kube-apiserver, kube-controller-manager,
#     kube-scheduler, kubelet, kube-proxy) and CoreDNS v1.15.0 (its
#     kubernetes, cache and errors plugins: Service names inside pods) as ONE
#     multi-call binary, `kube <component> [flags]` (kube-cluster/main.go):
#     one link instead of six, the shared packages compiled once.
#   - from the Go module proxy with a wrapper module: `k8s.io/kubernetes`'s
#     go.mod replaces its staging modules (k8s.io/api, client-go, ...) with
#     `./staging/...` paths that a module zip does not hold; the wrapper
#     replaces each with its published v0.37.2 instead (read from upstream's
#     go.mod: the list follows the version), and keeps upstream's `godebug`.
#     CoreDNS v1.15.0 asks for the v0.37.1 staging modules: the same API.
#     `-trimpath -ldflags "-s -w"`, the version stamped as upstream's build
#     does (component-base and client-go's version packages).
#   - the sandbox ("pause") image: upstream's pause.c (in the module zip,
#     build/pause/linux) compiled static here, packed as an OCI image archive
#     (`localhost/dsenv/pause:<version>`) that the cluster imports into its
#     containerd (no image is ever pulled from a public registry).
#   - Debian's etcd-server (3.4), containerd, runc, containernetworking-plugins
#     (bridge, host-local, loopback), conntrack, nftables (kube-proxy's mode).
#
# Everything goes to $CACHE/kube-cluster/v<version>; a stamp (hash of this
# script, main.go and the versions) makes a second run only check (~0.1 s).
# Cold on 2 cores, empty module and build caches: 881 s of CPU (26 min wall on
# a machine busy with other builds, ~7.5 min idle), 3.6 GB peak (the link),
# 145 MB binary (scripts/toolchain/README.md).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBE_VERSION=1.37.2
COREDNS_VERSION=1.15.0
KUBE_GO_MIN=1.26 # k8s.io/kubernetes v1.37's go.mod: go 1.26.0

DIR="$CACHE/kube-cluster/v$KUBE_VERSION"
BIN="$DIR/kube"
PAUSE_IMAGE="localhost/dsenv/pause:$KUBE_VERSION"
PAUSE_TAR="$DIR/pause.oci.tar"
STAMP="$DIR/.built"
MAIN_GO="$TOOLCHAIN_DIR/kube-cluster/main.go"
want_hash="$( (cat "${BASH_SOURCE[0]}" "$MAIN_GO"; echo "$KUBE_VERSION $COREDNS_VERSION") | sha256sum | cut -c1-16)"

write_env() {
  {
    echo "export DSENV_KUBE=\"$BIN\""
    echo "export DSENV_KUBE_VERSION=\"v$KUBE_VERSION\""
    echo "export DSENV_KUBE_PAUSE_IMAGE=\"$PAUSE_IMAGE\""
    echo "export DSENV_KUBE_PAUSE_TAR=\"$PAUSE_TAR\""
  } | write_env_fragment kube-cluster
}
built_version() { "$BIN" kubelet --version 2>/dev/null | sed -n 's/^Kubernetes v\(.*\)$/\1/p'; }

# Debian's parts (each checked: a second run calls no apt).
apt_install etcd-server containerd runc containernetworking-plugins conntrack nftables iproute2 openssl

if [ "$(cat "$STAMP" 2>/dev/null)" = "$want_hash" ] && [ "$(built_version)" = "$KUBE_VERSION" ] && [ -f "$PAUSE_TAR" ]; then
  write_env
  log "kube-cluster: Kubernetes v$KUBE_VERSION + CoreDNS v$COREDNS_VERSION in $BIN, reusing it"
  exit 0
fi
[ -n "$GO" ] || die "kube-cluster: no Go toolchain (go >= $KUBE_GO_MIN on PATH or in /usr/local/go)"
have gcc || apt_install gcc libc6-dev
rm -f "$STAMP"
mkdir -p "$DIR"

# At the lowest CPU priority (the machine's other work goes first).
kube_go() { nice -n 19 env GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local "$GO" "$@"; }

# The wrapper module: upstream's staging replaces turned into published
# versions (k8s.io/X => ./staging/src/k8s.io/X  becomes  k8s.io/X => k8s.io/X v0.<minor>.<patch>).
write_go_mod() { # upstream go.mod
  local staging="v0.${KUBE_VERSION#*.}"
  echo "// Written by scripts/toolchain/ensure-kube-cluster.sh from k8s.io/kubernetes v$KUBE_VERSION's go.mod."
  echo "module dsenv.local/kube-cluster"
  echo
  echo "go 1.26.0"
  echo
  grep '^godebug ' "$1" || true
  echo
  echo "require ("
  echo "	k8s.io/kubernetes v$KUBE_VERSION"
  echo "	github.com/coredns/coredns v$COREDNS_VERSION"
  echo ")"
  echo
  echo "replace ("
  # sample-* staging modules are not needed and the proxy refuses them.
  sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/k8s\.io/[a-z0-9-]*$#\1#p' "$1" \
    | grep -v '^k8s.io/sample-' | while read -r m; do echo "	$m => $m $staging"; done
  echo ")"
}

build() {
  local src="$DIR/build" json kmod kdir ver="v$KUBE_VERSION"
  rm -rf "$src" && mkdir -p "$src" && cp "$MAIN_GO" "$src/main.go" || return 1
  json="$(cd "$src" && kube_go mod download -json "k8s.io/kubernetes@$ver")" || return 1
  kmod="$(sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p' <<<"$json")"
  kdir="$(sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p' <<<"$json")"
  if [ ! -f "$kmod" ] || [ ! -f "$kdir/build/pause/linux/pause.c" ]; then
    echo "cannot download k8s.io/kubernetes@$ver from the Go module proxy"; return 1
  fi
  write_go_mod "$kmod" >"$src/go.mod" || return 1
  echo "---- go.mod"; cat "$src/go.mod"
  local x="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $p.gitVersion=$ver -X $p.gitMajor=${KUBE_VERSION%%.*} -X $p.gitMinor=$(cut -d. -f2 <<<"$KUBE_VERSION") -X $p.gitTreeState=clean"
  done
  (cd "$src" && kube_go version && kube_go mod tidy \
    && GOGC=400 kube_go build -v -trimpath -ldflags "-s -w$x" -o "$BIN.tmp" .) || return 1
  mv "$BIN.tmp" "$BIN"

  # The pause image: one static binary as an OCI image archive (layout:
  # oci-layout, index.json, blobs/sha256/...), what `ctr images import` takes.
  local oci="$DIR/pause-oci" layer cfg man
  rm -rf "$oci" && mkdir -p "$oci/rootfs" "$oci/image/blobs/sha256" || return 1
  gcc -Os -static -DVERSION="$ver" -o "$oci/rootfs/pause" "$kdir/build/pause/linux/pause.c" && strip "$oci/rootfs/pause" || return 1
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$oci/rootfs" -cf "$oci/layer.tar" pause || return 1
  layer="$(sha256sum <"$oci/layer.tar" | cut -d' ' -f1)"
  mv "$oci/layer.tar" "$oci/image/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer" >"$oci/config.json"
  cfg="$(sha256sum <"$oci/config.json" | cut -d' ' -f1)"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$cfg" "$(stat -c %s "$oci/config.json")" "$layer" "$(stat -c %s "$oci/image/blobs/sha256/$layer")" >"$oci/manifest.json"
  mv "$oci/config.json" "$oci/image/blobs/sha256/$cfg"
  man="$(sha256sum <"$oci/manifest.json" | cut -d' ' -f1)"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$man" "$(stat -c %s "$oci/manifest.json")" "$PAUSE_IMAGE" "$PAUSE_IMAGE" >"$oci/image/index.json"
  mv "$oci/manifest.json" "$oci/image/blobs/sha256/$man"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/image/oci-layout"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$oci/image" -cf "$PAUSE_TAR.tmp" . && mv "$PAUSE_TAR.tmp" "$PAUSE_TAR" || return 1
  rm -rf "$oci" "$src"
}

logf="$CACHE/logs/build-kube-cluster.log"
t0=$(date +%s)
log "kube-cluster: building Kubernetes v$KUBE_VERSION + CoreDNS v$COREDNS_VERSION as one binary (cold: ~8 min on 2 idle cores; log: $logf)"
with_progress "kube-cluster: kube v$KUBE_VERSION" "$logf" "packages/modules" build \
  || { echo "---- last lines of $logf ----" >&2; tail -n 25 "$logf" >&2; die "kube-cluster: building failed"; }
[ "$(built_version)" = "$KUBE_VERSION" ] || die "kube-cluster: $BIN does not say it is v$KUBE_VERSION ($("$BIN" kubelet --version 2>&1 | head -n1))"
echo "$want_hash" >"$STAMP"
write_env
log "kube-cluster: Kubernetes v$KUBE_VERSION + CoreDNS v$COREDNS_VERSION built in $(( $(date +%s) - t0 ))s: $BIN ($(du -m "$BIN" | cut -f1) MB)"
