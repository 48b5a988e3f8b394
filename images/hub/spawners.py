"""DockerSpawner / SwarmSpawner / KubeSpawner with the lab's per-user settings: uid, env, volumes, GPUs.

Every server starts as root with NB_UID/NB_GID (the docker-stacks convention:
the image hands the home over and drops to the user). GPUs are checked and
granted while creating the container, service or pod, one creation at a time,
so two spawns cannot take the same free GPU.
"""
import asyncio

from docker.types import DeviceRequest, Mount
from dockerspawner import DockerSpawner, SwarmSpawner
from kubespawner import KubeSpawner
from tornado import web
from traitlets import Any, default
from traitlets.config import LoggingConfigurable

import kube_gpus
from gpu_allocation import GpusNotFree, allocate, held_by_containers, refusal_message, when_free
from swarm_gpus import KIND, free_on_nodes

# The engine's record of who holds which GPU ids (value "<user>:<id>,<id>").
GPU_LABEL = "dsenv.hub.gpus"
# Whose server a swarm service or a pod is.
USER_LABEL = kube_gpus.USER_LABEL
_creating = asyncio.Lock()


class LabServer(LoggingConfigurable):
    """What the spawners share (a mixin, before the spawner class): settings come from the hub's HubSettings."""

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
        env.update({k: v for k, v in self._server_env().items() if not k.startswith("JUPYTERHUB_")})
        env.update(NB_UID=str(self._user["uid"]), NB_GID=str(self._user["gid"]), CHOWN_HOME="yes", CHOWN_HOME_OPTS="-R")
        env.update(self._gpu_env(self._user.get("gpus", 0)))
        return env

    def _server_env(self) -> dict:
        return self.hub_settings.server_env(self.user.name)

    def _gpu_env(self, gpus) -> dict:
        if self._config.get("gpuCapable") and gpus == 0:
            return {"NVIDIA_VISIBLE_DEVICES": "void"}  # a CUDA image would otherwise see every GPU
        return {}

    def _refuse(self, message: str):
        self.log.warning("dsenv: %s's server refused: %s", self.user.name, message)
        raise web.HTTPError(409, message)


class LabDockerSpawner(LabServer, DockerSpawner):
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


