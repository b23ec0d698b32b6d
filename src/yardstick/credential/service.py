"""Rules for credentials: names unique in an account, a `json` payload that parses, the payload
sealed at rest (bound to the credential's account and id) and opened only by the decrypt routes.

Messages never quote a payload: a payload that is not JSON is reported by line and column.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.credential.repository import credential_repository
from yardstick.credential.schemas import CredentialCreate, CredentialUpdate
from yardstick.db.types import utcnow
from yardstick.errors import AppError, Conflict, NotFound, Unprocessable
from yardstick.ids import new_id
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import Credential
from yardstick.secret_box import SecretBox, SecretUnreadable

log = logging.getLogger(__name__)

# The associated-data label of a sealed payload (see yardstick.secret_box).
KIND = "credential"

SORTABLE = {"name": Credential.name, "updated_at": Credential.updated_at}


class CredentialUnreadable(AppError):
    """The stored payload does not open with this server's master key: a configuration fault
    that a retry does not cure."""

    status_code = 500
    headers: Mapping[str, str] = {"x-should-retry": "false"}


def _check_json(payload: str, *, stored: bool = False) -> None:
    try:
        orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        msg = (
            f'the stored payload is not valid JSON ({where}): send a JSON payload with type "json"'
            if stored
            else f'must be valid JSON when type is "json" ({where})'
        )
        # `from None`: the decode error holds the whole payload (`doc`); nothing may carry it on.
        raise Unprocessable(["body", "payload"], msg) from None


def _duplicate(name: str) -> Conflict:
    return Conflict(f"a credential named {name!r} already exists in this account")


class CredentialService:
    def create(
        self, session: Session, principal: Principal, *, body: CredentialCreate, box: SecretBox
    ) -> Credential:
        payload = body.payload.get_secret_value()
        if body.type == "json":
            _check_json(payload)
        self._check_name_free(session, principal.account_id, body.name)
        now, credential_id = utcnow(), new_id()
        credential = Credential(
            id=credential_id,
            account_id=principal.account_id,
            name=body.name,
            type=body.type,
            description=body.description,
            credential_metadata=body.credential_metadata,
            sealed_payload=box.seal(
                payload, kind=KIND, account_id=principal.account_id, object_id=credential_id
            ),
            created_by_user_id=principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(credential)
        self._flush(session, body.name)
        return credential

    def get(self, session: Session, principal: Principal, credential_id: str) -> Credential:
        return credential_repository.require(
            session, account_id=principal.account_id, row_id=credential_id
        )

    def get_by_name(self, session: Session, principal: Principal, name: str) -> Credential:
        credential = credential_repository.get_by_name(
            session, account_id=principal.account_id, name=name
        )
        if credential is None:
            raise NotFound("credential named", name)
        return credential

    def list(
        self, session: Session, principal: Principal, *, params: PageParams, name: str | None
    ) -> Page:
        return paginate(
            session,
            credential_repository.list_stmt(account_id=principal.account_id, name=name),
            key=Credential.id,
            params=params,
            sortable=SORTABLE,
            cursor_exists=credential_repository.cursor_check(session, principal.account_id),
        )

    def update(
        self,
        session: Session,
        principal: Principal,
        credential_id: str,
        *,
        body: CredentialUpdate,
        box: SecretBox,
    ) -> Credential:
        credential = self.get(session, principal, credential_id)
        sent = body.model_fields_set
        payload = body.payload.get_secret_value() if body.payload is not None else None
        new_type = body.type or credential.type
        if new_type == "json":
            if payload is not None:
                _check_json(payload)
            elif credential.type != "json":  # becoming json: what is stored must parse
                _check_json(self.decrypt(credential, box, audit=False), stored=True)
        if body.name is not None and body.name != credential.name:
            self._check_name_free(session, principal.account_id, body.name)
            credential.name = body.name
        credential.type = new_type
        if payload is not None:
            # Sealed anew: a fresh nonce, never the old one reused.
            credential.sealed_payload = box.seal(
                payload, kind=KIND, account_id=credential.account_id, object_id=credential.id
            )
        if "description" in sent:  # null clears it
            credential.description = body.description
        if "credential_metadata" in sent:
            credential.credential_metadata = body.credential_metadata
        if session.is_modified(credential):
            credential.updated_at = utcnow()
            self._flush(session, credential.name)
        return credential

    def delete(self, session: Session, principal: Principal, credential_id: str) -> None:
        if not credential_repository.delete(
            session, account_id=principal.account_id, row_id=credential_id
        ):
            raise NotFound("credential", credential_id)
        session.flush()

    def decrypt(
        self,
        credential: Credential,
        box: SecretBox,
        *,
        principal: Principal | None = None,
        audit: bool = True,
    ) -> str:
        """The plaintext payload. A decrypt through the API is logged (who, which credential;
        never what)."""
        try:
            payload = box.open(
                credential.sealed_payload,
                kind=KIND,
                account_id=credential.account_id,
                object_id=credential.id,
            )
        except SecretUnreadable as exc:
            raise CredentialUnreadable(
                f"credential {credential.id!r} cannot be decrypted with this server's master key "
                "(YARDSTICK_SECRET_KEY or the data directory's key file)"
            ) from exc
        if audit:
            log.info(
                "credential %s of account %s decrypted by key %s",
                credential.id,
                credential.account_id,
                principal.user_id if principal is not None else "-",
            )
        return payload

    @staticmethod
    def _check_name_free(session: Session, account_id: str, name: str) -> None:
        if credential_repository.get_by_name(session, account_id=account_id, name=name):
            raise _duplicate(name)

    @staticmethod
    def _flush(session: Session, name: str) -> None:
        try:
            session.flush()
        except IntegrityError as exc:  # a concurrent write took the name first
            raise _duplicate(name) from exc


credential_service = CredentialService()
