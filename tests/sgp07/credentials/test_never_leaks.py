"""No secret comes back from the server, except a credential's payload from its two decrypt
routes, and none is ever written to the server's log: not on success, not in a 409 or a 422,
not in an upstream failure that quotes the key it refused, not in an evaluation cell's error.

Every request goes over raw HTTP so that each response body can be searched as sent.
"""

import time
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.execution.helpers import MODEL, chat_task
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server
from tests.sgp07.credentials.conftest import secret_value
from tests.sgp07.helpers import raw, unique


class Recorder:
    """Raw HTTP as one account, keeping every response body."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.bodies: list[str] = []

    def __call__(self, method: str, path: str, status: int, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        self.bodies.append(response.text)
        assert response.status_code == status, (method, path, response.text)
        return response


def chat_body(text: str) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}]}


def refuse_next_call_quoting(fake: FakeModels, key: str) -> None:
    """The upstream's next answer is a 401 that quotes the key, as some vendors' do."""
    fake.control(fail_next=[{"status": 401, "message": f"Incorrect API key provided: {key}"}])


def test_no_response_but_decrypt_and_no_log_line_holds_a_secret(
    fresh_client: SGPClient, fake_models: FakeModels, engine_server: Server
) -> None:
    s = {
        name: secret_value(name)
        for name in ("payload", "json", "bad-json", "account-key", "new-key", "caller", "long")
    }
    json_payload = '{"private_key": "' + s["json"] + '"}'
    decrypted: list[str] = []
    name = unique("leak check")

    with raw(fresh_client) as http:
        call = Recorder(http)
        # Credentials: create, read, list, change, conflict, invalid JSON.
        credential = call(
            "POST",
            "/v5/credentials",
            200,
            json={"name": name, "payload": s["payload"], "type": "key"},
        ).json()
        path = f"/v5/credentials/{credential['id']}"
        call("GET", path, 200)
        call("GET", f"/v5/credentials/name/{name}", 200)
        call("GET", "/v5/credentials", 200)
        decrypted.append(http.post(f"{path}/secret").text)
        call("PATCH", path, 200, json={"payload": json_payload, "type": "json"})
        decrypted.append(http.post(f"/v5/credentials/name/{name}/secret").text)
        call(
            "POST",
            "/v5/credentials",
            409,
            json={"name": name, "payload": s["payload"], "type": "key"},
        )
        bad_json = '{"private_key": "' + s["bad-json"] + '",'
        call(
            "POST",
            "/v5/credentials",
            422,
            json={"name": unique(), "payload": bad_json, "type": "json"},
        )
        call("PATCH", path, 422, json={"payload": bad_json})

        # Secrets: create, read, list, conflict, invalid bodies, change.
        secret = call(
            "POST",
            "/v5/sgp/secrets",
            200,
            json={"key": "OPENAI_API_KEY", "value": s["account-key"]},
        ).json()
        secret_path = f"/v5/sgp/secrets/{secret['id']}"
        call("GET", secret_path, 200)
        call("GET", "/v5/sgp/secrets", 200)
        call("POST", "/v5/sgp/secrets", 409, json={"key": "openai-api-key", "value": s["new-key"]})
        call("POST", "/v5/sgp/secrets", 422, json={"key": "bad key", "value": s["new-key"]})
        call("POST", "/v5/sgp/secrets", 422, json={"key": "LONG", "value": s["long"] * 2000})

        # Model calls with the account's key and a caller's, then refusals quoting each key.
        call("POST", "/v5/chat/completions", 200, json=chat_body("hello"))
        own = {"x-openai-api-key": s["caller"]}
        call("POST", "/v5/chat/completions", 200, json=chat_body("hello"), headers=own)
        refuse_next_call_quoting(fake_models, s["account-key"])
        refused = call("POST", "/v5/chat/completions", 502, json=chat_body("hello"))
        assert "[redacted]" in refused.text
        refuse_next_call_quoting(fake_models, s["caller"])  # the caller's own key: their 400
        refused = call("POST", "/v5/chat/completions", 400, json=chat_body("hello"), headers=own)
        assert "[redacted]" in refused.text

        # An evaluation whose model call is refused the same way: the cell's error is redacted.
        refuse_next_call_quoting(fake_models, s["account-key"])
        evaluation = call(
            "POST",
            "/v5/evaluations",
            200,
            json={"name": unique(), "data": [{"input": "x"}], "tasks": [chat_task("answer")]},
        ).json()
        deadline = time.monotonic() + 60
        while call("GET", f"/v5/evaluations/{evaluation['id']}", 200).json()["status"] == "running":
            assert time.monotonic() < deadline, "the evaluation did not finish"
            time.sleep(0.2)
        items = call("GET", "/v5/evaluation-items", 200, params={"evaluation_id": evaluation["id"]})
        assert "[redacted]" in items.text

        call("PATCH", secret_path, 200, json={"value": s["new-key"], "description": "rotated"})
        call("DELETE", secret_path, 200)
        call("DELETE", path, 200)

    assert s["payload"] in decrypted[0] and s["json"] in decrypted[1]
    log = (engine_server.data_dir / "server.log").read_text()
    for what, value in s.items():
        for body in call.bodies:
            assert value not in body, f"the {what} secret is in a response: {body[:300]}"
        assert value not in log, f"the {what} secret is in the server log"


@pytest.mark.parametrize("payload", ["sk-plain-key", '{"a": 1}'])
def test_the_client_types_never_carry_a_payload(fresh_client: SGPClient, payload: str) -> None:
    """What the 0.7.0 client parses of each metadata route holds no payload field at all."""
    credential = fresh_client.credentials.create(
        name=unique(), payload=payload, type="json" if payload.startswith("{") else "key"
    )
    for seen in (
        credential,
        fresh_client.credentials.retrieve(credential.id),
        fresh_client.credentials.retrieve_by_name(credential.name),
        fresh_client.credentials.update(credential.id, description="d"),
        *fresh_client.credentials.list(),
    ):
        assert "payload" not in seen.to_dict() and payload not in seen.to_json()
