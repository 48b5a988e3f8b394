# shellcheck shell=bash
# Shared helpers for the scripts/toolchain/ensure-*.sh parts. Sourced, never run.
#
# Everything the toolchain builds or downloads lives in $CACHE (outside the
# repo, shared between checkouts), so a second run only checks and reuses.

CACHE="${DSENV_CACHE:-$HOME/.cache/ds-envs}"
mkdir -p "$CACHE/env.d" "$CACHE/logs"
TOOLCHAIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$TOOLCHAIN_DIR/../lib/progress.sh"
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_ROOT="$(cd "$TOOLCHAIN_DIR/../.." && pwd)"

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Run as root directly, otherwise through sudo when there is one.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif have sudo; then sudo "$@"
  else die "need root for: $* (no sudo available)"; fi
}

# Start a long-running daemon (LOG, then its command, which may begin with a
# function such as as_root) in the background; a command that begins or goes
# on with `setsid` outlives this script and the caller's shell in a session of
# its own. It keeps none of the caller's open files:
# not a lock the caller took with flock, nor the pipe of a caller's $(...),
# which would otherwise wait as long as the daemon lives. Hence the loop, and
# exec for the redirections: on the command itself, bash would keep copies of
# the old descriptors for as long as it waits for the daemon.
start_daemon() {
  local log=$1
  shift
  (
    for open in "/proc/$BASHPID/fd/"*; do
      fd=${open##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec >"$log" 2>&1 </dev/null
    # A program replaces this shell ($! is then the daemon's pid); a function runs in it.
    if [ "$(type -t "$1")" = function ]; then "$@"; else exec "$@"; fi
  ) &
}

# apt-get update at most once per hour across all parts: the package lists are
# what makes `apt-get install` work at all on a fresh machine, but refreshing
# them costs ~10 s that a warm run must not pay.
_APT_UPDATED=""
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local stamp="$CACHE/.apt-updated"
  if [ -z "$_APT_UPDATED" ] && { [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +60 2>/dev/null)" ]; }; then
    log "apt-get update"
    with_progress "apt-get update" "$CACHE/logs/apt-update.log" "lines of apt output" as_root apt-get update \
      || die "apt-get update failed, see $CACHE/logs/apt-update.log"
    touch "$stamp"; _APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  with_progress "apt-get install ${missing[*]}" "$CACHE/logs/apt-install.log" "lines of apt output" \
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed, see $CACHE/logs/apt-install.log"
}

# Each part writes the environment its tools need into $CACHE/env.d/<part>.sh;
# ensure.sh concatenates them into $CACHE/env.sh.
write_env_fragment() { # name, then lines on stdin
  local f="$CACHE/env.d/$1.sh"
  cat >"$f.tmp" && mv "$f.tmp" "$f"
}

# Wait until a command succeeds or time runs out. usage: wait_for SECONDS cmd...
wait_for() {
  local t0; t0=$(date +%s)
  local deadline=$(( t0 + $1 )) next=$(( t0 + 15 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    if [ "$(date +%s)" -ge "$next" ]; then
      log "waiting for \`$*\` to succeed ($(( $(date +%s) - t0 ))s of at most $(( deadline - t0 ))s)"
      next=$(( next + 15 ))
    fi
    sleep 0.5
  done
}

# The CAs this machine trusts (Debian's bundle): copied into the stand-in base
# image, and the base of the tests' SSL_CERT_FILE bundle.
# shellcheck disable=SC2034 # used by the scripts that source this file
TRUST_STORE=/etc/ssl/certs/ca-certificates.crt

# Go, for the builds from modules (the Pulumi CLI, the bridged providers).
# DSENV_GO names the go binary to use; one that does not exist means "no Go".
find_go() {
  if [ -n "${DSENV_GO:-}" ]; then [ -x "$DSENV_GO" ] && echo "$DSENV_GO"
  elif have go; then command -v go; elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; fi
}
GO="$(find_go || true)"
go_env() { # run go with the settings every build here needs
  [ -n "$GO" ] || die "pulumi: no Go toolchain (go >= 1.25 on PATH or in /usr/local/go) to build Pulumi with"
  # -mod=mod: the CLI and language-host wrapper modules have no committed go.sum; -buildvcs=false:
  # the build dirs are not repositories. The module and build caches are the
  # user's defaults, so a second run compiles nothing.
  env GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local "$GO" "$@"
}
