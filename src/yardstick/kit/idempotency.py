"""Idempotent creates: a POST that creates, sent again with the same `Idempotency-Key`, gets
the first response back and creates nothing.

A client that lost the answer to a create (a timeout, a dropped connection, a server killed
between its commit and its response) cannot know whether it happened; the official clients
retry such requests by themselves. With a key, the retry is safe:
- The key's row is written in the create's own transaction (`claim`, called by the write
  session just before it commits), so the row exists exactly when the create was committed.
  Two requests racing with one key cannot both commit: the second's create rolls back on the
  row's primary key and it is told to retry (409, `x-should-retry: true`).
- Once the response is sent its status and body are added to the row; a repeat within
  `TTL` with the same method, path and body gets them back (header `idempotent-replayed:
  true`), a repeat with another body is a 422, and a repeat whose first response was lost
  (the process died in between) is a 409 saying the create was done.
Keys are per account; rows older than `TTL` are ignored and swept.
"""

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta

import orjson
from python_multipart.multipart import parse_options_header
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yardstick.db.session import COMMIT_HOOKS, SessionFactory
from yardstick.db.types import utcnow
from yardstick.errors import Busy
from yardstick.kit.raw_response import send_json
from yardstick.models import IdempotencyKey

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# A response larger than this is not kept: a repeat is told the create was done (a 409).
MAX_STORED_BODY = 16 * 1024 * 1024
SWEEP_EVERY_SECONDS = 600.0
# A row without its response younger than this is a create whose answer is being sent; an
# older one lost its response.
IN_FLIGHT = timedelta(seconds=30)
CREATE_PATHS = frozenset(
    {
        "/v5/datasets",
        "/v5/dataset-items/batch",
        "/v5/evaluations",
        "/v5/evaluation-groups",
        "/v5/files",
        "/v5/models",
        "/v5/questions",
        "/v5/rubrics",
        "/v5/credentials",
        "/v5/sgp/secrets",
        "/v5/spans",
        "/v5/spans/batch",
        "/v5/span-assessments",
        "/v5/evaluation-dashboards",
    }
)
# Creates under another resource: a dashboard's widgets, a rubric's criteria.
_NESTED_CREATE = re.compile(r"/v5/(?:evaluation-dashboards/[^/]+/widgets|rubrics/[^/]+/criteria)")


def creates(path: str) -> bool:
    """Whether a POST to `path` creates something (and so takes an Idempotency-Key)."""
    return path in CREATE_PATHS or _NESTED_CREATE.fullmatch(path) is not None


class BodyDigest:
    """SHA-256 of what a request sends: method, path and body. A multipart body is hashed
    without its boundary, which a client draws anew for every request, a repeat included: its
    delimiters (`\\r\\n--` and the boundary) are hashed as `\\r\\n--` alone. Only the
    delimiters: the boundary's bytes inside a part are the part's (taking out every occurrence
    made `azzb` and `ab` one file under the boundary `zz`)."""

    def __init__(self, scope: Scope) -> None:
        self._sha = hashlib.sha256(f"{scope['method']} {scope['path']}\n".encode())
        content_type, options = parse_options_header(Headers(scope=scope).get("content-type"))
        boundary = options.get(b"boundary") if content_type == b"multipart/form-data" else None
        self._delimiter = b"\r\n--" + boundary if boundary else b""
        # The tail that may be the start of a delimiter split across chunks. The body's first
        # delimiter has no line break before it: one is put there.
        self._carry = b"\r\n" if boundary else b""

    def update(self, chunk: bytes) -> None:
        if not self._delimiter:
            self._sha.update(chunk)
            return
        data = (self._carry + chunk).replace(self._delimiter, b"\r\n--")
        keep = len(self._delimiter) - 1
        self._sha.update(data[: len(data) - keep] if len(data) > keep else b"")
        self._carry = data[len(data) - keep :] if len(data) > keep else data

    def hexdigest(self) -> str:
        final = self._sha.copy()
        final.update(self._carry)
        return final.hexdigest()


@dataclass
class Claim:
    """This request's key, the running hash of what it sent, and whether its row is written.

    A commit hook of the write session (yardstick.db.session): `before_commit` writes the
    row into the create's transaction, `on_integrity_error` tells a racing twin to retry."""

    account_id: str
    key: str
    digest: BodyDigest
    claimed: bool = False

    def before_commit(self, session: Session) -> None:
        claim(session, self)

    def on_integrity_error(self, error: Exception) -> None:
        if self.claimed and "idempotency_keys" in str(error):
            self.claimed = False
            raise Busy("another request with this Idempotency-Key is being carried out; retry it")


@dataclass
class _Captured:
    status: int = 0
    content_type: str | None = None
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0


_last_sweep = 0.0


def claim(session: Session, claim: Claim) -> None:
    """Write the key's row into the create's transaction (the write session calls this just
    before it commits, when the request holds a Claim)."""
    global _last_sweep
    cutoff = utcnow() - TTL
    if time.monotonic() - _last_sweep > SWEEP_EVERY_SECONDS:
        _last_sweep = time.monotonic()
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    else:  # an expired row of this key would stand in the way
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.account_id == claim.account_id,
                IdempotencyKey.key == claim.key,
                IdempotencyKey.created_at < cutoff,
            )
        )
    session.add(
        IdempotencyKey(
            account_id=claim.account_id,
            key=claim.key,
            request_hash=claim.digest.hexdigest(),
            created_at=utcnow(),
        )
    )
    claim.claimed = True


