"""`/v5/sgp/secrets`: account-level secrets under environment-style keys, write-only.

No response carries a value: create, retrieve, list and update return the secret's metadata.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request

from yardstick.account_secret.schemas import (
    CloudSecretList,
    CloudSecretOut,
    SecretCreate,
    SecretUpdate,
    secret_json,
)
from yardstick.account_secret.service import account_secret_service
from yardstick.account_secret.vendor_keys import install_vendor_keys
from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.responses import DeletedOut, JSONBody, deleted
from yardstick.secret_box import SecretBox, secret_box


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Reads (or on a first start makes) the master key: a bad YARDSTICK_SECRET_KEY or key file
    # stops the server here, with a message saying what to fix. Model calls made by this
    # process's API routes then find the accounts' own vendor keys.
    # Left installed at shutdown: this lifespan ends before the engine's drain, whose cells
    # still make model calls for their accounts.
    install_vendor_keys(app.state.settings, app.state.sessions)
    yield


router = APIRouter(
    prefix="/v5/sgp/secrets", tags=["secrets"], route_class=OrjsonRoute, lifespan=_lifespan
)


def _box(request: Request) -> SecretBox:
    return secret_box(request.app.state.settings)


BoxDep = Annotated[SecretBox, Depends(_box)]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such secret in this account"}
}
_DUPLICATE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The account already has a secret with this key (x-should-retry: false)"}
}


@router.post("", response_model=CloudSecretOut, responses=_DUPLICATE)
def create_secret(
    body: SecretCreate, principal: PrincipalDep, session: WriteSessionDep, box: BoxDep
) -> JSONBody:
    """Store a secret (encrypted); the value is never returned by any route."""
    secret = account_secret_service.create(session, principal, body=body, box=box)
    return JSONBody(secret_json(secret))


@router.get("", response_model=CloudSecretList)
def list_secrets(principal: PrincipalDep, session: ReadSessionDep, params: NewestFirst) -> JSONBody:
    """List the account's secrets (metadata only), newest first; `sort_by=key` or `updated_at`."""
    page = account_secret_service.list(session, principal, params=params)
    return JSONBody(page.envelope([secret_json(row[0]) for row in page.rows]))


@router.get("/{secret_id}", response_model=CloudSecretOut, responses=_NOT_FOUND)
def get_secret(secret_id: str, principal: PrincipalDep, session: ReadSessionDep) -> JSONBody:
    """Retrieve a secret's metadata."""
    return JSONBody(secret_json(account_secret_service.get(session, principal, secret_id)))


@router.patch("/{secret_id}", response_model=CloudSecretOut, responses=_NOT_FOUND)
def update_secret(
    secret_id: str,
    body: SecretUpdate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    box: BoxDep,
) -> JSONBody:
    """Replace the value and/or the description."""
    secret = account_secret_service.update(session, principal, secret_id, body=body, box=box)
    return JSONBody(secret_json(secret))


@router.delete("/{secret_id}", response_model=DeletedOut, responses=_NOT_FOUND)
def delete_secret(secret_id: str, principal: PrincipalDep, session: WriteSessionDep) -> JSONBody:
    """Delete a secret and its value for good."""
    account_secret_service.delete(session, principal, secret_id)
    return deleted(secret_id, "sgp_cloud_secret")
