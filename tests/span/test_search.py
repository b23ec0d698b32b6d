"""`POST /v5/spans/search` over HTTP: every filter, the text search, and paging.

Each test writes spans in a group (or traces) of its own and searches within it."""

import threading
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.fixtures.server import ACCOUNT_A, Server
from tests.span.factories import (
    ASSESSMENTS,
    SEARCH,
    at,
    error,
    ids,
    locs,
    ok,
    put,
    search,
    span,
    unique,
)


def grouped(group: str, count: int, **fields: Any) -> list[dict[str, Any]]:
    """`count` spans of one new trace in `group`, one second apart."""
    trace = str(uuid.uuid4())
    return [
        span(trace, group_id=group, start_timestamp=at(i), end_timestamp=at(i + 0.5), **fields)
        for i in range(count)
    ]


def test_filters_of_columns(http: httpx.Client) -> None:
    group = unique("g")
    root = span(str(uuid.uuid4()), group_id=group, name="root", type="TRACER")
    trace = root["trace_id"]
    child = span(
        trace,
        group_id=group,
        parent_id=root["id"],
        name="llm",
        type="COMPLETION",
        status="ERROR",
        application_variant_id="variant-1",
        obs_trace_id="0af7651916cd43dd8448eb211c80319c",
        obs_span_id="b7ad6b7169203331",
        start_timestamp=at(5),
        end_timestamp=at(6),
    )
    other = span(str(uuid.uuid4()), group_id=group, name="other", start_timestamp=at(10))
    put(http, root, child, other)
    scoped = {"group_id": group}

    def found(**body: Any) -> set[str]:
        return set(ids(http, {**scoped, **body}))

    r, c, o = root["id"], child["id"], other["id"]
    assert found() == {r, c, o}
    assert found(trace_ids=[trace]) == {r, c}
    assert found(span_ids=[c, o]) == {c, o}
    assert found(parent_ids=[r]) == {c}
    assert found(parents_only=True) == {r, o}
    assert found(excluded_trace_ids=[trace]) == {o}
    assert found(excluded_span_ids=[r]) == {c, o}
    assert found(names=["llm", "other"]) == {c, o}
    assert found(statuses=["ERROR"]) == {c}
    assert found(types=["TRACER"]) == {r}
    assert found(application_variant_ids=["variant-1"]) == {c}
    assert found(obs_trace_ids=["0af7651916cd43dd8448eb211c80319c"]) == {c}
    assert found(obs_span_ids=["b7ad6b7169203331"]) == {c}
    assert found(spans=[{"trace_id": trace, "span_id": c}, {"trace_id": trace, "span_id": o}]) == {
        c
    }
    assert found(spans=[{"trace_id": trace, "span_id": c}], span_ids=[r]) == set()
    pairs = [{"trace_id": trace, "span_id": r}]
    # excluded_spans replaces excluded_span_ids
    assert found(excluded_spans=pairs, excluded_span_ids=[c]) == {c, o}
    # scale-gp-beta 0.1.0a29's singular forms
    assert found(trace_id=trace) == {r, c}
    assert found(span_id=o) == {o}
    assert ids(http, {"group_id": unique("nobody")}) == []


def test_time_window_and_durations(http: httpx.Client) -> None:
    group = unique("g")
    trace = str(uuid.uuid4())
    quick = span(trace, group_id=group, start_timestamp=at(0), end_timestamp=at(0.25))
    exact = span(trace, group_id=group, start_timestamp=at(10), end_timestamp=at(11.5))
    slow = span(trace, group_id=group, start_timestamp=at(20), end_timestamp=at(25))
    running = span(trace, group_id=group, start_timestamp=at(30), end_timestamp=None)
    put(http, quick, exact, slow, running)
    scoped = {"group_id": group}

    def found(body: dict[str, Any], **params: Any) -> set[str]:
        return set(ids(http, {**scoped, **body}, **params))

    assert found({}, from_ts=at(10), to_ts=at(20)) == {exact["id"], slow["id"]}  # inclusive
    assert found({}, from_ts=at(21)) == {running["id"]}
    assert found({}, to_ts=at(0)) == {quick["id"]}
    assert found({"min_duration_ms": 1500}) == {exact["id"], slow["id"]}  # completed only
    assert found({"max_duration_ms": 1500}) == {quick["id"], exact["id"]}
    assert found({"min_duration_ms": 250, "max_duration_ms": 250}) == {quick["id"]}
    response = http.post(SEARCH, json=scoped, params={"from_ts": at(5), "to_ts": at(1)})
    assert locs(response) == [["query", "from_ts"]]
    assert locs(http.post(SEARCH, json=scoped, params={"from_ts": "soon"})) == [
        ["query", "from_ts"]
    ]


