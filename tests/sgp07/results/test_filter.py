"""`client.evaluations.filter` (0.7.0): metadata, status and tag filters, paging, bad input.

Every test tags its evaluations with a tag of its own and filters on it too, so evaluations
other tests write to the same account never show up (and `tag ==` is exercised everywhere).
"""

from typing import Any

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import UnprocessableEntityError

from tests.sgp07.helpers import error_locs, raw, unique

# name → metadata; "e4" has no metadata at all, which no metadata filter may match.
METADATA: dict[str, dict[str, Any]] = {
    "e1": {"model": "gpt-4", "version": 10, "team": "a"},
    "e2": {"model": "claude", "version": 9, "team": "b"},
    "e3": {"model": "gpt-4", "version": "11"},  # a number held in a string
    "e4": {},
    "e5": {"model": "llama", "version": 2.5, "flag": True, "team": None},
}


@pytest.fixture
def tagged(client: SGPClient) -> tuple[str, dict[str, str]]:
    """A fresh tag, and the ids (by name) of the evaluations above carrying it."""
    tag = unique("tag")
    ids = {}
    for name, metadata in METADATA.items():
        tags = [tag, "special"] if name == "e1" else [tag]
        ids[name] = client.evaluations.create(
            evaluation={"name": name, "data": [{"q": name}], "tags": tags, "metadata": metadata}
        ).id
    return tag, ids


def names(client: SGPClient, tag: str, *filters: dict[str, str], **params: Any) -> list[str]:
    page = client.evaluations.filter(
        filters=[{"key": "tag", "operator": "==", "value": tag}, *filters],  # type: ignore[typeddict-item]
        **params,
    )
    return sorted(e.name for e in page)


def where(key: str, operator: str, value: str) -> dict[str, str]:
    return {"key": key, "operator": operator, "value": value}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (where("model", "==", "gpt-4"), ["e1", "e3"]),
        # A missing key never matches, not even `!=`.
        (where("model", "!=", "gpt-4"), ["e2", "e5"]),
        # Numbers compare as numbers, a numeric string included ("11" >= 10; 9 < 10 though "9" > "10").
        (where("version", ">=", "10"), ["e1", "e3"]),
        (where("version", "<=", "9"), ["e2", "e5"]),
        (where("version", "==", "10.0"), ["e1"]),
        # Strings compare as strings.
        (where("model", ">=", "gpt"), ["e1", "e3", "e5"]),
        (where("model", "<=", "claude"), ["e2"]),
        (where("model", "IN", '["claude", "llama"]'), ["e2", "e5"]),
        (where("model", "IN", "claude, llama"), ["e2", "e5"]),
        (where("version", "IN", "[10, 2.5]"), ["e1", "e5"]),
        (where("model", "NOT_IN", "gpt-4"), ["e2", "e5"]),
        (where("model", "NOT_IN", '["gpt-4", "claude"]'), ["e5"]),
        (where("flag", "==", "true"), ["e5"]),
        # A null value is no value.
        (where("team", "!=", "a"), ["e2"]),
        (where("status", "==", "completed"), ["e1", "e2", "e3", "e4", "e5"]),
        (where("status", "IN", "running,failed"), []),
        (where("status", "NOT_IN", "running"), ["e1", "e2", "e3", "e4", "e5"]),
        (where("tag", "==", "special"), ["e1"]),
        (where("tag", "!=", "special"), ["e2", "e3", "e4", "e5"]),
        (where("tag", "IN", "special,other"), ["e1"]),
        (where("tag", "NOT_IN", '["special"]'), ["e2", "e3", "e4", "e5"]),
    ],
)
def test_each_operator(
    client: SGPClient,
    tagged: tuple[str, dict[str, str]],
    condition: dict[str, str],
    expected: list[str],
) -> None:
    tag, _ = tagged
    assert names(client, tag, condition) == expected


def test_filters_are_anded(client: SGPClient, tagged: tuple[str, dict[str, str]]) -> None:
    tag, _ = tagged
    assert names(client, tag, where("model", "==", "gpt-4"), where("version", "<=", "10")) == ["e1"]


def test_paging_sorting_views_and_total(
    client: SGPClient, tagged: tuple[str, dict[str, str]]
) -> None:
    tag, ids = tagged
    # The auto-pager re-sends the body with each page's cursor.
    paged = client.evaluations.filter(
        filters=[where("tag", "==", tag)],
        limit=2,
        sort_by="name",
        sort_order="asc",  # type: ignore[list-item]
    )
    assert [e.name for e in paged] == ["e1", "e2", "e3", "e4", "e5"]
    first = client.evaluations.filter(filters=[where("tag", "==", tag)], limit=2)  # type: ignore[list-item]
    assert (first.model_extra or {})["total"] == 5 and first.has_more is True
    assert [e.id for e in first.items] == [ids["e5"], ids["e4"]]  # newest first
    with_tasks = client.evaluations.filter(filters=[where("tag", "==", tag)], views=["tasks"])  # type: ignore[list-item]
    assert all(e.tasks == [] for e in with_tasks.items)


