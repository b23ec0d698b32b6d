from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from yardstick.dataset.schemas import DatasetOut, dataset_json
from yardstick.kit.responses import format_ts
from yardstick.kit.schemas import Name, Row, Tags
from yardstick.models import Dataset, Evaluation
from yardstick.task.spec import TaskIn


class NewDataset(BaseModel):
    name: Name
    description: str | None = None
    tags: Tags = Field(default_factory=list)
    keys: list[str] | None = Field(default=None, description="Row keys kept in the new dataset")


class EvaluationCreate(BaseModel):
    """One body for the three create shapes of CONTRACT §3.1, told apart by the service."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    description: str | None = None
    tags: Tags = Field(default_factory=list)
    data: list[Row] | None = None
    dataset_id: str | None = None
    dataset: NewDataset | None = None
    tasks: list[TaskIn] = Field(default_factory=list)


class EvaluationUpdate(BaseModel):
    """Partial update; `null` for `name` or `tags` means "leave as is"."""

    name: Name | None = None
    description: str | None = None
    tags: Tags | None = None


class EvaluationOut(BaseModel):
    object: str = "evaluation"
    id: str
    name: str
    description: str | None
    tags: list[str]
    status: str
    status_reason: str | None
    datasets: list[DatasetOut]
    tasks: list[dict[str, Any]] | None = None
    created_at: str
    created_by_user_id: str
    archived_at: str | None


def evaluation_json(
    evaluation: Evaluation,
    datasets: list[Dataset],
    *,
    with_tasks: bool,
    progress: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Evaluation, plus the forward-compatible extras `progress`, `error_count`, `usage`."""
    body: dict[str, Any] = {
        "object": "evaluation",
        "id": evaluation.id,
        "name": evaluation.name,
        "description": evaluation.description,
        "tags": evaluation.tags,
        "status": evaluation.status,
        "status_reason": evaluation.status_reason,
        "datasets": [dataset_json(dataset) for dataset in datasets],
        "created_at": format_ts(evaluation.created_at),
        "created_by_user_id": evaluation.created_by_user_id,
        "archived_at": format_ts(evaluation.archived_at),
    }
    if with_tasks:
        body["tasks"] = evaluation.tasks
    if progress is not None:
        body.update(progress)
    return body
