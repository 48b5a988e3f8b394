#!/usr/bin/env bash
# Checks, in well under a minute, everything a stack's `pulumi up` needs, before
# any long step (a Go build of the CLI takes ~12 min here): the Docker engine,
# the Pulumi CLI and its Node.js language host, the docker and random plugins
# (and the kubernetes one for a stack on a cluster), and the images a local
# stack pulls. Each is either there, or there is a way
# to get it that the main job takes (said below as "will ..."), or it is a
# problem: all problems are listed at once, each with its way out, and the
# script exits 1. Only reads: it installs and builds nothing (where a download
# of a plugin works, that download is the check). Prints on stdout the steps
# the caller must take, one word per line: start-engine, build-cli,
# build-langhost, install-plugins, install-kubernetes-plugin (only a stack on a
# Kubernetes cluster; scripts/toolchain/ensure.sh does them), pull-images
# (pulumi up does).
#
#   scripts/preflight.sh STACK [PART...]   parts: engine cli plugins images (default: all)
#
# The images are checked only where the engine answers: scripts/up.sh asks for
# them again once it has started a local engine.
#
# Needs Node >= 22 and the npm packages (scripts/ensure-node.sh, ensure-deps.sh).
set -euo pipefail
. "$(dirname "$0")/toolchain/lib.sh"
. "$TOOLCHAIN_DIR/plugins.sh"
cd "$REPO_ROOT"
stack=${1:?usage: scripts/preflight.sh STACK [engine cli plugins images]}
shift
parts=" ${*:-engine cli plugins images} "
checks() { [[ "$parts" == *" $1 "* ]]; }
export PATH="$BIN:$PATH"

problems=()
problem() { problems+=("$*"); }
will() { echo "$1"; shift; printf '[preflight] will %s\n' "$*" >&2; } # step, what it does
ok() { printf '[preflight] ok: %s\n' "$*" >&2; }
first_line() { grep -m1 -v '^\s*$' | sed 's/[.?!]*$//' || true; }

config=$(node scripts/lib/stack-config.js "$stack" 2>&1) \
  || { echo "preflight: cannot read the config of stack $stack: $config" >&2; exit 1; }
field() { node -e 'const c = JSON.parse(process.argv[1]); const v = c[process.argv[2]]; console.log(Array.isArray(v) ? v.map(i => `${i.key} ${i.image}`).join("\n") : (v ?? ""))' "$config" "$1"; }
target=$(field target)

