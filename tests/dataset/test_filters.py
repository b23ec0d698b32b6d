import httpx
from scale_gp_beta import SGPClient

from tests.dataset.factories import make_dataset, rows, unique


def test_name_filter_is_a_case_insensitive_substring(client: SGPClient) -> None:
    name = unique("name")
    match = make_dataset(client, name=name)
    longer = make_dataset(client, name="x" + name + "-longer")
    upper = make_dataset(client, name=name.upper())
    make_dataset(client, name=unique("other"))
    literal = make_dataset(client, name=unique("100%_sure"))

    assert {d.id for d in client.datasets.list(name=name[2:-2])} == {match.id, longer.id, upper.id}
    # `%` and `_` are matched as themselves, not as LIKE wildcards.
    assert [d.id for d in client.datasets.list(name="0%_s")] == [literal.id]
    assert list(client.datasets.list(name="0%xs")) == []
    slash = make_dataset(client, name=unique("either/or_"))
    assert [d.id for d in client.datasets.list(name="r/or_")] == [slash.id]
    # Longer than SQLite lets a LIKE pattern be (50,000 bytes): no match, not a failure.
    assert list(client.datasets.list(name=name * 3000)) == []


def test_name_filter_folds_every_letter_on_both_databases(client: SGPClient) -> None:
    """SQLite's lower() folds ASCII letters only; the filter folds É, Ä and Σ as PostgreSQL's
    ILIKE does."""
    suffix = unique("")
    school = make_dataset(client, name="ÉCOLE ÄRGER ΣΟΦΙΑ" + suffix)

    for name in ("école ärger σοφια", "École äRGER σΟφια"):
        assert [d.id for d in client.datasets.list(name=name + suffix)] == [school.id]


def test_tags_filter_matches_any_of_the_tags(client: SGPClient) -> None:
    a, b, c = unique("a"), unique("b"), unique("c")
    only_a = client.datasets.create(name=unique(), data=rows(1), tags=[a])
    a_and_b = client.datasets.create(name=unique(), data=rows(1), tags=[a, b])
    only_b = client.datasets.create(name=unique(), data=rows(1), tags=[b])
    client.datasets.create(name=unique(), data=rows(1), tags=[c])

    assert [d.id for d in client.datasets.list(tags=[a])] == [a_and_b.id, only_a.id]
    assert [d.id for d in client.datasets.list(tags=[a, b])] == [only_b.id, a_and_b.id, only_a.id]


def test_tags_outside_ascii_match(client: SGPClient) -> None:
    tag = unique("タグ-é")
    dataset = make_dataset(client, tag=tag)

    assert [d.id for d in client.datasets.list(tags=[tag])] == [dataset.id]


def test_name_and_tags_filters_combine(client: SGPClient) -> None:
    tag, name = unique("tag"), unique("name")
    both = make_dataset(client, tag=tag, name=name)
    make_dataset(client, tag=tag)
    make_dataset(client, name=name)

    assert [d.id for d in client.datasets.list(tags=[tag], name=name)] == [both.id]


def test_repeated_and_bracketed_tags_mean_the_same_as_a_comma_list(
    client: SGPClient, http: httpx.Client
) -> None:
    a, b = unique("a"), unique("b")
    in_a, in_b = make_dataset(client, tag=a), make_dataset(client, tag=b)
    expected = [in_b.id, in_a.id]

    for query in ({"tags": f"{a},{b}"}, {"tags": [a, b]}, {"tags[]": [a, b]}):
        page = http.get("/v5/datasets", params=query).json()
        assert [d["id"] for d in page["items"]] == expected, query


def test_empty_tags_means_no_filter(client: SGPClient) -> None:
    name = unique("name")
    dataset = make_dataset(client, name=name)

    assert [d.id for d in client.datasets.list(name=name, tags=[])] == [dataset.id]
