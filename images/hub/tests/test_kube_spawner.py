"""LabKubeSpawner's pods and claims, configured by jupyterhub_config.py from the hub's settings, as KubeSpawner renders them.

No cluster here: the client KubeSpawner would connect with is replaced by a
stand-in that answers the two questions the GPU check asks (nodes, pods).
"""
import asyncio
import json
import os
import unittest
from unittest import mock

from jupyterhub.objects import Hub, Server
from kubernetes_asyncio.client import ApiClient
from tornado import web
from traitlets.config.loader import PyFileConfigLoader

from hub_settings import HubSettings
from spawners import LabKubeSpawner
from tests.test_kube_gpus import GPU_TAINT, POOL_SELECTOR, POOL_TOLERATIONS, node, pod

CONFIG = {
    "spawner": "kubernetes",
    "hubConnectHost": "dsenv-jupyterhub",
    "image": "registry.lab.internal:5000/dsenv/jupyter@sha256:" + "a" * 64,
    "serverName": "dsenv-jupyter-{username}",
    "workVolume": "dsenv-jupyter-{username}-work",
    "workDir": "/home/jovyan/work",
    "userFolder": None,
    "shmSizeMb": 2048,
    "gpuCapable": True,
    "idleMinutes": 60,
    "admins": ["alice"],
    "auth": {"kind": "password"},
    "logins": {},
    "env": {"MYSQL_HOST": "mysql", "SHARED": "x"},
    "kubernetes": {
        "namespace": "lab",
        "pullSecret": "dsenv-registry",
        "storageClass": "fast",
        "volumeSize": "20Gi",
        "secretEnv": "dsenv-jupyter-{username}-env",
        "labels": {"app.kubernetes.io/part-of": "dsenv", "app.kubernetes.io/managed-by": "dsenv"},
        "gpuPool": {"tolerations": POOL_TOLERATIONS, "nodeSelector": POOL_SELECTOR, "scales": False},
    },
    "users": {
        "alice": {"uid": 1001, "gid": 1002, "gpus": 1, "env": {"MYSQL_DATABASE": "alice"}, "secretEnvKeys": ["DATABASE_URL", "MYSQL_PASSWORD"]},
        "bob": {"uid": 1003, "gid": 1003, "gpus": 0, "env": {}, "secretEnvKeys": []},
    },
}


class FakeUser:
    def __init__(self, name):
        self.name = name
        self.id = 7
        self.server = Server()
        self.url = self.server.url
        self.escaped_name = name


class FakeCoreApi:
    """The answers of GET /api/v1/nodes and GET /api/v1/namespaces/<ns>/pods, already as JSON."""

    def __init__(self, nodes, pods):
        self.nodes, self.pods, self.asked = nodes, pods, []
        self.api_client = mock.Mock(sanitize_for_serialization=lambda x: x)

    async def list_node(self):
        return {"items": self.nodes}

    async def list_namespaced_pod(self, namespace):
        self.asked.append(namespace)
        return {"items": self.pods}


SECRETS = {"cookieSecret": "00" * 32, "proxyToken": "t", "passwords": {"alice": "pw", "bob": "pw"}}


def settings(**kube):
    config = {**CONFIG, "kubernetes": {**CONFIG["kubernetes"], **kube}}
    return HubSettings(config=config, secrets=SECRETS)


def hub_config(hub_settings: HubSettings):
    """The traitlets Config jupyterhub_config.py makes from these settings (as the hub loads it)."""
    environ = {"DSENV_HUB_CONFIG": json.dumps(hub_settings.config), "DSENV_HUB_SECRETS": json.dumps(hub_settings.secrets)}
    with mock.patch.dict(os.environ, environ):
        return PyFileConfigLoader("jupyterhub_config.py", path=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))).load_config()


