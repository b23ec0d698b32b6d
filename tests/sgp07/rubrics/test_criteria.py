"""`client.rubrics.criteria`: versioned on their own, immutable versions, newest first."""

import pytest
from scale_gp_beta import BadRequestError, ConflictError, NotFoundError, SGPClient

from tests.sgp07.helpers import assert_final_conflict, unique
from tests.sgp07.rubrics.factories import criterion_ids


def test_updates_are_new_versions_of_the_same_criterion(client: SGPClient) -> None:
    rubric = client.rubrics.create(title=unique("Versioned"))
    created = client.rubrics.criteria.create(
        rubric.id, title="Concise", annotations={"max_words": 50}, weight=2
    )
    assert (created.object, created.version, created.rubric_id) == (
        "rubric_criteria",
        1,
        rubric.id,
    )
    assert (created.title, created.annotations, created.weight) == ("Concise", {"max_words": 50}, 2)

    reweighted = client.rubrics.criteria.update(created.id, rubric_id=rubric.id, weight=3)
    assert (reweighted.id, reweighted.version) == (created.id, 2)
    assert (reweighted.title, reweighted.annotations, reweighted.weight) == (
        "Concise",
        {"max_words": 50},
        3,
    )
    retitled = client.rubrics.criteria.update(
        created.id, rubric_id=rubric.id, title="Short", annotations={"max_words": 20}
    )
    assert (retitled.version, retitled.title, retitled.annotations, retitled.weight) == (
        3,
        "Short",
        {"max_words": 20},
        3,
    )
    # `null` clears the annotations and leaves the title and the weight as they are.
    cleared = client.rubrics.criteria.update(
        created.id, rubric_id=rubric.id, extra_body={"annotations": None, "weight": None}
    )
    assert (cleared.version, cleared.annotations, cleared.weight) == (4, None, 3)

    current = client.rubrics.retrieve(rubric.id)
    assert current.criteria == [cleared] and current.version == 1

    versions = client.rubrics.criteria.list_versions(created.id, rubric_id=rubric.id)
    assert (versions.total, versions.has_more, versions.object) == (4, False, "list")
    assert [v.version for v in versions.items] == [4, 3, 2, 1]  # newest first
    assert versions.items[-1] == created  # earlier versions are kept as they were
    assert versions.items[-2] == reweighted
    assert {v.id for v in versions.items} == {created.id}


def test_versions_page_by_version_number(client: SGPClient) -> None:
    rubric = client.rubrics.create(title=unique("Pages"), criteria=[{"title": "v1"}])
    (cid,) = criterion_ids(rubric)
    for n in range(2, 6):
        client.rubrics.criteria.update(cid, rubric_id=rubric.id, title=f"v{n}")

    def page(**query: object) -> tuple[list[int], bool]:
        got = client.rubrics.criteria.list_versions(cid, rubric_id=rubric.id, **query)  # type: ignore[arg-type]
        assert got.total == 5
        return [v.version for v in got.items], got.has_more

    assert page(limit=2) == ([5, 4], True)
    assert page(limit=2, starting_after="4") == ([3, 2], True)
    assert page(limit=2, starting_after="2") == ([1], False)
    assert page(limit=2, ending_before="2") == ([4, 3], True)
    assert page(sort_order="asc", limit=3) == ([1, 2, 3], True)
    assert page(sort_order="asc", starting_after="3") == ([4, 5], False)
    assert page(sort_by="created_at", limit=1) == ([5], True)
    assert [
        v.title for v in client.rubrics.criteria.list_versions(cid, rubric_id=rubric.id).items
    ] == [
        "v5",
        "v4",
        "v3",
        "v2",
        "v1",
    ]
    for cursor in ("6", "0", "x", rubric.id):
        with pytest.raises(BadRequestError) as caught:
            page(starting_after=cursor)
        assert "unknown cursor" in str(caught.value.body)


def test_criteria_of_an_archived_rubric_cannot_change(client: SGPClient) -> None:
    rubric = client.rubrics.create(title=unique("Frozen"), criteria=[{"title": "c"}])
    (cid,) = criterion_ids(rubric)
    client.rubrics.archive(rubric.id)
    with pytest.raises(ConflictError) as adding:
        client.rubrics.criteria.create(rubric.id, title="more")
    assert_final_conflict(adding.value)
    assert "restore it" in str(adding.value.body)
    with pytest.raises(ConflictError) as changing:
        client.rubrics.criteria.update(cid, rubric_id=rubric.id, title="changed")
    assert_final_conflict(changing.value)
    # Still readable, and untouched by the archive.
    assert client.rubrics.criteria.list_versions(cid, rubric_id=rubric.id).total == 1
    client.rubrics.update(rubric.id, rubric={"restore": True})
    assert client.rubrics.criteria.create(rubric.id, title="more").version == 1


def test_a_criterion_is_reached_only_through_its_rubric(client: SGPClient) -> None:
    one = client.rubrics.create(title=unique("One"), criteria=[{"title": "of one"}])
    two = client.rubrics.create(title=unique("Two"), criteria=[{"title": "of two"}])
    (cid,) = criterion_ids(one)
    with pytest.raises(NotFoundError):
        client.rubrics.criteria.update(cid, rubric_id=two.id, title="moved")
    with pytest.raises(NotFoundError):
        client.rubrics.criteria.list_versions(cid, rubric_id=two.id)
    with pytest.raises(NotFoundError):
        client.rubrics.criteria.update(two.id, rubric_id=two.id, title="a rubric id")
    assert client.rubrics.retrieve(two.id).criteria == two.criteria
    assert client.rubrics.criteria.list_versions(cid, rubric_id=one.id).total == 1
