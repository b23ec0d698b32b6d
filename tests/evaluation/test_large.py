"""A create of tens of thousands of rows goes through the official client in one call."""

from scale_gp_beta import SGPClient

from tests.evaluation.helpers import data_of, unique

ROWS = 20_000


def test_large_create_lists_back_completely_in_order(client: SGPClient) -> None:
    data: list[dict[str, object]] = [
        {"i": i, "input": f"question {i:06d} " + "x" * 150, "expected": f"answer {i}"}
        for i in range(ROWS)
    ]

    evaluation = client.evaluations.create(name=unique(), data=data)

    page = client.evaluation_items.list(evaluation_id=evaluation.id, limit=1000)
    assert page.to_dict()["total"] == ROWS
    items = list(page)
    assert len(items) == ROWS
    assert [data_of(item) for item in items] == data
    assert len({item.id for item in items}) == ROWS
