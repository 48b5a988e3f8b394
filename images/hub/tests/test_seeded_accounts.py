import unittest

from jupyterhub import orm
from nativeauthenticator.orm import UserInfo

from seeded_native_authenticator import seed_accounts


class SeedAccountsTest(unittest.TestCase):
    def setUp(self):
        self.db = orm.new_session_factory("sqlite://")()
        UserInfo.__table__.create(self.db.bind, checkfirst=True)

    def test_listed_users_get_authorized_accounts_with_their_password(self):
        self.assertEqual(seed_accounts(self.db, {"alice": "pw-a", "bob": "pw-b"}), ["alice", "bob"])
        alice = UserInfo.find(self.db, "alice")
        self.assertTrue(alice.is_authorized)
        self.assertTrue(alice.is_valid_password("pw-a"))
        self.assertFalse(alice.is_valid_password("pw-b"))

    def test_a_changed_password_is_kept_on_the_next_start(self):
        seed_accounts(self.db, {"alice": "initial"})
        alice = UserInfo.find(self.db, "alice")
        import bcrypt

        alice.password = bcrypt.hashpw(b"changed", bcrypt.gensalt())
        self.db.commit()
        self.assertEqual(seed_accounts(self.db, {"alice": "initial"}), [])
        self.assertTrue(UserInfo.find(self.db, "alice").is_valid_password("changed"))


if __name__ == "__main__":
    unittest.main()
