#!/usr/bin/env python3
"""Start JupyterLab as upstream docker-stacks' start-notebook.py does.

Serves on 0.0.0.0:8888 without a browser; NOTEBOOK_ARGS is appended as
upstream does. The token is deliberately not handled here: jupyter_server reads
JUPYTER_TOKEN from the environment itself, exactly as in the upstream image, so
it never appears on a command line.
"""
import os
import shlex
import sys

cmd = ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser"]
cmd += shlex.split(os.environ.get("NOTEBOOK_ARGS", ""))
cmd += sys.argv[1:]
os.execvp(cmd[0], cmd)
