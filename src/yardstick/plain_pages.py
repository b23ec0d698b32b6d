"""The two lists clients page through by the thousand, answered before FastAPI routes them.

A client reading a 100,000-item dataset or evaluation asks `GET /v5/dataset-items` or
`GET /v5/evaluation-items` with its parent's id, a `limit` and the last id it saw, a thousand
times in a row. FastAPI's routing and dependency solving (each query parameter, the auth
dependency and its header schemes, the page dependency) cost ~0.45 ms of server CPU a request,
as much as reading and rendering the page itself. This middleware answers that plain shape
itself, with the same renderer the routes use (`dataset_item.pages`, `evaluation_item.pages`),
so the bytes are the same.

Only a request that is plainly that shape is taken: GET, the parent's id, and at most `limit`
(ASCII digits), `starting_after` and `include_archived` (`true` or `false`), each once and
non-empty. Anything else (another parameter, a value the route would convert or refuse, no
principal) goes on to the route as before, and so does a page that raises: the route answers
it again, with the errors and status its handlers give. The route stays the one place that
defines the list (its parameters, `/openapi.json`, its validation).

On SQLite a page of up to INLINE_LIMIT items is read on the event loop's thread, not in the
thread pool: handing a call to a worker thread and back costs ~85-110 µs of CPU on this
machine kind (a VM's thread switches; measured with a call that does nothing), ~0.2 ms a page
in the server, while the page itself holds the GIL for most of its ~1 ms anyway (its SQL is
the only part another thread could overlap). Larger pages, and every page on PostgreSQL
(whose queries wait on the network), still go to the pool, so the loop is never held long.
The loop reads through an engine of its own (`yardstick.db.engine.loop_reader`): waiting for
one of the main pool's connections, it could wait for a writer that waits for it.

It sits inside the auth gate, which has put the request's principal in the scope's state,
and inside the HTTP metrics, which count the request under the route's path set here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from yardstick.auth.gate import STATE_KEY
from yardstick.auth.service import Principal
from yardstick.dataset_item import pages as dataset_pages
from yardstick.db.engine import loop_reader
from yardstick.db.session import SessionFactory
from yardstick.evaluation_item import pages as evaluation_pages
from yardstick.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageParams
from yardstick.kit.raw_response import send_json

_OPTIONAL = frozenset({"limit", "starting_after", "include_archived"})
_BOOLEANS = {"true": True, "false": False}
# The largest page read on the loop's thread (see above): ~1 ms of it at 100 items.
INLINE_LIMIT = DEFAULT_LIMIT
# Longer than any limit worth reading (MAX_LIMIT has 5 digits): the route parses the rest.
_LIMIT_DIGITS = 6


@dataclass(frozen=True, slots=True)
class _Route:
    """What the HTTP metrics read of a matched route: its path template."""

    path: str


@dataclass(frozen=True, slots=True)
class PlainRequest:
    parent_id: str
    params: PageParams
    include_archived: bool


def plain_request(query_string: bytes, parent: str) -> PlainRequest | None:
    """The request's page when its query is the plain shape, else None."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    # Each parameter once, the parent's among them, nothing else, and no value empty.
    if len(query) != len(pairs) or parent not in query or not query.keys() - {parent} <= _OPTIONAL:
        return None
    if "" in query.values():
        return None
    limit = DEFAULT_LIMIT
    if "limit" in query:
        digits = query["limit"]
        # Plain decimal only: a sign, spaces or a leading zero go to the route's own parser.
        plain = digits.isascii() and digits.isdigit() and digits[0] != "0"
        if not plain or len(digits) > _LIMIT_DIGITS:
            return None
        limit = int(digits)
    include_archived = _BOOLEANS.get(query.get("include_archived", "false"))
    if include_archived is None:
        return None
    params = PageParams(min(limit, MAX_LIMIT), query.get("starting_after"), None, "asc")
    return PlainRequest(query[parent], params, include_archived)


def _dataset_page(sessions: SessionFactory, principal: Principal, plain: PlainRequest) -> bytes:
    with sessions.read() as session:
        return dataset_pages.list_page(
            session,
            principal,
            params=plain.params,
            dataset_id=plain.parent_id,
            version=None,
            include_archived=plain.include_archived,
        )


def _evaluation_page(sessions: SessionFactory, principal: Principal, plain: PlainRequest) -> bytes:
    # A connection, not a session: its transaction is all a read of rows needs (~25 µs less).
    with sessions.engine.connect() as connection:
        return evaluation_pages.plain_page(
            connection,
            principal,
            evaluation_id=plain.parent_id,
            include_archived=plain.include_archived,
            params=plain.params,
        )


Render = Callable[[SessionFactory, Principal, PlainRequest], bytes]
# Path → its parent's query parameter and the page's renderer.
_LISTS: dict[str, tuple[str, Render]] = {
    "/v5/dataset-items": ("dataset_id", _dataset_page),
    "/v5/evaluation-items": ("evaluation_id", _evaluation_page),
}


class PlainPages:
    def __init__(self, app: ASGIApp, *, sessions: SessionFactory) -> None:
        self.app = app
        self.sessions = sessions
        # The sessions of pages read on the loop's thread: SQLite only.
        self.loop_sessions = (
            SessionFactory(loop_reader(sessions.engine.url.render_as_string(hide_password=False)))
            if sessions.engine.dialect.name == "sqlite"
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _LISTS.get(scope.get("path", "")) if scope["type"] == "http" else None
        principal = scope.get("state", {}).get(STATE_KEY)
        if found is None or scope["method"] != "GET" or not isinstance(principal, Principal):
            await self.app(scope, receive, send)
            return
        parent, render = found
        plain = plain_request(scope.get("query_string", b""), parent)
        if plain is None:
            await self.app(scope, receive, send)
            return
        try:
            if self.loop_sessions is not None and plain.params.limit <= INLINE_LIMIT:
                body = render(self.loop_sessions, principal, plain)
            else:
                body = await run_in_threadpool(render, self.sessions, principal, plain)
        except Exception:  # noqa: BLE001 - the route answers it, with its own handlers
            await self.app(scope, receive, send)
            return
        scope["route"] = _Route(scope["path"])
        await send_json(send, 200, body)
