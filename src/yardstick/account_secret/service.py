"""Rules for account secrets: one per key (in either spelling) in an account, the value sealed
at rest and never returned.

Every write makes the model gateway of this process forget the account's cached keys, so a
new or changed vendor key is used by the very next call here (other processes pick it up
within `vendor_keys.CACHE_SECONDS`).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yardstick.account_secret.repository import account_secret_repository
from yardstick.account_secret.schemas import SecretCreate, SecretUpdate, lookup_key
from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import Conflict, NotFound
from yardstick.ids import new_id
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import AccountSecret
from yardstick.provider import account_keys
from yardstick.secret_box import SecretBox

# The associated-data label of a sealed secret value (see yardstick.secret_box).
KIND = "account_secret"

SORTABLE = {
    "key": AccountSecret.key,
    "name": AccountSecret.key,
    "updated_at": AccountSecret.updated_at,
}


def open_value(box: SecretBox, secret: AccountSecret) -> str:
    return box.open(
        secret.sealed_value, kind=KIND, account_id=secret.account_id, object_id=secret.id
    )


def _seal(box: SecretBox, value: str, *, account_id: str, secret_id: str) -> bytes:
    return box.seal(value, kind=KIND, account_id=account_id, object_id=secret_id)


def _duplicate(key: str, existing: str | None = None) -> Conflict:
    same = "" if existing in (None, key) else f" (as {existing!r}: `-` and `_`, case aside)"
    return Conflict(f"a secret with key {key!r} already exists in this account{same}")


class AccountSecretService:
    def create(
        self, session: Session, principal: Principal, *, body: SecretCreate, box: SecretBox
    ) -> AccountSecret:
        canonical = lookup_key(body.key)
        existing = account_secret_repository.get_by_lookup_key(
            session, account_id=principal.account_id, lookup_key=canonical
        )
        if existing is not None:
            raise _duplicate(body.key, existing.key)
        now, secret_id = utcnow(), new_id()
        secret = AccountSecret(
            id=secret_id,
            account_id=principal.account_id,
            key=body.key,
            lookup_key=canonical,
            description=body.description,
            sealed_value=_seal(
                box,
                body.value.get_secret_value(),
                account_id=principal.account_id,
                secret_id=secret_id,
            ),
            created_by_user_id=principal.user_id,
            updated_by_user_id=principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(secret)
        try:
            session.flush()
        except IntegrityError as exc:  # a concurrent create of the same key won the race
            raise _duplicate(body.key) from exc
        account_keys.forget(principal.account_id)
        return secret

    def get(self, session: Session, principal: Principal, secret_id: str) -> AccountSecret:
        return account_secret_repository.require(
            session, account_id=principal.account_id, row_id=secret_id
        )

    def list(self, session: Session, principal: Principal, *, params: PageParams) -> Page:
        return paginate(
            session,
            account_secret_repository.list_stmt(account_id=principal.account_id),
            key=AccountSecret.id,
            params=params,
            sortable=SORTABLE,
            cursor_exists=account_secret_repository.cursor_check(session, principal.account_id),
        )

    def update(
        self,
        session: Session,
        principal: Principal,
        secret_id: str,
        *,
        body: SecretUpdate,
        box: SecretBox,
    ) -> AccountSecret:
        secret = self.get(session, principal, secret_id)
        sent = body.model_fields_set
        changed = False
        if "description" in sent:  # null clears it
            secret.description = body.description
            changed = True
        if body.value is not None:  # null or absent keeps the value
            # Sealed anew: a fresh nonce, never the old one reused.
            secret.sealed_value = _seal(
                box,
                body.value.get_secret_value(),
                account_id=secret.account_id,
                secret_id=secret.id,
            )
            changed = True
        if changed:
            secret.updated_at = utcnow()
            secret.updated_by_user_id = principal.user_id
            session.flush()
            account_keys.forget(principal.account_id)
        return secret

    def delete(self, session: Session, principal: Principal, secret_id: str) -> None:
        if not account_secret_repository.delete(
            session, account_id=principal.account_id, row_id=secret_id
        ):
            raise NotFound("secret", secret_id)
        session.flush()
        account_keys.forget(principal.account_id)


account_secret_service = AccountSecretService()
