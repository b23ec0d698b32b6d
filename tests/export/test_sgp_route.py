"""`POST /v5/evaluation-items/export` by raw HTTP (the a29 client has no `export`; the 0.7.0
client's own tests are in tests/sgp07/export)."""

from typing import Any

import httpx
import orjson
import pytest

from tests.export.conftest import Finished
from tests.export.helpers import download
from tests.fixtures.server import ACCOUNT_B

ROUTE = "/v5/evaluation-items/export"


def test_direct_content_is_the_downloaded_file(
    finished: Finished, export_http: httpx.Client
) -> None:
    for file_format in ("jsonl", "csv"):
        response = export_http.post(
            ROUTE, json={"evaluation_id": finished.evaluation_id, "export_format": file_format}
        )
        assert response.status_code == 200
        body = response.json()
        assert body == {
            "filename": f"evaluation-{finished.evaluation_id}.{file_format}",
            "content": download(export_http, finished.evaluation_id, file_format).text,
            "signed_url": None,
        }


def test_json_is_the_default_and_one_array(finished: Finished, export_http: httpx.Client) -> None:
    body = export_http.post(ROUTE, json={"evaluation_id": finished.evaluation_id}).json()
    assert body["filename"] == f"evaluation-{finished.evaluation_id}.json"
    jsonl = download(export_http, finished.evaluation_id, "jsonl").content
    assert orjson.loads(body["content"]) == [orjson.loads(line) for line in jsonl.splitlines()]


def test_signed_url_is_a_final_501(finished: Finished, export_http: httpx.Client) -> None:
    response = export_http.post(
        ROUTE, json={"evaluation_id": finished.evaluation_id, "export_method": "signed_url"}
    )
    assert response.status_code == 501
    assert response.headers["x-should-retry"] == "false"
    assert "object storage" in response.json()["detail"]


def test_signed_url_for_an_evaluation_not_here_is_404_first(
    finished: Finished, export_http: httpx.Client
) -> None:
    # The id is checked before the method: 404 for an unknown one or another account's.
    server = finished.server
    other = {"x-api-key": server.keys[ACCOUNT_B], "x-selected-account-id": ACCOUNT_B}
    signed = {"export_method": "signed_url"}
    answers = [
        export_http.post(ROUTE, json={"evaluation_id": "nope", **signed}),
        export_http.post(
            ROUTE, json={"evaluation_id": finished.evaluation_id, **signed}, headers=other
        ),
    ]
    assert [answer.status_code for answer in answers] == [404, 404]


def test_archived_evaluation_needs_include_archived(export_http: httpx.Client) -> None:
    evaluation_id = export_http.post(
        "/v5/evaluations", json={"name": "gone", "data": [{"a": 1}]}
    ).json()["id"]
    export_http.delete(f"/v5/evaluations/{evaluation_id}").raise_for_status()
    assert export_http.post(ROUTE, json={"evaluation_id": evaluation_id}).status_code == 404
    body = export_http.post(
        ROUTE, json={"evaluation_id": evaluation_id, "include_archived": True}
    ).json()
    assert [row["data"] for row in orjson.loads(body["content"])] == [{"a": 1}]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "evaluation_id"]),
        ({"evaluation_id": ""}, ["body", "evaluation_id"]),
        ({"evaluation_id": 7}, ["body", "evaluation_id"]),
        ({"evaluation_id": "x", "export_format": "parquet"}, ["body", "export_format"]),
        ({"evaluation_id": "x", "export_method": "ftp"}, ["body", "export_method"]),
        ({"evaluation_id": "x", "include_archived": "maybe"}, ["body", "include_archived"]),
        # Read as true by lax parsing: an archived evaluation exported on a string's say-so.
        ({"evaluation_id": "x", "include_archived": "yes"}, ["body", "include_archived"]),
        ({"evaluation_id": "x", "include_archived": 1}, ["body", "include_archived"]),
    ],
)
def test_bad_body_is_422_naming_the_field(
    export_http: httpx.Client, body: dict[str, Any], loc: list[str]
) -> None:
    response = export_http.post(ROUTE, json=body)
    assert response.status_code == 422
    assert [entry["loc"] for entry in response.json()["detail"]] == [loc]


def test_malformed_json_is_422(export_http: httpx.Client) -> None:
    response = export_http.post(
        ROUTE, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_unknown_evaluation_is_404(export_http: httpx.Client) -> None:
    assert export_http.post(ROUTE, json={"evaluation_id": "nope"}).status_code == 404
