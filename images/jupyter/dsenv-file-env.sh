#!/bin/sh
# Secrets as files, the convention of the official images: for each VAR_FILE in
# the environment, VAR is set from that file (a swarm hands secrets over as
# files under /run/secrets, never as environment values in its state), then the
# command runs.
set -eu
for var in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*/\1/p'); do
  eval "file=\${${var}_FILE}"
  [ -r "$file" ] || { echo "dsenv-file-env: ${var}_FILE names $file, which cannot be read" >&2; exit 1; }
  # The value as the file holds it: $(...) alone would drop its trailing newlines.
  value=$(cat "$file"; printf x)
  value=${value%x}
  export "$var=$value"
  unset "${var}_FILE"
done
exec "$@"