def test_a_time_without_a_zone_is_utc_beside_one_with_a_zone(http: httpx.Client) -> None:
    """One bound with a zone and one without once failed comparing them (a 500)."""
    group = unique("g")
    (noon,) = put(http, span(str(uuid.uuid4()), group_id=group, start_timestamp=at(0)))
    scoped = {"group_id": group}

    def found(**params: str) -> list[str]:
        return ids(http, scoped, **params)

    assert found(from_ts="2026-03-01T12:00:00", to_ts="2026-03-01T13:00:00+01:00") == [noon["id"]]
    assert found(from_ts="2026-03-01T12:00:00Z", to_ts="2026-03-01T12:00:00") == [noon["id"]]
    assert found(from_ts="2026-03-01T12:00:01", to_ts="2026-03-01T15:00:00+02:00") == []
    response = http.post(
        SEARCH, json=scoped, params={"from_ts": "2026-03-01T12:00:01", "to_ts": at(0)}
    )
    assert locs(response) == [["query", "from_ts"]]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"from_ts": "0001-01-01T00:00:00+01:00"}, ["query", "from_ts"]),
        ({"to_ts": "9999-12-31T23:59:59-01:00"}, ["query", "to_ts"]),
    ],
)
def test_times_outside_utc_s_range_are_422s(
    http: httpx.Client, params: dict[str, str], loc: list[str]
) -> None:
    """Converting these to UTC leaves years 1 to 9999: once an OverflowError (a 500)."""
    response = http.post(SEARCH, json={"group_id": unique("g")}, params=params)
    assert locs(response) == [loc]
    assert "UTC" in response.json()["detail"][0]["msg"]


