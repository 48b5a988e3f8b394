"""DockerSpawner / SwarmSpawner with the lab's per-user settings: uid, env, volumes, GPUs.

Every server starts as root with NB_UID/NB_GID (the docker-stacks convention:
the image hands the home over and drops to the user). GPUs are checked and
granted while creating the container or service, one creation at a time, so
two spawns cannot take the same free GPU.
"""
import asyncio

from docker.types import DeviceRequest, Mount
from dockerspawner import DockerSpawner, SwarmSpawner
from tornado import web
from traitlets import Any

from gpu_allocation import GpusNotFree, allocate, held_by_containers, refusal_message
from swarm_gpus import KIND, free_on_nodes

# The engine's record of who holds which GPU ids (value "<user>:<id>,<id>").
GPU_LABEL = "dsenv.hub.gpus"
# Whose server a swarm service is.
USER_LABEL = "dsenv.hub.user"
_creating = asyncio.Lock()


class LabServer(DockerSpawner):
    """What both spawners share: settings come from the hub's HubSettings."""

    hub_settings = Any(help="hub_settings.HubSettings").tag(config=True)

    @property
    def _config(self) -> dict:
        return self.hub_settings.config

    @property
    def _user(self) -> dict:
        return self.hub_settings.user(self.user.name)

    def _template(self, text: str) -> str:
        return text.replace("{username}", self.user.name)

    def get_env(self):
        env = super().get_env()
        # The hub's own JUPYTERHUB_* variables are never overridden by configured env.
        env.update({k: v for k, v in self.hub_settings.server_env(self.user.name).items() if not k.startswith("JUPYTERHUB_")})
        env.update(NB_UID=str(self._user["uid"]), NB_GID=str(self._user["gid"]), CHOWN_HOME="yes", CHOWN_HOME_OPTS="-R")
        env.update(self._gpu_env(self._user.get("gpus", 0)))
        return env

    def _gpu_env(self, gpus) -> dict:
        if self._config.get("gpuCapable") and gpus == 0:
            return {"NVIDIA_VISIBLE_DEVICES": "void"}  # a CUDA image would otherwise see every GPU
        return {}

    def _refuse(self, message: str):
        self.log.warning("dsenv: %s's server refused: %s", self.user.name, message)
        raise web.HTTPError(409, message)


class LabDockerSpawner(LabServer):
    async def create_object(self):
        gpus = self._user.get("gpus", 0)
        labels = {}
        requests = []
        async with _creating:
            if gpus == "all":
                requests = [DeviceRequest(count=-1, capabilities=[["gpu"]])]
            elif gpus:
                containers = await self.docker("containers", all=True, filters={"label": GPU_LABEL})
                held = held_by_containers(containers, GPU_LABEL)
                try:
                    ids = allocate(gpus, self._config.get("engineGpus", []), held, self._config.get("idleMinutes", 0))
                except GpusNotFree as e:
                    self._refuse(str(e))
                requests = [DeviceRequest(device_ids=ids, capabilities=[["gpu"]])]
                labels[GPU_LABEL] = f"{self.user.name}:{','.join(ids)}"
                self.log.info("dsenv: %s's server gets GPU(s) %s", self.user.name, ",".join(ids))
            self.extra_create_kwargs = {"user": "root", "labels": labels}
            self.extra_host_config = {"shm_size": f"{self._config['shmSizeMb']}m", "device_requests": requests}
            return await super().create_object()


class LabSwarmSpawner(LabServer, SwarmSpawner):
    def _gpu_env(self, gpus) -> dict:
        if gpus == "all":
            # Shared: no reservation; the node's NVIDIA runtime shows every GPU.
            return {"NVIDIA_VISIBLE_DEVICES": "all"}
        return super()._gpu_env(gpus)

    @property
    def mounts(self):
        config = self._config
        mounts = [
            Mount(target=config["workDir"], source=self._template(config["workVolume"]), type="volume"),
            Mount(target="/dev/shm", source=None, type="tmpfs", tmpfs_size=config["shmSizeMb"] * 2**20),
        ]
        folder = config.get("userFolder")
        if folder:
            mounts.append(Mount(target=folder["mountPoint"], source=self._template(folder["hostPath"]), type="bind"))
        return mounts

    async def _check_free_gpus(self, wanted: int, constraints: list):
        nodes, tasks, services = await asyncio.gather(
            self.docker("nodes"), self.docker("tasks", filters={"desired-state": "running"}), self.docker("services")
        )
        owner = {s["ID"]: (s["Spec"].get("Labels") or {}).get(USER_LABEL, s["Spec"]["Name"]) for s in services}
        for task in tasks:
            task["ServiceName"] = owner.get(task.get("ServiceID"), task.get("ServiceID"))
        candidates = free_on_nodes(nodes, tasks, constraints)
        if any(free >= wanted for _, free, _ in candidates):
            return
        best = max(candidates, key=lambda c: c[1], default=(None, 0, {}))
        self._refuse(refusal_message(wanted, max(best[1], 0), best[2], self._config.get("idleMinutes", 0)))

    async def create_object(self):
        gpus = self._user.get("gpus", 0)
        constraint = self._user.get("constraint")
        constraints = [constraint] if constraint else []
        async with _creating:
            self.extra_container_spec = {"user": "root"}
            self.extra_placement_spec = {"constraints": constraints}
            self.extra_create_kwargs = {"labels": {USER_LABEL: self.user.name}}
            self.extra_resources_spec = {}
            if gpus and gpus != "all":
                await self._check_free_gpus(gpus, constraints)
                self.extra_resources_spec = {"generic_resources": {KIND: gpus}}
            return await super().create_object()
