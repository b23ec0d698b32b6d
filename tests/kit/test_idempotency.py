"""Creates sent again with the same Idempotency-Key: the first response, and nothing created."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import create_engine, text

from tests.fixtures.server import Server


def fresh_key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def count_named(client: SGPClient, name: str) -> int:
    return sum(1 for dataset in client.datasets.list(name=name) if dataset.name == name)


def sql(server: Server, statement: str, **params: object) -> None:
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), params)
    finally:
        engine.dispose()


def test_the_official_client_retries_a_create_safely(client: SGPClient) -> None:
    name = f"idem-{uuid.uuid4().hex}"
    headers = fresh_key()
    first = client.datasets.create(name=name, data=[{"i": 0}], extra_headers=headers)
    again = client.datasets.with_raw_response.create(
        name=name, data=[{"i": 0}], extra_headers=headers
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.parse().id == first.id
    assert count_named(client, name) == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v5/evaluations", {"name": "e", "data": [{"x": 1}]}),
        ("/v5/questions", {"name": "q", "prompt": "p", "configuration": {"choices": ["a"]}}),
        (
            "/v5/models",
            {
                "name": f"m-{uuid.uuid4().hex}",
                "vendor_configuration": {"model": "x"},
                "model_vendor": "llmengine",
            },
        ),
    ],
)
def test_every_create_answers_a_repeat_with_its_first_response(
    http: httpx.Client, path: str, body: dict[str, object]
) -> None:
    headers = fresh_key()
    first = http.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = http.post(path, json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert http.get(f"{path}/{first.json()['id']}").status_code == 200


def test_dashboards_widgets_and_criteria_answer_a_repeat_too(http: httpx.Client) -> None:
    """Created under another resource (or, for dashboards, left off the list): the key was
    ignored, and a retried create made a second one."""
    evaluation = http.post("/v5/evaluations", json={"name": "e", "data": [{"x": 1}]}).json()
    rubric = http.post("/v5/rubrics", json={"title": "r", "criteria": [{"title": "c"}]}).json()
    dashboard_body = {"name": "d", "evaluation_id": evaluation["id"]}
    dashboard = http.post("/v5/evaluation-dashboards", json=dashboard_body).json()
    widget = {
        "title": "n",
        "type": "metric",
        "query": {
            "select": [{"expression": {"type": "AGGREGATION", "function": "COUNT", "column": "*"}}]
        },
    }
    for path, body in (
        ("/v5/evaluation-dashboards", dashboard_body),
        (f"/v5/evaluation-dashboards/{dashboard['id']}/widgets", widget),
        (f"/v5/rubrics/{rubric['id']}/criteria", {"title": "another"}),
    ):
        headers = fresh_key()
        first = http.post(path, json=body, headers=headers)
        assert first.status_code == 200, first.text
        again = http.post(path, json=body, headers=headers)
        assert again.headers.get("idempotent-replayed") == "true", path
        assert again.json() == first.json()
    criteria = http.get(f"/v5/rubrics/{rubric['id']}").json()["criteria"]
    assert [c["title"] for c in criteria] == ["c", "another"]


def test_a_response_too_large_to_keep_is_a_409_at_once(http: httpx.Client) -> None:
    """Over 16 MiB a response is not kept: a repeat was told for 30 s to retry, then that the
    response was lost."""
    dataset = http.post("/v5/datasets", json={"name": "big", "data": [{"i": 0}]}).json()
    items = [{"text": "x" * 4096, "n": n} for n in range(4500)]  # ~19 MB answered
    body = {"dataset_id": dataset["id"], "data": items}
    headers = fresh_key()
    assert http.post("/v5/dataset-items/batch", json=body, headers=headers).is_success
    again = http.post("/v5/dataset-items/batch", json=body, headers=headers)
    assert again.status_code == 409 and again.headers["x-should-retry"] == "false"
    assert "not kept" in again.json()["detail"]


def test_a_file_upload_is_not_stored_twice(client: SGPClient) -> None:
    headers = fresh_key()
    first = client.files.create(file=("a.txt", b"hello"), extra_headers=headers)
    again = client.files.create(file=("a.txt", b"hello"), extra_headers=headers)
    assert again.id == first.id
    assert sum(1 for f in client.files.list() if f.id == first.id) == 1


def test_an_upload_holding_its_boundarys_bytes_is_another_body(http: httpx.Client) -> None:
    """The boundary was taken out of the whole body, not only its delimiters: under the
    boundary `zz`, the files `ab` and `azzb` were one request, and the second was answered
    with the first's file."""
    headers = fresh_key()

    def upload(content: bytes, boundary: str) -> httpx.Response:
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="f.txt"\r\n'
                "Content-Type: text/plain\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        content_type = f"multipart/form-data; boundary={boundary}"
        return http.post(
            "/v5/files", content=body, headers={**headers, "content-type": content_type}
        )

    first = upload(b"ab", "zz")
    assert first.status_code == 200, first.text
    assert upload(b"ab", "other-boundary").headers.get("idempotent-replayed") == "true"
    assert upload(b"azzb", "zz").status_code == 422


