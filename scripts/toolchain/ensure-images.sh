#!/usr/bin/env bash
# Local images for the end-to-end tests. No registry image can be pulled here,
# so a Debian base is bootstrapped from this machine's own apt mirror and the
# stand-ins in test/e2e/standins/*/Dockerfile are built on top of it (classic builder: no
# buildx in Debian 12). Every image carries a content-hash label; a build is
# skipped when an image with the same label already exists.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUITE="${DSENV_DEBIAN_SUITE:-bookworm}"
BASE_IMAGE="dsenv/debian:$SUITE"
STANDINS_DIR="$REPO_ROOT/test/e2e/standins"
LABEL=dsenv.content-hash

docker info >/dev/null 2>&1 || die "images: no Docker engine answers; run ensure-docker.sh first"

image_hash() { docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }

# The Debian mirror this machine already uses, read from its apt sources at run
# time (deb822 .sources stanzas and one-line .list entries). Only a mirror that
# serves the plain "$SUITE" suite qualifies (not -security / -updates).
debian_mirror() {
  if [ -n "${DSENV_DEBIAN_MIRROR:-}" ]; then echo "$DSENV_DEBIAN_MIRROR"; return; fi
  local files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v suite="$SUITE" '
    /^[[:space:]]*#/ { next }
    # one-line format: deb [options] URI SUITE COMPONENTS...
    $1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                  if ($(i+1) == suite) { print $i; exit } next }
    # deb822 format: stanzas separated by blank lines
    /^URIs:/   { uris = $2 }
    /^Suites:/ { for (j = 2; j <= NF; j++) if ($j == suite) ok = 1 }
    /^[[:space:]]*$/ { if (ok && uris != "") { print uris; exit } uris = ""; ok = 0 }
    END { if (ok && uris != "") print uris }
  ' "${files[@]}" | head -n1
}

# The CAs this machine trusts ($TRUST_STORE) go into the base image: where the
# way out to the package registries is a TLS proxy with its own CA (as here),
# builds that fetch from PyPI or npm need it as much as this machine does.
ensure_base() {
  local want
  want="$( { printf 'mmdebstrap minbase %s v2\n' "$SUITE"; cat "$TRUST_STORE" 2>/dev/null; } | sha256sum | cut -c1-16)"
  if [ "$(image_hash "$BASE_IMAGE")" = "$want" ]; then
    log "images: $BASE_IMAGE present"
    return
  fi
  local mirror; mirror="$(debian_mirror)"
  [ -n "$mirror" ] || die "images: no Debian mirror serving '$SUITE' found in /etc/apt/sources.list(.d); set DSENV_DEBIAN_MIRROR"
  have mmdebstrap || apt_install mmdebstrap
  local tar="$CACHE/images/debian-$SUITE.tar" logf="$CACHE/logs/mmdebstrap-$SUITE.log"
  mkdir -p "$CACHE/images"
  log "images: bootstrapping $BASE_IMAGE with mmdebstrap (log: $logf)"
  # mmdebstrap picks the output format from the file name: keep the .tar suffix.
  rm -f "$tar"
  local trust=()
  [ -s "$TRUST_STORE" ] && trust=(--include=ca-certificates
    --customize-hook="cp $TRUST_STORE \"\$1/usr/local/share/ca-certificates/machine-trust.crt\""
    --customize-hook='chroot "$1" update-ca-certificates')
  with_progress "images: mmdebstrap $SUITE (~2 min)" "$logf" "lines of output" \
    mmdebstrap --variant=minbase "${trust[@]}" "$SUITE" "$tar" "$mirror" \
    || { rm -rf "$tar"; tail -n 20 "$logf" >&2; die "images: mmdebstrap failed, see $logf"; }
  docker import --change "LABEL $LABEL=$want" --change 'CMD ["bash"]' "$tar" "$BASE_IMAGE" >/dev/null
  rm -f "$tar"   # the image holds it now; 170 MB is not worth keeping twice
  log "images: $BASE_IMAGE imported"
}

# Build test/e2e/standins/<dir> as <image> unless an image with the same
# content hash (the directory's files + the base image id) exists already.
ensure_standin() { # dir image
  local dir="$STANDINS_DIR/$1" image="$2" want
  [ -f "$dir/Dockerfile" ] || die "images: $dir/Dockerfile missing"
  want="$( { docker image inspect -f '{{.Id}}' "$BASE_IMAGE";
             (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); } \
           | sha256sum | cut -c1-16)"
  if [ "$(image_hash "$image")" = "$want" ]; then
    log "images: $image up to date"
    return
  fi
  local logf="$CACHE/logs/build-${1}.log"
  log "images: building $image (log: $logf)"
  with_progress "images: building $image" "$logf" "lines of build output" \
    env DOCKER_BUILDKIT=0 docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" --label "$LABEL=$want" -t "$image" "$dir" \
    || { tail -n 30 "$logf" >&2; die "images: building $image failed, see $logf"; }
  log "images: $image built"
}

ensure_base
# Every test/e2e/standins/<name>/Dockerfile becomes dsenv/<name>-standin:test
# (DSENV_STANDINS="mysql jupyter" restricts the set).
for dir in "$STANDINS_DIR"/*/; do
  name="$(basename "$dir")"
  [ -f "$dir/Dockerfile" ] || continue
  if [ -n "${DSENV_STANDINS:-}" ] && [[ " $DSENV_STANDINS " != *" $name "* ]]; then continue; fi
  ensure_standin "$name" "dsenv/$name-standin:test"
done
write_env_fragment images </dev/null
