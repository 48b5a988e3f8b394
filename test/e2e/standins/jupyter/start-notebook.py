#!/usr/bin/env python3
"""Start a notebook server as upstream docker-stacks' start-notebook.py does.

Serves on 0.0.0.0:8888 without a browser; NOTEBOOK_ARGS is appended as
upstream does. The token is deliberately not handled here: Debian's notebook
6.4 reads JUPYTER_TOKEN (and JUPYTER_TOKEN_FILE) from the environment itself,
exactly like upstream's server, so it never appears on a command line.
"""
import os
import shlex
import sys

cmd = [
    sys.executable, "-m", "notebook",  # Debian has no `jupyter` front command
    "--ip=0.0.0.0",
    "--port=8888",
    "--no-browser",
]
cmd += shlex.split(os.environ.get("NOTEBOOK_ARGS", ""))
cmd += sys.argv[1:]
os.execvp(cmd[0], cmd)
