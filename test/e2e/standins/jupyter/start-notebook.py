#!/usr/bin/env python3
"""Start JupyterLab as upstream docker-stacks' start-notebook.py (through start.sh) does.

Serves on 0.0.0.0:8888 without a browser; NOTEBOOK_ARGS is appended as
upstream does. The token is deliberately not handled here: jupyter_server reads
JUPYTER_TOKEN from the environment itself, exactly as in the upstream image, so
it never appears on a command line.

Started as root (docker run --user root), it does what upstream's start.sh
does with NB_UID and NB_GID: jovyan gets that uid and that group id, the home
(with CHOWN_HOME=yes, and CHOWN_HOME_OPTS such as -R) is handed over, and the
server runs as jovyan, never as root.

With JUPYTERHUB_API_TOKEN set (a server JupyterHub spawned), it runs
jupyterhub-singleuser instead of `jupyter lab`, as upstream does.
"""
import grp
import os
import pwd
import shlex
import subprocess
import sys

USER = os.environ.get("NB_USER", "jovyan")

if os.getuid() == 0:
    uid = int(os.environ.get("NB_UID", pwd.getpwnam(USER).pw_uid))
    gid = int(os.environ.get("NB_GID", pwd.getpwnam(USER).pw_gid))
    try:
        grp.getgrgid(gid)
    except KeyError:
        subprocess.run(["groupadd", "--gid", str(gid), f"{USER}-group"], check=True)
    if pwd.getpwnam(USER).pw_uid != uid or pwd.getpwnam(USER).pw_gid != gid:
        subprocess.run(["usermod", "--uid", str(uid), "--gid", str(gid), USER], check=True)
    home = pwd.getpwnam(USER).pw_dir
    if os.environ.get("CHOWN_HOME") in ("1", "yes"):
        subprocess.run(["chown", *shlex.split(os.environ.get("CHOWN_HOME_OPTS", "")), f"{uid}:{gid}", home], check=True)
    # Still in "users" (100), which owns the environment upstream, as upstream's start.sh keeps it.
    os.setgroups(sorted({gid, 100}))
    os.setgid(gid)
    os.setuid(uid)
    os.environ.update(HOME=home, USER=USER)
    os.chdir(home)

# Spawned by JupyterHub (it hands over its API token), the hub's single-user
# server runs instead, as upstream does; its address and port come from the hub.
if "JUPYTERHUB_API_TOKEN" in os.environ:
    cmd = ["jupyterhub-singleuser"]
else:
    cmd = ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser"]
cmd += shlex.split(os.environ.get("NOTEBOOK_ARGS", ""))
cmd += sys.argv[1:]
os.execvp(cmd[0], cmd)
