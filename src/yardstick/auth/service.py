"""Accounts and API keys.

Keys are random 256-bit secrets, so a salted SHA-256 is enough to make a stolen table useless
(there is nothing to brute-force), and it keeps the per-request check in microseconds, where a
password KDF would add tens of milliseconds to every call.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
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

    def has_any_key(self, session: Session) -> bool:
        return session.scalar(select(ApiKey.id).limit(1)) is not None


auth_service = AuthService()
