"""Input no database could store the same way: refused with a 422 naming where, on both."""

import logging

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from yardstick.errors import install_error_handlers


@pytest.mark.parametrize(
    ("method", "path", "params", "loc"),
    [
        ("GET", "/v5/datasets/ab%00cd", None, ["path"]),
        ("GET", "/v5/datasets", {"name": "a\x00b"}, ["query"]),
        ("DELETE", "/v5/evaluations/x%00", None, ["path"]),
    ],
)
def test_a_nul_in_the_path_or_query_is_a_422(
    http: httpx.Client, method: str, path: str, params: dict[str, str] | None, loc: list[str]
) -> None:
    answer = http.request(method, path, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == loc
    # Without a key it is a 401, as every request without one is (it was this 422).
    stranger = httpx.request(method, str(http.base_url.join(path)), params=params)
    assert stranger.status_code == 401, stranger.text


def test_a_nul_in_a_body_string_or_key_is_a_422_naming_it(http: httpx.Client) -> None:
    text = http.post("/v5/datasets", json={"name": "d", "data": [{"s": "a\x00b"}]})
    assert text.status_code == 422, text.text
    assert text.json()["detail"][0]["loc"] == ["body", "data", 0, "s"]
    key = http.post("/v5/evaluations", json={"name": "e", "data": [{}], "metadata": {"k\x00": 1}})
    assert key.status_code == 422, key.text
    assert key.json()["detail"][0]["loc"] == ["body", "metadata", "k\x00"]
    # A backslash followed by "u0000" is just text.
    fine = http.post("/v5/datasets", json={"name": "d", "data": [{"s": "\\u0000"}]})
    assert fine.status_code == 200, fine.text


def test_an_alias_longer_than_a_cell_can_hold_is_a_422(http: httpx.Client) -> None:
    task = {"task_type": "metric", "alias": "a" * 257}
    task["configuration"] = {"type": "f1", "candidate": "item.x", "reference": "item.x"}
    answer = http.post("/v5/evaluations", json={"name": "e", "data": [{"x": "1"}], "tasks": [task]})
    assert answer.status_code == 422, answer.text
    problem = answer.json()["detail"][0]
    assert problem["loc"] == ["body", "tasks", 0, "alias"]
    assert problem["msg"] == "alias must be at most 256 characters"


def test_an_unforeseen_error_says_only_internal_error_and_logs_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail of the bug")

    with caplog.at_level(logging.ERROR, logger="yardstick.errors"):
        answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500
    request_id = answer.headers["x-request-id"]
    assert answer.json() == {"detail": f"internal error (request id {request_id})"}
    assert "secret detail" not in answer.text
    assert answer.headers["connection"] == "close"  # the server closes it after a 500
    [record] = [r for r in caplog.records if request_id in r.getMessage()]
    assert record.exc_info is not None and "secret detail of the bug" in str(record.exc_info[1])


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v5/datasets", "GET, POST"),
        ("PUT", "/v5/datasets/some-id", "DELETE, GET, PATCH"),
        ("DELETE", "/v5/evaluations", "GET, POST"),
    ],
)
def test_a_405_lists_every_method_of_the_path(
    http: httpx.Client, method: str, path: str, allowed: str
) -> None:
    answer = http.request(method, path)
    assert answer.status_code == 405
    assert answer.headers.get_list("allow") == [allowed]
