from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field

from yardstick.dataset_item.repository import ItemRow
from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.kit.schemas import FileMap, Row, Rows


class DatasetItemUpdate(BaseModel):
    data: Row = Field(description="The item's new data; replaces the old data whole")
    files: FileMap | None = Field(
        default=None, description="{column: file id}; replaces the item's files when given"
    )


class DatasetItemBatchCreate(BaseModel):
    dataset_id: str
    data: Rows = Field(description="One JSON object per new item, stored in this order")
    files: list[FileMap] | None = Field(
        default=None, description="Files attached to each new item: files[i] goes with data[i]"
    )


class DatasetItemOut(BaseModel):
    object: str = "dataset.item"
    id: str
    dataset_id: str
    data: Any
    content_hash: str
    created_at: str
    updated_at: str
    created_by_user_id: str
    created_by: Identity
    archived_at: str | None
    files: dict[str, str]


class DatasetItemList(ListOut[DatasetItemOut]):
    pass


class DatasetItemBatchOut(BaseModel):
    """The new items, in input order."""

    object: Literal["list"]
    items: list[DatasetItemOut]


def item_json(item: ItemRow) -> dict[str, Any]:
    return {
        "object": "dataset.item",
        "id": item.item_id,
        "dataset_id": item.dataset_id,
        # Stored as JSON text already: splice it in rather than parse and re-serialize.
        "data": orjson.Fragment(item.data),
        "content_hash": item.content_hash,
        "created_at": format_ts(item.created_at),
        "updated_at": format_ts(item.updated_at),
        "created_by_user_id": item.created_by_user_id,
        "created_by": identity_json(item.created_by_user_id),
        "archived_at": format_ts(item.archived_at),
        "files": item.files or {},
    }
