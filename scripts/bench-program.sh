#!/usr/bin/env bash
# Benchmark (figures, not a test): the program's own cost, without the CLI, the
# engine or providers. Runs the entry (index.js) under Pulumi mocks for a local
# stack with 1, 10 and 50 users' notebooks and own databases
# (jupyterUserDatabases: own), each in a fresh Node as `pulumi up` starts one,
# and prints medians over RUNS runs (default 3):
#   load      - the SDK, the transpiler and the program's modules
#   program   - running the program until every resource is registered
#   per res.  - program / resources (linear: about the same for every size)
#
#   scripts/bench-program.sh            USERS="1 10 50 100" RUNS=5 scripts/bench-program.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
source scripts/ensure-node.sh
scripts/ensure-deps.sh
# As the scripts run pulumi (scripts/env.sh): Node's compile cache on.
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-${DSENV_CACHE:-$HOME/.cache/ds-envs}/node-compile-cache}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f", m}'; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

printf '%-6s %10s %9s %11s %10s\n' users resources "load ms" "program ms" "ms/res."
for users in ${USERS:-1 10 50}; do
  out=$(for _ in $(seq "$runs"); do node scripts/lib/program-cost.js "$users"; done)
  resources=$(field resources <<<"$out" | head -n 1)
  load=$(field loadMs <<<"$out" | median)
  program=$(field programMs <<<"$out" | median)
  printf '%-6s %10s %9s %11s %10s\n' "$users" "$resources" "$load" "$program" "$(awk -v p="$program" -v r="$resources" 'BEGIN { printf "%.2f", p / r }')"
done
echo "median of $runs runs, $(nproc) cores, node $(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