def test_archived_only_on_request(client: SGPClient, tagged: tuple[str, dict[str, str]]) -> None:
    tag, ids = tagged
    client.evaluations.archive(ids["e2"])
    assert names(client, tag, where("model", "==", "claude")) == []
    assert names(client, tag, where("model", "==", "claude"), include_archived=True) == ["e2"]


def test_number_strings_past_a_double_and_odd_whitespace(client: SGPClient) -> None:
    """On PostgreSQL "1e400" failed every filter of its key (a 500: past a double), and
    "\v10" was the number 10 there but text on SQLite. Both databases now agree: a number
    string is JSON's grammar, JSON's whitespace, and an exponent of at most three digits."""
    tag = unique("tag")
    stored = {"big": "1e400", "tiny": "-1e400", "vt": "\v10", "ten": " 10\n", "long": "1e1000"}
    for name, value in stored.items():
        client.evaluations.create(
            evaluation={"name": name, "data": [{"q": 1}], "tags": [tag], "metadata": {"k": value}}
        )
    assert names(client, tag, where("k", ">=", "5")) == ["big", "ten"]
    # Text compares as text: "1e1000" and "\v10" sort before "5".
    assert names(client, tag, where("k", "<=", "5")) == ["long", "tiny", "vt"]
    assert names(client, tag, where("k", "==", "10")) == ["ten"]
    assert names(client, tag, where("k", "==", "1e400")) == ["big"]
    assert names(client, tag, where("k", "IN", "10,1e1000")) == ["long", "ten"]


def test_numbers_compare_with_all_their_digits(client: SGPClient) -> None:
    """SQLite compared a stored number by its text, of 15 digits: 0.30000000000000004 was
    "0.3", and 2**63 matched 2**63 - 1. PostgreSQL compares them exactly; both agree now."""
    tag = unique("tag")
    stored = {"third": 0.30000000000000004, "two63": 9223372036854775808, "max": 2**63 - 1}
    for name, value in stored.items():
        client.evaluations.create(
            evaluation={"name": name, "data": [{"q": 1}], "tags": [tag], "metadata": {"k": value}}
        )
    assert names(client, tag, where("k", "==", "0.30000000000000004")) == ["third"]
    assert names(client, tag, where("k", "==", "0.3")) == []
    assert names(client, tag, where("k", "==", "9223372036854775808")) == ["two63"]
    assert names(client, tag, where("k", "==", "9223372036854775807")) == ["max"]
    assert names(client, tag, where("k", "<=", "0.3")) == []


def test_other_accounts_see_nothing(
    client: SGPClient, other_client: SGPClient, tagged: tuple[str, dict[str, str]]
) -> None:
    tag, _ = tagged
    assert names(other_client, tag) == []


def test_more_than_ten_filters_is_422(client: SGPClient) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.filter(filters=[where("model", "==", str(i)) for i in range(11)])  # type: ignore[misc]
    assert error_locs(caught.value) == [["body", "filters"]]
    assert (
        list(client.evaluations.filter(filters=[where("model", "==", str(i)) for i in range(10)]))
        == []
    )  # type: ignore[misc]


@pytest.mark.parametrize(
    ("entry", "loc"),
    [
        (where("model", "~", "x"), ["body", "filters", 0, "operator"]),
        (where("model", "LIKE", "x"), ["body", "filters", 0, "operator"]),
        (where("tag", ">=", "x"), ["body", "filters", 0, "operator"]),
        (where("status", "<=", "x"), ["body", "filters", 0, "operator"]),
        (where("model", "IN", "[1, "), ["body", "filters", 0, "value"]),
        (where("model", "IN", "[[1]]"), ["body", "filters", 0, "value"]),
        (where("model", "NOT_IN", " , "), ["body", "filters", 0, "value"]),
        (where("", "==", "x"), ["body", "filters", 0, "key"]),
        ({"key": "model", "operator": "=="}, ["body", "filters", 0, "value"]),
        ({"key": "model", "operator": "==", "value": 3}, ["body", "filters", 0, "value"]),
    ],
)
def test_bad_filters_are_422_naming_the_field(
    client: SGPClient, entry: dict[str, Any], loc: list[Any]
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.filter(filters=[entry])  # type: ignore[list-item]
    assert error_locs(caught.value) == [loc]


def test_a_body_without_filters_is_422(client: SGPClient) -> None:
    with raw(client) as http:
        response = http.post("/v5/evaluations/filter", json={})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "filters"]
        assert http.post("/v5/evaluations/filter", content=b"{").status_code == 422
