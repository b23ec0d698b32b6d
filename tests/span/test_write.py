"""Writing spans over HTTP: the shape, insert-only versus upsert, and every write rule."""

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.fixtures.server import Server
from tests.span.factories import (
    BATCH,
    at,
    error,
    ids,
    locs,
    ok,
    put,
    span,
    unique,
)

SPAN_KEYS = {
    "object",
    "id",
    "account_id",
    "name",
    "trace_id",
    "parent_id",
    "group_id",
    "application_interaction_id",
    "application_variant_id",
    "start_timestamp",
    "end_timestamp",
    "input",
    "output",
    "expected",
    "metadata",
    "status",
    "type",
    "input_tokens",
    "output_tokens",
    "obs_trace_id",
    "obs_span_id",
    "created_by_user_id",
    "created_by",
}


@contextmanager
def side_by_side(
    http: httpx.Client, server: Server
) -> Iterator[tuple[httpx.Client, httpx.Client, ThreadPoolExecutor]]:
    """Two clients of `http`'s account, and threads to send from both at once."""
    headers = dict(http.headers)
    with (
        httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as one,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as two,
        ThreadPoolExecutor(2) as pool,
    ):
        yield one, two, pool


def test_create_retrieve_and_update(http: httpx.Client, other_http: httpx.Client) -> None:
    trace = str(uuid.uuid4())
    created = ok(
        http.post(
            "/v5/spans",
            json={
                "name": "root",
                "trace_id": trace,
                "start_timestamp": "2026-03-01T12:00:00+02:00",
                "input": {"question": "why?"},
                "expected": {"answer": "because"},
                "metadata": {"env": "prod"},
                "group_id": "g",
                "application_variant_id": "v1",
                "type": "TRACER",
                "obs_trace_id": "0af7651916cd43dd8448eb211c80319c",
                "obs_span_id": "b7ad6b7169203331",
            },
        )
    )

    assert set(created) == SPAN_KEYS and created["object"] == "span"
    assert uuid.UUID(created["id"]).version == 4  # given by the server
    assert created["start_timestamp"] == "2026-03-01T10:00:00Z"  # stored in UTC
    assert (created["end_timestamp"], created["output"], created["status"]) == (None, {}, "SUCCESS")
    assert created["expected"] == {"answer": "because"}
    assert created["created_by"] == {
        "id": created["created_by_user_id"],
        "type": "user",
        "object": "identity",
    }
    path = f"/v5/spans/{created['id']}"
    assert ok(http.get(path)) == created

    updated = ok(
        http.patch(
            path,
            json={
                "name": "renamed",
                "end_timestamp": "2026-03-01T10:00:02.5Z",
                "output": {"answer": "42", "usage": {"prompt_tokens": 3, "completion_tokens": 4}},
                "metadata": {"env": "staging"},
                "status": "ERROR",
            },
        )
    )
    assert (updated["name"], updated["end_timestamp"], updated["status"]) == (
        "renamed",
        "2026-03-01T10:00:02.500000Z",
        "ERROR",
    )
    assert (updated["input_tokens"], updated["output_tokens"]) == (3, 4)
    assert (updated["input"], updated["metadata"]) == ({"question": "why?"}, {"env": "staging"})
    # null leaves a field as it is
    assert ok(http.patch(path, json={"name": None, "output": None})) == updated

    assert locs(http.patch(path, json={"end_timestamp": "2026-03-01T09:00:00Z"})) == [
        ["body", "end_timestamp"]
    ]
    assert locs(http.patch(path, json={"status": "DONE"})) == [["body", "status"]]
    error(http.patch("/v5/spans/no-such-span", json={"name": "x"}), 404)
    error(other_http.get(path), 404)
    error(other_http.patch(path, json={"name": "x"}), 404)
    assert ok(http.get(path)) == updated