def test_metadata_filters(http: httpx.Client) -> None:
    group = unique("g")
    trace = str(uuid.uuid4())

    def tagged(metadata: dict[str, Any]) -> dict[str, Any]:
        return span(trace, group_id=group, metadata=metadata)

    big = 2**63  # past a signed 64-bit integer, within what a body may hold
    prod = tagged({"env": "prod", "n": 1, "tags": ["a", "b"], "ok": True, "gone": None, "big": big})
    staging = tagged({"env": "staging", "n": 1.5, "tags": ["c"], "ok": False, "nested": {"x": 1}})
    text_one = tagged({"env": "prod", "n": "1", "long": "L" * 300})
    agent = tagged({"agentex_agent_id": "ag-1", "agentex_agent_name": "helper", "acp_type": "sync"})
    plural = tagged({"agentex_agent_ids": ["ag-2", "ag-3"], "acp_types": "async"})
    put(http, prod, staging, text_one, agent, plural)

    def found(**body: Any) -> set[str]:
        return set(ids(http, {"group_id": group, **body}))

    assert found(extra_metadata={"env": "prod"}) == {prod["id"], text_one["id"]}
    assert found(extra_metadata={"env": ["staging", "qa"]}) == {staging["id"]}
    assert found(extra_metadata={"env": "prod", "n": 1}) == {prod["id"]}  # keys ANDed
    assert found(extra_metadata={"n": 1.0}) == {prod["id"]}  # 1 and 1.0 are one number
    assert found(extra_metadata={"big": float(big)}) == {prod["id"]}  # past 2**63 too
    assert found(extra_metadata={"env": [], "n": 1}) == {prod["id"]}  # [] is no filter
    assert found(extra_metadata={"n": "1"}) == {text_one["id"]}  # not the string "1"
    assert found(extra_metadata={"tags": "b"}) == {prod["id"]}  # an element of a stored array
    assert found(extra_metadata={"tags": ["c", "z"]}) == {staging["id"]}
    assert found(extra_metadata={"ok": False}) == {staging["id"]}
    assert found(extra_metadata={"gone": None}) == {prod["id"]}
    assert found(extra_metadata={"long": "L" * 300}) == {text_one["id"]}
    assert found(extra_metadata={"long": "L" * 299}) == set()
    assert found(extra_metadata={"missing": "x"}) == set()
    assert found(agentex_agent_ids=["ag-1", "ag-3"]) == {agent["id"], plural["id"]}
    assert found(agentex_agent_names=["helper"]) == {agent["id"]}
    assert found(acp_types=["sync", "async"]) == {agent["id"], plural["id"]}
    bad = http.post(SEARCH, json={"extra_metadata": {"nested": {"x": 1}}})
    assert locs(bad) == [["body", "extra_metadata", "nested"]]
    too_many = {"extra_metadata": {f"k{i}": i for i in range(21)}}
    assert locs(http.post(SEARCH, json=too_many)) == [["body", "extra_metadata"]]
    values = {"extra_metadata": {"env": [str(i) for i in range(10_001)]}}
    assert locs(http.post(SEARCH, json=values)) == [["body", "extra_metadata", "env"]]
    assert found(extra_metadata={f"k{i}": i for i in range(19)} | {"env": "prod"}) == set()


def test_a_search_at_its_value_bounds_answers_and_past_them_is_a_422(http: httpx.Client) -> None:
    """Each value is a bound parameter: 7 keys of 10,000 values failed as a 503 on PostgreSQL
    (past its 65,535 parameters; the clients retried it for ever), 300,000 `statuses` as a 500
    on SQLite."""
    trace = str(uuid.uuid4())
    kept = span(trace, metadata={"env": "prod"})
    put(http, kept)
    values = [f"v{i}" for i in range(4_998)]
    widest = {
        "trace_ids": [trace, *(str(uuid.uuid4()) for _ in range(9_999))],
        # Keys are ANDed: one key, 9,998 values; with the name, 10,000 bound values.
        "extra_metadata": {"env": ["prod", *values, *(f"w{i}" for i in range(4_999))]},
        "names": [kept["name"]],
    }
    assert ids(http, widest) == [kept["id"]]
    for past in (
        {"statuses": ["SUCCESS"] * 300_000},
        {"names": ["x"] * 5_000, "extra_metadata": {"env": values, "more": values}},
    ):
        refused = http.post(SEARCH, json=past)
        assert locs(refused) == [["body"]]
        assert "10000 values" in refused.json()["detail"][0]["msg"]


def test_metadata_keys_anded_without_other_filters(http: httpx.Client) -> None:
    # With no narrower filter the search starts in the metadata index; the other keys are
    # checked in that index again (this once failed on SQLite with a 500).
    run = unique("run")
    both = span(str(uuid.uuid4()), metadata={"run": run, "step": 2, "tags": ["x", "y"]})
    one = span(str(uuid.uuid4()), metadata={"run": run, "step": 3})
    put(http, both, one)

    def found(metadata: dict[str, Any]) -> list[str]:
        return ids(http, {"extra_metadata": metadata})

    assert sorted(found({"run": run})) == sorted([both["id"], one["id"]])
    assert found({"run": run, "step": 2}) == [both["id"]]
    assert found({"step": 2, "run": run, "tags": "y"}) == [both["id"]]
    assert found({"run": [run, "other"], "step": [2, 5]}) == [both["id"]]
    assert found({"run": run, "step": 4}) == []


