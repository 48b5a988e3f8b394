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
  # machines (lab servers, Azure VMs) run the dockerd of simulated-engine; the
  # Kubernetes target's tests need the kubernetes plugin and start a single-node
  # cluster of kube-cluster.
  # (assigned first: eval of a failed command substitution would not stop the script)
  export PULUMI_HOME="${DSENV_TEST_PULUMI_HOME:-${DSENV_CACHE:-$HOME/.cache/ds-envs}/test-pulumi-home}"
  toolchain_env=$(scripts/toolchain/ensure.sh docker pulumi images registry sshd simulated-engine kubernetes-plugin kube-cluster)
  eval "$toolchain_env"
  suites+=(e2e)
fi

json=()
[ -n "${JEST_JSON:-}" ] && json=(--json --outputFile="$JEST_JSON")
echo "== jest ${suites[*]}" >&2
npx jest --selectProjects "${suites[@]}" --runInBand "${json[@]}"
