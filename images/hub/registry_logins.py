"""The logins the spawned servers' image is pulled with, where docker-py reads them.

On a swarm, every node pulls the notebook image when a server's task starts
there; SwarmSpawner creates the service through docker-py, which sends the
login of the image's registry from its Docker config (X-Registry-Auth), as
`docker service create --with-registry-auth` does. The config is written to a
private directory of the hub's container (mode 0700 / 0600), never to the
hub's state volume.
"""
import base64
import json
import os
import tempfile


def write_docker_config(logins: list) -> str | None:
    """A Docker config directory with `logins` ([{server, username, password}]); None when there are none."""
    logins = [login for login in logins if login.get("username")]
    if not logins:
        return None
    directory = tempfile.mkdtemp(prefix="dsenv-docker-config-")
    auths = {
        login["server"]: {"auth": base64.b64encode(f"{login['username']}:{login['password']}".encode()).decode()}
        for login in logins
    }
    fd = os.open(os.path.join(directory, "config.json"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"auths": auths}, f)
    return directory