def test_text_search(http: httpx.Client) -> None:
    group, word = unique("g"), uuid.uuid4().hex[:10]
    trace = str(uuid.uuid4())
    in_input = span(trace, group_id=group, input={"q": f"Tell me about {word.upper()} please"})
    in_output = span(trace, group_id=group, output={"a": f"{word} and quokkas"})
    in_name = span(trace, group_id=group, name=f"call-{word}")
    in_metadata = span(trace, group_id=group, metadata={"note": f"x{word}x"})
    running = span(trace, group_id=group, end_timestamp=None, input={"q": f"{word} still"})
    wildcard = span(trace, group_id=group, input={"q": f"{word} is 100% a_b"})
    other_trace = str(uuid.uuid4())
    put(
        http,
        in_input,
        in_output,
        in_name,
        in_metadata,
        running,
        wildcard,
        span(other_trace, group_id=group),
    )

    def found(*terms: str, **body: Any) -> set[str]:
        return set(ids(http, {"group_id": group, "search_texts": list(terms), **body}))

    everyone = [in_input, in_output, in_name, in_metadata, running, wildcard]
    assert found(word) == {s["id"] for s in everyone}  # substring, any case, any field
    assert found(word, "quokka") == {in_output["id"]}  # terms ANDed
    assert found(f'"{word} and quokkas"') == {in_output["id"]}  # a phrase
    assert found(f"{word} and quokkas") == {in_output["id"]}
    assert found(f'"{word} quokkas"') == set()
    assert found("100%") == {wildcard["id"]}  # LIKE's wildcards are plain characters
    assert found("a_b") == {wildcard["id"]}
    assert found("0%") == {wildcard["id"]}
    assert found(word, "zz") == set()  # 2 characters: decided without the index
    # The payloads are JSON text; a quote, a backslash or a newline is found as written.
    quoted = span(trace, group_id=group, input={"q": f'{word} said "hi"\nC:\\x'})
    put(http, quoted)
    assert found('said "hi"') == found("C:\\x") == found('"hi"\nC') == {quoted["id"]}
    # A UUID-shaped term finds its trace's spans, added to the text matches.
    assert found(other_trace) == set(ids(http, {"trace_ids": [other_trace]}))
    # scale-gp-beta 0.1.0a29's single search_text
    assert set(ids(http, {"group_id": group, "search_text": "quokkas"})) == {in_output["id"]}

    assert locs(http.post(SEARCH, json={"search_texts": ["ok", "x"]})) == [
        ["body", "search_texts", 1]
    ]
    assert locs(http.post(SEARCH, json={"search_texts": ['" a "']})) == [
        ["body", "search_texts", 0]
    ]
    assert locs(http.post(SEARCH, json={"search_texts": ["term"] * 11})) == [
        ["body", "search_texts"]
    ]
    assert locs(http.post(SEARCH, json={"search_text": "x"})) == [["body", "search_text"]]
    # Over 4,000 characters a term is refused; at 4,000, even of 4-byte characters with
    # every one escaped for LIKE, it is searched (SQLite refuses patterns over 50,000 bytes).
    assert locs(http.post(SEARCH, json={"search_texts": ["ok", "a" * 4001]})) == [
        ["body", "search_texts", 1]
    ]
    assert found("%" * 4000) == set()
    assert found("\U0001f600" * 4000) == set()


def test_a_uuid_term_finds_its_trace_in_either_case(http: httpx.Client) -> None:
    upper, lower = str(uuid.uuid4()).upper(), str(uuid.uuid4())
    in_upper, in_lower = span(upper), span(lower)
    put(http, in_upper, in_lower)

    for term, wanted in [(upper.lower(), in_upper), (lower.upper(), in_lower), (lower, in_lower)]:
        assert ids(http, {"search_texts": [term]}) == [wanted["id"]]


