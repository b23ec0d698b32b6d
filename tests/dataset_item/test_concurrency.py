"""Writers racing on one dataset: every write lands, each as its own version.

Threads start together at a barrier and the client does not retry, so a lost update, a shared
version number or a deadlock shows up as a wrong count or an error, on both backends.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import TypeVar

from scale_gp_beta import ConflictError, SGPClient

from tests.dataset.factories import data_of, items_of, make_dataset, rows, values, version_of

WRITERS = 12
T = TypeVar("T")


def race(work: Callable[[int], T], writers: int = WRITERS) -> list[T]:
    """Run work(0) … work(writers - 1) in threads released at the same moment."""
    barrier = Barrier(writers)

    def start(n: int) -> T:
        barrier.wait()
        return work(n)

    with ThreadPoolExecutor(writers) as pool:
        return list(pool.map(start, range(writers)))


def test_concurrent_batches_each_add_one_version(client: SGPClient) -> None:
    client = client.with_options(max_retries=0)
    dataset = make_dataset(client, 2)

    race(
        lambda n: client.dataset_items.batch_create(
            dataset_id=dataset.id, data=rows(3, 100 * (n + 1))
        )
    )

    assert version_of(client, dataset.id) == 1 + WRITERS
    expected = [0, 1] + [100 * (n + 1) + j for n in range(WRITERS) for j in range(3)]
    assert sorted(values(items_of(client, dataset.id))) == sorted(expected)
    assert client.dataset_items.list(dataset_id=dataset.id).to_dict()["total"] == len(expected)
    before: set[int] = {0, 1}
    for version in range(2, WRITERS + 2):
        now = set(values(items_of(client, dataset.id, version=version)))
        added = now - before
        assert len(added) == 3 and len({v // 100 for v in added}) == 1, version
        before = now


def test_concurrent_updates_of_different_items_each_add_one_version(client: SGPClient) -> None:
    client = client.with_options(max_retries=0)
    dataset = make_dataset(client, WRITERS)
    items = items_of(client, dataset.id)

    race(lambda n: client.dataset_items.update(items[n].id, data={"i": n, "edited": True}))

    assert version_of(client, dataset.id) == 1 + WRITERS
    assert [data_of(i) for i in items_of(client, dataset.id)] == [
        {"i": n, "edited": True} for n in range(WRITERS)
    ]
    for version in range(1, WRITERS + 2):
        edited = [
            data_of(i).get("edited", False) for i in items_of(client, dataset.id, version=version)
        ]
        assert edited.count(True) == version - 1, version


def test_concurrent_updates_of_one_item_are_all_kept_in_its_history(client: SGPClient) -> None:
    client = client.with_options(max_retries=0)
    dataset = make_dataset(client, 1)
    item = items_of(client, dataset.id)[0]

    race(lambda n: client.dataset_items.update(item.id, data={"writer": n}))

    assert version_of(client, dataset.id) == 1 + WRITERS
    history = [
        data_of(client.dataset_items.retrieve(item.id, version=v))["writer"]
        for v in range(2, WRITERS + 2)
    ]
    assert sorted(history) == list(range(WRITERS))
    assert client.dataset_items.retrieve(item.id).data == {"writer": history[-1]}


def test_concurrent_deletes_of_one_item_make_one_version_and_conflicts(client: SGPClient) -> None:
    client = client.with_options(max_retries=0)
    dataset = make_dataset(client, 2)
    item = items_of(client, dataset.id)[0]

    def delete(n: int) -> object:
        try:
            return client.dataset_items.delete(item.id)
        except ConflictError as exc:
            return exc

    answers = race(delete)

    # Exactly one delete wins; every other one finds the item archived already (409).
    assert sum(not isinstance(a, ConflictError) for a in answers) == 1
    assert all(a.status_code == 409 for a in answers if isinstance(a, ConflictError))
    assert version_of(client, dataset.id) == 2
    assert values(items_of(client, dataset.id)) == [1]


def test_mixed_concurrent_writers(client: SGPClient) -> None:
    client = client.with_options(max_retries=0)
    dataset = make_dataset(client, WRITERS)
    items = items_of(client, dataset.id)

    def write(n: int) -> object:
        if n % 3 == 0:
            return client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(2, 100 + n))
        if n % 3 == 1:
            return client.dataset_items.update(items[n].id, data={"i": -n})
        return client.dataset_items.delete(items[n].id)

    race(write)

    assert version_of(client, dataset.id) == 1 + WRITERS
    expected = [
        value
        for n in range(WRITERS)
        for value in ([n, 100 + n, 101 + n] if n % 3 == 0 else [-n] if n % 3 == 1 else [])
    ]
    assert sorted(values(items_of(client, dataset.id))) == sorted(expected)
    assert client.dataset_items.list(dataset_id=dataset.id).to_dict()["total"] == len(expected)


def test_dataset_patches_racing_item_writes_do_not_touch_the_version(client: SGPClient) -> None:
    client = client.with_options(max_retries=0)
    dataset = make_dataset(client, 1)

    def write(n: int) -> object:
        if n % 2:
            return client.datasets.update(dataset.id, name=f"name-{n}")
        return client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(1, 100 * (n + 1)))

    race(write)

    final = client.datasets.retrieve(dataset.id)
    assert final.current_version_num == 1 + WRITERS // 2
    assert final.name in {f"name-{n}" for n in range(1, WRITERS, 2)}
    assert len(items_of(client, dataset.id)) == 1 + WRITERS // 2
