"""401 without a valid key, 403 for an account the key is not for."""

import httpx
import pytest
from scale_gp_beta import AuthenticationError, PermissionDeniedError, SGPClient

from tests.auth.calls import EVERY, Call
from tests.dataset.factories import items_of, make_dataset
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server


@pytest.fixture
def target(client: SGPClient) -> tuple[str, str]:
    dataset = make_dataset(client, 1)
    return dataset.id, items_of(client, dataset.id)[0].id


def as_client(server: Server, key: str, account: str) -> SGPClient:
    return SGPClient(api_key=key, account_id=account, base_url=server.base_url, max_retries=0)


@pytest.mark.parametrize("call", EVERY.values(), ids=EVERY.keys())
def test_an_unknown_key_is_unauthenticated(
    server: Server, target: tuple[str, str], call: Call
) -> None:
    stranger = as_client(server, "not-a-key", ACCOUNT_A)

    with pytest.raises(AuthenticationError):
        call(stranger, *target)


@pytest.mark.parametrize("call", EVERY.values(), ids=EVERY.keys())
def test_a_key_for_another_account_is_forbidden(
    server: Server, target: tuple[str, str], call: Call
) -> None:
    wrong_account = as_client(server, server.keys[ACCOUNT_A], ACCOUNT_B)

    with pytest.raises(PermissionDeniedError):
        call(wrong_account, *target)


def test_a_key_for_an_account_that_does_not_exist_is_forbidden(server: Server) -> None:
    with pytest.raises(PermissionDeniedError):
        as_client(server, server.keys[ACCOUNT_A], "no-such-account").datasets.list()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"x-selected-account-id": ACCOUNT_A}, 401),
        ({"x-api-key": "", "x-selected-account-id": ACCOUNT_A}, 401),
        ({"x-api-key": "KEY_A"}, 403),
        ({"x-api-key": "KEY_A", "x-selected-account-id": ""}, 403),
    ],
)
def test_missing_headers(server: Server, headers: dict[str, str], status: int) -> None:
    headers = {k: server.keys[ACCOUNT_A] if v == "KEY_A" else v for k, v in headers.items()}

    response = httpx.get(f"{server.base_url}/v5/datasets", headers=headers)

    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)


def test_rejected_writes_change_nothing(
    server: Server, client: SGPClient, target: tuple[str, str]
) -> None:
    dataset_id, item_id = target
    before = items_of(client, dataset_id)[0].to_dict()

    for key, account in (("not-a-key", ACCOUNT_A), (server.keys[ACCOUNT_A], ACCOUNT_B)):
        for name in (
            "datasets.update",
            "datasets.delete",
            "dataset_items.batch_create",
            "dataset_items.update",
            "dataset_items.delete",
        ):
            with pytest.raises((AuthenticationError, PermissionDeniedError)):
                EVERY[name](as_client(server, key, account), dataset_id, item_id)

    assert client.datasets.retrieve(dataset_id).current_version_num == 1
    assert [item.to_dict() for item in items_of(client, dataset_id)] == [before]
