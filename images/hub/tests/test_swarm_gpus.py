import unittest

from swarm_gpus import free_on_nodes, matches


def node(node_id, hostname, labels, gpus, role="worker", named=False):
    """A node as `docker node inspect` (Engine API /nodes) shows it."""
    if named:
        resources = [{"NamedResourceSpec": {"Kind": "NVIDIA-GPU", "Value": f"GPU-{i}"}} for i in range(gpus)]
    else:
        resources = [{"DiscreteResourceSpec": {"Kind": "NVIDIA-GPU", "Value": gpus}}] if gpus else []
    return {
        "ID": node_id,
        "Spec": {"Labels": labels, "Role": role, "Availability": "active"},
        "Description": {"Hostname": hostname, "Resources": {"NanoCPUs": 8e9, "GenericResources": resources}},
        "Status": {"State": "ready", "Addr": "10.0.0.2"},
    }


def task(node_id, service, gpus, state="running", desired="running"):
    """A task as the Engine API /tasks shows it (ServiceName added by the spawner)."""
    return {
        "ID": f"t-{service}",
        "ServiceID": f"s-{service}",
        "ServiceName": service,
        "NodeID": node_id,
        "DesiredState": desired,
        "Status": {"State": state},
        "Spec": {"Resources": {"Reservations": {"GenericResources": [{"DiscreteResourceSpec": {"Kind": "NVIDIA-GPU", "Value": gpus}}]}}},
    }


ALICE = "node.labels.dsenv.place.user-alice==true"


class SwarmGpusTest(unittest.TestCase):
    nodes = [
        node("n1", "gpu1", {"dsenv.place.user-alice": "true"}, 2),
        node("n2", "gpu2", {}, 4, named=True),
    ]

    def test_constraint_picks_the_node(self):
        self.assertTrue(matches(self.nodes[0], ALICE))
        self.assertFalse(matches(self.nodes[1], ALICE))
        self.assertTrue(matches(self.nodes[1], "node.hostname!=gpu1"))
        with self.assertRaises(ValueError):
            matches(self.nodes[0], "engine.labels.x==1")

    def test_free_is_advertised_minus_live_reservations(self):
        tasks = [
            task("n1", "bob", 1),
            task("n1", "carol", 1, state="shutdown"),  # ended: holds nothing
            task("n1", "dave", 1, desired="shutdown"),
            task("n2", "erin", 3),
        ]
        self.assertEqual(free_on_nodes(self.nodes, tasks, [ALICE]), [("gpu1", 1, {"bob": 1})])
        self.assertEqual(free_on_nodes(self.nodes, tasks, []), [("gpu1", 1, {"bob": 1}), ("gpu2", 1, {"erin": 3})])

    def test_drained_nodes_do_not_count(self):
        drained = node("n3", "gpu3", {}, 8)
        drained["Spec"]["Availability"] = "drain"
        self.assertEqual(free_on_nodes([drained], [], []), [])


if __name__ == "__main__":
    unittest.main()
