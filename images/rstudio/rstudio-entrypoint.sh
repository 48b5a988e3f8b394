#!/bin/bash
# Sets user rstudio's password from PASSWORD (secret env, as in rocker's images),
# then runs the command without it in the environment.
set -euo pipefail
if [ -z "${PASSWORD:-}" ]; then
    echo "rstudio-entrypoint: PASSWORD is not set; refusing to start RStudio Server without a login password" >&2
    exit 1
fi
printf 'rstudio:%s\n' "$PASSWORD" | chpasswd
unset PASSWORD
exec "$@"