class LabKubeSpawnerTest(unittest.IsolatedAsyncioTestCase):
    def spawner(self, name, hub_settings=None, api=None):
        with mock.patch("kubespawner.spawner.load_config"), mock.patch(
            "kubespawner.spawner.shared_client", return_value=api or FakeCoreApi([], [])
        ):
            config = hub_config(hub_settings or settings())
            spawner_class = config.JupyterHub.spawner_class
            self.assertIs(spawner_class, LabKubeSpawner)
            return spawner_class(config=config, user=FakeUser(name), hub=Hub(), api_token="tok", _mock=True)

    async def manifest(self, spawner) -> dict:
        async with ApiClient() as client:
            return client.sanitize_for_serialization(await spawner.get_pod_manifest())

    async def test_pod_runs_the_image_by_digest_as_root_dropping_to_her_uid(self):
        spawner = self.spawner("alice")
        self.assertEqual((spawner.namespace, spawner.pod_name, spawner.pvc_name), ("lab", "dsenv-jupyter-alice", "dsenv-jupyter-alice-work"))
        pod = await self.manifest(spawner)
        container = pod["spec"]["containers"][0]
        self.assertEqual(container["image"], CONFIG["image"])
        self.assertEqual(pod["spec"]["imagePullSecrets"], [{"name": "dsenv-registry"}])
        self.assertEqual(container["args"][0], "start-notebook.sh")
        self.assertEqual(container["securityContext"]["runAsUser"], 0)
        self.assertEqual(container["securityContext"]["runAsGroup"], 0)
        self.assertNotIn("fsGroup", pod["spec"].get("securityContext") or {})  # the image hands her home over
        self.assertIs(pod["spec"]["enableServiceLinks"], False)
        self.assertEqual(pod["metadata"]["labels"]["dsenv.hub.user"], "alice")
        self.assertEqual(pod["metadata"]["labels"]["app.kubernetes.io/part-of"], "dsenv")
        self.assertEqual(pod["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kubespawner")
        self.assertFalse(pod["spec"].get("automountServiceAccountToken"))

    async def test_env_is_plain_and_her_secrets_are_references(self):
        pod = await self.manifest(self.spawner("alice"))
        env = {e["name"]: e for e in pod["spec"]["containers"][0]["env"]}
        self.assertEqual(env["NB_UID"]["value"], "1001")
        self.assertEqual(env["NB_GID"]["value"], "1002")
        self.assertEqual(env["CHOWN_HOME"]["value"], "yes")
        self.assertEqual(env["MYSQL_HOST"]["value"], "mysql")
        self.assertEqual(env["MYSQL_DATABASE"]["value"], "alice")
        self.assertEqual(
            env["MYSQL_PASSWORD"], {"name": "MYSQL_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "dsenv-jupyter-alice-env", "key": "MYSQL_PASSWORD"}}}
        )
        self.assertNotIn("value", env["DATABASE_URL"])
        self.assertNotIn("NVIDIA_VISIBLE_DEVICES", env)  # her GPU's: the device plugin says which

    async def test_work_claim_and_shm_in_memory(self):
        spawner = self.spawner("alice")
        pod = await self.manifest(spawner)
        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        self.assertEqual(volumes["work"]["persistentVolumeClaim"], {"claimName": "dsenv-jupyter-alice-work"})
        self.assertEqual(volumes["shm"]["emptyDir"], {"medium": "Memory", "sizeLimit": "2048Mi"})
        mounts = {m["name"]: m["mountPath"] for m in pod["spec"]["containers"][0]["volumeMounts"]}
        self.assertEqual(mounts, {"work": "/home/jovyan/work", "shm": "/dev/shm"})
        self.assertTrue(spawner.storage_pvc_ensure)
        self.assertFalse(spawner.delete_pvc)  # kept when she is taken off the hub
        async with ApiClient() as client:
            pvc = client.sanitize_for_serialization(spawner.get_pvc_manifest())
        self.assertEqual(pvc["metadata"]["name"], "dsenv-jupyter-alice-work")
        self.assertEqual(pvc["spec"]["storageClassName"], "fast")
        self.assertEqual(pvc["spec"]["resources"]["requests"]["storage"], "20Gi")

    async def test_servers_reach_the_hub_by_its_service_and_wait_for_a_growing_pool(self):
        spawner = self.spawner("alice")
        self.assertEqual(spawner.hub_connect_url, "http://dsenv-jupyterhub:8081")
        self.assertEqual(spawner.start_timeout, 300)
        grows = self.spawner("alice", settings(gpuPool={**CONFIG["kubernetes"]["gpuPool"], "scales": True}))
        self.assertEqual(grows.start_timeout, 900)

    async def test_default_storage_class_is_left_to_the_cluster(self):
        spawner = self.spawner("alice", settings(storageClass=None))
        self.assertIsNone(spawner.get_pvc_manifest().spec.storage_class_name)

    async def test_gpus_are_limits_on_the_pool(self):
        pod = await self.manifest(self.spawner("alice"))
        resources = pod["spec"]["containers"][0]["resources"]
        self.assertEqual(resources["limits"]["nvidia.com/gpu"], "1")
        self.assertEqual(resources["requests"]["nvidia.com/gpu"], "1")
        self.assertEqual(pod["spec"]["tolerations"], POOL_TOLERATIONS)
        self.assertEqual(pod["spec"]["nodeSelector"], POOL_SELECTOR)

    async def test_a_server_without_gpus_stays_off_the_pool_and_sees_none(self):
        pod = await self.manifest(self.spawner("bob"))
        self.assertNotIn("nvidia.com/gpu", (pod["spec"]["containers"][0].get("resources") or {}).get("limits") or {})
        self.assertFalse(pod["spec"].get("tolerations"))
        self.assertFalse(pod["spec"].get("nodeSelector"))
        env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
        self.assertEqual(env["NVIDIA_VISIBLE_DEVICES"], "void")

    async def test_gpu_check_refuses_with_who_holds_them(self):
        api = FakeCoreApi([node("gpu-1", 1, POOL_SELECTOR, [GPU_TAINT])], [pod("dsenv-jupyter-carol", "gpu-1", 1, user="carol")])
        spawner = self.spawner("alice", api=api)
        with self.assertRaises(web.HTTPError) as caught:
            await spawner._check_free_gpus(1)
        self.assertEqual(caught.exception.status_code, 409)
        self.assertIn("1 GPU(s) asked for, 0 free; held by: carol (1); idle servers are stopped after 60 minutes", caught.exception.log_message)
        self.assertEqual(api.asked, ["lab"])

    async def test_gpu_check_passes_when_free_or_when_the_pool_grows(self):
        free = FakeCoreApi([node("gpu-1", 2, POOL_SELECTOR, [GPU_TAINT])], [pod("dsenv-jupyter-carol", "gpu-1", 1, user="carol")])
        await self.spawner("alice", api=free)._check_free_gpus(1)
        empty = FakeCoreApi([], [])
        await self.spawner("alice", settings(gpuPool={**CONFIG["kubernetes"]["gpuPool"], "scales": True}), api=empty)._check_free_gpus(1)
        with self.assertRaises(web.HTTPError):
            await self.spawner("alice", api=empty)._check_free_gpus(1)

    async def placed_or_refused(self, spawner, pod_status, pod_spec=None, timeout=5):
        """Runs _until_placed against a pod as the pod reflector holds it, while a start is still waiting."""
        pods = {"lab/dsenv-jupyter-alice": {"metadata": {"name": "dsenv-jupyter-alice"}, "spec": pod_spec or {}, "status": pod_status}}
        waiting = asyncio.get_running_loop().create_future()
        with mock.patch.object(LabKubeSpawner, "pod_reflector", new_callable=mock.PropertyMock, return_value=mock.Mock(pods=pods)), mock.patch.object(
            LabKubeSpawner, "_start_watching_pods", new=mock.AsyncMock()
        ):
            with mock.patch.object(spawner, "stop", new=mock.AsyncMock()) as stop:
                try:
                    await asyncio.wait_for(spawner._until_placed(waiting, 1), timeout)
                finally:
                    self.stopped = stop.await_args_list
        return waiting

    UNSCHEDULABLE = {
        "phase": "Pending",
        "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."}
        ],
    }

    async def test_a_pod_the_scheduler_cannot_place_is_stopped_and_refused_with_its_reason(self):
        spawner = self.spawner("alice")
        with self.assertRaises(web.HTTPError) as caught:
            await self.placed_or_refused(spawner, self.UNSCHEDULABLE)
        self.assertEqual(caught.exception.status_code, 409)
        self.assertIn("1 GPU(s) asked for; no node can give them now (the scheduler says: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.)", caught.exception.log_message)
        self.assertIn("idle servers are stopped after 60 minutes", caught.exception.log_message)
        self.assertEqual(self.stopped, [mock.call(now=True)])

    async def test_a_placed_pod_or_a_growing_pool_lets_the_start_go_on(self):
        placed = await self.placed_or_refused(self.spawner("alice"), {"phase": "Pending"}, {"nodeName": "gpu-1"})
        self.assertFalse(placed.cancelled())
        grows = self.spawner("alice", settings(gpuPool={**CONFIG["kubernetes"]["gpuPool"], "scales": True}))
        # The scheduler's verdict stands until the autoscaler's node joins: the start waits (here: until the test's timeout).
        with self.assertRaises(asyncio.TimeoutError):
            await self.placed_or_refused(grows, self.UNSCHEDULABLE, timeout=2)
        self.assertEqual(self.stopped, [])

    async def test_a_fresh_hubs_first_start_watches_the_pods_before_looking_for_its_pod(self):
        spawner = self.spawner("alice")
        reflectors = {}
        placed = {"lab/dsenv-jupyter-alice": {"metadata": {"name": "dsenv-jupyter-alice"}, "spec": {"nodeName": "gpu-1"}, "status": {}}}

        async def start_watching(*_args, **_kwargs):
            reflectors["pods"] = mock.Mock(pods=placed)
            return reflectors["pods"]

        # As KubeSpawner's: no reflector until the first start (or stop) starts the watch.
        with mock.patch.object(LabKubeSpawner, "pod_reflector", new_callable=mock.PropertyMock, side_effect=lambda: reflectors.get("pods")), mock.patch.object(
            LabKubeSpawner, "_start_watching_pods", new=start_watching
        ):
            waiting = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(spawner._until_placed(waiting, 1), 5)
        self.assertFalse(waiting.cancelled())

    async def test_every_gpu_shared_is_refused(self):
        config = {**CONFIG, "users": {"alice": {**CONFIG["users"]["alice"], "gpus": "all"}}}
        spawner = self.spawner("alice", HubSettings(config=config, secrets=SECRETS))
        with self.assertRaises(web.HTTPError) as caught:
            await spawner._start()
        self.assertIn("GPUs of its own", caught.exception.log_message)


if __name__ == "__main__":
    unittest.main()