# ------------------------------------------------------------ Docker engine
# The local and ci-push targets use an engine from here (dsenv:dockerHost, else
# DOCKER_HOST, else the local socket); the azure target makes its own, and a
# swarm's nodes are asked by the program at preview.
engine_ok=""
if [ "$target" != azure ] && [ "$target" != swarm ] && { checks engine || checks images; }; then
  host=$(field dockerHost)
  where=${host:+"dsenv:dockerHost=$host"}
  where=${where:-${DOCKER_HOST:+"DOCKER_HOST=$DOCKER_HOST"}}
  docker_cmd=(docker ${host:+-H "$host"})
  can_start_local() { # no address chosen, and we may install/start Debian's engine (scripts/toolchain/ensure-docker.sh)
    [ -z "$where" ] && { [ "$(id -u)" -eq 0 ] || have sudo; } && { have dockerd || have apt-get; }
  }
  if ! checks engine; then
    timeout 10 "${docker_cmd[@]}" version >/dev/null 2>&1 && engine_ok=1
  elif ! have docker; then
    if can_start_local; then will start-engine "install Debian's docker.io and start dockerd (no docker client on PATH)"
    else problem "no Docker client on PATH and no engine: install Docker Engine >= 20.10 (Debian/Ubuntu: \`sudo apt-get install docker.io\`), start it, and run again."; fi
  elif err=$(timeout 10 "${docker_cmd[@]}" version --format '{{.Server.Version}}' 2>&1); then
    engine_ok=1; ok "Docker engine ${where:-at the local socket} answers (version $err)"
  elif grep -qi "permission denied" <<<"$err"; then
    # The engine runs; this user may not open its socket. Starting another engine would not help.
    problem "the Docker engine at ${where:-the local socket} runs, but you may not use it: $(first_line <<<"$err"). Add yourself to the docker group (\`sudo usermod -aG docker ${USER:-$(id -un)}\`), then log out and in again (or run \`newgrp docker\` in this shell), and run again."
  elif [ -n "$where" ]; then
    problem "the Docker engine at $where does not answer: $(first_line <<<"$err"). Start that engine, or point $( [ -n "$host" ] && echo "dsenv:dockerHost (\`pulumi config set dsenv:dockerHost unix:///var/run/docker.sock\`)" || echo "DOCKER_HOST") at one that runs (\`unset DOCKER_HOST\` for the local socket)."
  elif can_start_local; then will start-engine "start dockerd (no engine answers at the local socket)"
  else problem "no Docker engine answers at the local socket: $(first_line <<<"$err"). Start it (\`sudo systemctl start docker\`), and run again."; fi
fi

# ------------------------------------------------------------ Pulumi CLI
# Go and a module proxy that serves the CLI's modules are the way to build what
# cannot be had otherwise (scripts/toolchain/README.md).
go_state=""
go_ok() { # caches its answer: "ok" or why not
  if [ -z "$go_state" ]; then
    if [ -z "$GO" ]; then go_state="no Go toolchain is on PATH or in /usr/local/go"
    else
      local probe; probe=$(mktemp -d)
      if ( cd "$probe" && timeout 20 env GOTOOLCHAIN=local GOFLAGS=-mod=mod "$GO" mod download -json "github.com/pulumi/pulumi/sdk/v3@v$LANGHOST_SDK_VERSION" ) >"$probe/out" 2>&1; then go_state=ok
      else go_state="Go is there but the module proxy does not serve github.com/pulumi/pulumi/sdk/v3@v$LANGHOST_SDK_VERSION: $(grep -m1 -oE '"Error": *"[^"]*"|[^ ].*' "$probe/out" | head -c 300)"; fi
      rm -rf "$probe"
    fi
  fi
  [ "$go_state" = ok ]
}
if ! checks cli; then :
elif cli_ok; then ok "Pulumi CLI $(pulumi version) at $(command -v pulumi)"
elif go_ok; then will build-cli "build the Pulumi CLI v$CLI_VERSION from Go modules (~12 min on 2 cores, progress every 15 s)"
else problem "no Pulumi CLI on PATH, and it cannot be built here ($go_state). Install the Pulumi CLI >= $CLI_VERSION (Pulumi's install docs: an archive with pulumi and pulumi-language-nodejs to put on PATH), or Go >= 1.25 with access to a Go module proxy, and run again."; fi
if ! checks cli; then :
elif have pulumi-resource-pulumi-nodejs || go_ok; then :
else problem "no pulumi-resource-pulumi-nodejs on PATH (the host of dynamic providers; it ships with the Pulumi CLI), and it cannot be had here ($go_state). Put the directory of a Pulumi CLI install that has it on PATH, and run again."; fi
if ! checks cli; then :
elif have pulumi-language-nodejs; then ok "Node.js language host at $(command -v pulumi-language-nodejs)"
elif go_ok; then will build-langhost "build the Node.js language host from Go modules (sdk v$LANGHOST_SDK_VERSION, ~2 min)"
else problem "no pulumi-language-nodejs on PATH (it ships with the Pulumi CLI), and it cannot be built here ($go_state). Put the directory of a Pulumi CLI install that has it on PATH, and run again."; fi

# ------------------------------------------------------------ plugins
# The docker and random plugins, at the versions package.json pins, and the
# kubernetes plugin where the stack runs on a cluster: installed, or the
# official one in ~/.pulumi/plugins, or a download, or a build here (STEP).
download_tried=""
check_plugin() { # pkg version built-binary step how-it-is-built
  local pkg=$1 ver=$2 built=$3 step=$4 how=$5 state own
  state=$(plugin_state "$pkg" "$ver")
  case "$state" in
    official | current) ok "plugin $pkg v$ver in $PLUGINS" ; return ;;
    test-build) problem "$(test_build_refusal "$pkg" "$ver")"; return ;;
  esac
  if [ "$state" = missing ] && own=$(official_copy "$pkg" "$ver"); then
    will "$step" "copy the official $pkg plugin v$ver from $own"; return
  fi
  if [ -x "$built" ]; then will "$step" "install the $pkg plugin v$ver built here ($built)"; return; fi
  if [ "${DSENV_PROVIDERS:-}" != bridged ] && [ "$state" = missing ] && cli_ok && [ "$download_tried" != failed ]; then
    # The one way that is not a check: a download is quick where it works (and
    # then it is done), and fails in seconds where there is no network.
    if timeout 30 pulumi plugin install resource "$pkg" "$ver" >/dev/null 2>&1; then ok "plugin $pkg v$ver downloaded"; return; fi
    download_tried=failed
  fi
  if go_ok; then will "$step" "build the $pkg plugin v$ver $how"
  else problem "the $pkg plugin v$ver is not installed in $PLUGINS$( [ "$download_tried" = failed ] && echo ", cannot be downloaded from here") and cannot be built here ($go_state). Install it from a file: \`pulumi plugin install resource $pkg $ver --file PATH/pulumi-resource-$pkg\` (copy it from a machine that has it: ~/.pulumi/plugins/resource-$pkg-v$ver/), or install Go >= 1.25 with access to a Go module proxy so that scripts/toolchain builds it, and run again."; fi
}
if checks plugins; then
  for spec in "${PLUGIN_SPECS[@]}"; do
    check_plugin "${spec%%:*}" "${spec#*:}" "$BRIDGE_OUT/bin/pulumi-resource-${spec%%:*}" install-plugins \
      "from the upstream Terraform provider with the project's bridge (~8 min on 2 cores for both)"
  done
  # Only a stack on a cluster: a local stack never waits for this build.
  if [ "$(field kubernetes)" = true ]; then
    check_plugin kubernetes "$KUBERNETES_PROVIDER_VERSION" "$KUBE_BUILD_OUT/pulumi-resource-kubernetes" install-kubernetes-plugin \
      "from upstream's provider module (~10 min on 2 cores)"
  fi
fi

# ------------------------------------------------------------ images
# What a local stack pulls must be on the engine already or pullable; probed in
# parallel, each at most 15 s.
if checks images && [ "$target" = local ] && [ -n "$engine_ok" ]; then
  images=$(field images)
  probes=$(mktemp -d)
  while read -r key image; do
    [ -n "$key" ] || continue
    (
      if "${docker_cmd[@]}" image inspect "$image" >/dev/null 2>&1; then echo "present" >"$probes/$key"
      elif err=$(timeout 15 "${docker_cmd[@]}" manifest inspect "$image" 2>&1 >/dev/null); then echo "pullable" >"$probes/$key"
      else printf 'missing %s\n' "$(first_line <<<"${err:-timed out after 15 s}")" >"$probes/$key"; fi
    ) &
  done <<<"$images"
  wait
  while read -r key image; do
    [ -n "$key" ] || continue
    read -r verdict reason <"$probes/$key"
    case "$verdict" in
      present) ok "image $image (dsenv:$key) is on the engine" ;;
      pullable) will pull-images "pull $image (dsenv:$key)" ;;
      *) problem "image $image (dsenv:$key) is not on the engine and cannot be pulled: $reason. Pull or load it there (\`docker pull $image\`, or \`docker load -i image.tar\` from a machine that has it: \`docker save $image -o image.tar\`), or set dsenv:$key to an image the engine has (\`dsenv:$key: IMAGE\` under \`config:\` in stacks/Pulumi.$stack.yaml, or \`pulumi config set dsenv:$key IMAGE\`), and run again." ;;
    esac
  done <<<"$images"
  rm -rf "$probes"
fi

if [ ${#problems[@]} -gt 0 ]; then
  {
    echo
    echo "preflight: stack $stack cannot come up; nothing was changed. What is missing, and how to get it:"
    i=0
    for p in "${problems[@]}"; do i=$((i + 1)); echo "  $i. $p"; done
  } >&2
  exit 1
fi
