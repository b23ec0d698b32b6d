"""Listing with filters, hard delete, and isolation between accounts."""

import pytest
from scale_gp_beta import NotFoundError, SGPClient, UnprocessableEntityError

from tests.inference_model.helpers import make_launch, make_llmengine, unique


def test_list_filters_by_vendor_and_name(client: SGPClient) -> None:
    name = unique()
    launch, llm = make_launch(client, name), make_llmengine(client, name)
    other = make_llmengine(client)
    assert [m.id for m in client.models.list(name=name)] == [llm.id, launch.id]
    assert [m.id for m in client.models.list(name=name, model_vendor="launch")] == [launch.id]
    assert [m.id for m in client.models.list(name=name, model_vendor="llmengine")] == [llm.id]
    assert client.models.list(name=name, model_vendor="openai").items == []
    vendors = {m.vendor for m in client.models.list(model_vendor="llmengine")}
    assert vendors == {"llmengine"}
    assert other.id in [m.id for m in client.models.list(model_vendor="llmengine")]


def test_list_is_newest_first_and_pages(client: SGPClient) -> None:
    ids = [make_launch(client).id for _ in range(3)]
    page = client.models.list(limit=2)
    assert [m.id for m in page.items] == [ids[2], ids[1]]
    assert page.has_more is True
    assert page.total >= 3
    ascending = client.models.list(starting_after=ids[0], sort_order="asc", limit=10)
    assert [m.id for m in ascending.items] == ids[1:]


def test_unknown_vendor_filter_is_422(client: SGPClient) -> None:
    with pytest.raises(UnprocessableEntityError):
        client.get("/v5/models", options={"params": {"model_vendor": "nope"}}, cast_to=object)


def test_delete_is_hard(client: SGPClient) -> None:
    model = make_llmengine(client)
    deleted = client.models.delete(model.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (model.id, True, "model")
    with pytest.raises(NotFoundError):
        client.models.retrieve(model.id)
    with pytest.raises(NotFoundError):
        client.models.delete(model.id)
    assert client.models.list(name=model.name).items == []
    # the name is free again
    assert make_llmengine(client, model.name).id != model.id


def test_another_accounts_models_are_invisible(client: SGPClient, other_client: SGPClient) -> None:
    mine = make_launch(client)
    with pytest.raises(NotFoundError):
        other_client.models.retrieve(mine.id)
    with pytest.raises(NotFoundError):
        other_client.models.update(mine.id, model_metadata={"stolen": True})
    with pytest.raises(NotFoundError):
        other_client.models.update(mine.id, name=unique())
    with pytest.raises(NotFoundError):
        other_client.models.delete(mine.id)
    assert other_client.models.list(name=mine.name).items == []
    # the same name is free in the other account, and a swap cannot reach across accounts
    theirs = make_launch(other_client)
    other_client.models.update(theirs.id, name=mine.name, on_conflict="swap")
    assert client.models.retrieve(mine.id).name == mine.name
    assert client.models.retrieve(mine.id).metadata == {}
