# The lab hub (see HUB contract: DSENV_HUB_CONFIG + DSENV_HUB_SECRETS[_FILE]).
# Members log in, get their own notebook server on demand; idle ones are stopped.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hub_settings import load_settings  # noqa: E402

c = get_config()  # noqa: F821 (provided by JupyterHub)
settings = load_settings()
config = settings.config

# --- the hub: proxy on 8000, API on 8081 for servers on the workspace network
c.JupyterHub.bind_url = "http://0.0.0.0:8000"
c.JupyterHub.hub_bind_url = "http://0.0.0.0:8081"
# The servers reach the hub by its name on the workspace network; the proxy, in this
# container, by the container's own hostname (JupyterHub's default for 0.0.0.0). Not
# JupyterHub.hub_connect_url, which the proxy would use too: a swarm's DNS names a task
# only once it is healthy, and the hub's health check goes through the proxy.
c.Spawner.hub_connect_url = f"http://{config['hubConnectHost']}:8081"
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"
c.JupyterHub.pid_file = "/srv/jupyterhub/jupyterhub.pid"
c.ConfigurableHTTPProxy.pid_file = "/srv/jupyterhub/jupyterhub-proxy.pid"
# Secrets set here, never in a file or on a command line (the proxy gets its token in its env).
c.JupyterHub.cookie_secret = bytes.fromhex(settings.secrets["cookieSecret"])
c.ConfigurableHTTPProxy.auth_token = settings.secrets["proxyToken"]
# Stop every server when the hub stops, so removing the hub leaves none behind.
c.JupyterHub.cleanup_servers = True

# --- who may log in: the listed users only
auth = config["auth"]
c.Authenticator.allowed_users = set(config["users"])
c.Authenticator.admin_users = set(config.get("admins", []))
c.Authenticator.allow_all = False
c.Authenticator.allow_existing_users = False
if auth["kind"] == "password":
    from seeded_native_authenticator import SeededNativeAuthenticator

    c.JupyterHub.authenticator_class = SeededNativeAuthenticator
    c.NativeAuthenticator.enable_signup = False
    c.NativeAuthenticator.open_signup = False
    c.SeededNativeAuthenticator.initial_passwords = {
        name: password for name, password in settings.secrets.get("passwords", {}).items() if name in config["users"]
    }
else:
    if auth["kind"] == "github":
        from oauthenticator.github import GitHubOAuthenticator as OAuth
    elif auth["kind"] == "entra":
        from oauthenticator.azuread import AzureAdOAuthenticator as OAuth

        c.AzureAdOAuthenticator.tenant_id = auth["tenantId"]
        # The sign-in name (alice@contoso.com), not the display name: it is unique.
        c.AzureAdOAuthenticator.username_claim = "preferred_username"
    else:
        raise SystemExit(f"dsenv hub: unknown auth kind {auth['kind']!r}")
    c.JupyterHub.authenticator_class = OAuth
    c.OAuthenticator.client_id = auth["clientId"]
    c.OAuthenticator.client_secret = settings.secrets["oauthClientSecret"]
    c.OAuthenticator.oauth_callback_url = auth["callbackUrl"]
    # Provider names -> hub names (JupyterHub lower-cases before looking up).
    c.Authenticator.username_map = {k.lower(): v for k, v in config.get("logins", {}).items()}

# --- the servers
from spawners import LabDockerSpawner, LabKubeSpawner, LabSwarmSpawner  # noqa: E402

c.JupyterHub.spawner_class = {"docker": LabDockerSpawner, "swarm": LabSwarmSpawner, "kubernetes": LabKubeSpawner}[
    config["spawner"]
]
c.LabServer.hub_settings = settings
# The notebook image's command (images/jupyter, as docker-stacks' images): said here, or
# DockerSpawner inspects the image for it on the hub's own engine, which on a swarm need
# not have the image (the user's node pulls it); KubeSpawner would run the image's CMD
# without the hub's arguments.
c.Spawner.cmd = ["start-notebook.sh"]
# A CUDA image and a first start that hands the home over can be slow.
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 120

if config["spawner"] == "kubernetes":
    # LabKubeSpawner takes its namespace, image, claims and GPUs from the settings; the hub
    # talks to the cluster with its pod's ServiceAccount (in-cluster config).
    if config.get("userFolder"):
        raise SystemExit("dsenv hub: a host folder per user (userFolder) cannot be mounted on Kubernetes")
    if (config["kubernetes"].get("gpuPool") or {}).get("scales"):
        # A server waiting for the GPU pool to add a node (a VM boots, its driver loads).
        c.Spawner.start_timeout = 900
else:
    from registry_logins import write_docker_config  # noqa: E402

    # docker-py reads the registries' logins from DOCKER_CONFIG when it makes its client (after this file).
    docker_config = write_docker_config(settings.secrets.get("registryLogins", []))
    if docker_config:
        os.environ["DOCKER_CONFIG"] = docker_config

    c.DockerSpawner.image = config["image"]
    c.DockerSpawner.name_template = config["serverName"]
    c.DockerSpawner.network_name = config["network"]
    c.DockerSpawner.use_internal_ip = True
    c.DockerSpawner.remove = True  # a stopped server is removed; its volume is kept
    c.DockerSpawner.pull_policy = "ifnotpresent" if config["spawner"] == "docker" else "skip"
    volumes = {config["workVolume"]: config["workDir"]}
    if config.get("userFolder"):
        volumes[config["userFolder"]["hostPath"]] = config["userFolder"]["mountPoint"]
    c.DockerSpawner.volumes = volumes  # the swarm spawner builds its mounts from the settings itself
    # A server's name resolves to its task (DNS round robin): a virtual IP needs IPVS in the
    # nodes' kernels, and the hub reaches each server at its task's own address anyway.
    c.SwarmSpawner.extra_endpoint_spec = {"mode": "dnsrr"}

# --- idle culling: servers only, never users
idle_minutes = int(config.get("idleMinutes", 0))
if idle_minutes > 0:
    c.JupyterHub.services = [
        {
            "name": "idle-culler",
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle_minutes * 60}"],
        }
    ]
    c.JupyterHub.load_roles = [
        {
            "name": "idle-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    ]
