from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from yardstick.dataset.schemas import DatasetOut, dataset_json
from yardstick.kit.responses import format_ts, identity_json
from yardstick.kit.schemas import FileMap, Name, Row, Tags
from yardstick.models import Dataset, Evaluation
from yardstick.task.spec import TaskIn

# Yardstick's spending limit in USD: the run stops, as a cancel does, once its cells cost this.
Budget = Annotated[
    float | None,
    Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Stop the run once its cells cost this many USD",
    ),
]


class NewDataset(BaseModel):
    name: Name
    description: str | None = None
    tags: Tags = Field(default_factory=list)
    keys: list[str] | None = Field(default=None, description="Row keys kept in the new dataset")


class EvaluationCreate(BaseModel):
    """One body for the three create shapes (rows in the body, from a dataset, rows that also become a dataset), told apart by the service."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    description: str | None = None
    tags: Tags = Field(default_factory=list)
    data: list[Row] | None = None
    dataset_id: str | None = None
    dataset: NewDataset | None = None
    tasks: list[TaskIn] = Field(default_factory=list)
    metadata: dict[str, Any] | None = None
    files: list[FileMap] | None = Field(
        default=None, description="Files attached to each row: files[i] goes with data[i]"
    )
    skip_prefilled_rows: bool = Field(
        default=False, description="Queue no human annotation for rows a contributor task prefilled"
    )
    taxonomy_params: dict[str, Any] | None = Field(
        default=None, description="The taxonomy document of the contributor tasks, kept verbatim"
    )
    max_cost_usd: Budget = None
    dry_run: bool = Field(
        default=False,
        description="Create nothing: answer how many model calls, tokens and USD the run would take",
    )


class EvaluationUpdate(BaseModel):
    """Partial update, or `{"restore": true}` alone; `null` for `name` or `tags` means "leave as
    is", and `metadata` is an RFC 7396 merge patch (a `null` value deletes its key)."""

    name: Name | None = None
    description: str | None = None
    tags: Tags | None = None
    metadata: dict[str, Any] | None = None
    restore: bool | None = None


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
    created_by: dict[str, str]
    archived_at: str | None
    metadata: dict[str, Any]
    max_cost_usd: float | None = None


def evaluation_json(
    evaluation: Evaluation,
    datasets: list[Dataset],
    *,
    with_tasks: bool,
    progress: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Evaluation with `progress` and `error_count`, plus the extra `usage` (tokens)."""
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
        "created_by": identity_json(evaluation.created_by_user_id),
        "archived_at": format_ts(evaluation.archived_at),
        "metadata": evaluation.metadata_ or {},
        # Yardstick's spending limit (null: none); what was spent is `usage.cost_usd`.
        "max_cost_usd": evaluation.max_cost_usd,
    }
    if with_tasks:
        body["tasks"] = evaluation.tasks
    if progress is not None:
        body.update(progress)
    return body