def test_insert_only_batches_refuse_ids_already_stored(http: httpx.Client) -> None:
    trace = str(uuid.uuid4())
    first, second = span(trace), span(trace, parent_id=None)

    written = ok(http.post(BATCH, json={"items": [first, second]}))
    assert written["object"] == "list"
    assert [item["id"] for item in written["items"]] == [first["id"], second["id"]]

    fresh = span(trace)
    again = http.post(BATCH, json={"items": [fresh, first]})
    assert "items[1].id" in error(again, 409) and again.headers["x-should-retry"] == "false"
    twice = http.post(BATCH, json={"items": [fresh, fresh]})
    assert "appears twice" in error(twice, 409)
    assert "already exists" in error(http.post("/v5/spans", json=first), 409)
    # all or nothing: the new span of the refused batch was not stored
    assert ids(http, {"trace_ids": [trace]}, sort_order="asc") == sorted(
        [first["id"], second["id"]]
    )


def test_a_completed_span_is_kept_over_an_in_progress_one(http: httpx.Client) -> None:
    trace = str(uuid.uuid4())
    started = span(trace, end_timestamp=None, output={})
    done = {**started, "end_timestamp": at(2), "output": {"answer": "done"}}

    # In one batch: the completed write wins wherever it stands.
    (kept,) = put(http, started, done, {**started, "name": "late start"})
    assert (kept["end_timestamp"], kept["output"]) == ("2026-03-01T12:00:02Z", {"answer": "done"})

    # Across batches: an in-progress write after it changes nothing, and answers the stored span.
    (answer,) = put(http, {**started, "name": "late start"})
    assert answer == kept
    # Completed after completed: the last write wins.
    (last,) = put(http, {**done, "output": {"answer": "corrected"}})
    assert last["output"] == {"answer": "corrected"}
    # In progress, then completed: as the tracing library writes every span.
    other = span(trace, end_timestamp=None)
    assert put(http, other)[0]["end_timestamp"] is None
    assert put(http, {**other, "end_timestamp": at(3)})[0]["end_timestamp"] is not None


def test_one_id_in_two_traces_of_a_batch_is_a_409(http: httpx.Client) -> None:
    """Which trace the batch meant cannot be told: an upsert kept one of them silently."""
    one, two, bystander = str(uuid.uuid4()), str(uuid.uuid4()), span(str(uuid.uuid4()))
    first = span(one)
    # Completed in one trace and in progress in the other, too: the completed one was kept.
    for second in ({**first, "trace_id": two}, {**first, "trace_id": two, "end_timestamp": None}):
        response = http.put(BATCH, json={"items": [bystander, first, second]})

        assert f"items[2].trace_id: span {first['id']!r} is also sent in trace" in error(
            response, 409
        )
        assert response.headers["x-should-retry"] == "false"
        assert ids(http, {"span_ids": [first["id"], bystander["id"]]}) == []


def test_end_before_start_is_a_422_naming_the_item(http: httpx.Client) -> None:
    trace = str(uuid.uuid4())
    fine, bad = span(trace), span(trace, end_timestamp="2026-03-01T11:00:00Z")

    response = http.put(BATCH, json={"items": [fine, bad]})
    assert locs(response) == [["body", "items", 1, "end_timestamp"]]
    assert "items[1].end_timestamp" in response.json()["detail"][0]["msg"]
    response = http.post("/v5/spans", json=bad)
    assert locs(response) == [["body", "end_timestamp"]]
    assert ids(http, {"trace_ids": [trace]}) == []