def test_the_same_key_with_another_body_is_a_422(http: httpx.Client) -> None:
    headers = fresh_key()
    assert http.post(
        "/v5/datasets", json={"name": "a", "data": [{"i": 0}]}, headers=headers
    ).is_success
    other = http.post("/v5/datasets", json={"name": "b", "data": [{"i": 0}]}, headers=headers)
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
    elsewhere = http.post("/v5/evaluations", json={"name": "a", "data": [{}]}, headers=headers)
    assert elsewhere.status_code == 422  # another path is another request


def test_keys_belong_to_an_account(client: SGPClient, other_client: SGPClient) -> None:
    headers = fresh_key()
    name = f"shared-{uuid.uuid4().hex}"
    mine = client.datasets.create(name=name, data=[{"i": 0}], extra_headers=headers)
    theirs = other_client.datasets.create(name=name, data=[{"i": 0}], extra_headers=headers)
    assert mine.id != theirs.id


def racing_client(client: SGPClient, server: Server) -> SGPClient:
    """The client's account, retrying as long as a racer may need to."""
    return SGPClient(
        api_key=client.api_key,
        account_id=client.account_id,
        base_url=server.base_url,
        max_retries=10,
    )


def test_racing_repeats_create_once(client: SGPClient, server: Server) -> None:
    headers = fresh_key()
    name = f"race-{uuid.uuid4().hex}"
    racer = racing_client(client, server)
    with ThreadPoolExecutor(8) as pool:
        ids = set(
            pool.map(
                lambda _: (
                    racer.datasets.create(name=name, data=[{"i": 1}], extra_headers=headers).id
                ),
                range(8),
            )
        )
    assert len(ids) == 1
    assert count_named(client, name) == 1


def test_racing_repeats_of_a_named_create_create_once(client: SGPClient, server: Server) -> None:
    """A model's name is unique: the racers that lost got "a model named … already exists"
    with x-should-retry false, so the client gave up on a create its own key had made."""
    headers = fresh_key()
    name = f"race-model-{uuid.uuid4().hex}"
    racer = racing_client(client, server)
    body = {"name": name, "vendor_configuration": {"model": "x"}, "model_vendor": "llmengine"}
    with ThreadPoolExecutor(6) as pool:
        ids = set(
            pool.map(
                lambda _: racer.post(
                    "/v5/models", body=body, cast_to=object, options={"headers": headers}
                )["id"],  # type: ignore[index]
                range(6),
            )
        )
    assert len(ids) == 1


def age(server: Server, key: str, minutes: int) -> None:
    """Make the key's row `minutes` older."""
    if server.backend == "postgresql":
        moved = f"created_at - INTERVAL '{minutes} minutes'"
    else:
        moved = f"datetime(created_at, '-{minutes} minutes')"
    sql(server, f"UPDATE idempotency_keys SET created_at = {moved} WHERE key = :k", k=key)


def test_a_lost_response_is_never_made_again(http: httpx.Client, server: Server) -> None:
    headers = fresh_key()
    body = {"name": f"lost-{uuid.uuid4().hex}", "data": [{"i": 0}]}
    assert http.post("/v5/datasets", json=body, headers=headers).is_success
    # What a process killed between its commit and its response leaves behind.
    key = headers["Idempotency-Key"]
    sql(server, "UPDATE idempotency_keys SET status_code = NULL, body = NULL WHERE key = :k", k=key)
    meanwhile = http.post("/v5/datasets", json=body, headers=headers)
    assert meanwhile.status_code == 409  # for 30 s: the first one's answer may be on its way
    assert meanwhile.headers["x-should-retry"] == "true"
    age(server, key, 1)
    again = http.post("/v5/datasets", json=body, headers=headers)
    assert again.status_code == 409
    assert again.headers["x-should-retry"] == "false"
    assert "was carried out" in again.json()["detail"]


def test_a_key_is_forgotten_after_a_day(http: httpx.Client, server: Server) -> None:
    headers = fresh_key()
    body = {"name": f"old-{uuid.uuid4().hex}", "data": [{"i": 0}]}
    first = http.post("/v5/datasets", json=body, headers=headers).json()
    age(server, headers["Idempotency-Key"], 25 * 60)
    later = http.post("/v5/datasets", json=body, headers=headers)
    assert later.status_code == 200 and later.json()["id"] != first["id"]
    assert "idempotent-replayed" not in later.headers


def test_a_bad_key_is_a_422(http: httpx.Client) -> None:
    for key in ("", "k" * 256):
        answer = http.post(
            "/v5/datasets", json={"name": "x", "data": [{"i": 0}]}, headers={"Idempotency-Key": key}
        )
        assert answer.status_code == 422, key
        assert answer.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
