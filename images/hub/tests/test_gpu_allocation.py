import unittest

from gpu_allocation import GpusNotFree, allocate, held_by_containers

LABEL = "dsenv.hub.gpus"


class AllocateTest(unittest.TestCase):
    def test_gives_free_ids_in_order(self):
        self.assertEqual(allocate(2, ["0", "1", "2"], {"0": "bob"}, 60), ["1", "2"])

    def test_refuses_when_too_few_free_and_says_who_holds_them(self):
        with self.assertRaises(GpusNotFree) as caught:
            allocate(2, ["0", "1"], {"0": "bob"}, 60)
        message = str(caught.exception)
        self.assertIn("2 GPU(s) asked for, 1 free", message)
        self.assertIn("bob (1)", message)
        self.assertIn("after 60 minutes", message)

    def test_refuses_on_an_engine_without_gpus(self):
        with self.assertRaises(GpusNotFree) as caught:
            allocate(1, [], {}, 0)
        self.assertIn("0 free; held by: nobody; idle servers are not stopped", str(caught.exception))


class HeldByContainersTest(unittest.TestCase):
    def test_reads_the_label_of_each_server(self):
        containers = [
            {"Labels": {LABEL: "alice:0,2"}},
            {"Labels": {LABEL: "bob:1"}},
            {"Labels": {"other": "x"}},
            {"Labels": None},
            {"Labels": {LABEL: "carol:3"}, "State": "exited"},
        ]
        self.assertEqual(held_by_containers(containers, LABEL), {"0": "alice", "2": "alice", "1": "bob"})

    def test_then_allocation_skips_held_ids(self):
        held = held_by_containers([{"Labels": {LABEL: "alice:0"}}], LABEL)
        with self.assertRaises(GpusNotFree) as caught:
            allocate(1, ["0"], held, 1)
        self.assertIn("alice (1)", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
