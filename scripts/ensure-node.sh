#!/usr/bin/env bash
# Source this file: it puts a Node.js >= 22 first on PATH.
# Current @pulumi/pulumi needs Node 22 or newer; where the machine's node is
# older, the npm package `node` (a real Node binary, not a downloader) is
# installed once into the cache and reused.
DSENV_NODE_MAJOR=${DSENV_NODE_MAJOR:-24}
DSENV_CACHE=${DSENV_CACHE:-$HOME/.cache/ds-envs}
source "$(dirname "${BASH_SOURCE[0]}")/lib/progress.sh"

dsenv_node_ok() {
  local v
  v=$(node --version 2>/dev/null) || return 1
  v=${v#v}
  [ "${v%%.*}" -ge 22 ]
}

if ! dsenv_node_ok; then
  dsenv_node_dir="$DSENV_CACHE/node$DSENV_NODE_MAJOR"
  if [ ! -x "$dsenv_node_dir/node_modules/.bin/node" ]; then
    echo "ensure-node: installing Node $DSENV_NODE_MAJOR into $dsenv_node_dir" >&2
    mkdir -p "$dsenv_node_dir"
    # Seen here: one install in five fails unpacking (TAR_ENTRY_ERROR, then ENOENT
    # linking bin/node); a second try works. Three tries, each from scratch.
    for dsenv_try in 1 2 3; do
      rm -rf "$dsenv_node_dir/node_modules"
      with_progress "ensure-node: npm install node@$DSENV_NODE_MAJOR (~30 s)" "$dsenv_node_dir/install.log" "lines of npm output" \
        npm install --no-save --no-audit --no-fund --prefix "$dsenv_node_dir" "node@$DSENV_NODE_MAJOR" \
        && [ -x "$dsenv_node_dir/node_modules/.bin/node" ] && break
      echo "ensure-node: npm install node@$DSENV_NODE_MAJOR failed (try $dsenv_try of 3), see $dsenv_node_dir/install.log" >&2
      [ "$dsenv_try" -lt 3 ] || { return 1 2>/dev/null || exit 1; }
    done
  fi
  export PATH="$dsenv_node_dir/node_modules/.bin:$PATH"
  dsenv_node_ok || { echo "ensure-node: no Node >= 22 after install" >&2; return 1 2>/dev/null || exit 1; }
fi
