"""NativeAuthenticator whose accounts are the hub's listed users, made at hub start with given passwords.

Sign-up is off: nobody makes an account. Each listed user who has no account yet
gets one, already authorized, with her initial password (bcrypt, as
NativeAuthenticator stores it). An existing account is left alone, so a
password its owner changed survives hub restarts.
"""
import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo
from traitlets import Dict


def seed_accounts(db, passwords: dict, log=None) -> list:
    """Add an authorized UserInfo for each name in `passwords` that has none; returns the names added."""
    added = []
    for name, password in sorted(passwords.items()):
        if UserInfo.find(db, name) is not None:
            continue
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
        db.add(UserInfo(username=name, password=hashed, is_authorized=True))
        added.append(name)
    db.commit()
    if log and added:
        log.info("dsenv: accounts made for %s", ", ".join(added))
    return added


class SeededNativeAuthenticator(NativeAuthenticator):
    initial_passwords = Dict(help="user name -> initial password; never logged").tag(config=True)

    def __init__(self, *args, **kwargs):
        # NativeAuthenticator makes its users_info table in its own __init__.
        super().__init__(*args, **kwargs)
        seed_accounts(self.db, self.initial_passwords, self.log)
