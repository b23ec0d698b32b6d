"""The auth dependency: `x-api-key` + `x-selected-account-id` → the Principal of the request.

Verified keys are cached in-process for CACHE_SECONDS so a page read costs no extra query; a
revoked key (`yardstick keys revoke`) is therefore refused by every server process within
CACHE_SECONDS, and unknown or revoked keys are never cached. Each use is noted for the key's
`last_used_at` without a write on the request's path (yardstick.auth.usage).

The two headers are read through `APIKeyHeader`s, so `/openapi.json` declares them as security
schemes (both are required together: `yardstick.kit.openapi`). They never answer for us
(`auto_error=False`): a missing or wrong header is refused below, with our own 401 and 403.
"""

import hashlib
import time
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from yardstick.auth.service import KeyHasher, Principal, auth_service, key_hasher
from yardstick.auth.usage import usage
from yardstick.db.session import SessionFactory
from yardstick.errors import Forbidden, Unauthorized

# How long a verified key is trusted without asking the database again: the most a revocation
# waits to take effect.
CACHE_SECONDS = 5.0
_cache: dict[str, tuple[float, str, str]] = {}

API_KEY_HEADER = APIKeyHeader(
    name="x-api-key",
    scheme_name="ApiKey",
    description="An API key (`yardstick keys create`)",
    auto_error=False,
)
ACCOUNT_HEADER = APIKeyHeader(
    name="x-selected-account-id",
    scheme_name="AccountId",
    description="The account the API key belongs to; every read and write is scoped to it",
    auto_error=False,
)


def _cached_key(key: str) -> tuple[str, str] | None:
    hit = _cache.get(hashlib.sha256(key.encode()).hexdigest())
    if hit is not None and hit[0] > time.monotonic():
        return hit[1], hit[2]
    return None


def _resolve_key(sessions: SessionFactory, hasher: KeyHasher, key: str) -> tuple[str, str] | None:
    token = hashlib.sha256(key.encode()).hexdigest()
    hit = _cache.get(token)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    with sessions.read() as session:
        api_key = auth_service.verify(session, hasher, key=key)
        if api_key is None:
            _cache.pop(token, None)  # a key revoked since it was cached
            return None
        _cache[token] = (now + CACHE_SECONDS, api_key.account_id, api_key.id)
        return api_key.account_id, api_key.id


async def authenticate(
    sessions: SessionFactory,
    hasher: KeyHasher,
    x_api_key: str | None,
    x_selected_account_id: str | None,
) -> Principal:
    """The Principal of the two headers, or Unauthorized (401) / Forbidden (403)."""
    if not x_api_key:
        raise Unauthorized("missing x-api-key header")
    # Async so a cached key costs no trip through the thread pool; only a cache miss, which
    # queries the database, goes there.
    resolved = _cached_key(x_api_key) or await run_in_threadpool(
        _resolve_key, sessions, hasher, x_api_key
    )
    if resolved is None:
        raise Unauthorized("invalid API key")
    account_id, key_id = resolved
    if not x_selected_account_id:
        raise Forbidden("missing x-selected-account-id header")
    if x_selected_account_id != account_id:
        # Named as sent, but bounded: the header is the caller's, up to the server's limit.
        shown = x_selected_account_id[:128] + ("…" if len(x_selected_account_id) > 128 else "")
        raise Forbidden(f"this API key is not valid for account {shown!r}")
    usage.touch(sessions, key_id)
    return Principal(account_id=account_id, user_id=key_id)


async def get_principal(
    request: Request,
    x_api_key: Annotated[str | None, Security(API_KEY_HEADER)],
    x_selected_account_id: Annotated[str | None, Security(ACCOUNT_HEADER)],
) -> Principal:
    # Resolved already by the gate (yardstick.auth.gate) in front of every /v5 route; asked
    # again only where the gate is not installed.
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    return await authenticate(
        request.app.state.sessions,
        key_hasher(request.app.state.settings),
        x_api_key,
        x_selected_account_id,
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]
