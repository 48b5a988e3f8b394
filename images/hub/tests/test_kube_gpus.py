import unittest

from kube_gpus import free_on_nodes, tolerates, unschedulable_reason

GPU_TAINT = {"key": "sku", "value": "gpu", "effect": "NoSchedule"}
POOL_TOLERATIONS = [{"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]
POOL_SELECTOR = {"agentpool": "gpu"}


def node(name, gpus, labels=None, taints=None, ready=True, unschedulable=False):
    """A node as the Kubernetes API (GET /api/v1/nodes) shows it."""
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"taints": taints or [], "unschedulable": unschedulable},
        "status": {
            "allocatable": {"cpu": "8", "nvidia.com/gpu": str(gpus)} if gpus is not None else {"cpu": "8"},
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def pod(name, node_name, gpus, user=None, phase="Running"):
    """A pod as the Kubernetes API shows it."""
    return {
        "metadata": {"name": name, "labels": {"dsenv.hub.user": user} if user else {}},
        "spec": {
            "nodeName": node_name,
            "containers": [{"name": "notebook", "resources": {"limits": {"nvidia.com/gpu": str(gpus)}} if gpus else {}}],
        },
        "status": {"phase": phase},
    }


class TolerationsTest(unittest.TestCase):
    def test_equal_exists_and_wildcard(self):
        self.assertTrue(tolerates(POOL_TOLERATIONS, GPU_TAINT))
        self.assertFalse(tolerates(POOL_TOLERATIONS, {**GPU_TAINT, "value": "cpu"}))
        self.assertFalse(tolerates(POOL_TOLERATIONS, {**GPU_TAINT, "effect": "NoExecute"}))
        self.assertTrue(tolerates([{"key": "sku", "operator": "Exists"}], GPU_TAINT))
        self.assertTrue(tolerates([{"operator": "Exists"}], GPU_TAINT))
        self.assertFalse(tolerates([], GPU_TAINT))


class FreeOnNodesTest(unittest.TestCase):
    nodes = [
        node("gpu-1", 2, POOL_SELECTOR, [GPU_TAINT]),
        node("cpu-1", None, {"agentpool": "system"}),
        node("gpu-2", 4, POOL_SELECTOR, [GPU_TAINT], ready=False),
        node("gpu-3", 4, POOL_SELECTOR, [GPU_TAINT], unschedulable=True),
        node("gpu-other", 8, {"agentpool": "other"}),
    ]

    def test_free_is_allocatable_minus_live_pods(self):
        pods = [
            pod("jupyter-bob", "gpu-1", 1, user="bob"),
            pod("jupyter-carol", "gpu-1", 1, user="carol", phase="Succeeded"),  # finished: holds nothing
            pod("trainer-7f9c", "gpu-1", 0),
            pod("jupyter-dave", None, 1, user="dave"),  # not placed yet
        ]
        self.assertEqual(free_on_nodes(self.nodes, pods, POOL_SELECTOR, POOL_TOLERATIONS), [("gpu-1", 1, {"bob": 1})])

    def test_a_pod_without_the_user_label_is_named(self):
        pods = [pod("trainer-7f9c", "gpu-1", 2)]
        self.assertEqual(free_on_nodes(self.nodes, pods, POOL_SELECTOR, POOL_TOLERATIONS), [("gpu-1", 0, {"trainer-7f9c": 2})])

    def test_taints_not_tolerated_keep_a_node_out(self):
        self.assertEqual(free_on_nodes(self.nodes, [], POOL_SELECTOR, []), [])

    def test_without_a_pool_every_gpu_node_counts(self):
        self.assertEqual(
            free_on_nodes(self.nodes, [], {}, POOL_TOLERATIONS), [("gpu-1", 2, {}), ("gpu-other", 8, {})]
        )


class UnschedulableTest(unittest.TestCase):
    def test_reads_the_schedulers_verdict(self):
        waiting = {
            "status": {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/1 nodes are available: 1 Insufficient nvidia.com/gpu.",
                    }
                ],
            }
        }
        self.assertEqual(unschedulable_reason(waiting), "0/1 nodes are available: 1 Insufficient nvidia.com/gpu.")
        self.assertIsNone(unschedulable_reason({"status": {"phase": "Pending"}}))
        self.assertIsNone(unschedulable_reason(None))


if __name__ == "__main__":
    unittest.main()
