from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from yardstick.dataset.schemas import DatasetOut, dataset_json
from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.kit.schemas import FileMap, Name, Row, Tags
from yardstick.models import Dataset, Evaluation
from yardstick.task.spec import TaskIn

# Yardstick's spending limit in USD: the run stops, as a cancel does, once its cells cost this.
MAX_REPEATS = 20
# Strict, as `repeats` and `dry_run`: true read as 1.0 and "123" as 123.0.
Budget = Annotated[
    StrictFloat | None,
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
    skip_prefilled_rows: StrictBool = Field(
        default=False, description="Queue no human annotation for rows a contributor task prefilled"
    )
    taxonomy_params: dict[str, Any] | None = Field(
        default=None, description="The taxonomy document of the contributor tasks, kept verbatim"
    )
    max_cost_usd: Budget = None
    repeats: StrictInt = Field(
        default=1,
        ge=1,
        le=MAX_REPEATS,
        description="Yardstick: run every row this many times (k items per row), to measure "
        "how consistent the results are (summary `consistency`; comparisons use each row's mean)",
    )
    dry_run: StrictBool = Field(
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
    restore: StrictBool | None = None


class FailedItem(BaseModel):
    item_id: str
    error: str | None = Field(description="The item's first error message")
    error_type: str | None


class ItemProgress(BaseModel):
    total: int
    successful: int = Field(description="Items whose every task completed (or was skipped)")
    failed: int = Field(description="Items with a task error")
    pending: int
    failed_items: list[FailedItem] = Field(description="The first failed items, in row order")


class WorkflowProgress(BaseModel):
    total: int = Field(description="1 when the evaluation has a run (tasks that call out), else 0")
    completed: int
    failed: int
    pending: int


class EvaluationProgress(BaseModel):
    items: ItemProgress
    workflows: WorkflowProgress


class EvaluationUsage(BaseModel):
    """Tokens and cost of the evaluation's cells so far (cells of unpriced models cost 0)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float


class EvaluationOut(BaseModel):
    object: str = "evaluation"
    id: str
    name: str
    description: str | None
    tags: list[str]
    status: str
    status_reason: str | None
    datasets: list[DatasetOut]
    tasks: list[dict[str, Any]] | None = Field(
        default=None, description="Present with `views=tasks` (and on create and run changes)"
    )
    created_at: str
    created_by_user_id: str
    created_by: Identity
    archived_at: str | None
    metadata: dict[str, Any]
    repeats: int = Field(description="Yardstick: how many times each row runs")
    max_cost_usd: float | None = Field(description="The run's budget in USD (null: none)")
    progress: EvaluationProgress
    error_count: int = Field(description="Errored cells")
    usage: EvaluationUsage


class ArchivedEvaluationOut(EvaluationOut):
    """The archived evaluation (what the 0.7.0 client reads) plus `deleted` (what a29 reads)."""

    deleted: Literal[True]


class EvaluationList(ListOut[EvaluationOut]):
    pass


class PriceOut(BaseModel):
    input_per_million: float
    output_per_million: float


class TaskEstimateOut(BaseModel):
    alias: str
    task_type: str
    model: str
    model_calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = Field(description="null when the model has no price")
    price: PriceOut | None


class EvaluationDryRunOut(BaseModel):
    """What `dry_run: true` answers: the estimated calls, tokens and cost of the run."""

    object: Literal["evaluation.dry_run"]
    dry_run: Literal[True]
    items: int
    model_calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float = Field(description="The priced tasks' cost")
    unpriced_aliases: list[str] = Field(description="Tasks whose calls are not in `cost_usd`")
    tasks: list[TaskEstimateOut]


class DistributionOut(BaseModel):
    count: int
    mean: float
    std: float | None
    min: float
    p50: float
    p90: float
    max: float
    ci95: list[float] | None = Field(description="The mean's 95% confidence interval, [low, high]")


class CategoryOut(BaseModel):
    value: str | bool
    count: int
    share: float


class OtherCategoriesOut(BaseModel):
    count: int
    share: float


class CategoriesOut(BaseModel):
    count: int
    distinct: int
    values: list[CategoryOut] = Field(description="The most frequent values, most first")
    other: OtherCategoriesOut = Field(description="The cells whose value is not in `values`")


class LatencyOut(BaseModel):
    count: int
    p50: float
    p90: float
    p99: float


class SummaryUsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float | None = Field(description="null when no cell had a priced model")


class ConsistencyOut(BaseModel):
    """With `repeats` > 1: over the rows with a result in every repeat."""

    repeats: int
    rows: int
    changed_share: float | None = Field(description="Rows whose result differed between repeats")
    pass_all: float | None = Field(description="Binary aliases: rows passing every repeat")
    pass_rate: float | None = Field(description="Binary aliases: passing cells of those rows")


class AliasSummaryOut(BaseModel):
    task_type: str | None
    cells: dict[str, int] = Field(description="Cells by status")
    errors: dict[str, int] = Field(description="Errored cells by error type")
    numeric: DistributionOut | None
    categorical: CategoriesOut | None
    latency_ms: LatencyOut | None
    usage: SummaryUsageOut
    consistency: ConsistencyOut | None = Field(description="With `repeats` > 1, else null")


class EvaluationSummaryOut(BaseModel):
    object: Literal["evaluation_summary"]
    evaluation_id: str
    items: int
    aliases: dict[str, AliasSummaryOut] = Field(description="Per task alias")
    usage: SummaryUsageOut


class FieldSchemaOut(BaseModel):
    object: Literal["field_schema"]
    field_name: str
    data_type: str
    source: Literal["data", "task_result_cache"]
    item_count: int


class EvaluationSchemaOut(BaseModel):
    object: Literal["evaluation_schema"]
    evaluation_id: str
    fields: list[FieldSchemaOut]
    total_items: int
    is_sampled: bool
    sample_size: int | None


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
        # Yardstick: how many times each row runs (progress counts every repeat).
        "repeats": evaluation.repeats,
    }
    if with_tasks:
        body["tasks"] = evaluation.tasks
    if progress is not None:
        body.update(progress)
    return body