def test_spans_completed_later_are_found_by_their_new_text(http: httpx.Client) -> None:
    group, before, after = unique("g"), unique("before"), unique("after")
    started = span(str(uuid.uuid4()), group_id=group, end_timestamp=None, output={"a": before})
    put(http, started)
    assert ids(http, {"group_id": group, "search_texts": [before]}) == [started["id"]]
    put(http, {**started, "end_timestamp": at(2), "output": {"a": after}})
    assert ids(http, {"group_id": group, "search_texts": [before]}) == []
    assert ids(http, {"group_id": group, "search_texts": [after]}) == [started["id"]]
    put(http, {**started, "end_timestamp": at(3), "output": {"a": before}})
    assert ids(http, {"group_id": group, "search_texts": [after]}) == []
    assert ids(http, {"search_texts": [before]}) == [started["id"]]  # without the group


def test_assessment_types_filter(http: httpx.Client) -> None:
    group = unique("g")
    spans = grouped(group, 3)
    put(http, *spans)
    for item, kind, content in (
        (spans[0], "rating", {"rating": 5}),
        (spans[1], "comment", {"comment": "fine"}),
    ):
        body = {"assessment_type": kind, "trace_id": item["trace_id"], "span_id": item["id"]}
        ok(http.post(ASSESSMENTS, json={**body, **content}))

    def found(*kinds: str) -> set[str]:
        return set(ids(http, {"group_id": group, "assessment_types": list(kinds)}))

    assert found("rating") == {spans[0]["id"]}
    assert found("rating", "comment") == {spans[0]["id"], spans[1]["id"]}
    assert found("overwrite") == set()
    assert locs(http.post(SEARCH, json={"assessment_types": ["like"]})) == [
        ["body", "assessment_types", 0]
    ]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"statuses": ["DONE"]}, ["body", "statuses", 0]),
        ({"types": ["LLM"]}, ["body", "types", 0]),
        ({"trace_ids": "one"}, ["body", "trace_ids"]),
        ({"parents_only": "maybe"}, ["body", "parents_only"]),
        # Strict: these were read as true, 5 and 1.
        ({"parents_only": "yes"}, ["body", "parents_only"]),
        ({"min_duration_ms": "5"}, ["body", "min_duration_ms"]),
        ({"max_duration_ms": True}, ["body", "max_duration_ms"]),
        ({"min_duration_ms": -1}, ["body", "min_duration_ms"]),
        # In microseconds past a signed 64-bit integer: once a 500 on both databases.
        ({"min_duration_ms": 10**17}, ["body", "min_duration_ms"]),
        ({"max_duration_ms": 2**63 // 1000 + 1}, ["body", "max_duration_ms"]),
        ({"min_duration_ms": 2**63 // 1000, "max_duration_ms": 2**63 // 1000}, None),
        ({"obs_trace_ids": ["XYZ"]}, ["body", "obs_trace_ids", 0]),
        ({"spans": [{"span_id": "a"}]}, ["body", "spans", 0, "trace_id"]),
        ({"trace_ids": ["t"] * 5000, "span_ids": ["s"] * 4000}, None),
        # 10,000 ids as distinct pairs (PostgreSQL once spent 7 s compiling this one: JIT)
        ({"spans": [{"trace_id": f"t{i}", "span_id": f"s{i}"} for i in range(5000)]}, None),
        ({"trace_ids": ["t"] * 6000, "spans": [{"trace_id": "t", "span_id": "s"}] * 2001}, []),
    ],
)
def test_bad_searches_are_422s(
    http: httpx.Client, body: dict[str, Any], loc: list[str | int] | None
) -> None:
    response = http.post(SEARCH, json=body)
    if loc is None:
        assert response.status_code == 200  # within the limit
    elif not loc:
        assert locs(response) == [["body"]]  # 10002 ids, pairs counting 2
    else:
        assert locs(response) == [loc]


def test_paging_visits_every_span_once(http: httpx.Client) -> None:
    group = unique("g")
    spans = grouped(group, 60)
    # Ties on start_timestamp are ordered by id.
    spans += [span(spans[0]["trace_id"], group_id=group, start_timestamp=at(7)) for _ in range(5)]
    put(http, *spans)
    newest_first = [
        s["id"] for s in sorted(spans, key=lambda s: (s["start_timestamp"], s["id"]), reverse=True)
    ]

    seen: list[str] = []
    cursor: dict[str, str] = {}
    while True:
        page = search(http, {"group_id": group}, limit=7, **cursor)
        assert page["object"] == "list" and page["limit"] == 7
        seen += [item["id"] for item in page["items"]]
        if not page["has_more"]:
            break
        cursor = {"starting_after": page["items"][-1]["id"]}
    assert seen == newest_first

    oldest_first = ids(http, {"group_id": group}, limit=100, sort_order="asc")
    assert oldest_first == newest_first[::-1]
    back = search(http, {"group_id": group}, limit=10, ending_before=newest_first[20])
    assert [item["id"] for item in back["items"]] == newest_first[10:20] and back["has_more"]
    assert ids(http, {"group_id": group}, sort_by="no_such_column", limit=3) == newest_first[:3]
    assert "unknown cursor" in error(
        http.post(SEARCH, json={}, params={"starting_after": "no"}), 400
    )


def test_search_without_a_body_lists_the_newest(http: httpx.Client) -> None:
    (newest,) = put(http, span(str(uuid.uuid4()), start_timestamp="2099-01-01T00:00:00Z"))
    page = ok(http.post(SEARCH, params={"limit": 1}))
    assert [item["id"] for item in page["items"]] == [newest["id"]]


def test_a_metadata_search_during_a_burst_finds_every_span_written_before_it(
    server: Server,
) -> None:
    """On SQLite the metadata index is written behind the spans (yardstick.span.metadata_queue):
    while three writers keep the server busy, a search by a batch's metadata right after its
    write returned still finds all of its spans, and a replaced span by its new value only."""
    run = unique("burst")
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    problems: list[str] = []

    def writer(w: int) -> None:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
            for k in range(8):
                batch = f"{run}-{w}-{k}"
                trace = str(uuid.uuid4())
                spans = [span(trace, metadata={"batch": batch, "stage": "old"}) for _ in range(50)]
                put(client, *spans)
                found = set(ids(client, {"extra_metadata": {"batch": batch}}, limit=100))
                if found != {s["id"] for s in spans}:
                    problems.append(f"{batch}: {len(found)} of 50 found")
                put(client, {**spans[0], "metadata": {"batch": batch, "stage": "new"}})
                for stage, wanted in (("old", 49), ("new", 1)):
                    body = {"extra_metadata": {"batch": batch, "stage": stage}}
                    count = len(ids(client, body, limit=100))
                    if count != wanted:
                        problems.append(f"{batch}: {count} spans at {stage}, not {wanted}")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []


def test_a_metadata_search_never_answers_a_span_by_a_value_it_no_longer_holds(
    server: Server,
) -> None:
    """While writers keep replacing five spans' metadata (`v` a, then b, then a…) among
    batches of others, every span a search by `v` answers holds that value. On SQLite the
    rows were written behind, then read in a snapshot taken after: a replace in between left
    the old rows, and the span was answered by a value it no longer held."""
    run = unique("flip")
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    trace = str(uuid.uuid4())
    flipping = [span(trace, metadata={"run": run, "v": "a"}) for _ in range(5)]
    stop = time.monotonic() + 4
    problems: list[str] = []
    searches = [0]

    def writer() -> None:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
            k = 0
            while time.monotonic() < stop:
                k += 1
                value = "ab"[k % 2]
                filler = [span(str(uuid.uuid4()), metadata={"run": run}) for _ in range(45)]
                replaced = [{**s, "metadata": {"run": run, "v": value}} for s in flipping]
                put(client, *replaced, *filler)

    def searcher() -> None:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
            while time.monotonic() < stop:
                for value in "ab":
                    searches[0] += 1
                    body = {"extra_metadata": {"run": run, "v": value}}
                    for item in search(client, body, limit=100)["items"]:
                        if item["metadata"].get("v") != value:
                            problems.append(
                                f"{item['id']} answered for {value}: {item['metadata']}"
                            )

    threads = [threading.Thread(target=writer) for _ in range(2)]
    threads += [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert searches[0] > 10
    assert problems == []
