#!/usr/bin/env bash
# The project's test command (README, .ci/run): type-check, unit tests with
# Pulumi mocks, then the end-to-end tests against a real Docker engine with the
# real Pulumi CLI. Installs what it needs (Node >= 22, npm packages, and for
# e2e the toolchain in scripts/toolchain) and reuses what is already there.
#
#   scripts/test.sh            everything
#   scripts/test.sh unit       type-check + unit tests only (no Docker needed)
#   scripts/test.sh e2e        end-to-end tests only
# JEST_JSON=path writes jest's machine-readable results there (CI reads its counts).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
case "$what" in all | unit | e2e) ;; *) echo "usage: scripts/test.sh [all|unit|e2e]" >&2; exit 2 ;; esac

source scripts/ensure-node.sh
scripts/ensure-deps.sh

suites=()
if [ "$what" != e2e ]; then
  echo "== type-check" >&2
  npx tsc --noEmit -p .
  # The unit tests lint the Azure VM's boot script with shellcheck: installed
  # here, and required from here on (the test fails instead of skipping).
  scripts/toolchain/ensure-shellcheck.sh
  export DSENV_REQUIRE_SHELLCHECK=1
  suites+=(unit)
fi
if [ "$what" != unit ]; then
  # The toolchain prints the environment (PATH to pulumi, ...) the e2e tests run
  # in. Plugins go to a PULUMI_HOME of the tests' own: nothing they install
  # reaches the user's ~/.pulumi. There the real docker and random providers are
  # installed: the official ones where they can be had, else built here from the
  # upstream Terraform providers (scripts/toolchain/providers). The simulated
  # machines (lab servers, Azure VMs) run the dockerd of simulated-engine.
  # (assigned first: eval of a failed command substitution would not stop the script)
  export PULUMI_HOME="${DSENV_TEST_PULUMI_HOME:-${DSENV_CACHE:-$HOME/.cache/ds-envs}/test-pulumi-home}"
  toolchain_env=$(scripts/toolchain/ensure.sh docker pulumi images registry sshd simulated-engine)
  eval "$toolchain_env"
  # The late parts: the kubernetes plugin and the Kubernetes tests' cluster
  # (Go builds of ~17 min on 2 cores when nothing is cached) are built in the
  # background at the lowest CPU priority while the other e2e files run; the
  # files that need them run last and wait for this build under its lock
  # (test/e2e/late-parts.ts, test/sequencer.js). In a session of its own, so
  # that the whole build can be stopped when the tests end first.
  export DSENV_LATE_PARTS_LOCK="$DSENV_CACHE/late-parts.lock"
  mkdir -p "$DSENV_CACHE/logs"
  setsid nice -n 19 flock "$DSENV_LATE_PARTS_LOCK" scripts/toolchain/ensure.sh kubernetes-plugin kube-cluster \
    </dev/null >"$DSENV_CACHE/logs/late-parts.log" 2>&1 &
  late_parts=$!
  trap 'kill -- -$late_parts 2>/dev/null || true' EXIT
  suites+=(e2e)
fi

json=()
[ -n "${JEST_JSON:-}" ] && json=(--json --outputFile="$JEST_JSON")
echo "== jest ${suites[*]}" >&2
npx jest --selectProjects "${suites[@]}" --runInBand "${json[@]}"
