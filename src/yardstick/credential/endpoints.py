"""`/v5/credentials`: named secrets of an account (API keys, service-account JSON).

Only the two `…/secret` routes return a payload; every other response is metadata. The routes
by name are declared before those by id, so `name` is never taken for an id.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from yardstick.auth.dependencies import PrincipalDep
from yardstick.credential.schemas import (
    CredentialCreate,
    CredentialList,
    CredentialOut,
    CredentialSecretOut,
    CredentialUpdate,
    credential_json,
)
from yardstick.credential.service import credential_service
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.responses import DeletedOut, JSONBody, deleted
from yardstick.models import Credential
from yardstick.secret_box import SecretBox, secret_box

router = APIRouter(prefix="/v5/credentials", tags=["credentials"], route_class=OrjsonRoute)


def _box(request: Request) -> SecretBox:
    return secret_box(request.app.state.settings)


BoxDep = Annotated[SecretBox, Depends(_box)]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such credential in this account"}
}
_DUPLICATE: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The account already has a credential of this name (x-should-retry: false)"
    }
}
# A plaintext secret must not linger in a cache on the way back.
_NO_STORE = {"cache-control": "no-store"}


def _secret(credential: Credential, box: SecretBox, principal: Any) -> JSONBody:
    payload = credential_service.decrypt(credential, box, principal=principal)
    return JSONBody({"result": payload, "object": "credential_secret"}, headers=_NO_STORE)


@router.post("", response_model=CredentialOut, responses=_DUPLICATE)
def create_credential(
    body: CredentialCreate, principal: PrincipalDep, session: WriteSessionDep, box: BoxDep
) -> JSONBody:
    """Store a credential; its payload is encrypted and not returned."""
    credential = credential_service.create(session, principal, body=body, box=box)
    return JSONBody(credential_json(credential))


@router.get("", response_model=CredentialList)
def list_credentials(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    name: Annotated[
        str | None, Query(description="Credentials whose name contains this (case-insensitive)")
    ] = None,
) -> JSONBody:
    """List the account's credentials (metadata only), newest first; `sort_by=name`."""
    page = credential_service.list(session, principal, params=params, name=name)
    return JSONBody(page.envelope([credential_json(row[0]) for row in page.rows]))


@router.get("/name/{credential_name}", response_model=CredentialOut, responses=_NOT_FOUND)
def get_credential_by_name(
    credential_name: str, principal: PrincipalDep, session: ReadSessionDep
) -> JSONBody:
    """Retrieve a credential by its name."""
    credential = credential_service.get_by_name(session, principal, credential_name)
    return JSONBody(credential_json(credential))


@router.post(
    "/name/{credential_name}/secret", response_model=CredentialSecretOut, responses=_NOT_FOUND
)
def decrypt_credential_by_name(
    credential_name: str, principal: PrincipalDep, session: ReadSessionDep, box: BoxDep
) -> JSONBody:
    """The plaintext payload of the credential of this name."""
    credential = credential_service.get_by_name(session, principal, credential_name)
    return _secret(credential, box, principal)


@router.get("/{credential_id}", response_model=CredentialOut, responses=_NOT_FOUND)
def get_credential(
    credential_id: str, principal: PrincipalDep, session: ReadSessionDep
) -> JSONBody:
    """Retrieve a credential."""
    return JSONBody(credential_json(credential_service.get(session, principal, credential_id)))


@router.patch(
    "/{credential_id}", response_model=CredentialOut, responses={**_NOT_FOUND, **_DUPLICATE}
)
def update_credential(
    credential_id: str,
    body: CredentialUpdate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    box: BoxDep,
) -> JSONBody:
    """Change any of name, type, payload, description and metadata."""
    credential = credential_service.update(session, principal, credential_id, body=body, box=box)
    return JSONBody(credential_json(credential))


@router.delete("/{credential_id}", response_model=DeletedOut, responses=_NOT_FOUND)
def delete_credential(
    credential_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Delete a credential for good."""
    credential_service.delete(session, principal, credential_id)
    return deleted(credential_id, "credential")


@router.post("/{credential_id}/secret", response_model=CredentialSecretOut, responses=_NOT_FOUND)
def decrypt_credential(
    credential_id: str, principal: PrincipalDep, session: ReadSessionDep, box: BoxDep
) -> JSONBody:
    """The plaintext payload of the credential."""
    credential = credential_service.get(session, principal, credential_id)
    return _secret(credential, box, principal)
