"""Accounts and API keys.

Keys are random 256-bit secrets, so a salted SHA-256 is enough to make a stolen table useless
(there is nothing to brute-force), and it keeps the per-request check in microseconds, where a
password KDF would add tens of milliseconds to every call.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yardstick.errors import Conflict
from yardstick.models import Account, ApiKey


@dataclass(frozen=True)
class Principal:
    account_id: str
    user_id: str


def _lookup(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _digest(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()


def generate_key() -> str:
    return "ys_" + secrets.token_urlsafe(32)


class AuthService:
    def create_account(self, session: Session, *, account_id: str) -> Account:
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

    def add_key(self, session: Session, *, account_id: str, key: str, name: str = "") -> ApiKey:
        salt = secrets.token_hex(16)
        api_key = ApiKey(
            account_id=account_id,
            name=name,
            lookup=_lookup(key),
            salt=salt,
            digest=_digest(salt, key),
        )
        session.add(api_key)
        session.flush()
        return api_key

    def find_key(self, session: Session, *, key: str) -> ApiKey | None:
        """The key's row, revoked or not (`verify` is what admits a request)."""
        candidates = session.scalars(select(ApiKey).where(ApiKey.lookup == _lookup(key)))
        for candidate in candidates:
            if hmac.compare_digest(candidate.digest, _digest(candidate.salt, key)):
                return candidate
        return None

    def ensure_key(self, session: Session, *, account_id: str, key: str) -> ApiKey:
        """Make `key` valid for `account_id`; idempotent, so every start may call it."""
        self.ensure_account(session, account_id=account_id)
        existing = self.find_key(session, key=key)
        if existing is not None:
            if existing.account_id != account_id:
                raise Conflict("that API key already belongs to another account")
            return existing
        return self.add_key(session, account_id=account_id, key=key, name="init")

    def verify(self, session: Session, *, key: str) -> ApiKey | None:
        """The key's row if the key may be used: it exists and is not revoked."""
        api_key = self.find_key(session, key=key)
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
