"""Accounts and API keys.

Keys are random 256-bit secrets, so a fast hash is enough (a password KDF would add tens of
milliseconds to every call). Both hashes of a key are keyed with a secret derived from the
server's master key (yardstick.secret_box), which never enters the database: `lookup`, the
short prefix that finds a presented key's row, and `digest`, salted, that decides. A copy of
the database alone therefore allows no testing of guesses, not even against the init key a
person chose. Keys made before the hashes were keyed (`scheme` 1: plain SHA-256) still verify.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yardstick.auth.account_id import account_id_problem
from yardstick.config import Settings
from yardstick.errors import Conflict, Unprocessable
from yardstick.models import Account, ApiKey
from yardstick.secret_box import secret_box


@dataclass(frozen=True)
class Principal:
    account_id: str
    user_id: str


KEYED = 2  # ApiKey.scheme of keys hashed with the server's secret
LEGACY = 1  # ... of keys made before (plain SHA-256)


class KeyHasher:
    """The keyed hashes of API keys, under the server's secret `pepper`."""

    def __init__(self, pepper: bytes) -> None:
        self._pepper = pepper

    def lookup(self, key: str) -> str:
        return hmac.new(self._pepper, f"lookup:{key}".encode(), hashlib.sha256).hexdigest()[:16]

    def digest(self, salt: str, key: str) -> str:
        return hmac.new(self._pepper, f"{salt}:{key}".encode(), hashlib.sha256).hexdigest()


def key_hasher(settings: Settings, *, create: bool = True) -> KeyHasher:
    """This server's KeyHasher (its secret derived from the master key; see `secret_box` for
    `create`)."""
    return KeyHasher(secret_box(settings, create=create).derive("api-key-hash"))


def _legacy_lookup(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _legacy_digest(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()


def generate_key() -> str:
    return "ys_" + secrets.token_urlsafe(32)


class AuthService:
    def create_account(self, session: Session, *, account_id: str) -> Account:
        problem = account_id_problem(account_id)
        if problem is not None:
            raise Unprocessable(["account_id"], problem)
        if session.get(Account, account_id) is not None:
            raise Conflict(f"account {account_id!r} already exists")
        account = Account(id=account_id)
        session.add(account)
        session.flush()
        return account

    def ensure_account(self, session: Session, *, account_id: str) -> Account:
        return session.get(Account, account_id) or self.create_account(
            session, account_id=account_id
        )

    def add_key(
        self, session: Session, hasher: KeyHasher, *, account_id: str, key: str, name: str = ""
    ) -> ApiKey:
        salt = secrets.token_hex(16)
        api_key = ApiKey(
            account_id=account_id,
            name=name,
            lookup=hasher.lookup(key),
            salt=salt,
            digest=hasher.digest(salt, key),
            scheme=KEYED,
        )
        session.add(api_key)
        session.flush()
        return api_key

    def find_key(self, session: Session, hasher: KeyHasher, *, key: str) -> ApiKey | None:
        """The key's row, revoked or not (`verify` is what admits a request)."""
        keyed, legacy = hasher.lookup(key), _legacy_lookup(key)
        candidates = session.scalars(select(ApiKey).where(ApiKey.lookup.in_((keyed, legacy))))
        for candidate in candidates:
            if candidate.scheme == KEYED:
                expected = hasher.digest(candidate.salt, key) if candidate.lookup == keyed else ""
            else:
                expected = _legacy_digest(candidate.salt, key) if candidate.lookup == legacy else ""
            if expected and hmac.compare_digest(candidate.digest, expected):
                return candidate
        return None

    def ensure_key(
        self, session: Session, hasher: KeyHasher, *, account_id: str, key: str
    ) -> ApiKey:
        """Make `key` valid for `account_id`; idempotent, so every start may call it."""
        self.ensure_account(session, account_id=account_id)
        existing = self.find_key(session, hasher, key=key)
        if existing is not None:
            if existing.account_id != account_id:
                raise Conflict("that API key already belongs to another account")
            return existing
        return self.add_key(session, hasher, account_id=account_id, key=key, name="init")

    def verify(self, session: Session, hasher: KeyHasher, *, key: str) -> ApiKey | None:
        """The key's row if the key may be used: it exists and is not revoked."""
        api_key = self.find_key(session, hasher, key=key)
        return api_key if api_key is not None and api_key.revoked_at is None else None

    def has_any_key(self, session: Session) -> bool:
        return session.scalar(select(ApiKey.id).limit(1)) is not None

    def list_keys(self, session: Session, *, account_id: str) -> list[ApiKey]:
        """The account's keys, revoked ones included, oldest first."""
        query = select(ApiKey).where(ApiKey.account_id == account_id)
        return list(session.scalars(query.order_by(ApiKey.created_at, ApiKey.id)))

    def find_keys(
        self, session: Session, *, id_or_name: str, account_id: str | None = None
    ) -> list[ApiKey]:
        """The keys whose id or name is `id_or_name` (of one account, if given), oldest first."""
        query = select(ApiKey).where(or_(ApiKey.id == id_or_name, ApiKey.name == id_or_name))
        if account_id is not None:
            query = query.where(ApiKey.account_id == account_id)
        return list(session.scalars(query.order_by(ApiKey.created_at, ApiKey.id)))

    def revoke_key(self, session: Session, api_key: ApiKey, *, at: datetime) -> None:
        """Refuse the key from now on; its row stays (what it created still names it)."""
        api_key.revoked_at = at
        session.flush()


auth_service = AuthService()
