from typing import Any

from pydantic import BaseModel, Field

from yardstick.kit.responses import format_ts
from yardstick.kit.schemas import Name, Rows, Tags
from yardstick.models import Dataset


class DatasetCreate(BaseModel):
    name: Name
    data: Rows = Field(description="The initial items; each one JSON object")
    description: str | None = None
    tags: Tags = Field(default_factory=list)


class DatasetUpdate(BaseModel):
    """Partial update; `null` for `name` or `tags` means "leave as is" (CONTRACT §1.3)."""

    name: Name | None = None
    description: str | None = None
    tags: Tags | None = None


class DatasetOut(BaseModel):
    object: str = "dataset"
    id: str
    name: str
    description: str | None
    tags: list[str]
    current_version_num: int
    created_at: str
    created_by_user_id: str
    archived_at: str | None


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
        "archived_at": format_ts(dataset.archived_at),
    }
