"""Bodies over YARDSTICK_MAX_BODY_BYTES are refused with 413, declared or streamed (SQLite only)."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from scale_gp_beta import APIStatusError, SGPClient

from tests.dataset.factories import items_of, make_dataset, rows, unique
from tests.fixtures.server import ACCOUNT_A, Server, run_server

LIMIT = 4096


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("body-limit")
    yield from run_server("sqlite", tmp, YARDSTICK_MAX_BODY_BYTES=str(LIMIT))


@pytest.fixture
def small(small_server: Server) -> SGPClient:
    return SGPClient(
        api_key=small_server.keys[ACCOUNT_A],
        account_id=ACCOUNT_A,
        base_url=small_server.base_url,
        max_retries=0,
    )


def big_rows() -> list[dict[str, object]]:
    return [{"text": "x" * 100} for _ in range(LIMIT // 100)]


def test_a_body_under_the_limit_is_served(small: SGPClient) -> None:
    dataset = make_dataset(small, data=rows(50))

    assert len(items_of(small, dataset.id)) == 50


def test_a_create_over_the_limit_is_413_and_makes_nothing(small: SGPClient) -> None:
    name = unique("name")

    with pytest.raises(APIStatusError) as caught:
        small.datasets.create(name=name, data=big_rows())

    assert caught.value.status_code == 413
    assert small.datasets.list(name=name, include_archived=True).items == []


def test_a_batch_over_the_limit_is_413_and_changes_nothing(small: SGPClient) -> None:
    dataset = make_dataset(small, 1)

    with pytest.raises(APIStatusError) as caught:
        small.dataset_items.batch_create(dataset_id=dataset.id, data=big_rows())

    assert caught.value.status_code == 413
    assert small.datasets.retrieve(dataset.id).current_version_num == 1


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(
    small_server: Server, small: SGPClient
) -> None:
    name = unique("name")
    chunks = [b'{"name": "' + name.encode() + b'", "data": ['] + [
        b'{"t": "' + b"x" * 500 + b'"},'
    ] * 20
    headers = {
        "x-api-key": small_server.keys[ACCOUNT_A],
        "x-selected-account-id": ACCOUNT_A,
        "content-type": "application/json",
    }

    response = httpx.post(
        f"{small_server.base_url}/v5/datasets",
        content=iter(chunks + [b'{"t": 1}]}']),
        headers=headers,
    )

    assert response.status_code == 413
    assert "detail" in response.json()
    assert small.datasets.list(name=name, include_archived=True).items == []
