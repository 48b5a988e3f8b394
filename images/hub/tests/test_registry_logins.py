import json
import os
import stat
import unittest

from docker import auth
from registry_logins import write_docker_config


class RegistryLoginsTest(unittest.TestCase):
    def test_docker_py_finds_the_login_of_the_images_registry(self):
        directory = write_docker_config([{"server": "registry.lab.internal:5000", "username": "puller", "password": "p@ss"}])
        path = os.path.join(directory, "config.json")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(directory).st_mode), 0o700)
        configs = auth.load_config(path)
        self.assertEqual(auth.resolve_authconfig(configs, "registry.lab.internal:5000")["password"], "p@ss")
        with open(path) as f:
            self.assertNotIn("p@ss", f.read())  # base64, as docker login writes it

    def test_no_login_no_config(self):
        self.assertIsNone(write_docker_config([]))
        self.assertIsNone(write_docker_config([{"server": "plain:5000", "username": None, "password": None}]))


if __name__ == "__main__":
    unittest.main()
