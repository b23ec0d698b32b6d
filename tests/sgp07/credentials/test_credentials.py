"""`/v5/credentials` through the 0.7.0 client: the eight routes, their errors, and accounts that
cannot see each other's credentials."""

import json

import pytest
from scale_gp_beta import (
    ConflictError,
    NotFoundError,
    SGPClient,
    UnprocessableEntityError,
)

from tests.sgp07.credentials.conftest import secret_value
from tests.sgp07.helpers import assert_final_conflict, error_locs, raw, unique


def test_create_read_list_update_decrypt_and_delete(engine_client: SGPClient) -> None:
    payload = secret_value()
    name = unique("my key")  # a space travels percent-encoded in the by-name paths
    created = engine_client.credentials.create(
        name=name,
        payload=payload,
        type="key",
        description="the team's OpenAI key",
        credential_metadata={"vendor": "openai", "rotated": 2},
    )
    assert created.object == "credential"
    assert (created.name, created.type, created.description) == (
        name,
        "key",
        "the team's OpenAI key",
    )
    assert created.credential_metadata == {"vendor": "openai", "rotated": 2}
    assert created.created_by_user_id and created.created_by_identity_type == "user"
    assert created.updated_at == created.created_at
    assert payload not in created.to_json()

    assert engine_client.credentials.retrieve(created.id) == created
    assert engine_client.credentials.retrieve_by_name(name) == created
    assert engine_client.credentials.decrypt(created.id).result == payload
    decrypt_response = engine_client.credentials.with_raw_response.decrypt(created.id)
    assert decrypt_response.headers["cache-control"] == "no-store"
    by_name = engine_client.credentials.decrypt_by_name(name)
    assert (by_name.result, by_name.object) == (payload, "credential_secret")

    json_payload = json.dumps({"type": "service_account", "private_key": secret_value()})
    renamed = name + " v2"
    updated = engine_client.credentials.update(
        created.id,
        name=renamed,
        type="json",
        payload=json_payload,
        description="now a service account",
        credential_metadata={"vendor": "gcp"},
    )
    assert (updated.id, updated.name, updated.type) == (created.id, renamed, "json")
    assert updated.description == "now a service account"
    assert updated.credential_metadata == {"vendor": "gcp"}
    assert updated.created_at == created.created_at and updated.updated_at > created.updated_at
    assert engine_client.credentials.decrypt_by_name(renamed).result == json_payload
    with pytest.raises(NotFoundError):
        engine_client.credentials.retrieve_by_name(name)

    # Only what is sent changes; null clears the description.
    with raw(engine_client) as http:
        cleared = http.patch(f"/v5/credentials/{created.id}", json={"description": None})
    assert cleared.status_code == 200
    assert cleared.json()["description"] is None
    assert cleared.json()["credential_metadata"] == {"vendor": "gcp"}
    assert engine_client.credentials.decrypt(created.id).result == json_payload

    deleted = engine_client.credentials.delete(created.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (created.id, True, "credential")
    for call in (
        lambda: engine_client.credentials.retrieve(created.id),
        lambda: engine_client.credentials.decrypt(created.id),
        lambda: engine_client.credentials.retrieve_by_name(renamed),
        lambda: engine_client.credentials.delete(created.id),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_list_filters_by_name_sorts_and_pages(engine_client: SGPClient) -> None:
    tag = unique("list")
    names = [f"{tag}-b", f"{tag}-c", f"{tag}-a"]
    ids = [
        engine_client.credentials.create(name=n, payload=secret_value(), type="key").id
        for n in names
    ]

    newest_first = list(engine_client.credentials.list(name=tag.upper(), limit=2))
    assert [c.id for c in newest_first] == ids[::-1]  # auto-paged, 2 at a time
    by_name = list(engine_client.credentials.list(name=tag, sort_by="name", sort_order="asc"))
    assert [c.name for c in by_name] == sorted(names)
    page = engine_client.credentials.list(name=tag, limit=1)
    assert page.has_more and page.to_dict()["total"] == 3

    with raw(engine_client) as http:
        body = http.get("/v5/credentials", params={"name": tag}).text
    assert "payload" not in body


def test_names_are_unique_in_an_account(engine_client: SGPClient) -> None:
    name = unique("dup")
    first = engine_client.credentials.create(name=name, payload=secret_value(), type="key")
    with pytest.raises(ConflictError) as caught:
        engine_client.credentials.create(name=name, payload=secret_value(), type="key")
    assert_final_conflict(caught.value)

    other = engine_client.credentials.create(name=unique("other"), payload="x", type="key")
    with pytest.raises(ConflictError) as caught:
        engine_client.credentials.update(other.id, name=name)
    assert_final_conflict(caught.value)
    # Renaming to its own name is no conflict.
    assert engine_client.credentials.update(first.id, name=name).name == name


def test_a_json_payload_must_parse(engine_client: SGPClient) -> None:
    broken = '{"private_key": "' + secret_value() + '",,}'
    with pytest.raises(UnprocessableEntityError) as caught:
        engine_client.credentials.create(name=unique(), payload=broken, type="json")
    assert error_locs(caught.value) == [["body", "payload"]]
    assert "line 1" in caught.value.response.text
    assert broken not in caught.value.response.text

    as_key = engine_client.credentials.create(name=unique(), payload=broken, type="key")
    # Becoming json: the stored payload must parse, unless a new one comes with the change.
    with pytest.raises(UnprocessableEntityError) as caught:
        engine_client.credentials.update(as_key.id, type="json")
    assert error_locs(caught.value) == [["body", "payload"]]
    assert broken not in caught.value.response.text
    with pytest.raises(UnprocessableEntityError):
        engine_client.credentials.update(as_key.id, type="json", payload="[1, 2")
    assert engine_client.credentials.retrieve(as_key.id).type == "key"  # nothing changed

    as_json = engine_client.credentials.update(as_key.id, type="json", payload='{"ok": true}')
    assert as_json.type == "json"
    with pytest.raises(UnprocessableEntityError):
        engine_client.credentials.update(as_key.id, payload="not json")  # still type json
    assert engine_client.credentials.decrypt(as_key.id).result == '{"ok": true}'


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "a/b", "payload": "x", "type": "key"}, ["body", "name"]),
        # Clients resolve a dot segment away: never to be fetched by name again.
        ({"name": "..", "payload": "x", "type": "key"}, ["body", "name"]),
        ({"name": ".", "payload": "x", "type": "key"}, ["body", "name"]),
        ({"name": "", "payload": "x", "type": "key"}, ["body", "name"]),
        ({"name": "n", "payload": "x", "type": "password"}, ["body", "type"]),
        ({"name": "n", "payload": "", "type": "key"}, ["body", "payload"]),
        ({"name": "n", "type": "key"}, ["body", "payload"]),
        ({"name": "n", "payload": 12345678, "type": "key"}, ["body", "payload"]),
    ],
)
def test_bad_bodies_are_422s_naming_the_field(
    engine_client: SGPClient, body: dict[str, object], loc: list[str]
) -> None:
    with raw(engine_client) as http:
        response = http.post("/v5/credentials", json=body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [loc]


def test_unknown_ids_and_names_are_404s(engine_client: SGPClient) -> None:
    missing = "01a00000-0000-7000-8000-000000000000"
    for call in (
        lambda: engine_client.credentials.retrieve(missing),
        lambda: engine_client.credentials.update(missing, description="x"),
        lambda: engine_client.credentials.delete(missing),
        lambda: engine_client.credentials.decrypt(missing),
        lambda: engine_client.credentials.retrieve_by_name(unique("nobody")),
        lambda: engine_client.credentials.decrypt_by_name(unique("nobody")),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_name_routes_are_not_taken_for_ids(fresh_client: SGPClient) -> None:
    # Names that spell the literal path segments still reach the by-name routes.
    for name in ("name", "secret"):
        fresh_client.credentials.create(name=name, payload=f"payload of {name}", type="key")
        assert fresh_client.credentials.retrieve_by_name(name).name == name
        assert fresh_client.credentials.decrypt_by_name(name).result == f"payload of {name}"
    with pytest.raises(NotFoundError):
        fresh_client.credentials.retrieve("name")  # `/v5/credentials/name` is an id lookup


def test_another_account_sees_none_of_it(
    engine_client: SGPClient, other_engine_client: SGPClient
) -> None:
    name = unique("private")
    payload = secret_value()
    mine = engine_client.credentials.create(name=name, payload=payload, type="key")

    for call in (
        lambda: other_engine_client.credentials.retrieve(mine.id),
        lambda: other_engine_client.credentials.retrieve_by_name(name),
        lambda: other_engine_client.credentials.decrypt(mine.id),
        lambda: other_engine_client.credentials.decrypt_by_name(name),
        lambda: other_engine_client.credentials.update(mine.id, payload="stolen"),
        lambda: other_engine_client.credentials.delete(mine.id),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert mine.id not in {c.id for c in other_engine_client.credentials.list(name=name)}

    # Names are unique per account only: the other account may use the same one.
    theirs = other_engine_client.credentials.create(name=name, payload="theirs", type="key")
    assert other_engine_client.credentials.decrypt_by_name(name).result == "theirs"
    assert engine_client.credentials.decrypt_by_name(name).result == payload
    assert theirs.id != mine.id