def test_parents_stay_in_their_trace(http: httpx.Client) -> None:
    trace, elsewhere = str(uuid.uuid4()), str(uuid.uuid4())
    parent = span(trace)
    child = span(elsewhere, parent_id=parent["id"])

    response = http.put(BATCH, json={"items": [parent, child]})
    assert "items[1].parent_id" in error(response, 409)
    assert response.headers["x-should-retry"] == "false"
    put(http, parent)
    assert "is in trace" in error(http.put(BATCH, json={"items": [child]}), 409)

    # A stored child whose parent then arrives in another trace.
    orphan = span(trace, parent_id=str(uuid.uuid4()))
    put(http, orphan)
    late_parent = span(elsewhere, id=orphan["parent_id"])
    assert "has" in error(http.put(BATCH, json={"items": [late_parent]}), 409)
    # A span does not move to another trace.
    moved = http.put(BATCH, json={"items": [{**parent, "trace_id": elsewhere}]})
    assert "cannot move" in error(moved, 409)
    assert ids(http, {"trace_ids": [elsewhere]}) == []


def test_parents_never_form_a_cycle(http: httpx.Client) -> None:
    trace = str(uuid.uuid4())
    a_id, b_id, c_id = (str(uuid.uuid4()) for _ in range(3))

    in_batch = [span(trace, id=a_id, parent_id=b_id), span(trace, id=b_id, parent_id=a_id)]
    assert "cycle" in error(http.put(BATCH, json={"items": in_batch}), 409)
    assert "cycle" in error(http.post("/v5/spans", json=span(trace, id=a_id, parent_id=a_id)), 409)

    # Through stored spans: a (parent b) and c (parent a) stored, then b with parent c.
    put(http, span(trace, id=a_id, parent_id=b_id), span(trace, id=c_id, parent_id=a_id))
    closing = http.put(BATCH, json={"items": [span(trace, id=b_id, parent_id=c_id)]})
    message = error(closing, 409)
    assert "cycle" in message and a_id in message and c_id in message
    put(http, span(trace, id=b_id))  # a root closes nothing


def test_concurrent_batches_commit_together_yet_each_all_or_nothing(
    http: httpx.Client, server: Server
) -> None:
    """Batches sent at once are written in shared transactions (yardstick.db.group_commit);
    one refused there (a parent another request stored in another trace: a 409 only the
    stored spans reveal) stores nothing, and the others are stored whole."""
    trace, elsewhere = str(uuid.uuid4()), str(uuid.uuid4())
    parent = span(elsewhere)
    put(http, parent)
    good = [[span(trace, name=f"batch {b}") for _ in range(20)] for b in range(12)]
    bad = [span(trace, name="refused") for _ in range(19)] + [span(trace, parent_id=parent["id"])]
    bodies = [*good[:6], bad, *good[6:]]
    headers = dict(http.headers)

    def send(items: list[dict[str, Any]]) -> httpx.Response:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
            return client.put(BATCH, json={"items": items})

    with ThreadPoolExecutor(len(bodies)) as pool:
        responses = list(pool.map(send, bodies))

    assert "items[19].parent_id" in error(responses[6], 409)
    for items, response in zip(good, responses[:6] + responses[7:], strict=True):
        assert [item["id"] for item in ok(response)["items"]] == [item["id"] for item in items]
    stored = ids(http, {"trace_ids": [trace]}, limit=1000)
    assert sorted(stored) == sorted(item["id"] for items in good for item in items)


def test_writers_side_by_side_never_store_a_cycle(http: httpx.Client, server: Server) -> None:
    """`x → y` and `y → x` sent at once: each alone is no cycle, so only writers that take
    turns per trace see the other's span (PostgreSQL once stored both, 31 times in 40)."""
    with side_by_side(http, server) as (one, two, pool):
        for round_ in range(20):
            trace = str(uuid.uuid4())
            x, y = f"x-{trace}", f"y-{trace}"
            # Every other round one batch also holds 40 other traces: a write of that many
            # locks the account instead of its traces, and must still exclude the other.
            others = [span(str(uuid.uuid4())) for _ in range(40 * (round_ % 2))]
            bodies = [[span(trace, id=x, parent_id=y), *others], [span(trace, id=y, parent_id=x)]]
            sends = [
                pool.submit(client.put, BATCH, json={"items": items})
                for client, items in zip((one, two), bodies, strict=True)
            ]
            codes = sorted(send.result().status_code for send in sends)
            assert codes == [200, 409], codes
            assert len(ids(http, {"trace_ids": [trace]})) == 1


