"""Request bodies that are not JSON at all: a 4xx that says why, never a 5xx, and no change."""

import json

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.dataset.factories import items_of, make_dataset

MALFORMED: dict[str, bytes] = {
    "truncated": b'{"name": "x", "data": [',
    "empty": b"",
    "not utf-8": b'{"name": "\xff\xfe", "data": [{"i": 0}]}',
    "NaN": b'{"name": "x", "data": [{"v": NaN}]}',
    "Infinity": b'{"name": "x", "data": [{"v": Infinity}]}',
    "overflowing number": b'{"name": "x", "data": [{"v": 1e400}]}',
    "trailing garbage": b'{"name": "x", "data": [{"i": 0}]} x',
    "single quotes": b"{'name': 'x', 'data': [{'i': 0}]}",
    "too deep": b"[" * 5000 + b"]" * 5000,
    "a string": b'"x"',
    "null": b"null",
}


@pytest.fixture
def dataset_and_item(client: SGPClient) -> tuple[str, str]:
    dataset = make_dataset(client, 1)
    return dataset.id, items_of(client, dataset.id)[0].id


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_a_422_everywhere(
    client: SGPClient, http: httpx.Client, dataset_and_item: tuple[str, str], body: bytes
) -> None:
    dataset_id, item_id = dataset_and_item
    before = items_of(client, dataset_id)[0].to_dict()
    headers = {"content-type": "application/json"}

    answers = [
        http.post("/v5/datasets", content=body, headers=headers),
        http.patch(f"/v5/datasets/{dataset_id}", content=body, headers=headers),
        http.post("/v5/dataset-items/batch", content=body, headers=headers),
        http.patch(f"/v5/dataset-items/{item_id}", content=body, headers=headers),
    ]

    assert [a.status_code for a in answers] == [422] * 4
    assert all(a.json()["detail"] for a in answers)
    assert client.datasets.retrieve(dataset_id).current_version_num == 1
    assert items_of(client, dataset_id)[0].to_dict() == before


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_as_json(http: httpx.Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"content-type": content_type}

    response = http.post(
        "/v5/datasets", content=b'{"name": "x", "data": [{"i": 0}]}', headers=headers
    )

    assert response.status_code == 422
    if content_type is not None:  # it said "Input should be a valid dictionary", not why
        assert response.json()["detail"] == [
            {
                "loc": ["body"],
                "msg": "the body must be JSON, sent as content-type application/json "
                f"(not {content_type!r})",
                "type": response.json()["detail"][0]["type"],
            }
        ]


def test_delete_ignores_an_empty_json_body(client: SGPClient, http: httpx.Client) -> None:
    dataset = make_dataset(client, 1)

    response = http.request(
        "DELETE", f"/v5/datasets/{dataset.id}", headers={"content-type": "application/json"}
    )

    assert response.status_code == 200
    assert response.json() == {"id": dataset.id, "deleted": True, "object": "dataset"}


def test_integers_beyond_64_bits_are_refused_not_rounded(
    client: SGPClient, http: httpx.Client, dataset_and_item: tuple[str, str]
) -> None:
    dataset_id, _ = dataset_and_item
    body = b'{"dataset_id": "' + dataset_id.encode() + b'", "data": [{"v": 18446744073709551616}]}'
    answer = http.post(
        "/v5/dataset-items/batch", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "data", 0, "v"]
    assert len(items_of(client, dataset_id)) == 1


def test_the_largest_64_bit_integers_round_trip_exactly(
    client: SGPClient, dataset_and_item: tuple[str, str]
) -> None:
    dataset_id, _ = dataset_and_item
    data = {"max": 2**64 - 1, "min": -(2**63), "pi": 3.141592653589793}
    [item] = client.dataset_items.batch_create(dataset_id=dataset_id, data=[data]).items
    assert client.dataset_items.retrieve(item.id).data == data


BEYOND = [2**64, -(2**63) - 1, 10**30]


