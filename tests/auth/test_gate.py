"""Authentication comes first: a request without a valid key is refused from its headers, its
body unread, and each key's rate limit is applied before any route runs."""

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.server import ACCOUNT_A, Server, run_server
from tests.web.conftest import web_client
from yardstick.auth.rate_limit import RateLimiter

HUGE = 256 * 1024 * 1024  # the body limit: a body this size would be read whole to be parsed


def raw_request(server: Server, head: bytes, first_bytes: bytes) -> bytes:
    """Send a request's head and only the first bytes of its body; what the server answers."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + b"\r\n\r\n" + first_bytes)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_a_request_without_a_key_is_refused_before_its_body_is_read(server: Server) -> None:
    answer = raw_request(
        server,
        b"POST /v5/datasets HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        + f"content-length: {HUGE}".encode(),
        b'{"name": ',
    )
    # Answered (and the connection closed) with 256 MiB still to come: nothing waited for them.
    status, _, body = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 401 Unauthorized"
    assert body.endswith(b'{"detail":"missing x-api-key header"}')
    assert b"connection: close" in body


def test_a_wrong_key_is_refused_before_its_body_is_read(server: Server) -> None:
    answer = raw_request(
        server,
        b"POST /v5/dataset-items/batch HTTP/1.1\r\nHost: x\r\nx-api-key: guess\r\n"
        + f"x-selected-account-id: {ACCOUNT_A}\r\ncontent-length: {HUGE}".encode(),
        b"[",
    )
    assert answer.startswith(b"HTTP/1.1 401 Unauthorized")
    assert answer.endswith(b'{"detail":"invalid API key"}')


def test_spaces_around_the_header_values_are_not_part_of_them(server: Server) -> None:
    """HTTP's optional whitespace: a pasted `KEY ` was an invalid key."""
    key = server.keys[ACCOUNT_A]
    answer = raw_request(
        server,
        f"GET /v5/datasets HTTP/1.1\r\nHost: x\r\nconnection: close\r\nx-api-key: {key} \t\r\n"
        f"x-selected-account-id:  {ACCOUNT_A} ".encode(),
        b"",
    )
    assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:200]


def test_another_accounts_id_is_named_in_the_403_but_bounded(server: Server) -> None:
    """A 60 KB `x-selected-account-id` came back whole in the 403's body."""
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": "b" * 60_000}
    answer = httpx.get(f"{server.base_url}/v5/datasets", headers=headers)
    assert answer.status_code == 403
    assert len(answer.text) < 300 and "'" + "b" * 128 + "…'" in answer.json()["detail"]


def test_a_malformed_body_without_a_key_is_a_401_not_a_422(server: Server) -> None:
    response = httpx.post(f"{server.base_url}/v5/datasets", content=b"{not json")
    assert response.status_code == 401


def test_a_stranger_learns_nothing_of_the_routes(server: Server, http: httpx.Client) -> None:
    assert httpx.get(f"{server.base_url}/v5/no-such-thing").status_code == 401
    assert httpx.delete(f"{server.base_url}/v5/datasets").status_code == 401
    # With a key, the usual answers.
    assert http.get("/v5/no-such-thing").status_code == 404
    assert http.delete("/v5/datasets").status_code == 405


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from run_server(
        "sqlite",
        tmp_path_factory.mktemp("limited"),
        serve_args=("--no-worker",),
        YARDSTICK_RATE_LIMIT_PER_SECOND="2",
        YARDSTICK_RATE_LIMIT_BURST="5",
    )


def test_a_key_over_its_rate_is_told_when_to_come_back(limited: Server) -> None:
    headers = {"x-api-key": limited.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    with httpx.Client(base_url=limited.base_url, headers=headers) as http:
        statuses = [http.get("/v5/datasets").status_code for _ in range(8)]
        assert statuses[:5] == [200] * 5  # the burst
        assert 429 in statuses[5:]
        refused = http.get("/v5/datasets")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["x-should-retry"] == "true"
    assert "rate limit (2 requests a second)" in refused.json()["detail"]
    # Other keys have buckets of their own; /health has none.
    assert httpx.get(f"{limited.base_url}/health").status_code == 200


def test_the_web_pages_spend_the_same_keys_bucket(limited: Server) -> None:
    """The UI signs in with an API key, and its pages (exports, comparisons) were not
    counted: the API refused the key while the pages went on serving it."""
    time.sleep(3)  # a full bucket again after the test before
    with web_client(limited) as web:
        statuses = [web.get("/evaluations").status_code for _ in range(8)]
        refused = web.get("/evaluations")
    assert statuses[:4] == [200] * 4 and 429 in statuses[4:]  # the sign-in took one
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert "Too many requests" in refused.text and "rate limit" in refused.text


def test_the_bucket_refills_at_the_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("yardstick.auth.rate_limit.time.monotonic", lambda: now[0])
    limiter = RateLimiter(2, burst=2)
    assert [limiter.take("k") for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("k") == pytest.approx(0.5)
    assert limiter.take("other") == 0.0
    now[0] += 0.5
    assert limiter.take("k") == 0.0
    assert limiter.take("k") == pytest.approx(0.5)


def test_idle_buckets_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr("yardstick.auth.rate_limit.time.monotonic", lambda: now[0])
    limiter = RateLimiter(10, burst=10)
    for key in range(100):
        limiter.take(str(key))
    now[0] += 5
    limiter.take("fresh")
    assert set(limiter._buckets) == {"fresh"}


@pytest.mark.parametrize("name", ["x-api-key", "x-selected-account-id"])
def test_a_header_sent_twice_is_a_400_not_a_guess(server: Server, name: str) -> None:
    """Two keys (or accounts) in one request: the first was used, so a proxy that added its
    own decided, unseen, whose request it was."""
    key = server.keys[ACCOUNT_A]
    twice = {"x-api-key": [key, key], "x-selected-account-id": [ACCOUNT_A, ACCOUNT_A]}
    headers = [("x-api-key", key), ("x-selected-account-id", ACCOUNT_A)]
    headers += [(name, twice[name][1])]
    response = httpx.get(f"{server.base_url}/v5/datasets", headers=headers)

    assert response.status_code == 400
    assert response.json() == {"detail": f"send one {name} header, not 2"}
