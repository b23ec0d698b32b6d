"""One call per dataset and dataset-item endpoint, to run under the wrong credentials."""

from collections.abc import Callable

from scale_gp_beta import SGPClient

Call = Callable[[SGPClient, str, str], object]

# Each call takes (client, dataset id, item id) and names a dataset or item it may not touch.
ON_IDS: dict[str, Call] = {
    "datasets.retrieve": lambda c, d, i: c.datasets.retrieve(d),
    "datasets.retrieve archived": lambda c, d, i: c.datasets.retrieve(d, include_archived=True),
    "datasets.update": lambda c, d, i: c.datasets.update(d, name="stolen"),
    "datasets.delete": lambda c, d, i: c.datasets.delete(d),
    "dataset_items.list": lambda c, d, i: c.dataset_items.list(dataset_id=d),
    "dataset_items.list version": lambda c, d, i: c.dataset_items.list(dataset_id=d, version=1),
    "dataset_items.batch_create": lambda c, d, i: c.dataset_items.batch_create(
        dataset_id=d, data=[{"planted": True}]
    ),
    "dataset_items.retrieve": lambda c, d, i: c.dataset_items.retrieve(i),
    "dataset_items.retrieve version": lambda c, d, i: c.dataset_items.retrieve(i, version=1),
    "dataset_items.update": lambda c, d, i: c.dataset_items.update(i, data={"stolen": True}),
    "dataset_items.delete": lambda c, d, i: c.dataset_items.delete(i),
}

EVERY: dict[str, Call] = {
    **ON_IDS,
    "datasets.create": lambda c, d, i: c.datasets.create(name="x", data=[{"i": 0}]),
    "datasets.list": lambda c, d, i: c.datasets.list(),
    "dataset_items.list all": lambda c, d, i: c.dataset_items.list(),
}
