"""Who may see and change organisations' plans.

A kept plan is an organisation's own: it is seen by that organisation's accounts and, once
its owners publish it, by everyone. Accounts are held in one file (``instance/accounts.json``
beside the checkout by default), each with an organisation, a role and an access key; only a
hash of the key is stored, so the file gives no one a way in.

Roles:

* ``reader``: sees the organisation's unpublished plans;
* ``editor``: also keeps, publishes and removes them;
* ``admin``: sees and changes every organisation's plans.

The command line acts for whoever holds the files (:data:`EVERYONE`); the web app acts for
the account of each request, or for an anonymous visitor (:data:`ANONYMOUS`), who sees only
published plans and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from graph.errors import PolicyGraphError

ROLES = ("reader", "editor", "admin")
ACCOUNTS_NAME = "accounts.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ORGANISATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: EU access-right vocabulary (DCAT-AP), as ``dcterms:accessRights`` of a kept plan.
PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
NON_PUBLIC = "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"


class AccessError(PolicyGraphError):
    """An account cannot be made, found or used as asked."""


@dataclass(frozen=True)
class Viewer:
    """Whoever asks: an account's organisation and role, anonymous, or everyone (the files' holder)."""

    name: str = ""
    organisation: str = ""
    role: str = ""
    everything: bool = False

    @property
    def signed_in(self) -> bool:
        return bool(self.name)

    def sees(self, organisation: str, published: bool) -> bool:
        """Whether this viewer may see a plan of *organisation*."""
        return published or self.everything or self.role == "admin" or \
            (bool(self.organisation) and self.organisation == organisation)

    def may_change(self, organisation: str) -> bool:
        """Whether this viewer may keep, publish or remove plans of *organisation*."""
        return self.everything or self.role == "admin" or \
            (self.role == "editor" and self.organisation == organisation)


ANONYMOUS = Viewer()
EVERYONE = Viewer(name="(files)", everything=True)


@dataclass(frozen=True)
class Account:
    name: str
    organisation: str
    role: str
    key_hash: str

    def viewer(self) -> Viewer:
        return Viewer(self.name, self.organisation, self.role)

    def public(self) -> dict:
        return {"name": self.name, "organisation": self.organisation, "role": self.role}


def _hash(key: str) -> str:
    # the keys are long random strings, so one round of SHA-256 is as hard to reverse as a slow hash
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class Accounts:
    """The accounts file: read when it changes, written whole and atomically."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._accounts: dict[str, Account] = {}

    def _read(self) -> dict[str, Account]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._accounts = None, {}
            return self._accounts
        except OSError as exc:
            raise AccessError(f"cannot read the accounts file {self.path}: {exc.strerror}") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                records = json.loads(self.path.read_text(encoding="utf-8"))["accounts"]
                accounts = {r["name"]: Account(r["name"], r["organisation"], r["role"], r["key_hash"])
                            for r in records}
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise AccessError(f"the accounts file {self.path} cannot be read ({exc}); "
                                  "fix or remove it, then add the accounts again") from None
            self._stamp, self._accounts = stamp, accounts
        return self._accounts

    def all(self) -> list[Account]:
        return sorted(self._read().values(), key=lambda a: a.name)

    def find(self, key: str, name: str | None = None) -> Account | None:
        """The account whose access key is *key* (and, when given, whose name is *name*)."""
        if not key:
            return None
        digest = _hash(key)
        for account in self._read().values():
            if hmac.compare_digest(account.key_hash, digest) and (name is None or account.name == name):
                return account
        return None

    def add(self, name: str, organisation: str, role: str, replace: bool = False) -> str:
        """Add (or with *replace*, renew) account *name*; return its new access key, which is
        shown once and never stored."""
        if not _NAME.match(name or ""):
            raise AccessError(f"'{name}' cannot name an account: use up to 64 lower-case letters, digits, "
                              "'.', '_' or '-', starting with a letter or digit")
        if role not in ROLES:
            raise AccessError(f"'{role}' is not a role; choose one of {', '.join(ROLES)}")
        if role != "admin" and not _ORGANISATION.match(organisation or ""):
            raise AccessError(f"'{organisation}' is not an organisation id (for example hywel-dda-uhb)")
        accounts = dict(self._read())
        if name in accounts and not replace:
            raise AccessError(f"an account '{name}' exists already; renew its key with --replace")
        key = f"pgk_{secrets.token_urlsafe(32)}"
        accounts[name] = Account(name, organisation or "", role, _hash(key))
        self._write(accounts)
        return key

    def remove(self, name: str) -> Account:
        accounts = dict(self._read())
        if name not in accounts:
            known = ", ".join(sorted(accounts)) or "none"
            raise AccessError(f"no account '{name}' (accounts: {known})")
        gone = accounts.pop(name)
        self._write(accounts)
        return gone

    def _write(self, accounts: dict[str, Account]) -> None:
        data = json.dumps({"accounts": [asdict(a) for a in sorted(accounts.values(), key=lambda a: a.name)]},
                          indent=2) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".accounts.", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(temporary, 0o600)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise AccessError(f"cannot write the accounts file {self.path}: {exc.strerror}") from None
        self._stamp = None


__all__ = ["ANONYMOUS", "EVERYONE", "NON_PUBLIC", "PUBLIC", "ROLES", "AccessError", "Account", "Accounts", "Viewer"]
