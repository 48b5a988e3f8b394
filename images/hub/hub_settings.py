"""The hub's settings: DSENV_HUB_CONFIG (plain JSON) and its secrets.

The secrets come from DSENV_HUB_SECRETS (one engine) or from the file named by
DSENV_HUB_SECRETS_FILE (a swarm's Docker secret). The variable is removed from
the hub's own environment once read, so no child process (the proxy, the
culler) inherits it.
"""
import json
import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HubSettings:
    config: dict
    secrets: dict = field(repr=False)  # never printed with the settings

    @property
    def users(self) -> dict:
        return self.config["users"]

    def user(self, name: str) -> dict:
        return self.users[name]

    def plain_env(self, name: str) -> dict:
        """A user's plain server env: env, then her env (later wins)."""
        return {**self.config.get("env", {}), **self.user(name).get("env", {})}

    def server_env(self, name: str) -> dict:
        """A user's server env: env, then her env, then the secret env, then hers (later wins)."""
        secret_user = self.secrets.get("users", {}).get(name, {})
        return {
            **self.plain_env(name),
            **self.secrets.get("secretEnv", {}),
            **secret_user.get("secretEnv", {}),
        }


def load_settings(environ=os.environ) -> HubSettings:
    config = json.loads(environ["DSENV_HUB_CONFIG"])
    if "DSENV_HUB_SECRETS" in environ:
        secrets = json.loads(environ.pop("DSENV_HUB_SECRETS"))
    elif "DSENV_HUB_SECRETS_FILE" in environ:
        with open(environ.pop("DSENV_HUB_SECRETS_FILE")) as f:
            secrets = json.load(f)
    else:
        raise SystemExit("dsenv hub: neither DSENV_HUB_SECRETS nor DSENV_HUB_SECRETS_FILE is set")
    return HubSettings(config=config, secrets=secrets)
