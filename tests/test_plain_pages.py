"""The plain item pages (yardstick.plain_pages) answer what the routes answer, byte for byte.

Each page is read twice over HTTP: in its plain shape, which the middleware answers before
routing, and with `sort_order=asc` added, which changes nothing in the answer but is not the
plain shape, so the FastAPI route answers it. Every other shape, and every error, is the
route's own answer.
"""

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from scale_gp_beta import SGPClient
from starlette.types import Message, Receive, Scope, Send

from tests.dataset.factories import make_dataset
from tests.evaluation.helpers import configurations, make_evaluation, make_question, task
from tests.fixtures.server import ACCOUNT_A, Server
from tests.ops.helpers import scrape, value
from yardstick.auth.gate import STATE_KEY
from yardstick.auth.service import Principal
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory
from yardstick.kit.pagination import DEFAULT_LIMIT
from yardstick.kit.raw_response import send_json
from yardstick.plain_pages import INLINE_LIMIT, PlainPages, plain_request

UNKNOWN = "00000000-0000-7000-8000-000000000000"
MAX_PLUS = 20_000  # over MAX_LIMIT: capped, as the route caps it


def both(http: httpx.Client, path: str, params: dict[str, Any]) -> tuple[bytes, bytes]:
    """The plain answer and the route's answer to the same page."""
    plain = http.get(path, params=params)
    routed = http.get(path, params={**params, "sort_order": "asc"})
    assert plain.status_code == routed.status_code == 200, (plain.text, routed.text)
    assert plain.headers["content-type"] == routed.headers["content-type"]
    return plain.content, routed.content


@pytest.fixture
def evaluation_id(client: SGPClient) -> str:
    """Five rows, one pending contributor question each (no engine needed)."""
    configuration = configurations(make_question(client))["contributor_evaluation.question"]
    tasks = [task(None, configuration, alias="rating")]
    data: list[dict[str, object]] = [{"i": i, "text": f"row {i}"} for i in range(5)]
    return make_evaluation(client, data=data, tasks=tasks).id


def test_evaluation_pages_match_the_route(http: httpx.Client, evaluation_id: str) -> None:
    first = http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id, "limit": 2})
    after = first.json()["items"][-1]["id"]
    pages = [
        {"evaluation_id": evaluation_id},
        {"evaluation_id": evaluation_id, "limit": 2},
        {"evaluation_id": evaluation_id, "limit": 2, "starting_after": after},
        {"evaluation_id": evaluation_id, "include_archived": "true"},
        {"evaluation_id": evaluation_id, "include_archived": "false", "limit": MAX_PLUS},
        # Past INLINE_LIMIT: the same page, read in the thread pool.
        {"evaluation_id": evaluation_id, "limit": INLINE_LIMIT + 1},
    ]
    for params in pages:
        plain, routed = both(http, "/v5/evaluation-items", params)
        assert plain == routed, params


def test_dataset_pages_match_the_route(client: SGPClient, http: httpx.Client) -> None:
    dataset = make_dataset(client, 4)
    first = http.get("/v5/dataset-items", params={"dataset_id": dataset.id, "limit": 1})
    after = first.json()["items"][-1]["id"]
    pages = [
        {"dataset_id": dataset.id},
        {"dataset_id": dataset.id, "limit": 3},
        {"dataset_id": dataset.id, "limit": 3, "starting_after": after},
        {"dataset_id": dataset.id, "include_archived": "true"},
    ]
    for params in pages:
        plain, routed = both(http, "/v5/dataset-items", params)
        assert plain == routed, params


@pytest.mark.parametrize(
    ("params", "status", "loc"),
    [
        ({"limit": "0"}, 422, ["query", "limit"]),
        ({"limit": "-1"}, 422, ["query", "limit"]),
        ({"limit": "ten"}, 422, ["query", "limit"]),
        ({"include_archived": "maybe"}, 422, ["query", "include_archived"]),
        ({"starting_after": UNKNOWN}, 400, None),
    ],
)
def test_what_the_route_refuses_it_still_refuses(
    http: httpx.Client, evaluation_id: str, params: dict[str, str], status: int, loc: Any
) -> None:
    response = http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id, **params})

    assert response.status_code == status, response.text
    if loc is not None:
        assert [error["loc"] for error in response.json()["detail"]] == [loc]


def test_shapes_the_route_converts_still_work(http: httpx.Client, evaluation_id: str) -> None:
    """Values the plain shape leaves to the route's parser: the route's answer, as before."""
    base = {"evaluation_id": evaluation_id}
    expected = http.get("/v5/evaluation-items", params={**base, "limit": 2}).content
    for limit in ("02", "+2", " 2"):
        response = http.get("/v5/evaluation-items", params={**base, "limit": limit})
        assert response.status_code == 200, (limit, response.text)
        assert response.content == expected, limit
    archived = http.get("/v5/evaluation-items", params={**base, "include_archived": "yes"})
    assert archived.status_code == 200
    repeated = http.get(
        "/v5/evaluation-items", params=[("evaluation_id", evaluation_id), ("limit", "2")] * 2
    )
    assert repeated.status_code == 200


