"""Evaluation dashboard bodies and the rendered dashboard, widget and widget result."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from yardstick.evaluation_dashboard.query import MetricQuery, SeriesQuery
from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.kit.schemas import Tags
from yardstick.models import (
    EvaluationDashboard,
    EvaluationDashboardWidget,
    EvaluationDashboardWidgetResult,
)

WidgetType = Literal[
    "bar", "histogram", "donut", "scatter", "metric", "table", "markdown", "heading", "timeseries"
]
DashboardName = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=512)]
MAX_WIDGETS = 1000
WidgetOrder = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=64)]],
    Field(max_length=MAX_WIDGETS),
]
QueryIn = SeriesQuery | MetricQuery


class DashboardCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: DashboardName
    description: str | None = None
    evaluation_id: str | None = Field(default=None, description="XOR evaluation_group_id")
    evaluation_group_id: str | None = Field(default=None, description="XOR evaluation_id")
    tags: Tags = Field(default_factory=list)
    template_dashboard_id: str | None = Field(
        default=None,
        description="A dashboard whose widget_order to copy; each widget is computed for the "
        "new dashboard before the answer",
    )
    widget_order: WidgetOrder | None = Field(
        default=None, description="Existing widget ids, no repeats; computed before the answer"
    )


def _target_is_fixed(value: Any) -> Any:
    raise ValueError("a dashboard's evaluation or group cannot be changed")


class DashboardUpdate(BaseModel):
    """Only the fields sent change; `null` leaves `name`, `tags` and `widget_order` as they are
    and clears `description`."""

    model_config = ConfigDict(extra="ignore")

    name: DashboardName | None = None
    description: str | None = None
    tags: Tags | None = None
    widget_order: WidgetOrder | None = None
    # Declared only to refuse them by name rather than ignore them.
    evaluation_id: Annotated[Any, AfterValidator(_target_is_fixed)] = Field(
        default=None, description="Not changeable"
    )
    evaluation_group_id: Annotated[Any, AfterValidator(_target_is_fixed)] = Field(
        default=None, description="Not changeable"
    )


class WidgetCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: Title
    type: WidgetType
    config: dict[str, Any] | None = None
    query: QueryIn | None = Field(
        default=None,
        description="A MetricQuery for `metric` widgets, a SeriesQuery for the other charts; "
        "not read for `markdown` and `heading`",
    )


class WidgetUpdate(BaseModel):
    """Only the fields sent change; a `null` query or config clears it."""

    model_config = ConfigDict(extra="ignore")

    title: Title | None = None
    config: dict[str, Any] | None = None
    query: QueryIn | None = None


# --- answers -------------------------------------------------------------------------------


class WidgetOut(BaseModel):
    object: Literal["evaluation_dashboard_widget"]
    id: str
    account_id: str
    title: str
    type: WidgetType
    config: dict[str, Any] | None
    query: dict[str, Any] | None = Field(
        description="The query as sent (SeriesQuery or MetricQuery)"
    )
    created_at: str
    archived_at: str | None


class WidgetResultOut(BaseModel):
    object: Literal["evaluation_dashboard_widget_result"]
    id: str
    account_id: str
    widget_id: str
    evaluation_id: str | None
    evaluation_group_id: str | None
    computation_status: Literal["pending", "completed", "failed"]
    computation_job_id: str | None = Field(description="Always null: computed synchronously")
    computed_at: str | None
    computed_result: dict[str, Any] | None = Field(
        description='`{"type": "metric", "data": value}` or `{"type": "series", "data": [rows]}`'
    )
    error_message: str | None
    created_at: str


class ResultSummaryOut(BaseModel):
    id: str
    widget_id: str
    computation_status: Literal["pending", "completed", "failed"]
    computed_at: str | None
    computed_result: dict[str, Any] | None
    error_message: str | None


class WidgetWithResultOut(BaseModel):
    object: Literal["evaluation_widget"]
    id: str
    account_id: str
    title: str
    type: WidgetType
    config: dict[str, Any] | None
    query: dict[str, Any] | None
    created_at: str
    result: ResultSummaryOut | None = Field(description="null for markdown and heading")


class EvaluationDashboardOut(BaseModel):
    object: Literal["evaluation_dashboard"]
    id: str
    account_id: str
    name: str
    description: str | None
    tags: list[str]
    evaluation_id: str | None
    evaluation_group_id: str | None
    widget_order: list[str]
    error_message: str | None
    created_by: Identity
    created_at: str
    updated_at: str
    archived_at: str | None
    widgets: list[WidgetOut] | None = Field(default=None, description="With `views=widgets`")
    widget_results: list[WidgetResultOut] | None = Field(
        default=None, description="With `views=widget_results`"
    )


class EvaluationDashboardList(ListOut[EvaluationDashboardOut]):
    pass


@dataclass(frozen=True)
class DashboardView:
    """A dashboard with what its answer shows: widgets and results, or None to omit them."""

    dashboard: EvaluationDashboard
    widgets: list[EvaluationDashboardWidget] | None = None
    results: list[EvaluationDashboardWidgetResult] | None = None


def dashboard_json(view: DashboardView) -> dict[str, Any]:
    d = view.dashboard
    body: dict[str, Any] = {
        "object": "evaluation_dashboard",
        "id": d.id,
        "account_id": d.account_id,
        "name": d.name,
        "description": d.description,
        "tags": d.tags,
        "evaluation_id": d.evaluation_id,
        "evaluation_group_id": d.evaluation_group_id,
        "widget_order": d.widget_order,
        "error_message": None,
        "created_by": identity_json(d.created_by_user_id),
        "created_at": format_ts(d.created_at),
        "updated_at": format_ts(d.updated_at),
        "archived_at": format_ts(d.archived_at),
    }
    if view.widgets is not None:
        body["widgets"] = [widget_json(w) for w in view.widgets]
    if view.results is not None:
        body["widget_results"] = [result_json(r) for r in view.results]
    return body


def widget_json(widget: EvaluationDashboardWidget) -> dict[str, Any]:
    return {
        "object": "evaluation_dashboard_widget",
        "id": widget.id,
        "account_id": widget.account_id,
        "title": widget.title,
        "type": widget.type,
        "config": widget.config,
        "query": widget.query,
        "created_at": format_ts(widget.created_at),
        "archived_at": format_ts(widget.archived_at),
    }


def result_json(result: EvaluationDashboardWidgetResult) -> dict[str, Any]:
    return {
        "object": "evaluation_dashboard_widget_result",
        "id": result.id,
        "account_id": result.account_id,
        "widget_id": result.widget_id,
        "evaluation_id": result.evaluation_id,
        "evaluation_group_id": result.evaluation_group_id,
        "computation_status": result.computation_status,
        "computation_job_id": None,
        "computed_at": format_ts(result.computed_at),
        "computed_result": result.computed_result,
        "error_message": result.error_message,
        "created_at": format_ts(result.created_at),
    }


def widget_with_result_json(
    widget: EvaluationDashboardWidget, result: EvaluationDashboardWidgetResult | None
) -> dict[str, Any]:
    return {
        "object": "evaluation_widget",
        "id": widget.id,
        "account_id": widget.account_id,
        "title": widget.title,
        "type": widget.type,
        "config": widget.config,
        "query": widget.query,
        "created_at": format_ts(widget.created_at),
        "result": None
        if result is None
        else {
            "id": result.id,
            "widget_id": result.widget_id,
            "computation_status": result.computation_status,
            "computed_at": format_ts(result.computed_at),
            "computed_result": result.computed_result,
            "error_message": result.error_message,
        },
    }
