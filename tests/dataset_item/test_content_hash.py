"""`content_hash` is sha256 of canonical JSON: sorted keys, `,`/`:`, UTF-8."""

import pytest
from scale_gp_beta import SGPClient

from tests.dataset.factories import content_hash, items_of, make_dataset

SAMPLES: list[dict[str, object]] = [
    {},
    {"b": 1, "a": {"d": [3, {"z": 0, "y": None}], "c": True}},
    {"text": "héllo 日本 😀", "é": 1, "e": 2, "Z": 3},
    {"escapes": 'quote " backslash \\ slash / newline \n tab \t bell \u0007 del \u007f ls \u2028'},
    {"floats": [0.1, 1.5, -0.0, 1e-07, 2.5e-05, 1e16, 1e20, 1.7976931348623157e308, 5e-324]},
    {"ints": [0, -1, 9007199254740993, -9223372036854775808, 18446744073709551615]},
    {"nested": [[[[["deep"]]]]], "empty": {"list": [], "obj": {}, "str": ""}},
]


@pytest.mark.parametrize("data", SAMPLES)
def test_data_round_trips_and_hashes_canonically(
    client: SGPClient, data: dict[str, object]
) -> None:
    dataset = make_dataset(client, data=[data])
    created = items_of(client, dataset.id)[0]
    added = client.dataset_items.batch_create(dataset_id=dataset.id, data=[data]).items[0]
    updated = client.dataset_items.update(added.id, data={"x": 1})
    updated = client.dataset_items.update(added.id, data=data)

    for item in (created, added, updated, client.dataset_items.retrieve(added.id)):
        assert item.data == data
        assert item.content_hash == content_hash(data)


def test_key_order_does_not_change_the_hash(client: SGPClient) -> None:
    dataset = make_dataset(
        client, data=[{"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"d": 3, "c": 2}, "a": 1}]
    )

    first, second = items_of(client, dataset.id)

    assert (
        first.content_hash == second.content_hash == content_hash({"a": 1, "b": {"c": 2, "d": 3}})
    )
