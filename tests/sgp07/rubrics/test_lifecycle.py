"""Rubrics through every 0.7.0 `client.rubrics` method: versions on update and restore, soft
archive, the list (latest versions, criteria summaries, filters, paging, sorting)."""

import pytest
from scale_gp_beta import ConflictError, NotFoundError, SGPClient
from scale_gp_beta.types.rubrics import RubricCriteriaSummaryResponse

from tests.sgp07.helpers import assert_final_conflict, assert_identity, unique
from tests.sgp07.rubrics.factories import full_criteria

CRITERIA = [
    {"title": "Cites a source", "annotations": {"hint": "a link or a title"}, "weight": 2},
    {"title": "Answers the question"},
]


def test_create_with_criteria_then_retrieve(client: SGPClient) -> None:
    created = client.rubrics.create(title="Helpfulness", tags=["qa", "v1"], criteria=CRITERIA)
    assert (created.object, created.title, created.tags, created.version) == (
        "rubric",
        "Helpfulness",
        ["qa", "v1"],
        1,
    )
    assert created.archived_at is None and created.updated_at == created.created_at
    assert_identity(created, created.created_by.id)
    assert created.created_by.id  # the API key's id

    first, second = full_criteria(created)
    assert (first.title, first.annotations, first.weight, first.version) == (
        "Cites a source",
        {"hint": "a link or a title"},
        2.0,
        1,
    )
    assert (second.title, second.annotations, second.weight) == ("Answers the question", None, 1.0)
    assert first.rubric_id == second.rubric_id == created.id
    assert first.object == "rubric_criteria" and first.id != second.id

    fetched = client.rubrics.retrieve(created.id)
    assert fetched == created


def test_a_rubric_without_criteria_gets_them_later(client: SGPClient) -> None:
    empty = client.rubrics.create(title="Empty for now")
    assert empty.criteria == [] and empty.tags == []
    added = client.rubrics.criteria.create(empty.id, title="Polite", weight=0.5)
    assert client.rubrics.retrieve(empty.id).criteria == [added]
    assert client.rubrics.retrieve(empty.id).version == 1  # criteria do not move the rubric


def test_updates_write_versions_and_carry_fields_forward(client: SGPClient) -> None:
    created = client.rubrics.create(title="Tone", tags=["a"], criteria=[{"title": "Kind"}])
    renamed = client.rubrics.update(created.id, rubric={"title": "Tone of voice"})
    assert (renamed.version, renamed.title, renamed.tags) == (2, "Tone of voice", ["a"])
    assert renamed.updated_at is not None and renamed.updated_at > created.created_at
    assert renamed.created_at == created.created_at
    retagged = client.rubrics.update(created.id, rubric={"tags": ["b", "c"]})
    assert (retagged.version, retagged.title, retagged.tags) == (3, "Tone of voice", ["b", "c"])
    assert retagged.criteria == created.criteria  # untouched by rubric updates
    # `null` leaves a field as it is; an update that sends nothing is still a new version.
    same = client.rubrics.update(created.id, rubric={}, extra_body={"title": None})
    assert (same.version, same.title, same.tags) == (4, "Tone of voice", ["b", "c"])
    assert client.rubrics.retrieve(created.id) == same


def test_archive_restore_and_conflicts(client: SGPClient) -> None:
    created = client.rubrics.create(title=unique("Archived"), criteria=[{"title": "c"}])
    # Restoring a live rubric changes nothing and writes no version.
    unchanged = client.rubrics.update(created.id, rubric={"restore": True})
    assert unchanged == created

    archived = client.rubrics.archive(created.id)
    assert (archived.id, archived.deleted, archived.object) == (created.id, True, "rubric")
    kept = client.rubrics.retrieve(created.id)  # still retrievable, with its criteria
    assert kept.archived_at is not None and kept.version == 1
    assert kept.criteria == created.criteria
    assert created.id not in [r.id for r in client.rubrics.list(title=created.title)]

    with pytest.raises(ConflictError) as twice:
        client.rubrics.archive(created.id)
    assert_final_conflict(twice.value)
    with pytest.raises(ConflictError) as changed:
        client.rubrics.update(created.id, rubric={"title": "new"})
    assert_final_conflict(changed.value)
    assert "restore it" in str(changed.value.body)

    restored = client.rubrics.update(created.id, rubric={"restore": True})
    assert (restored.archived_at, restored.version, restored.title) == (None, 2, created.title)
    assert restored.criteria == created.criteria
    assert [r.id for r in client.rubrics.list(title=created.title)] == [created.id]
    assert client.rubrics.update(created.id, rubric={"title": "new"}).version == 3