class LabKubeSpawner(LabServer, KubeSpawner):
    """A pod per user in the stack's namespace: her PVC, her uid, her secrets by reference, GPUs from the pool.

    Everything is derived from the hub's settings (the traits' defaults below),
    so jupyterhub_config.py only names the class. A user's secret variables are
    never in the pod spec: each is a secretKeyRef to the Secret the stack made
    for her (settings' kubernetes.secretEnv name, her secretEnvKeys).

    DSENV_HUB_CONFIG's fields for it, beside the common ones ("spawner": "kubernetes",
    "hubConnectHost": the hub's Service):
        "kubernetes": {"namespace": "lab", "pullSecret": "lab-registry-pull" | null,
                       "storageClass": "fast" | null, "volumeSize": "10Gi",
                       "secretEnv": "lab-jupyter-{username}-env", "labels": {...},
                       "gpuPool": {"tolerations": [...], "nodeSelector": {...}, "scales": false} | null},
        "users": {"alice": {..., "secretEnvKeys": ["DATABASE_URL", "MYSQL_PASSWORD"]}}
    DSENV_HUB_SECRETS then holds the hub's own secrets only (no secretEnv, users, registryLogins).
    """

    @property
    def _kube(self) -> dict:
        return self._config["kubernetes"]

    @property
    def _gpus(self):
        return self._user.get("gpus", 0)

    @default("namespace")
    def _namespace_from_settings(self):
        return self._kube["namespace"]

    @default("pod_name_template")
    def _pod_name_from_settings(self):
        return self._config["serverName"]

    @default("pvc_name_template")
    def _pvc_name_from_settings(self):
        # The always-on notebook's claim of the same user: turning the hub on or off keeps her files.
        return self._config["workVolume"]

    @default("image")
    def _image_from_settings(self):
        return self._config["image"]

    @default("image_pull_secrets")
    def _pull_secrets_from_settings(self):
        return [self._kube["pullSecret"]] if self._kube.get("pullSecret") else []

    @default("storage_pvc_ensure")
    def _ensure_pvc(self):
        return True

    @default("delete_pvc")
    def _keep_pvc(self):
        return False  # a user taken off the hub keeps her files, as volumes are kept elsewhere

    @default("storage_capacity")
    def _capacity_from_settings(self):
        return self._kube["volumeSize"]

    @default("storage_class")
    def _class_from_settings(self):
        return self._kube.get("storageClass") or None  # None: the cluster's default class

    @default("volumes")
    def _volumes_from_settings(self):
        # No host folder (userFolder): a pod runs on any node; the stack refuses one on Kubernetes.
        return [
            {"name": "work", "persistentVolumeClaim": {"claimName": "{pvc_name}"}},
            {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{self._config['shmSizeMb']}Mi"}},
        ]

    @default("volume_mounts")
    def _mounts_from_settings(self):
        return [{"name": "work", "mountPath": self._config["workDir"]}, {"name": "shm", "mountPath": "/dev/shm"}]

    # Started as root, as on an engine: the image hands her home (her claim) over to NB_UID/NB_GID
    # and drops to them. No fsGroup: that chown is the image's, the same on every runtime.
    @default("uid")
    def _root_uid(self):
        return 0

    @default("gid")
    def _root_gid(self):
        return 0

    @default("extra_pod_config")
    def _no_service_links(self):
        # No *_PORT variables of the namespace's Services (MYSQL_PORT=tcp://...), as the stack's own pods.
        return {"enableServiceLinks": False}

    @default("extra_labels")
    def _labels_from_settings(self):
        # The stack's labels (app.kubernetes.io/part-of); KubeSpawner's own name and managed-by win.
        return {**self._kube.get("labels", {}), USER_LABEL: self.user.name}

    @default("extra_resource_limits")
    def _gpu_limits(self):
        return {kube_gpus.RESOURCE: str(self._gpus)} if self._gpus else {}

    @default("extra_resource_guarantees")
    def _gpu_requests(self):
        return self._gpu_limits()

    # Only servers with GPUs go to the GPU pool; its taint keeps the others off it.
    @default("tolerations")
    def _tolerations_from_settings(self):
        return list((self._kube.get("gpuPool") or {}).get("tolerations", [])) if self._gpus else []

    @default("node_selector")
    def _node_selector_from_settings(self):
        return dict((self._kube.get("gpuPool") or {}).get("nodeSelector", {})) if self._gpus else {}

    def _server_env(self) -> dict:
        env = self.hub_settings.plain_env(self.user.name)
        secret = self._template(self._kube["secretEnv"])
        for key in self._user.get("secretEnvKeys", []):
            env[key] = {"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
        return env

    def _pool_scales(self) -> bool:
        return bool((self._kube.get("gpuPool") or {}).get("scales"))

    async def _check_free_gpus(self, wanted: int):
        """Refuse when no usable node has `wanted` GPUs free, unless the pool adds nodes on demand."""
        serialize = self.api.api_client.sanitize_for_serialization
        nodes, pods = await asyncio.gather(self.api.list_node(), self.api.list_namespaced_pod(self.namespace))
        pool = self._kube.get("gpuPool") or {}
        candidates = kube_gpus.free_on_nodes(
            serialize(nodes)["items"], serialize(pods)["items"], pool.get("nodeSelector", {}), pool.get("tolerations", [])
        )
        if any(free >= wanted for _, free, _ in candidates):
            return
        if self._pool_scales():
            self.log.info("dsenv: %s's server waits for the GPU pool to add a node", self.user.name)
            return
        best = max(candidates, key=lambda c: c[1], default=(None, 0, {}))
        self._refuse(refusal_message(wanted, max(best[1], 0), best[2], self._config.get("idleMinutes", 0)))

    async def _until_placed(self, start, wanted: int):
        """Wait until the pod is on a node; a pod the scheduler cannot place (and no pool will grow for) is refused."""
        key = f"{self.namespace}/{self.pod_name}"
        # KubeSpawner's watch of the pods starts with its first start or stop: a fresh hub's first start has none yet.
        await self._start_watching_pods()
        while not start.done():
            pod = self.pod_reflector.pods.get(key)
            if pod and (pod.get("spec") or {}).get("nodeName"):
                return
            reason = kube_gpus.unschedulable_reason(pod)
            if reason and not self._pool_scales():
                start.cancel()
                await self.stop(now=True)
                self._refuse(
                    f"{wanted} GPU(s) asked for; no node can give them now (the scheduler says: {reason}); "
                    + when_free(self._config.get("idleMinutes", 0))
                )
            await asyncio.sleep(1)

    async def _start(self):
        gpus = self._gpus
        if gpus == "all":
            self._refuse("a server on Kubernetes gets GPUs of its own (a number), not every GPU shared")
        if not gpus:
            return await super()._start()
        # One GPU server placed at a time: the check and the scheduler's verdict see the same free GPUs.
        async with _creating:
            await self._check_free_gpus(gpus)
            start = asyncio.ensure_future(super()._start())
            try:
                await self._until_placed(start, gpus)
            except BaseException:
                start.cancel()
                raise
        return await start
