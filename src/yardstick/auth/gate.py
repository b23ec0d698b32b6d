"""Authentication before anything else: the request's key is checked from its headers alone.

A pure ASGI middleware, outside the body limit and every route: a `/v5` request (or a `/v1`
one: OpenTelemetry's `POST /v1/traces`, yardstick.span.otlp_endpoints) without a valid key
and account is answered 401 or 403 before a byte of its body is read, whatever its size or
validity (a 200 MB body with no key costs the server nothing), and before routing (an
unknown path says nothing to a stranger). The Principal it resolves rides in the request's
state, where the auth dependency (`yardstick.auth.dependencies`) picks it up.

It also applies each key's rate limit, when `YARDSTICK_RATE_LIMIT_PER_SECOND` sets one.
"""

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from yardstick.auth.dependencies import authenticate
from yardstick.auth.rate_limit import RateLimiter, spend
from yardstick.auth.service import key_hasher
from yardstick.config import Settings
from yardstick.db.retry import is_transient
from yardstick.db.session import SessionFactory
from yardstick.errors import AppError, BadRequest, database_unavailable
from yardstick.kit.raw_response import send_json

PREFIXES = ("/v5", "/v1")
_UNDER = tuple(prefix + "/" for prefix in PREFIXES)
STATE_KEY = "principal"


class AuthGate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: SessionFactory,
        settings: Settings,
        limiter: RateLimiter | None,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.hasher = key_hasher(settings)
        self.limiter = limiter  # shared with the web pages (yardstick.web.auth)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path in PREFIXES or path.startswith(_UNDER)):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            principal = await authenticate(
                self.sessions,
                self.hasher,
                _value(headers, "x-api-key"),
                _value(headers, "x-selected-account-id"),
            )
            spend(self.limiter, principal.user_id)
        except AppError as exc:
            await _reply(send, exc.status_code, {"detail": exc.detail}, dict(exc.headers))
            return
        except Exception as exc:
            # A key not in the cache is looked up in the database, which may be away for a
            # moment: the same 503 a route answers then (any other error is a 500 as usual).
            if not is_transient(exc):
                raise
            body, retry = database_unavailable(scope["method"], path, exc)
            await _reply(send, 503, body, retry)
            return
        scope.setdefault("state", {})[STATE_KEY] = principal
        await self.app(scope, receive, send)


async def _reply(send: Send, status: int, body: object, headers: dict[str, str]) -> None:
    """Answer without reading the request's body. The connection is then closed: the unread
    body must not be taken for the next request."""
    await send_json(send, status, body, {"connection": "close", **headers})


def _value(headers: Headers, name: str) -> str | None:
    """A header's value without the spaces and tabs around it, which HTTP does not count as
    part of a value (RFC 9110's OWS): `x-api-key: KEY ` was a 401. Sent twice, it is a 400:
    which of two keys or accounts was meant is not ours to guess (a proxy adding its own would
    otherwise decide, unseen, whose request this is)."""
    values = headers.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"send one {name} header, not {len(values)}")
    return values[0].strip(" \t") if values else None
