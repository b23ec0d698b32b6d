"""Evaluations created from a dataset while items are added to it each pin one whole version."""

from concurrent.futures import Future, ThreadPoolExecutor

from scale_gp_beta import SGPClient

from tests.conftest import make_client
from tests.dataset.factories import values
from tests.evaluation.helpers import data_of, items_of, make_dataset, rows, unique
from tests.fixtures.server import Server

CREATORS = 6
CREATES_EACH = 6
BATCHES = 30
BATCH_SIZE = 20
START = 5


def test_each_evaluation_has_exactly_the_items_of_the_version_it_pinned(
    server: Server, client: SGPClient
) -> None:
    dataset = make_dataset(client, START)

    def write() -> None:
        writer = make_client(server)
        for batch in range(BATCHES):
            start = START + batch * BATCH_SIZE
            writer.dataset_items.batch_create(dataset_id=dataset.id, data=rows(BATCH_SIZE, start))

    def create() -> list[str]:
        creator = make_client(server)
        return [
            creator.evaluations.create(name=unique(), dataset_id=dataset.id).id
            for _ in range(CREATES_EACH)
        ]

    with ThreadPoolExecutor(CREATORS + 1) as pool:
        writing: Future[None] = pool.submit(write)
        creating = [pool.submit(create) for _ in range(CREATORS)]
        writing.result()  # re-raises what went wrong in the thread
        evaluation_ids = [evaluation_id for future in creating for evaluation_id in future.result()]

    assert len(evaluation_ids) == CREATORS * CREATES_EACH
    for evaluation_id in evaluation_ids:
        items = items_of(client, evaluation_id, limit=1000)
        versions = {item.dataset_item_version_num for item in items}
        assert len(versions) == 1
        version = versions.pop()
        assert version is not None
        # Version v holds the initial rows plus v - 1 whole batches, in order.
        expected = list(range(START + (version - 1) * BATCH_SIZE))
        assert [data_of(item)["i"] for item in items] == expected
        snapshot = client.dataset_items.list(dataset_id=dataset.id, version=version, limit=1000)
        assert values(list(snapshot)) == expected