def test_one_id_sent_to_two_traces_at_once_stays_in_one(http: httpx.Client, server: Server) -> None:
    """A new id upserted in two traces side by side: their writers do not take turns, so each
    once read the id as new and PostgreSQL's upsert let the second move the span (both 200 in
    ~40 % of tries), leaving the metadata index rows of both writes."""
    with side_by_side(http, server) as (one, two, pool):
        for _ in range(30):
            span_id = str(uuid.uuid4())
            # Completed beside in progress, too: the in-progress write was once refused by the
            # upsert's completed-span rule, answered 200 as if stored, and indexed.
            bodies = [
                [span(str(uuid.uuid4()), id=span_id, metadata={"w": "one"})],
                [span(str(uuid.uuid4()), id=span_id, metadata={"w": "two"}, end_timestamp=None)],
            ]
            sends = [
                pool.submit(client.put, BATCH, json={"items": items})
                for client, items in zip((one, two), bodies, strict=True)
            ]
            responses = sorted((send.result() for send in sends), key=lambda r: r.status_code)
            assert [r.status_code for r in responses] == [200, 409], [r.text for r in responses]
            assert "cannot move" in error(responses[1], 409)
            (answered,) = ok(responses[0])["items"]
            assert ok(http.get(f"/v5/spans/{span_id}")) == answered
            for value in ("one", "two"):
                found = ids(http, {"span_ids": [span_id], "extra_metadata": {"w": value}})
                assert found == ([span_id] if answered["metadata"]["w"] == value else [])


def test_an_update_beside_another_write_keeps_what_that_write_stored(
    http: httpx.Client, server: Server
) -> None:
    """Two PATCHes of one span at once, of other fields; then a PATCH beside a PUT that
    replaces the span. An update reads the span and writes it whole: on PostgreSQL, one that
    read before the other write had committed wrote the old fields back (a change lost in 38
    of 40 tries, and the PUT's output in 32 of 40)."""
    with side_by_side(http, server) as (one, two, pool):
        for _ in range(15):
            trace, span_id = str(uuid.uuid4()), str(uuid.uuid4())
            ok(http.put(BATCH, json={"items": [span(trace, id=span_id, output={"v": "A"})]}))
            path = f"/v5/spans/{span_id}"
            sends = [
                pool.submit(one.patch, path, json={"name": "renamed"}),
                pool.submit(two.patch, path, json={"metadata": {"m": 1}}),
            ]
            for send in sends:
                ok(send.result())
            stored = ok(http.get(path))
            assert (stored["name"], stored["metadata"]) == ("renamed", {"m": 1})

            replacement = span(trace, id=span_id, name="replaced", output={"v": "B"})
            sends = [
                pool.submit(one.put, BATCH, json={"items": [replacement]}),
                pool.submit(two.patch, path, json={"name": "patched"}),
            ]
            for send in sends:
                ok(send.result())
            stored = ok(http.get(path))
            # Whichever came last, the output is the PUT's: the PATCH did not name it.
            assert stored["output"] == {"v": "B"}
            assert stored["name"] in ("replaced", "patched")


def test_batch_limits(http: httpx.Client) -> None:
    trace = str(uuid.uuid4())
    too_many = [span(trace) for _ in range(1001)]
    assert locs(http.put(BATCH, json={"items": too_many})) == [["body", "items"]]
    assert locs(http.post(BATCH, json={"items": too_many})) == [["body", "items"]]

    wide = span(trace, group_id="é" * 129)  # 129 characters, 258 bytes
    response = http.put(BATCH, json={"items": [span(trace), wide]})
    assert locs(response) == [["body", "items", 1, "group_id"]]
    assert "256 bytes" in response.json()["detail"][0]["msg"]
    assert locs(http.put(BATCH, json={"items": [span(trace, id="x" * 257)]})) == [
        ["body", "items", 0, "id"]
    ]
    assert put(http, span(trace, group_id="g" * 256))[0]["group_id"] == "g" * 256
    assert ok(http.put(BATCH, json={"items": []})) == {"object": "list", "items": []}


