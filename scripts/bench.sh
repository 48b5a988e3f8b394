#!/usr/bin/env bash
# Benchmark (figures, not a test): the local stack on the e2e stand-in images,
# three tools in one run on the same engine and images:
#   dsenv     - `pulumi up` of the program, with the real docker and random providers;
#   OpenTofu  - `tofu apply -auto-approve` of bench/opentofu/main.tf (the same
#               resources), driving the same upstream providers (scripts/toolchain/ensure-tofu.sh);
#   compose   - the same containers in a compose file run by Debian's docker-compose.
# Prints medians over RUNS rounds (default 3; each round runs the three in turn):
#   cold up   - nothing exists -> both containers healthy
#   no-op up  - everything exists, nothing changed (also measured: pulumi with
#               --refresh, tofu with -refresh=false, each the other's default)
#   destroy   - everything exists -> nothing (volumes the tool keeps are removed afterwards, untimed)
# Images are already on the engine in every case (pulumi's and tofu's cold up
# still run the cached build of the Jupyter image; compose reuses the image
# pulumi built). OpenTofu's `init` (once, offline from a local mirror) is not timed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
repo=$(pwd)

source scripts/ensure-node.sh
scripts/ensure-deps.sh
# The tests' private PULUMI_HOME and plugins (scripts/test.sh): nothing reaches ~/.pulumi.
export PULUMI_HOME="${DSENV_TEST_PULUMI_HOME:-${DSENV_CACHE:-$HOME/.cache/ds-envs}/test-pulumi-home}"
# tofu: built here when missing (Go builds, minutes when cold; progress every 15 s).
toolchain_env=$(scripts/toolchain/ensure.sh docker pulumi images tofu)
eval "$toolchain_env"
if ! command -v docker-compose >/dev/null; then
  echo "bench: installing Debian's docker-compose" >&2
  apt-get install -y docker-compose >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y docker-compose >/dev/null; }
fi

work=$(mktemp -d /tmp/dsenv-bench-XXXXXX)
id=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
prefix="dsenv-bench-$id"
rm_volumes() { docker volume ls -q --filter "name=$1" | xargs -r docker volume rm -f >/dev/null; }
cleanup() {
  (cd "$work" && pulumi destroy --yes --stack "bench-$id" >/dev/null 2>&1 || true)
  (cd "$work/bench/opentofu" 2>/dev/null && tofu destroy -auto-approve -input=false >/dev/null 2>&1 || true)
  (cd "$work" && docker-compose -p "$prefix-c" down -v >/dev/null 2>&1 || true)
  # Whatever an interrupted run left: only names with this run's unique prefix.
  docker ps -aq --filter "name=$prefix" | xargs -r docker rm -f >/dev/null 2>&1 || true
  rm_volumes "$prefix"
  docker network ls -q --filter "name=$prefix" | xargs -r docker network rm >/dev/null 2>&1 || true
  # tofu's tag of the notebook image (its layers are pulumi's cached build's).
  [ -z "${tofu_image:-}" ] || docker rmi "$tofu_image" >/dev/null 2>&1 || true
  [ -z "${events_pid:-}" ] || kill "$events_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The checkout as a user has it (node_modules linked, not copied).
for f in $(ls -A | grep -vx -e .git -e node_modules); do cp -r "$f" "$work/"; done
ln -s "$repo/node_modules" "$work/node_modules"
cd "$work"
# The provider keeps buildx state under DOCKER_CONFIG: here, not in ~/.docker.
export DOCKER_CONFIG="$work/.docker"
export PULUMI_BACKEND_URL="file://$work/.state" PULUMI_CONFIG_PASSPHRASE="bench-$id" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p .state
pulumi stack init "bench-$id" >/dev/null
pulumi config set dsenv:namePrefix "$prefix" >/dev/null
pulumi config set dsenv:mysqlImage dsenv/mysql-standin:test >/dev/null
pulumi config set dsenv:jupyterBaseImage dsenv/jupyter-standin:test >/dev/null
pulumi config set dsenv:jupyterHostPort 18888 >/dev/null

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = healthy ]; }

# OpenTofu: the copied bench/opentofu, its state and providers in that directory.
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export TF_VAR_name_prefix="$prefix-t" TF_VAR_mysql_image=dsenv/mysql-standin:test \
  TF_VAR_jupyter_base_image=dsenv/jupyter-standin:test TF_VAR_jupyter_host_port=18890 \
  TF_VAR_jupyter_context="$work/images/jupyter"
(cd bench/opentofu && tofu init -input=false -no-color >"$work/tofu-init.log" 2>&1) \
  || { cat "$work/tofu-init.log" >&2; echo "bench: tofu init failed" >&2; exit 1; }
tf() { (cd "$work/bench/opentofu" && tofu "$@" -auto-approve -input=false -no-color >>"$work/tofu.log" 2>&1) \
  || { tail -n 30 "$work/tofu.log" >&2; echo "bench: tofu $1 failed" >&2; return 1; }; }

