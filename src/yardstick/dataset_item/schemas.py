from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field

from yardstick.dataset_item.repository import ItemRow, NewItems
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


def batch_json(new: NewItems) -> bytes:
    """`{"object": "list", "items": [item_json(…) …]}` for a new batch, byte for byte as orjson
    renders it, assembled from the stored texts and the values the batch shares (1,000 items:
    0.7 ms, where a dict per item rendered by orjson took 1.6 ms)."""
    created = orjson.dumps(format_ts(new.now))
    head = b',{"object":"dataset.item","id":"'
    after_id = b'","dataset_id":' + orjson.dumps(new.dataset_id) + b',"data":'
    after_data = b',"content_hash":"'
    after_hash = b"".join(
        [
            b'","created_at":',
            created,
            b',"updated_at":',
            created,
            b',"created_by_user_id":',
            orjson.dumps(new.user_id),
            b',"created_by":',
            orjson.dumps(identity_json(new.user_id)),
            b',"archived_at":null,"files":',
        ]
    )
    parts: list[bytes] = []
    for item_id, text, content_hash, files in zip(
        new.ids, new.texts, new.hashes, new.files, strict=True
    ):
        # Ids and hashes are hex digits and dashes: nothing in them needs escaping.
        parts += (
            head,
            item_id.encode(),
            after_id,
            text,
            after_data,
            content_hash.encode(),
            after_hash,
            b"{}}" if files is None else orjson.dumps(files) + b"}",
        )
    if parts:
        parts[0] = head[1:]  # no comma before the first item
    return b'{"object":"list","items":[' + b"".join(parts) + b"]}"