@pytest.mark.parametrize(
    ("output", "tokens"),
    [
        ({"usage": {"prompt_tokens": 12, "completion_tokens": 30}}, (12, 30)),
        ({"usage": {"input_tokens": 7, "output_tokens": 9}}, (7, 9)),
        ({"usage": {"prompt_tokens": 5}}, (5, None)),
        ({"usage": {"prompt_tokens": True, "completion_tokens": -1}}, (None, None)),
        # Past the BIGINT column's top a count is no count (it once failed the write: a 500).
        ({"usage": {"prompt_tokens": 2**63, "completion_tokens": 2**63 - 1}}, (None, 2**63 - 1)),
        ({"usage": {"input_tokens": 2**64 - 1}}, (None, None)),
        ({"usage": "lots"}, (None, None)),
        ({"text": "no usage"}, (None, None)),
    ],
)
def test_token_counts_come_from_output_usage(
    http: httpx.Client, output: dict[str, Any], tokens: tuple[int | None, int | None]
) -> None:
    (stored,) = put(http, span(str(uuid.uuid4()), output=output))
    assert (stored["input_tokens"], stored["output_tokens"]) == tokens


CREDENTIALS = [
    "sk-proj-" + "a1B2c3D4" * 5,
    "sk-ant-api03-" + "Zx9" * 12,
    "AIza" + "S" * 35,
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "g" * 36,
    "xoxb-1234567890-abcdefghij",
    "hf_" + "H" * 34,
]


