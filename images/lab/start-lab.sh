#!/bin/sh
# Jupyter on 0.0.0.0:8080 over /workspace. The token comes from JUPYTER_TOKEN
# (secret env), never from a command line that `ps` or `docker inspect` shows.
set -eu
if [ -z "${JUPYTER_TOKEN:-}" ]; then
    echo "start-lab: JUPYTER_TOKEN is not set; refusing to serve the workspace without a token" >&2
    exit 1
fi
# JupyterLab where the base has it, else the notebook server; run as modules so
# that no `jupyter` launcher needs to be on PATH.
if python3 -c "import jupyterlab" 2>/dev/null; then app=jupyterlab; else app=notebook; fi
exec python3 -m "$app" --ip=0.0.0.0 --port=8080 --no-browser --notebook-dir=/workspace "$@"