def _problem(
    status: int, detail: object, headers: dict[str, str]
) -> tuple[int, bytes, dict[str, str]]:
    return status, orjson.dumps({"detail": detail}), headers


class IdempotentCreates:
    def __init__(self, app: ASGIApp, *, sessions: SessionFactory) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not creates(scope["path"]):
            await self.app(scope, receive, send)
            return
        key = Headers(scope=scope).get(HEADER)
        principal = scope.get("state", {}).get("principal")
        if key is None or principal is None:
            await self.app(scope, receive, send)
            return
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            await send_json(
                send,
                *_problem(
                    422,
                    [
                        {
                            "loc": ["header", HEADER],
                            "msg": f"must be 1 to {MAX_KEY_LENGTH} characters",
                            "type": "value_error",
                        }
                    ],
                    {},
                ),
            )
            return
        digest = BodyDigest(scope)
        found = await run_in_threadpool(self._find, principal.account_id, key)
        if found is not None:
            while True:  # the repeat's body, only to compare it with the first's
                message = await receive()
                digest.update(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            await send_json(send, *_replay(found, digest.hexdigest()))
            return
        request_claim = Claim(principal.account_id, key, digest)
        scope.setdefault("state", {}).setdefault(COMMIT_HOOKS, []).append(request_claim)
        captured = _Captured()

        async def hashing_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                digest.update(message.get("body", b""))
            return message

        replaced = False

        async def capturing_send(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the app's own answer, given up for its twin's (below)
            if (
                message["type"] == "http.response.start"
                and message["status"] == 409
                and not request_claim.claimed
            ):
                # Refused before its key was claimed, by what a twin with the same key created
                # meanwhile (a model's name taken): the twin's answer is this request's too,
                # or a 409 to retry while it is on its way.
                twin = await run_in_threadpool(self._find, principal.account_id, key)
                if twin is not None:
                    replaced = True
                    await send_json(send, *_replay(twin, digest.hexdigest()))
                    return
            if message["type"] == "http.response.start":
                captured.status = message["status"]
                captured.content_type = Headers(raw=message["headers"]).get("content-type")
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                captured.size += len(body)
                if captured.size <= MAX_STORED_BODY:
                    captured.chunks.append(body)
                last = not message.get("more_body", False)
                if last and request_claim.claimed and 200 <= captured.status < 300:
                    # Kept before the client has the whole answer: a repeat it sends at once
                    # finds it.
                    try:
                        await run_in_threadpool(self._keep, request_claim, captured)
                    except Exception:  # the create stands; a repeat is told it was done
                        log.warning(
                            "could not keep the response of an idempotent create", exc_info=True
                        )
            await send(message)

        await self.app(scope, hashing_receive, capturing_send)

    def _find(self, account_id: str, key: str) -> IdempotencyKey | None:
        with self.sessions.read() as session:
            return session.scalar(
                select(IdempotencyKey).where(
                    IdempotencyKey.account_id == account_id,
                    IdempotencyKey.key == key,
                    IdempotencyKey.created_at >= utcnow() - TTL,
                )
            )

    def _keep(self, request_claim: Claim, captured: _Captured) -> None:
        # A response past MAX_STORED_BODY keeps only its status: a repeat is told at once that
        # the create was done and its response not kept (not, 30 s on, that it was lost).
        kept = captured.size <= MAX_STORED_BODY
        with self.sessions.write() as session, session.begin():
            session.execute(
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.account_id == request_claim.account_id,
                    IdempotencyKey.key == request_claim.key,
                )
                .values(
                    status_code=captured.status,
                    content_type=captured.content_type if kept else None,
                    body=b"".join(captured.chunks) if kept else None,
                )
            )


def _replay(found: IdempotencyKey, request_hash: str) -> tuple[int, bytes, dict[str, str]]:
    if request_hash != found.request_hash:
        return _problem(
            422,
            [
                {
                    "loc": ["header", HEADER],
                    "msg": "this Idempotency-Key was used for another request (a different "
                    "method, path or body); use a new key for a new request",
                    "type": "value_error",
                }
            ],
            {},
        )
    if found.status_code is not None and found.body is None:
        return _problem(
            409,
            f"the request first sent with this Idempotency-Key was carried out (status "
            f"{found.status_code}); its response, over {MAX_STORED_BODY // 2**20} MiB, was not "
            "kept: look for what it created instead of sending it again",
            {"x-should-retry": "false"},
        )
    if found.status_code is None or found.body is None:
        if utcnow() - found.created_at < IN_FLIGHT:
            # Committed a moment ago; its response is on its way to the row.
            return _problem(
                409,
                "a request with this Idempotency-Key is being carried out; retry it",
                {"x-should-retry": "true", "retry-after": "1"},
            )
        return _problem(
            409,
            "the request first sent with this Idempotency-Key was carried out, but its "
            "response was lost: look for what it created instead of sending it again",
            {"x-should-retry": "false"},
        )
    headers = {"idempotent-replayed": "true"}
    if found.content_type:
        headers["content-type"] = found.content_type
    return found.status_code, found.body, headers
