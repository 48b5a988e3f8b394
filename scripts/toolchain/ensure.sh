#!/usr/bin/env bash
# Make this machine able to run `pulumi up` of the project's Node.js program
# against a local Docker engine, reusing whatever is already there.
#
#   scripts/toolchain/ensure.sh [part...]   parts: docker pulumi images registry sshd shellcheck tofu simulated-engine kubernetes-plugin kube-cluster
#   source "${DSENV_CACHE:-$HOME/.cache/ds-envs}/env.sh"
#
# Everything is cached under ${DSENV_CACHE:-$HOME/.cache/ds-envs} (outside the
# repo); a second run takes seconds. Logs are in $DSENV_CACHE/logs. The
# environment to use afterwards is written to $DSENV_CACHE/env.sh and printed.
# Without parts: all but `tofu` (OpenTofu, only for scripts/bench.sh's peer),
# `simulated-engine` (the dockerd of the e2e tests' simulated machines),
# `kubernetes-plugin` (only stacks on a Kubernetes cluster need it) and
# `kube-cluster` (the Kubernetes e2e tests' single-node cluster).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEFAULT=(docker pulumi images registry sshd shellcheck)
ALL=("${DEFAULT[@]}" tofu simulated-engine kubernetes-plugin kube-cluster)
PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=("${DEFAULT[@]}")
want() { local p; for p in "${PARTS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }
for p in "${PARTS[@]}"; do
  case " ${ALL[*]} " in *" $p "*) ;; *) die "unknown part '$p' (parts: ${ALL[*]})" ;; esac
done

t0=$(date +%s)
run_part() { "$TOOLCHAIN_DIR/ensure-$1.sh"; }

# The engine first: images and the registry need it.
want docker && run_part docker

# The Go builds (CPU-bound, minutes when cold) overlap the image builds (mostly
# waiting on the apt mirror), so pulumi runs in the background meanwhile.
pulumi_pid=""
if want pulumi; then
  run_part pulumi & pulumi_pid=$!
fi
fail=0
for p in images registry sshd shellcheck; do
  want "$p" || continue
  run_part "$p" || fail=1
done
if [ -n "$pulumi_pid" ]; then wait "$pulumi_pid" || fail=1; fi
# OpenTofu's, the simulated machines' engine's, the kubernetes plugin's and the
# test cluster's Go builds after pulumi's: one CPU-bound build at a time (the
# plugin is installed with the CLI).
if want tofu; then run_part tofu || fail=1; fi
if want simulated-engine; then run_part simulated-engine || fail=1; fi
if want kubernetes-plugin; then run_part kubernetes-plugin || fail=1; fi
if want kube-cluster; then run_part kube-cluster || fail=1; fi
[ $fail -eq 0 ] || die "some parts failed (messages above; logs in $CACHE/logs)"

# The environment of the parts asked for (each part's fragment), printed for
# the caller to eval and kept as env.sh: fragments of parts not asked for stay
# out, so the tests' settings (registries, a private PULUMI_HOME) never reach
# scripts/up.sh.
{
  echo "# Written by scripts/toolchain/ensure.sh ${PARTS[*]}; source it."
  echo "export DSENV_CACHE=\"$CACHE\""
  for p in "${PARTS[@]}"; do
    [ -f "$CACHE/env.d/$p.sh" ] && cat "$CACHE/env.d/$p.sh"
  done
  true
} >"$CACHE/env.sh.tmp"
mv "$CACHE/env.sh.tmp" "$CACHE/env.sh"
log "done in $(( $(date +%s) - t0 ))s; environment: source $CACHE/env.sh"
cat "$CACHE/env.sh"