def test_credentials_are_stored_redacted(http: httpx.Client) -> None:
    trace, marker = str(uuid.uuid4()), unique("cred")
    (stored,) = put(
        http,
        span(
            trace,
            input={"keys": [f"key {value} here" for value in CREDENTIALS], "marker": marker},
            output={"headers": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.abcdefgh"}},
            metadata={"api_key": CREDENTIALS[0], "note": "task-abcdefghijklmnopqrstuvwxyz"},
        ),
    )

    redacted = "[REDACTED:credential]"
    assert stored["input"]["keys"] == [f"key {redacted} here"] * len(CREDENTIALS)
    assert stored["output"]["headers"]["Authorization"] == f"Bearer {redacted}"
    # Words that merely contain a prefix are kept.
    assert stored["metadata"] == {"api_key": redacted, "note": "task-abcdefghijklmnopqrstuvwxyz"}
    assert ok(http.get(f"/v5/spans/{stored['id']}")) == stored
    # Nothing of the credential is searchable either.
    assert ids(http, {"trace_ids": [trace], "extra_metadata": {"api_key": CREDENTIALS[0]}}) == []
    assert ids(http, {"trace_ids": [trace], "extra_metadata": {"api_key": redacted}}) == [
        stored["id"]
    ]
    assert ids(http, {"search_texts": [CREDENTIALS[3]], "trace_ids": [trace]}) == []


def test_credentials_after_escaped_characters_and_in_names_are_stored_redacted(
    http: httpx.Client,
) -> None:
    """In a payload's JSON text a newline is `\\n`: a key after one was once stored as sent."""
    key = "sk-proj-" + "A" * 30
    body = span(
        str(uuid.uuid4()),
        name=f"call with {key}",
        input={
            "t": f"key:\n{key}",
            "u": "\tAKIAABCDEFGHIJKLMNOP",
            "v": "Authorization:\nBearer abcdefghijklmnopqrstuvwxyz",
            "w": f"OPENAI_KEY_{key}",
        },
    )

    for stored in (ok(http.post("/v5/spans", json=body)), ok(http.get(f"/v5/spans/{body['id']}"))):
        redacted = "[REDACTED:credential]"
        assert stored["name"] == f"call with {redacted}"
        assert stored["input"] == {
            "t": f"key:\n{redacted}",
            "u": f"\t{redacted}",
            "v": f"Authorization:\nBearer {redacted}",
            "w": f"OPENAI_KEY_{redacted}",
        }


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"start_timestamp": "yesterday"}, ["start_timestamp"]),
        ({"end_timestamp": "2026-13-01T00:00:00Z"}, ["end_timestamp"]),
        ({"status": "DONE"}, ["status"]),
        ({"type": "LLM"}, ["type"]),
        ({"input": ["not", "an", "object"]}, ["input"]),
        ({"metadata": "text"}, ["metadata"]),
        ({"name": 7}, ["name"]),
        ({"trace_id": ""}, ["trace_id"]),
        ({"obs_trace_id": "ABC"}, ["obs_trace_id"]),
        ({"obs_span_id": "b7ad6b7169203331"}, ["obs_span_id"]),
        ({"name": None}, ["name"]),
        # Past years 1 to 9999 in UTC: once an OverflowError (a 500).
        ({"start_timestamp": "0001-01-01T00:00:00+01:00"}, ["start_timestamp"]),
        ({"end_timestamp": "9999-12-31T23:59:59-01:00"}, ["end_timestamp"]),
        # Unix seconds were read as times (-1 stored as 1969-12-31T23:59:59Z).
        ({"start_timestamp": -1}, ["start_timestamp"]),
        ({"start_timestamp": "1700000000"}, ["start_timestamp"]),
        ({"end_timestamp": 1.5}, ["end_timestamp"]),
        # An id that goes in a URL path: stored, it could never be read or changed.
        ({"id": "a/b"}, ["id"]),
        ({"id": ".."}, ["id"]),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    http: httpx.Client, change: dict[str, Any], loc: list[str]
) -> None:
    body = {**span(str(uuid.uuid4())), **change}
    assert locs(http.put(BATCH, json={"items": [body]})) == [["body", "items", 0, *loc]]
    assert locs(http.post("/v5/spans", json=body)) == [["body", *loc]]


def test_the_first_and_last_times_utc_holds_are_stored(http: httpx.Client) -> None:
    body = span(
        str(uuid.uuid4()),
        start_timestamp="0001-01-01T00:00:00-01:00",
        end_timestamp="9999-12-31T23:59:59+01:00",
    )
    stored = ok(http.post("/v5/spans", json=body))
    assert (stored["start_timestamp"], stored["end_timestamp"]) == (
        "0001-01-01T01:00:00Z",
        "9999-12-31T22:59:59Z",
    )
    assert locs(
        http.patch(f"/v5/spans/{body['id']}", json={"end_timestamp": "9999-12-31T23:59:59-01:00"})
    ) == [["body", "end_timestamp"]]


def test_unreadable_bodies_are_422s(http: httpx.Client) -> None:
    for body in (b"{", b"[]", b'{"items": {}}', b'{"items": [1]}'):
        response = http.put(BATCH, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, (body, response.text)


def test_accounts_do_not_share_spans(http: httpx.Client, other_http: httpx.Client) -> None:
    trace = str(uuid.uuid4())
    mine = span(trace, name=unique("mine"))
    put(http, mine)

    error(other_http.get(f"/v5/spans/{mine['id']}"), 404)
    assert ids(other_http, {"trace_ids": [trace]}) == []
    assert ids(other_http, {"search_texts": [mine["name"]]}) == []
    # Span ids are unique per account: the same id is another span there.
    (theirs,) = put(other_http, {**mine, "name": "theirs"})
    assert ok(http.get(f"/v5/spans/{mine['id']}"))["name"] == mine["name"]
    assert theirs["account_id"] != ok(http.get(f"/v5/spans/{mine['id']}"))["account_id"]
