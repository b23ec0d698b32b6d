"""The model gateway's view of account secrets: an account's own key for a vendor.

Installed into the provider layer at start by the API and by the engine (`install_vendor_keys`).
A model call asks for `(account, vendor)`; the answer — the decrypted `<VENDOR>_API_KEY` secret,
or None when the account has none — is kept for `CACHE_SECONDS`, so a run of thousands of
calls reads the table once every few seconds, and a changed or deleted key is in use on every
process within that time (at once on the process that took the write, which forgets the
account's entries).

Decrypted keys live only in this process's memory, and only that briefly. A secret that does
not open (the master key differs from the one that sealed it), or that no HTTP header can carry
(a control character or non-ASCII inside it; surrounding whitespace, as a pasted key often has,
is dropped), fails the call with `AccountKeyUnreadable` rather than silently falling back to
the server's key: the account asked for its own key to be used.
"""

from __future__ import annotations

import logging
import threading
import time

from yardstick.account_secret.repository import account_secret_repository
from yardstick.account_secret.service import open_value
from yardstick.config import Settings
from yardstick.db.retry import retrying
from yardstick.db.session import SessionFactory
from yardstick.provider import ProviderError, account_keys
from yardstick.provider.account_keys import vendor_key_name
from yardstick.secret_box import SecretBox, SecretUnreadable, secret_box

log = logging.getLogger(__name__)

CACHE_SECONDS = 3.0


class AccountKeyUnreadable(ProviderError):
    """The account's key for the vendor is stored but cannot be decrypted here."""

    type = "AccountKeyUnreadable"


class _Unreadable:
    """Cached in place of a key that cannot be used, so each call does not retry (and log) it."""

    def __init__(self, message: str) -> None:
        self.message = message


# The account's key, a key that did not open, or None: the account keeps none for the vendor
# (cached too, since most accounts keep none).
_Entry = str | _Unreadable | None


class VendorKeys:
    def __init__(
        self, sessions: SessionFactory, box: SecretBox, *, ttl: float = CACHE_SECONDS
    ) -> None:
        self.sessions = sessions
        self.box = box
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, _Entry]] = {}
        # One load at a time: calls that miss together wait for the first one's answer instead
        # of each querying (a chunk starts dozens of calls at once).
        self._lock = threading.Lock()

    async def key_for(self, account_id: str, vendor: str) -> str | None:
        cache_key = (account_id, vendor_key_name(vendor))
        found, entry = self._cached(cache_key)
        if not found:
            entry = await retrying("reading an account's vendor key", self._load, cache_key)
        if isinstance(entry, _Unreadable):
            raise AccountKeyUnreadable(entry.message)
        return entry

    def forget(self, account_id: str) -> None:
        # list() copies the keys in one step: a load in a worker thread may add one meanwhile.
        for cache_key in list(self._cache):
            if cache_key[0] == account_id:
                self._cache.pop(cache_key, None)

    def _cached(self, cache_key: tuple[str, str]) -> tuple[bool, _Entry]:
        hit = self._cache.get(cache_key)
        if hit is None or hit[0] <= time.monotonic():
            return False, None
        return True, hit[1]

    def _load(self, cache_key: tuple[str, str]) -> _Entry:
        with self._lock:
            found, entry = self._cached(cache_key)
            if found:
                return entry
            account_id, key_name = cache_key
            with self.sessions.read() as session:
                secret = account_secret_repository.get_by_lookup_key(
                    session, account_id=account_id, lookup_key=key_name
                )
                if secret is not None:
                    try:
                        entry = _sendable(key_name, open_value(self.box, secret).strip())
                    except SecretUnreadable:
                        log.error(
                            "account %s: secret %s (%s) cannot be decrypted with this master key",
                            account_id,
                            secret.id,
                            key_name,
                        )
                        entry = _Unreadable(
                            f"the account's {key_name} secret cannot be decrypted with this "
                            "server's master key (YARDSTICK_SECRET_KEY or the data directory's "
                            "key file): set the key it was stored with, or store the secret again"
                        )
            self._cache[cache_key] = (time.monotonic() + self.ttl, entry)
            return entry


def _sendable(key_name: str, key: str) -> _Entry:
    """The key, if a header can carry it (aiohttp refuses the call otherwise, a 500)."""
    if key and key.isascii() and key.isprintable():
        return key
    return _Unreadable(
        f"the account's {key_name} secret cannot be sent as an API key: it is empty or holds a "
        "control character or a non-ASCII one; store it again"
    )


def install_vendor_keys(settings: Settings, sessions: SessionFactory) -> None:
    """Let this process's model calls use account keys; reads (or makes) the master key, so a
    bad one stops the process at start."""
    account_keys.install(VendorKeys(sessions, secret_box(settings)))