compose_file() { # the same containers as a compose file: network + alias, volumes, healthchecks, ports on 127.0.0.1;
  # both start at once, as in the program (the notebook does not wait for the database).
  local pw; pw=$(head -c 18 /dev/urandom | base64 | tr -dc A-Za-z0-9)
  cat >docker-compose.yml <<YML
version: "2.4"
services:
  mysql:
    image: dsenv/mysql-standin:test
    container_name: $prefix-c-mysql
    environment: {MYSQL_DATABASE: analytics, MYSQL_USER: analyst, MYSQL_PASSWORD: "$pw", MYSQL_ROOT_PASSWORD: "$pw"}
    volumes: ["mysql-data:/var/lib/mysql"]
    networks: {net: {aliases: [mysql, myjupyterdb]}}
    restart: unless-stopped
    healthcheck: {test: ["CMD-SHELL", "mysqladmin ping -h 127.0.0.1 --silent"], interval: 5s, timeout: 5s, retries: 30, start_period: 30s}
  jupyter:
    image: $1
    container_name: $prefix-c-jupyter
    environment: {JUPYTER_TOKEN: "$pw", MYSQL_HOST: mysql, MYSQL_PORT: "3306", MYSQL_DATABASE: analytics, MYSQL_USER: analyst, MYSQL_PASSWORD: "$pw"}
    ports: ["127.0.0.1:18889:8888"]
    volumes: ["jupyter-work:/home/jovyan/work"]
    networks: [net]
    restart: unless-stopped
    healthcheck: {test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8888/api', timeout=4)"], interval: 5s, retries: 30, start_period: 10s}
networks: {net: {name: $prefix-c-net}}
volumes: {mysql-data: {name: $prefix-c-mysql-data}, jupyter-work: {name: $prefix-c-jupyter-work}}
YML
}

# Untimed, as tofu's init: the first pulumi run in a new directory pays once
# for what later runs reuse (with ts-node, its type-check: up to ~7 s; now the
# transpile cache of boot/register-ts.js, ~0.5 s when it is cold).
pulumi preview >/dev/null

# The engine's events, for where a cold up's time goes (printed for the last round).
docker events --format '{{.TimeNano}} {{.Type}} {{.Action}} {{.Actor.Attributes.name}}' >"$work/events" 2>/dev/null &
events_pid=$!
# Seconds from a command's start to: the network created, both containers
# started, both healthy, the command back. usage: phases START END NAME-PREFIX
phases() {
  sleep 0.3  # the last events reach the file
  awk -v t0="$1" -v t1="$2" -v p="$3" '
    { t = $1 / 1e9; n = $NF }
    t < t0 || t > t1 + 1 || index(n, p) != 1 { next }
    $2 == "network" && $3 == "create" && !net { net = t - t0 }
    $2 == "container" && $3 == "start" { st = t - t0 }
    $2 == "container" && $3 == "health_status:" && $4 == "healthy" { h = t - t0 }
    END { printf "network created +%.1f s, containers started +%.1f s, both healthy +%.1f s, returned +%.1f s", net, st, h, t1 - t0 }' "$work/events"
}

# Rounds: dsenv, OpenTofu, compose in turn, so that a busier minute of the machine
# falls on all three alike.
declare -a p_cold p_warm p_warm_r p_down t_cold t_warm t_warm_nr t_down c_cold c_warm c_down
for i in $(seq "$runs"); do
  t=$(now); pulumi up --yes --skip-preview >/dev/null; p_cold+=("$(since "$t")"); p_phases=$(phases "$t" "$(now)" "$prefix-")
  healthy "$prefix-mysql" && healthy "$prefix-jupyter" || { echo "bench: pulumi up returned before healthy" >&2; exit 1; }
  t=$(now); pulumi up --yes --skip-preview >/dev/null; p_warm+=("$(since "$t")")
  t=$(now); pulumi up --yes --skip-preview --refresh >/dev/null; p_warm_r+=("$(since "$t")")
  [ $i -eq 1 ] && jupyter_image=$(pulumi stack output jupyterImage)
  t=$(now); pulumi destroy --yes --skip-preview >/dev/null; p_down+=("$(since "$t")")
  rm_volumes "$prefix-"  # the program keeps its volumes on destroy (only its own exist now)
  echo "bench: round $i: dsenv     cold ${p_cold[-1]} s ($p_phases), no-op ${p_warm[-1]} s, destroy ${p_down[-1]} s" >&2

  t=$(now); tf apply; t_cold+=("$(since "$t")"); t_phases=$(phases "$t" "$(now)" "$prefix-t-")
  healthy "$prefix-t-mysql" && healthy "$prefix-t-jupyter" || { echo "bench: tofu apply returned before healthy" >&2; exit 1; }
  # Where tofu's cold apply spends its time (its own per-resource figures, round 1).
  [ $i -eq 1 ] && sed -n 's/^\(.*\): Creation complete after \([0-9a-z]*\).*/\1 \2/p' "$work/tofu.log" \
    | tr '\n' ',' | sed 's/,$//; s/,/, /g; s/^/bench: OpenTofu cold, per resource: /; s/$/\n/' >&2
  t=$(now); tf apply; t_warm+=("$(since "$t")")
  t=$(now); tf apply -refresh=false; t_warm_nr+=("$(since "$t")")
  [ $i -eq 1 ] && tofu_image=$(cd bench/opentofu && tofu output -raw jupyter_image)
  t=$(now); tf destroy; t_down+=("$(since "$t")")
  rm_volumes "$prefix-t-"
  echo "bench: round $i: OpenTofu  cold ${t_cold[-1]} s ($t_phases), no-op ${t_warm[-1]} s, destroy ${t_down[-1]} s" >&2

  [ $i -eq 1 ] && compose_file "$jupyter_image"
  t=$(now); docker-compose -p "$prefix-c" up -d >/dev/null 2>&1
  # docker-compose 1.29 has no --wait: poll until both report healthy (at most 5 min).
  deadline=$(( $(date +%s) + 300 ))
  until healthy "$prefix-c-mysql" && healthy "$prefix-c-jupyter"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: compose containers not healthy after 300 s" >&2; exit 1; }
    sleep 0.2
  done
  c_cold+=("$(since "$t")"); c_phases=$(phases "$t" "$(now)" "$prefix-c-")
  t=$(now); docker-compose -p "$prefix-c" up -d >/dev/null 2>&1; c_warm+=("$(since "$t")")
  t=$(now); docker-compose -p "$prefix-c" down -v >/dev/null 2>&1; c_down+=("$(since "$t")")
  echo "bench: round $i: compose   cold ${c_cold[-1]} s ($c_phases), no-op ${c_warm[-1]} s, down -v ${c_down[-1]} s" >&2
done

med() { printf '%s\n' "$@" | median; }
echo
plugin_kind() { if [ -f "$PULUMI_HOME/plugins/resource-$1-v$2/.dsenv-bridged" ]; then echo "bridged here"; else echo official; fi; }
pinned() { sed -n "s/.*\"@pulumi\/$1\": *\"\([0-9.]*\)\".*/\1/p" package.json; }
echo "median of $runs runs, $(nproc) cores, $(docker version -f '{{.Server.Version}}') engine;" \
  "pulumi $(pulumi version), docker $(pinned docker) ($(plugin_kind docker "$(pinned docker)")), random $(pinned random) ($(plugin_kind random "$(pinned random)"));" \
  "$(tofu version | head -n1) with ${DSENV_TOFU_PLUGINS:-?};" \
  "$(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"
printf '%-30s %10s %10s %10s %9s %9s %9s\n' "" "dsenv" "OpenTofu" "compose" "dsenv/c" "tofu/c" "dsenv/tofu"
row() { # label, then dsenv, tofu, compose medians
  printf '%-30s %9ss %9ss %9ss %8sx %8sx %8sx\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$4")" "$(ratio "$3" "$4")" "$(ratio "$2" "$3")"
}
row "cold: nothing -> healthy" "$(med "${p_cold[@]}")" "$(med "${t_cold[@]}")" "$(med "${c_cold[@]}")"
row "no-op: nothing changed" "$(med "${p_warm[@]}")" "$(med "${t_warm[@]}")" "$(med "${c_warm[@]}")"
row "destroy" "$(med "${p_down[@]}")" "$(med "${t_down[@]}")" "$(med "${c_down[@]}")"
echo "(dsenv: pulumi up/destroy --yes --skip-preview; OpenTofu: tofu apply/destroy -auto-approve, which refresh first; compose: up -d, then polled until healthy; down -v)"
echo "no-op the other way round: pulumi up --refresh $(med "${p_warm_r[@]}") s, tofu apply -refresh=false $(med "${t_warm_nr[@]}") s"
echo "cold up of round $runs, from the engine's events:"
printf '  %-9s %s\n' dsenv "$p_phases" OpenTofu "$t_phases" compose "$c_phases"

# The swarm target (docs/swarm.md): from nothing to every service healthy on a
# real 3-node swarm (three dockerd in network namespaces, made one swarm by the
# program), measured inside the swarm e2e test's first step; SWARM_RUNS times
# (default 1: each run sets up the three nodes anew, ~30 s).
if [ "${SWARM_RUNS:-1}" -gt 0 ]; then
  (cd "$repo" && toolchain_env=$(scripts/toolchain/ensure.sh registry simulated-engine) && eval "$toolchain_env"
   rm -f "$work/swarm-times"
   for i in $(seq "${SWARM_RUNS:-1}"); do
     DSENV_BENCH_OUT="$work/swarm-times" npx jest --selectProjects e2e --runInBand test/e2e/swarm.test.ts -t '^1\. ' >/dev/null 2>&1 \
       || { echo "bench: the swarm run failed (npx jest --selectProjects e2e --runInBand test/e2e/swarm.test.ts)" >&2; exit 1; }
     echo "bench: swarm run $i: $(tail -n 1 "$work/swarm-times") s" >&2
   done
   printf '%-34s %9ss   (median of %s; MySQL, two users'"'"' notebooks, a GPU workspace)\n' "swarm, 3 nodes: nothing -> healthy" "$(median <"$work/swarm-times")" "${SWARM_RUNS:-1}")
fi
