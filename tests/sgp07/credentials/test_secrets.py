"""`/v5/sgp/secrets` through the 0.7.0 client: the five routes, their errors, accounts kept
apart, and a value that no route returns."""

import pytest
from scale_gp_beta import ConflictError, NotFoundError, SGPClient, UnprocessableEntityError

from tests.sgp07.credentials.conftest import secret_key, secret_value
from tests.sgp07.helpers import assert_final_conflict, assert_identity, error_locs, raw

# The client marks every secrets method deprecated; the routes are still served.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_create_read_list_update_and_delete(engine_client: SGPClient) -> None:
    key, value = secret_key(), secret_value()
    created = engine_client.secrets.create(key=key, value=value, description="for the judges")
    assert created.object == "sgp_cloud_secret"
    assert (created.key, created.description) == (key, "for the judges")
    assert created.account_id == engine_client.account_id
    assert created.cloud_secret_path == f"db://{engine_client.account_id}/{key}"
    assert_identity(created)
    assert created.updated_by == created.created_by.id
    assert value not in created.to_json()

    assert engine_client.secrets.retrieve(created.id) == created
    listed = {s.id: s for s in engine_client.secrets.list(limit=1000)}
    assert listed[created.id] == created

    updated = engine_client.secrets.update(created.id, value=secret_value(), description="new")
    assert (updated.id, updated.key, updated.description) == (created.id, key, "new")
    assert updated.updated_at is not None and created.updated_at is not None
    assert updated.updated_at > created.updated_at and updated.created_at == created.created_at
    # A value alone leaves the description; null clears it.
    assert engine_client.secrets.update(created.id, value=secret_value()).description == "new"
    with raw(engine_client) as http:
        cleared = http.patch(f"/v5/sgp/secrets/{created.id}", json={"description": None})
    assert cleared.status_code == 200 and cleared.json()["description"] is None

    assert engine_client.secrets.delete(created.id) is None
    for call in (
        lambda: engine_client.secrets.retrieve(created.id),
        lambda: engine_client.secrets.update(created.id, value="x"),
        lambda: engine_client.secrets.delete(created.id),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert created.id not in {s.id for s in engine_client.secrets.list(limit=1000)}
    # The key is free again.
    again = engine_client.secrets.create(key=key, value=secret_value())
    engine_client.secrets.delete(again.id)


def test_list_sorts_by_key_and_pages(fresh_client: SGPClient) -> None:
    keys = ["B_" + secret_key(), "C_" + secret_key(), "A_" + secret_key()]
    ids = [fresh_client.secrets.create(key=k, value=secret_value()).id for k in keys]
    assert [s.id for s in fresh_client.secrets.list(limit=2)] == ids[::-1]
    assert [s.key for s in fresh_client.secrets.list(sort_by="key", sort_order="asc")] == sorted(
        keys
    )
    page = fresh_client.secrets.list(limit=1)
    assert page.has_more and page.to_dict()["total"] == 3


def test_a_key_is_unique_in_an_account_in_either_spelling(engine_client: SGPClient) -> None:
    key = secret_key()
    first = engine_client.secrets.create(key=key, value=secret_value())
    for duplicate in (key, key.lower().replace("_", "-")):
        with pytest.raises(ConflictError) as caught:
            engine_client.secrets.create(key=duplicate, value=secret_value())
        assert_final_conflict(caught.value)
    engine_client.secrets.delete(first.id)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"key": "has space", "value": "x"}, ["body", "key"]),
        ({"key": "dotted.name", "value": "x"}, ["body", "key"]),
        ({"key": "1STARTS_WITH_A_DIGIT", "value": "x"}, ["body", "key"]),
        ({"key": "", "value": "x"}, ["body", "key"]),
        ({"key": "NO_VALUE"}, ["body", "value"]),
        ({"key": "EMPTY_VALUE", "value": ""}, ["body", "value"]),
        ({"key": "NUMBER_VALUE", "value": 123456789}, ["body", "value"]),
    ],
)
def test_bad_bodies_are_422s_naming_the_field(
    engine_client: SGPClient, body: dict[str, object], loc: list[str]
) -> None:
    with raw(engine_client) as http:
        response = http.post("/v5/sgp/secrets", json=body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [loc]


def test_a_value_too_long_is_a_422_that_does_not_quote_it(engine_client: SGPClient) -> None:
    value = secret_value() * 2000  # > 64 KiB
    with pytest.raises(UnprocessableEntityError) as caught:
        engine_client.secrets.create(key=secret_key(), value=value)
    assert error_locs(caught.value) == [["body", "value"]]
    assert value[:40] not in caught.value.response.text


def test_unknown_ids_are_404s(engine_client: SGPClient) -> None:
    missing = "01a00000-0000-7000-8000-000000000000"
    for call in (
        lambda: engine_client.secrets.retrieve(missing),
        lambda: engine_client.secrets.update(missing, description="x"),
        lambda: engine_client.secrets.delete(missing),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_another_account_sees_none_of_it(
    engine_client: SGPClient, other_engine_client: SGPClient
) -> None:
    key = secret_key()
    mine = engine_client.secrets.create(key=key, value=secret_value())
    for call in (
        lambda: other_engine_client.secrets.retrieve(mine.id),
        lambda: other_engine_client.secrets.update(mine.id, value="overwritten"),
        lambda: other_engine_client.secrets.delete(mine.id),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert mine.id not in {s.id for s in other_engine_client.secrets.list(limit=1000)}

    # Keys are unique per account only.
    theirs = other_engine_client.secrets.create(key=key, value=secret_value())
    assert theirs.cloud_secret_path == f"db://{other_engine_client.account_id}/{key}"
    assert engine_client.secrets.retrieve(mine.id).updated_at == mine.updated_at
    other_engine_client.secrets.delete(theirs.id)
    engine_client.secrets.delete(mine.id)
