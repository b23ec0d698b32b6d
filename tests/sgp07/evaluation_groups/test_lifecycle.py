"""`client.evaluation_groups` (0.7.0): its seven methods, parsed into the client's own types."""

from datetime import datetime

from scale_gp_beta import SGPClient
from scale_gp_beta.types import EvaluationGroup

from tests.sgp07.evaluation_groups.factories import make_evaluation, member_ids, row_identifiers
from tests.sgp07.helpers import unique


def test_create_and_retrieve(client: SGPClient) -> None:
    first = make_evaluation(client, tags=["gold"])
    second = make_evaluation(client)
    name = unique("group")

    group = client.evaluation_groups.create(
        evaluation_ids=[first.id, second.id],
        name=name,
        description="gold against the rest",
        metadata={"team": "evals"},
        row_identifiers={first.id: "input", second.id: "input"},
        tags=["weekly"],
    )

    assert isinstance(group, EvaluationGroup) and group.object == "evaluation_group"
    assert (group.name, group.description, group.tags) == (
        name,
        "gold against the rest",
        ["weekly"],
    )
    assert group.account_id == "acct-a" and group.metadata == {"team": "evals"}
    assert isinstance(group.created_at, datetime) and group.deleted_at is None
    assert member_ids(group) == [first.id, second.id]
    assert group.members is not None
    member = group.members[0]
    assert member.object == "evaluation_group.member"
    assert (member.evaluation_name, member.evaluation_tags) == (first.name, ["gold"])
    assert member.evaluation_created_at == first.created_at
    assert row_identifiers(group) == {first.id: "input", second.id: "input"}
    assert group.row_identifiers is not None
    assert group.row_identifiers[0].object == "evaluation_group.row_identifier"

    read = client.evaluation_groups.retrieve(group.id)
    assert read.members == group.members and read.row_identifiers is None
    with_rows = client.evaluation_groups.retrieve(group.id, views=["row_identifiers"])
    assert with_rows == group


def test_list_filters_views_and_paging(client: SGPClient) -> None:
    tag = unique("tag")
    evaluation = make_evaluation(client)
    other = make_evaluation(client)
    made = [
        client.evaluation_groups.create(
            evaluation_ids=[evaluation.id], name=f"{tag} {i}", tags=[tag, f"n{i % 2}"]
        )
        for i in range(4)
    ]
    odd = client.evaluation_groups.create(
        evaluation_ids=[other.id], name=f"{tag} odd", tags=[tag, "n1"]
    )

    page = client.evaluation_groups.list(tags=[tag], limit=2)
    assert [g.id for g in page.items] == [odd.id, made[3].id] and page.has_more
    assert all(g.members is None and g.row_identifiers is None for g in page.items)
    # The auto-pager walks every page once, newest first.
    everything = [g.id for g in client.evaluation_groups.list(tags=[tag], limit=2)]
    assert everything == [odd.id, *[g.id for g in reversed(made)]]

    both_tags = client.evaluation_groups.list(tags=[tag, "n1"])
    assert [g.id for g in both_tags.items] == [odd.id, made[3].id, made[1].id]
    by_member = client.evaluation_groups.list(tags=[tag], evaluation_id=other.id)
    assert [g.id for g in by_member.items] == [odd.id]
    by_name = client.evaluation_groups.list(name=f"{tag.upper()} OD")
    assert [g.id for g in by_name.items] == [odd.id]
    sorted_by_name = client.evaluation_groups.list(tags=[tag], sort_by="name", sort_order="asc")
    assert [g.name for g in sorted_by_name.items] == sorted(g.name for g in [*made, odd])

    viewed = client.evaluation_groups.list(
        tags=[tag], evaluation_id=other.id, views=["members", "row_identifiers"]
    )
    (group,) = viewed.items
    assert member_ids(group) == [other.id] and group.row_identifiers == []
    assert group.members is not None and group.members[0].evaluation_name == other.name


def test_update_replace_archive_and_include_deleted(client: SGPClient) -> None:
    first, second, third = (make_evaluation(client) for _ in range(3))
    group = client.evaluation_groups.create(
        evaluation_ids=[first.id, second.id],
        name=unique("group"),
        metadata={"a": 1, "b": 2},
        tags=["x"],
    )

    updated = client.evaluation_groups.update(
        group.id, metadata={"b": 3, "c": 4}, row_identifiers={second.id: "n"}
    )
    assert updated.metadata == {"a": 1, "b": 3, "c": 4}  # merged
    assert (updated.name, updated.tags) == (group.name, ["x"])
    assert row_identifiers(updated) == {second.id: "n"}

    replaced = client.evaluation_groups.replace(
        group.id,
        name="replaced",
        evaluation_ids=[third.id, second.id],
        metadata={"z": 0},
        row_identifiers={second.id: "input"},
    )
    assert (replaced.name, replaced.description, replaced.tags) == ("replaced", None, [])
    assert replaced.metadata == {"z": 0}  # replaced whole
    assert member_ids(replaced) == [second.id, third.id]
    assert group.members is not None and replaced.members is not None
    assert replaced.members[0].id == group.members[1].id  # a kept member keeps its id
    assert row_identifiers(replaced) == {second.id: "input"}

    archived = client.evaluation_groups.archive(group.id)
    assert archived.deleted_at is not None and archived.members is not None
    assert {m.deleted_at for m in archived.members} == {archived.deleted_at}
    assert client.evaluations.retrieve(second.id).archived_at is None
    found = client.evaluation_groups.retrieve(group.id, include_deleted=True)
    assert found.deleted_at == archived.deleted_at and member_ids(found) == [second.id, third.id]
    listed = client.evaluation_groups.list(evaluation_id=second.id, include_deleted=True)
    assert group.id not in [g.id for g in listed.items]


def test_retrieve_schema(client: SGPClient) -> None:
    evaluation = make_evaluation(client)
    group = client.evaluation_groups.create(evaluation_ids=[evaluation.id], name=unique("g"))

    schema = client.evaluation_groups.retrieve_schema(group.id)

    assert schema.object == "evaluation_group_schema"
    assert schema.evaluation_group_id == group.id
    (entry,) = schema.evaluation_schemas
    assert entry == client.evaluations.retrieve_schema(evaluation.id)
    assert [(f.field_name, f.data_type, f.item_count) for f in entry.fields] == [
        ("input", "string", 2),
        ("n", "number", 1),
    ]
    assert client.evaluation_groups.retrieve_schema(group.id, include_archived=True) == schema

    client.evaluations.archive(evaluation.id)  # it leaves the group
    assert client.evaluation_groups.retrieve_schema(group.id).evaluation_schemas == []
    assert client.evaluation_groups.retrieve(group.id).members == []