def _raw(http: httpx.Client, method: str, path: str, body: str) -> httpx.Response:
    return http.request(method, path, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("big", BEYOND)
def test_integers_beyond_64_bits_in_free_form_fields_are_422s(
    client: SGPClient, http: httpx.Client, big: int
) -> None:
    # Every JSON field that is stored verbatim: a 422 naming where the number is, never a 500.
    created = http.post("/v5/evaluations", json={"name": "e", "data": [{}], "metadata": {"k": 1}})
    evaluation = client.evaluations.retrieve(created.json()["id"])
    file = client.files.create(file=("t.txt", b"t"))
    client.files.update(file.id, tags={"keep": 1})
    bleu = {"type": "bleu", "candidate": "item.i", "reference": "item.i"}
    cases: list[tuple[str, str, dict[str, object], list[str | int]]] = [
        (
            "POST",
            "/v5/evaluations",
            {"name": "e", "data": [{"i": 0}], "metadata": {"n": 0}},
            ["metadata", "n"],
        ),
        (
            "POST",
            "/v5/evaluations",
            {"name": "e", "data": [{"i": 0}], "taxonomy_params": {"n": 0}},
            ["taxonomy_params", "n"],
        ),
        (
            "POST",
            "/v5/evaluations",
            {
                "name": "e",
                "data": [{"i": 0}],
                "tasks": [{"task_type": "metric", "configuration": {**bleu, "n": [0]}}],
            },
            ["tasks", 0, "configuration", "n", 0],
        ),
        ("PATCH", f"/v5/evaluations/{evaluation.id}", {"metadata": {"n": 0}}, ["metadata", "n"]),
        ("PATCH", f"/v5/files/{file.id}", {"tags": {"n": 0}}, ["tags", "n"]),
        (
            "POST",
            "/v5/models",
            {
                "name": "m",
                "model_vendor": "openai",
                "model_type": "generic",
                "model_metadata": {"n": 0},
            },
            ["model_metadata", "n"],
        ),
        (
            "POST",
            "/v5/credentials",
            {"name": "c", "payload": "p", "type": "key", "credential_metadata": {"n": 0}},
            ["credential_metadata", "n"],
        ),
        (
            "POST",
            "/v5/questions",
            {"name": "q", "prompt": "p", "configuration": {"choices": ["a"], "n": 0}},
            ["configuration", "n"],
        ),
        (
            "POST",
            "/v5/datasets",
            {"name": "d", "data": [{"i": 0}, {"v": {"n": 0}}]},
            ["data", 1, "v", "n"],
        ),
    ]
    for method, path, body, loc in cases:
        text = (
            json.dumps(body).replace('"n": 0', f'"n": {big}').replace('"n": [0]', f'"n": [{big}]')
        )

        answer = _raw(http, method, path, text)

        assert answer.status_code == 422, (path, answer.text)
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", *loc]
        assert "64-bit" in error["msg"]
    assert client.evaluations.retrieve(evaluation.id).to_dict()["metadata"] == {"k": 1}
    assert client.files.retrieve(file.id).tags == {"keep": 1}


def test_an_exponent_beyond_19_digits_is_still_refused(http: httpx.Client) -> None:
    # A body with a long digit run is parsed by the standard library, which reads this as inf.
    body = '{"name": "x", "data": [{"v": 1e4000000000000000000}]}'

    answer = _raw(http, "POST", "/v5/datasets", body)

    assert answer.status_code == 422, answer.text


def _nested(depth: int) -> str:
    return '{"k": ' * depth + "0" + "}" * depth


@pytest.mark.parametrize(
    ("path", "template", "loc"),
    [
        ("/v5/evaluations", '{"name": "e", "data": [{"i": 0}], "metadata": %s}', ["metadata"]),
        ("/v5/datasets", '{"name": "d", "data": [{"i": 0}, {"deep": %s}]}', ["data", 1]),
        ("/v5/chat/completions", '{"model": "openai/x", "messages": [], "extra": %s}', ["extra"]),
    ],
)
def test_json_nested_too_deep_is_a_422_naming_where(
    http: httpx.Client, path: str, template: str, loc: list[str | int]
) -> None:
    answer = _raw(http, "POST", path, template % _nested(300))
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["msg"] == "JSON nested deeper than 250 levels"
    assert problem["loc"] == ["body", *loc]


def test_json_nested_as_deep_as_allowed_is_stored_and_listed(
    client: SGPClient, http: httpx.Client
) -> None:
    # 240 levels under the metadata key: stored, and shown in a list page wrapped in more.
    created = _raw(
        http,
        "POST",
        "/v5/evaluations",
        f'{{"name": "deep", "data": [{{"i": 0}}], "metadata": {_nested(240)}}}',
    )
    assert created.status_code == 200, created.text
    listed = http.get("/v5/evaluations", params={"name": "deep"})
    assert listed.status_code == 200
    assert json.dumps(listed.json()).count('{"k": ') >= 240


def test_a_lone_surrogate_is_a_422(http: httpx.Client) -> None:
    # The standard library parses a body with a 19-digit number; it lets "\ud800" through.
    body = '{"name": "d", "data": [{"s": "\\ud800", "n": 1234567890123456789}]}'
    answer = _raw(http, "POST", "/v5/datasets", body)
    assert answer.status_code == 422, answer.text
    assert "lone surrogate" in answer.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"name": 1e400}', "number is infinity"),
        ('{"name": "\\ud800"}', "no low surrogate"),
        ('{"name": NaN}', "unexpected character"),
        ('{"name": "x",}', "trailing comma"),
    ],
)
def test_a_body_that_is_not_json_says_why_on_the_body(
    http: httpx.Client, body: str, reason: str
) -> None:
    """FastAPI's own answer put the parser's offset where a field goes (`["body", 9]`) with
    the message "JSON decode error"."""
    answer = _raw(http, "POST", "/v5/datasets", body)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["body"]
    assert problem["msg"].startswith("the body is not valid JSON: "), problem
    assert reason in problem["msg"].lower(), problem


LONG = "1234567890123456789012"  # 22 digits: the standard library parses the body


@pytest.mark.parametrize(
    ("body", "loc", "reason"),
    [
        # int() refuses past 4,300 digits: a generic 400 that named nothing
        ('{"name": "d", "data": [{"v": ' + "9" * 5000 + "}]}", ["body", "data", 0, "v"], "64-bit"),
        # past the standard library's recursion: the same generic 400
        ("[" * 5000 + LONG + "]" * 5000, ["body"], "nested deeper than 250"),
        # a byte-order mark, which orjson refuses and `json.loads` of bytes skipped (a 200)
        ('\ufeff{"name": "d", "data": [{"v": ' + LONG + "}]}", ["body"], "bom"),
    ],
    ids=["5000 digits", "5000 levels", "byte-order mark"],
)
def test_a_body_with_a_long_number_is_read_by_the_same_rules(
    http: httpx.Client, body: str, loc: list[str | int], reason: str
) -> None:
    answer = _raw(http, "POST", "/v5/datasets", body)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == loc
    assert reason in problem["msg"].lower(), problem


def test_a_body_with_a_long_number_that_is_not_utf8_says_so(http: httpx.Client) -> None:
    body = b'{"name": "\xff", "data": [{"v": ' + LONG.encode() + b"}]}"
    answer = http.post("/v5/datasets", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["msg"] == "the body is not valid JSON: str is not valid UTF-8"
