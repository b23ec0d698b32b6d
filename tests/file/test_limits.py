"""The upload size limit, on a server with small limits.

YARDSTICK_MAX_FILE_BYTES bounds one file; the upload route's body limit follows it rather than
YARDSTICK_MAX_BODY_BYTES, which here is set lower to show that JSON bodies keep their own.
"""

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from scale_gp_beta import APIStatusError, SGPClient

from tests.conftest import make_client
from tests.file.helpers import all_blobs, staging_files
from tests.fixtures.server import ACCOUNT_A, Server, run_server

MAX_FILE = 256 * 1024
MAX_BODY = 64 * 1024


@pytest.fixture(scope="module")
def small_server(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp(f"small-files-{server.backend}")
    yield from run_server(
        server.backend,
        tmp,
        YARDSTICK_MAX_FILE_BYTES=str(MAX_FILE),
        YARDSTICK_MAX_BODY_BYTES=str(MAX_BODY),
    )


@pytest.fixture
def small(small_server: Server) -> SGPClient:
    return make_client(small_server)


def count(client: SGPClient) -> int:
    return client.files.list(limit=1).total


@pytest.mark.parametrize("size", [MAX_FILE + 1, 3 * MAX_FILE, 8 * 1024 * 1024])
def test_over_the_limit_is_413_and_leaves_nothing(
    small_server: Server, small: SGPClient, size: int
) -> None:
    before, blobs = count(small), all_blobs(small_server)
    with pytest.raises(APIStatusError) as caught:
        small.files.create(file=("big.bin", os.urandom(size)))
    assert caught.value.status_code == 413
    assert count(small) == before
    assert all_blobs(small_server) == blobs
    assert staging_files(small_server) == []


def test_over_the_limit_without_content_length_is_413(
    small_server: Server, small: SGPClient
) -> None:
    def body() -> Iterator[bytes]:
        yield b'--bnd\r\nContent-Disposition: form-data; name="file"; filename="s.bin"\r\n\r\n'
        for _ in range(8):
            yield os.urandom(64 * 1024)
        yield b"\r\n--bnd--\r\n"

    before, blobs = count(small), all_blobs(small_server)
    response = httpx.post(
        f"{small_server.base_url}/v5/files",
        content=body(),
        headers={
            "x-api-key": small_server.keys[ACCOUNT_A],
            "x-selected-account-id": ACCOUNT_A,
            "content-type": "multipart/form-data; boundary=bnd",
        },
    )
    assert response.status_code == 413
    assert count(small) == before
    assert all_blobs(small_server) == blobs
    assert staging_files(small_server) == []


def test_exactly_the_limit_is_accepted_above_the_json_body_limit(
    small_server: Server, small: SGPClient
) -> None:
    data = os.urandom(MAX_FILE)
    created = small.files.create(file=("edge.bin", data))
    assert created.size == MAX_FILE
    assert small.files.content.with_raw_response.retrieve(created.id).http_response.content == data


def test_json_bodies_keep_their_own_limit(small: SGPClient) -> None:
    with pytest.raises(APIStatusError) as caught:
        small.questions.create(
            name="n", prompt="p" * (MAX_BODY + 1), configuration={"choices": ["a"]}
        )
    assert caught.value.status_code == 413


def test_a_client_hanging_up_mid_upload_is_not_an_internal_error(
    small_server: Server, small: SGPClient
) -> None:
    """Logged as `internal error` with two tracebacks, as if ours; the staging is cleaned."""
    log = small_server.data_dir / "server.log"
    before, blobs = count(small), all_blobs(small_server)
    head = (
        "POST /v5/files HTTP/1.1\r\nhost: x\r\n"
        f"x-api-key: {small_server.keys[ACCOUNT_A]}\r\nx-selected-account-id: {ACCOUNT_A}\r\n"
        "content-type: multipart/form-data; boundary=B\r\ncontent-length: 5000\r\n\r\n"
    )
    part = b'--B\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n' + b"a" * 500
    logged = log.read_text()
    with socket.create_connection(("127.0.0.1", small_server.port)) as sock:
        sock.sendall(head.encode() + part)
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while "client disconnected during POST /v5/files" not in log.read_text()[len(logged) :]:
        assert time.monotonic() < deadline, log.read_text()[len(logged) :]
        time.sleep(0.05)
    written = log.read_text()[len(logged) :]
    assert "internal error" not in written and "Traceback" not in written, written
    assert count(small) == before
    assert all_blobs(small_server) == blobs
    assert staging_files(small_server) == []
