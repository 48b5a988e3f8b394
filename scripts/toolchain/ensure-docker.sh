#!/usr/bin/env bash
# Make a Docker engine answer: reuse whatever already does (DOCKER_HOST or the
# default socket), otherwise install Debian's docker.io and start dockerd in the
# background. There is no systemd on these machines, hence setsid + a log file.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKERD_LOG="$CACHE/dockerd.log"
DOCKERD_TIMEOUT="${DSENV_DOCKERD_TIMEOUT:-60}"

if docker info >/dev/null 2>&1; then
  log "docker: engine answers ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?')), reusing it"
  write_env_fragment docker </dev/null
  exit 0
fi

# A DOCKER_HOST that points elsewhere is someone's explicit choice: starting a
# local daemon would not make that address answer, so say so instead.
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
  die "docker: DOCKER_HOST=$DOCKER_HOST does not answer; unset it to use a local engine"
fi

have dockerd || apt_install docker.io
have docker || die "docker: no docker client on PATH even after installing docker.io"

# A daemon may be starting already (another run, or a crashed one left its pid
# file): only start one when no dockerd process is alive.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "docker: starting dockerd (log: $DOCKERD_LOG)"
  start_daemon "$DOCKERD_LOG" as_root setsid dockerd
fi

if ! wait_for "$DOCKERD_TIMEOUT" docker info; then
  echo "---- last lines of $DOCKERD_LOG ----" >&2
  tail -n 30 "$DOCKERD_LOG" >&2 || true
  die "docker: dockerd did not answer within ${DOCKERD_TIMEOUT}s"
fi
log "docker: engine up ($(docker version -f '{{.Server.Version}}'))"
write_env_fragment docker </dev/null