def test_list_shows_latest_versions_with_criteria_summaries(client: SGPClient) -> None:
    marker = unique("Listed")
    rubric = client.rubrics.create(title=f"{marker} one", criteria=CRITERIA)
    client.rubrics.update(rubric.id, rubric={"title": f"{marker} two"})
    (listed,) = client.rubrics.list(title=marker).items
    assert (listed.id, listed.version, listed.title) == (rubric.id, 2, f"{marker} two")
    assert listed.criteria is not None
    assert all(isinstance(c, RubricCriteriaSummaryResponse) for c in listed.criteria)
    assert [(c.title, c.weight) for c in listed.criteria] == [
        ("Cites a source", 2.0),
        ("Answers the question", 1.0),
    ]
    raw = client.rubrics.with_raw_response.list(title=marker).http_response.json()
    assert raw["items"][0]["criteria"][0] == {"title": "Cites a source", "weight": 2.0}
    assert_identity(listed, rubric.created_by.id)


def test_list_filters_by_title_and_tags(client: SGPClient) -> None:
    marker = unique("Filter")
    red = client.rubrics.create(title=f"{marker} Red", tags=["red", "warm"])
    blue = client.rubrics.create(title=f"{marker} Blue", tags=["blue"])
    plain = client.rubrics.create(title=f"{marker} plain")

    def ids(**query: object) -> list[str]:
        return [r.id for r in client.rubrics.list(title=marker, **query)]  # type: ignore[arg-type]

    assert ids() == [plain.id, blue.id, red.id]  # newest first
    assert [r.id for r in client.rubrics.list(title=marker.upper())] == ids()
    assert ids(tags=["red"]) == [red.id]
    assert ids(tags=["blue", "warm"]) == [blue.id, red.id]  # any of the tags
    assert ids(tags=["none-such"]) == []
    assert [r.id for r in client.rubrics.list(title=f"{marker} b")] == [blue.id]
    assert [r.id for r in client.rubrics.list(title="%", tags=[marker])] == []  # % is literal


def test_list_pages_and_sorts(client: SGPClient) -> None:
    marker = unique("Paged")
    titles = ["delta", "alpha", "charlie", "bravo", "echo"]
    made = [client.rubrics.create(title=f"{marker} {t}") for t in titles]

    first = client.rubrics.list(title=marker, limit=2)
    assert [r.id for r in first.items] == [made[4].id, made[3].id]
    assert first.has_more and first.total == 5
    everything = [r.id for r in client.rubrics.list(title=marker, limit=2)]  # auto-paging
    assert everything == [r.id for r in reversed(made)]
    back = client.rubrics.list(title=marker, limit=2, ending_before=made[2].id)
    assert [r.id for r in back.items] == [made[4].id, made[3].id]

    by_title = client.rubrics.list(title=marker, sort_by="title", sort_order="asc", limit=3)
    assert [r.title.split()[-1] for r in by_title.items] == ["alpha", "bravo", "charlie"]
    after = client.rubrics.list(
        title=marker, sort_by="title", sort_order="asc", starting_after=by_title.items[-1].id
    )
    assert [r.title.split()[-1] for r in after.items] == ["delta", "echo"]

    client.rubrics.update(made[0].id, rubric={"tags": ["touched"]})
    by_update = client.rubrics.list(title=marker, sort_by="updated_at", limit=1)
    assert by_update.items[0].id == made[0].id
    # An unknown sort_by keeps the default order.
    assert [r.id for r in client.rubrics.list(title=marker, sort_by="nope")] == everything


def test_unknown_and_foreign_rubrics_are_404s(client: SGPClient, other_client: SGPClient) -> None:
    theirs = other_client.rubrics.create(title=unique("Theirs"), criteria=[{"title": "c"}])
    criterion = full_criteria(theirs)[0]
    for rubric_id in ("00000000-0000-7000-8000-000000000000", theirs.id):
        with pytest.raises(NotFoundError):
            client.rubrics.retrieve(rubric_id)
        with pytest.raises(NotFoundError):
            client.rubrics.update(rubric_id, rubric={"title": "x"})
        with pytest.raises(NotFoundError):
            client.rubrics.update(rubric_id, rubric={"restore": True})
        with pytest.raises(NotFoundError):
            client.rubrics.archive(rubric_id)
        with pytest.raises(NotFoundError):
            client.rubrics.criteria.create(rubric_id, title="x")
        with pytest.raises(NotFoundError):
            client.rubrics.criteria.update(criterion.id, rubric_id=rubric_id, title="x")
        with pytest.raises(NotFoundError):
            client.rubrics.criteria.list_versions(criterion.id, rubric_id=rubric_id)
    assert theirs.id not in [r.id for r in client.rubrics.list(title=theirs.title)]
    # Account B's rubric is untouched by all that.
    assert other_client.rubrics.retrieve(theirs.id) == theirs
