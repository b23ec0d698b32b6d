from typing import Any

import orjson
from pydantic import BaseModel, Field

from yardstick.dataset_item.repository import ItemRow
from yardstick.kit.responses import format_ts
from yardstick.kit.schemas import Row, Rows


class DatasetItemUpdate(BaseModel):
    data: Row = Field(description="The item's new data; replaces the old data whole")


class DatasetItemBatchCreate(BaseModel):
    dataset_id: str
    data: Rows = Field(description="One JSON object per new item, stored in this order")


class DatasetItemOut(BaseModel):
    object: str = "dataset.item"
    id: str
    dataset_id: str
    data: Any
    content_hash: str
    created_at: str
    updated_at: str
    created_by_user_id: str
    archived_at: str | None


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
        "archived_at": format_ts(item.archived_at),
    }
