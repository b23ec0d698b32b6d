"""Factory functions for the dataset and dataset-item tests.

Every dataset gets a tag unique to the test that made it, so a test can list "its" datasets with
`tags=[tag]` while other tests write to the same account on the same server.
"""

import hashlib
import json
import uuid
from typing import Any, cast

from scale_gp_beta import APIStatusError, SGPClient
from scale_gp_beta.types import Dataset, DatasetItem


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def rows(count: int, start: int = 0) -> list[dict[str, object]]:
    """Rows `{"i": start}`, `{"i": start + 1}`, …, so order and identity can be read off `i`."""
    return [{"i": i} for i in range(start, start + count)]


def make_dataset(
    client: SGPClient,
    count: int = 3,
    *,
    tag: str | None = None,
    name: str | None = None,
    data: list[dict[str, object]] | None = None,
) -> Dataset:
    return client.datasets.create(
        name=name or unique("ds"),
        data=rows(count) if data is None else data,
        tags=[tag or unique("tag")],
    )


def items_of(client: SGPClient, dataset_id: str, **params: Any) -> list[DatasetItem]:
    """Every item the auto-pager yields for one dataset."""
    return list(client.dataset_items.list(dataset_id=dataset_id, **params))


def data_of(item: DatasetItem) -> dict[str, Any]:
    return cast(dict[str, Any], item.data)


def values(items: list[DatasetItem]) -> list[int]:
    return [data_of(item)["i"] for item in items]


def version_of(client: SGPClient, dataset_id: str) -> int:
    return client.datasets.retrieve(dataset_id).current_version_num


def content_hash(data: object) -> str:
    """sha256 of canonical JSON (sorted keys, `,`/`:`, UTF-8), computed independently of the server's code."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def error_locs(error: APIStatusError) -> list[list[str | int]]:
    """The `loc` of every entry of a 422 body: which field the server blamed."""
    body = cast(dict[str, Any], error.body)
    return [entry["loc"] for entry in body["detail"]]
