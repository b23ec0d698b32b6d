from typing import Any

from pydantic import BaseModel, Field, StrictBool

from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.kit.schemas import FileMap, Name, Rows, Tags
from yardstick.models import Dataset


class DatasetCreate(BaseModel):
    name: Name
    data: Rows = Field(description="The initial items; each one JSON object")
    description: str | None = None
    tags: Tags = Field(default_factory=list)
    files: list[FileMap] | None = Field(
        default=None, description="Files attached to each item: files[i] goes with data[i]"
    )


class DatasetUpdate(BaseModel):
    """Partial update, or `{"restore": true}` alone; `null` for `name` or `tags` means "leave as
    is"."""

    name: Name | None = None
    description: str | None = None
    tags: Tags | None = None
    restore: StrictBool | None = None


class DatasetOut(BaseModel):
    object: str = "dataset"
    id: str
    name: str
    description: str | None
    tags: list[str]
    current_version_num: int
    created_at: str
    created_by_user_id: str
    created_by: Identity
    archived_at: str | None


class DatasetList(ListOut[DatasetOut]):
    pass


def dataset_json(dataset: Dataset) -> dict[str, Any]:
    return {
        "object": "dataset",
        "id": dataset.id,
        "name": dataset.name,
        "description": dataset.description,
        "tags": dataset.tags,
        "current_version_num": dataset.current_version_num,
        "created_at": format_ts(dataset.created_at),
        "created_by_user_id": dataset.created_by_user_id,
        "created_by": identity_json(dataset.created_by_user_id),
        "archived_at": format_ts(dataset.archived_at),
    }
