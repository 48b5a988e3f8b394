#!/usr/bin/env bash
# A local image registry on 127.0.0.1:5000 (Debian's docker-registry, i.e.
# distribution 2.8) for tests that push images and read back RepoDigests.
# Plain HTTP is fine: Docker trusts 127.0.0.1 registries without TLS.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ADDR="${DSENV_REGISTRY_ADDR:-127.0.0.1:5000}"
DIR="$CACHE/registry"
CONF="$DIR/config.yml"
LOGF="$CACHE/registry.log"

answers() { curl -fs -o /dev/null --max-time 2 "http://$ADDR/v2/"; }

if answers; then
  log "registry: http://$ADDR/v2/ answers, reusing it"
else
  have curl || apt_install curl
  have docker-registry || [ -x /usr/bin/docker-registry ] || apt_install docker-registry
  mkdir -p "$DIR/data"
  # Written every time so the storage path follows $CACHE.
  cat >"$CONF" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
http:
  addr: $ADDR
YAML
  log "registry: starting on $ADDR (log: $LOGF)"
  setsid /usr/bin/docker-registry serve "$CONF" >"$LOGF" 2>&1 </dev/null &
  if ! wait_for 30 answers; then
    tail -n 20 "$LOGF" >&2 || true
    die "registry: http://$ADDR/v2/ did not answer within 30s"
  fi
  log "registry: up"
fi
write_env_fragment registry <<ENV
export DSENV_REGISTRY=$ADDR
ENV
