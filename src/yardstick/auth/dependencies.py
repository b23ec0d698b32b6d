"""The auth dependency: `x-api-key` + `x-selected-account-id` → the Principal of the request.

Verified keys are cached in-process for a short time so a page read costs no extra query; a key
is never revoked in this version, and new keys are always looked up in the database.
"""

import hashlib
import time
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from yardstick.auth.service import Principal, auth_service
from yardstick.db.session import SessionFactory
from yardstick.errors import Forbidden, Unauthorized

_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, str, str]] = {}


def _cached_key(key: str) -> tuple[str, str] | None:
    hit = _cache.get(hashlib.sha256(key.encode()).hexdigest())
    if hit is not None and hit[0] > time.monotonic():
        return hit[1], hit[2]
    return None


def _resolve_key(sessions: SessionFactory, key: str) -> tuple[str, str] | None:
    token = hashlib.sha256(key.encode()).hexdigest()
    hit = _cache.get(token)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    with sessions.read() as session:
        api_key = auth_service.find_key(session, key=key)
        if api_key is None:
            return None
        _cache[token] = (now + _CACHE_SECONDS, api_key.account_id, api_key.id)
        return api_key.account_id, api_key.id


async def get_principal(
    request: Request,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_selected_account_id: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    if not x_api_key:
        raise Unauthorized("missing x-api-key header")
    # Async so a cached key costs no trip through the thread pool (a sync dependency always
    # takes one); only a cache miss, which queries the database, goes there.
    resolved = _cached_key(x_api_key) or await run_in_threadpool(
        _resolve_key, request.app.state.sessions, x_api_key
    )
    if resolved is None:
        raise Unauthorized("invalid API key")
    account_id, key_id = resolved
    if not x_selected_account_id:
        raise Forbidden("missing x-selected-account-id header")
    if x_selected_account_id != account_id:
        raise Forbidden(f"this API key is not valid for account {x_selected_account_id!r}")
    return Principal(account_id=account_id, user_id=key_id)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