def test_unknown_and_other_accounts_parents_are_404(
    client: SGPClient, other_client: SGPClient, server: Server, evaluation_id: str
) -> None:
    dataset = make_dataset(client, 1)
    headers = {"x-api-key": other_client.api_key, "x-selected-account-id": other_client.account_id}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as other:
        for path, params in [
            ("/v5/evaluation-items", {"evaluation_id": evaluation_id}),
            ("/v5/evaluation-items", {"evaluation_id": UNKNOWN}),
            ("/v5/dataset-items", {"dataset_id": dataset.id, "limit": 5}),
        ]:
            response = other.get(path, params=params)
            assert response.status_code == 404, (path, params, response.text)


def test_without_a_key_it_is_401(server: Server, evaluation_id: str) -> None:
    response = httpx.get(
        f"{server.base_url}/v5/evaluation-items", params={"evaluation_id": evaluation_id}
    )

    assert response.status_code == 401


def test_counted_under_the_route(server: Server, http: httpx.Client, evaluation_id: str) -> None:
    labels = {"route": "/v5/evaluation-items", "method": "GET", "status": "200"}
    before = value(scrape(server), "yardstick_http_requests_total", **labels)

    for _ in range(3):
        http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id}).raise_for_status()

    assert value(scrape(server), "yardstick_http_requests_total", **labels) == before + 3


@pytest.mark.parametrize(
    ("query", "taken"),
    [
        (b"evaluation_id=e", True),
        (b"evaluation_id=e&limit=7&starting_after=x&include_archived=true", True),
        (b"limit=7", False),  # no parent: all evaluations, the route's
        (b"evaluation_id=", False),
        (b"evaluation_id=e&starting_after=", False),
        (b"evaluation_id=e&limit=07", False),
        (b"evaluation_id=e&limit=%EF%BC%97", False),  # a full-width digit
        (b"evaluation_id=e&limit=1234567", False),
        (b"evaluation_id=e&include_archived=1", False),
        (b"evaluation_id=e&sort_order=asc", False),
        (b"evaluation_id=e&evaluation_id=f", False),
        (b"evaluation_id=e&completion_status=failed", False),
    ],
)
def test_the_plain_shape(query: bytes, taken: bool) -> None:
    assert (plain_request(query, "evaluation_id") is not None) is taken


def test_the_plain_shape_values() -> None:
    plain = plain_request(b"evaluation_id=a%20b&limit=99999&starting_after=c", "evaluation_id")

    assert plain is not None
    assert (plain.parent_id, plain.params.starting_after, plain.include_archived) == (
        "a b",
        "c",
        False,
    )
    assert plain.params.limit == 10_000  # capped at MAX_LIMIT, as the route caps it
    default = plain_request(b"evaluation_id=e", "evaluation_id")
    assert default is not None and default.params.limit == DEFAULT_LIMIT


async def _get(middleware: PlainPages, principal: Principal, query: bytes) -> tuple[int, bytes]:
    """The middleware's status and body for a GET of evaluation items, in process."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v5/evaluation-items",
        "query_string": query,
        "state": {STATE_KEY: principal},
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_the_plain_shape_is_answered_without_the_route(
    server: Server, http: httpx.Client, evaluation_id: str
) -> None:
    """In process, over the server's database: the plain page never reaches the app behind
    (here, one that fails), and its body is the route's; another shape does reach it."""
    reached: list[bytes] = []

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["query_string"])
        await send_json(send, 418, {"detail": "the route"})

    engine = create_db_engine(server.database_url)
    middleware = PlainPages(route, sessions=SessionFactory(engine))
    principal = Principal(account_id=ACCOUNT_A, user_id="tester")

    async def get(query: bytes) -> tuple[int, bytes]:
        return await _get(middleware, principal, query)

    try:
        status, body = asyncio.run(get(f"evaluation_id={evaluation_id}&limit=3".encode()))
        routed = http.get(
            "/v5/evaluation-items", params={"evaluation_id": evaluation_id, "limit": 3}
        )
        assert (status, body) == (200, routed.content)
        assert reached == []
        status, _ = asyncio.run(get(f"evaluation_id={evaluation_id}&sort_order=asc".encode()))
        unknown, _ = asyncio.run(get(f"evaluation_id={UNKNOWN}".encode()))
        assert (status, unknown) == (418, 418)  # not plain; plain but failing: the route's
        assert len(reached) == 2
    finally:
        engine.dispose()


def test_a_page_read_on_the_loop_never_waits_for_the_main_pool(
    server: Server, evaluation_id: str
) -> None:
    """On SQLite a page is read on the event loop's thread, through an engine of its own: with
    every connection of the main pool taken (by threads queued for the write lock, in a
    server), waiting for one could wait for a writer that needs the loop, and the server
    stalled until the busy timeout (30 s)."""
    if server.backend != "sqlite":
        pytest.skip("PostgreSQL's pages are read in the thread pool")

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        await send_json(send, 418, {"detail": "the route"})

    engine = create_db_engine(server.database_url)
    held = [engine.connect() for _ in range(40)]  # the main pool: 20 and 20 more on demand
    middleware = PlainPages(route, sessions=SessionFactory(engine))
    principal = Principal(account_id=ACCOUNT_A, user_id="tester")
    query = f"evaluation_id={evaluation_id}&limit=3".encode()
    try:
        # Before, this waited for the pool's timeout (30 s) and the route answered (418).
        status, body = asyncio.run(_get(middleware, principal, query))
        assert status == 200
        assert len(orjson.loads(body)["items"]) == 3
    finally:
        for connection in held:
            connection.close()
        engine.dispose()
