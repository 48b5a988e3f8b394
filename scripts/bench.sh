#!/usr/bin/env bash
# Benchmark (figures, not a test): the local stack on the e2e stand-in images,
# `pulumi up` with the real docker and random providers, against the same
# containers declared in a compose file and run by Debian's docker-compose.
# Prints medians over RUNS runs (default 3):
#   cold up   - nothing exists -> both containers healthy
#   no-op up  - everything exists, nothing changed
# Images are already on the engine in both cases (pulumi's cold up still runs
# the cached build of the Jupyter image; compose reuses the image pulumi built).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
repo=$(pwd)

source scripts/ensure-node.sh
scripts/ensure-deps.sh
# The tests' private PULUMI_HOME and plugins (scripts/test.sh): nothing reaches ~/.pulumi.
export PULUMI_HOME="${DSENV_TEST_PULUMI_HOME:-${DSENV_CACHE:-$HOME/.cache/ds-envs}/test-pulumi-home}"
toolchain_env=$(scripts/toolchain/ensure.sh docker pulumi images)
eval "$toolchain_env"
if ! command -v docker-compose >/dev/null; then
  echo "bench: installing Debian's docker-compose" >&2
  apt-get install -y docker-compose >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y docker-compose >/dev/null; }
fi

work=$(mktemp -d /tmp/dsenv-bench-XXXXXX)
id=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
prefix="dsenv-bench-$id"
cleanup() {
  (cd "$work" && pulumi destroy --yes --stack "bench-$id" >/dev/null 2>&1 || true)
  (cd "$work" && docker-compose -p "$prefix-c" down -v >/dev/null 2>&1 || true)
  docker volume ls -q --filter "name=$prefix" | xargs -r docker volume rm -f >/dev/null
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

declare -a p_cold p_warm c_cold c_warm
for i in $(seq "$runs"); do
  t=$(now); pulumi up --yes --skip-preview >/dev/null; p_cold+=("$(since "$t")")
  healthy "$prefix-mysql" && healthy "$prefix-jupyter" || { echo "bench: pulumi up returned before healthy" >&2; exit 1; }
  t=$(now); pulumi up --yes --skip-preview >/dev/null; p_warm+=("$(since "$t")")
  [ $i -eq 1 ] && jupyter_image=$(pulumi stack output jupyterImage)
  pulumi destroy --yes --skip-preview >/dev/null
  docker volume ls -q --filter "name=$prefix" | xargs -r docker volume rm -f >/dev/null
  echo "bench: pulumi run $i: cold ${p_cold[-1]} s, no-op ${p_warm[-1]} s" >&2
done

# The same containers as a compose file: network + alias, volumes, healthchecks, ports on 127.0.0.1;
# both start at once, as in the program (the notebook does not wait for the database).
pw=$(head -c 18 /dev/urandom | base64 | tr -dc A-Za-z0-9)
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
    image: $jupyter_image
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
for i in $(seq "$runs"); do
  t=$(now); docker-compose -p "$prefix-c" up -d >/dev/null 2>&1
  # docker-compose 1.29 has no --wait: poll until both report healthy (at most 5 min).
  deadline=$(( $(date +%s) + 300 ))
  until healthy "$prefix-c-mysql" && healthy "$prefix-c-jupyter"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: compose containers not healthy after 300 s" >&2; exit 1; }
    sleep 0.2
  done
  c_cold+=("$(since "$t")")
  t=$(now); docker-compose -p "$prefix-c" up -d >/dev/null 2>&1; c_warm+=("$(since "$t")")
  docker-compose -p "$prefix-c" down -v >/dev/null 2>&1
  echo "bench: compose run $i: cold ${c_cold[-1]} s, no-op ${c_warm[-1]} s" >&2
done

pc=$(printf '%s\n' "${p_cold[@]}" | median); pw_=$(printf '%s\n' "${p_warm[@]}" | median)
cc=$(printf '%s\n' "${c_cold[@]}" | median); cw=$(printf '%s\n' "${c_warm[@]}" | median)
echo
plugin_kind() { if [ -f "$PULUMI_HOME/plugins/resource-$1-v$2/.dsenv-bridged" ]; then echo "bridged here"; else echo official; fi; }
pinned() { sed -n "s/.*\"@pulumi\/$1\": *\"\([0-9.]*\)\".*/\1/p" package.json; }
echo "median of $runs runs, $(nproc) cores, $(docker version -f '{{.Server.Version}}') engine, pulumi $(pulumi version)," \
  "docker $(pinned docker) ($(plugin_kind docker "$(pinned docker)")), random $(pinned random) ($(plugin_kind random "$(pinned random)"))"
printf '%-34s %10s %16s %8s\n' "" "pulumi up" "docker-compose" "ratio"
printf '%-34s %9ss %15ss %7sx\n' "cold: nothing -> both healthy" "$pc" "$cc" "$(ratio "$pc" "$cc")"
printf '%-34s %9ss %15ss %7sx\n' "no-op: nothing changed" "$pw_" "$cw" "$(ratio "$pw_" "$cw")"

# The swarm target (docs/swarm.md): from nothing to every service healthy on a
# real 3-node swarm (three dockerd in network namespaces, made one swarm by the
# program), measured inside the swarm e2e test's first step; SWARM_RUNS times
# (default 1: each run sets up the three nodes anew, ~30 s).
if [ "${SWARM_RUNS:-1}" -gt 0 ]; then
  (cd "$repo" && toolchain_env=$(scripts/toolchain/ensure.sh registry) && eval "$toolchain_env"
   rm -f "$work/swarm-times"
   for i in $(seq "${SWARM_RUNS:-1}"); do
     DSENV_BENCH_OUT="$work/swarm-times" npx jest --selectProjects e2e --runInBand test/e2e/swarm.test.ts -t '^1\. ' >/dev/null 2>&1 \
       || { echo "bench: the swarm run failed (npx jest --selectProjects e2e --runInBand test/e2e/swarm.test.ts)" >&2; exit 1; }
     echo "bench: swarm run $i: $(tail -n 1 "$work/swarm-times") s" >&2
   done
   printf '%-34s %9ss   (median of %s; MySQL, two users'"'"' notebooks, a GPU workspace)\n' "swarm, 3 nodes: nothing -> healthy" "$(median <"$work/swarm-times")" "${SWARM_RUNS:-1}")
fi
