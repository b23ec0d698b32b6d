"""The widget query language on the wire: SeriesQuery and MetricQuery (0.7.0's types).

Keys are SGP's, camelCase where the client sends them so (`groupBy`, `orderBy`,
`logicalOperators`); snake_case is accepted too. Which of the two a widget's query is follows
from its type: `metric` widgets take a MetricQuery (one aggregation, no grouping, ordering or
limit), every other chart a SeriesQuery. Only the shape is checked here; what needs the target's
data (do the columns exist?) is checked when the query is compiled (compiler.py).
"""

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StringConstraints,
    Tag,
)

Source = Literal["data", "task_result_cache"]
Operator = Literal[
    "=", "!=", ">", "<", ">=", "<=", "IN", "NOT IN", "LIKE", "NOT LIKE", "IS NULL", "IS NOT NULL"
]
Function = Literal[
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "STDDEV",
    "VARIANCE",
    "PERCENTILE",
    "COUNT_DISTINCT",
    "PERCENTAGE",
]
ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=512)]
Scalar = StrictBool | int | float | Annotated[str, StringConstraints(max_length=4096)]
# Rows a series returns at most, and when the query names no limit.
MAX_ROWS = 10_000
DEFAULT_ROWS = 1_000
MAX_CONDITIONS = 50
MAX_SELECT = 50
EvaluationIds = Annotated[
    list[Annotated[str, StringConstraints(min_length=1)]], Field(max_length=1000)
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Condition(_Wire):
    column: ColumnName
    operator: Operator
    value: Scalar | Annotated[list[Scalar], Field(max_length=1000)] | None = None
    source: Source | None = None


class Filter(_Wire):
    """Conditions joined left to right by `logicalOperators` (one fewer than conditions;
    omitted, every one must hold): `a AND b OR c` is `(a AND b) OR c`."""

    conditions: Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)]
    logical_operators: list[Literal["AND", "OR"]] | None = Field(
        default=None, alias="logicalOperators"
    )


class ColumnExpression(_Wire):
    type: Literal["COLUMN"] | None = None
    column: ColumnName
    source: Source | None = None


class AggregationExpression(_Wire):
    type: Literal["AGGREGATION"] | None = None
    function: Function
    column: ColumnName = Field(description="The column, or `*` (or `_`) for COUNT of rows")
    params: dict[str, Any] | None = Field(
        default=None,
        description="`{percentile: 0-100}` for PERCENTILE, `{percentage_filters: Filter}` for "
        "PERCENTAGE",
    )
    evaluation_ids: EvaluationIds | None = None
    source: Source | None = None


def _expression_kind(value: Any) -> str:
    """`AGGREGATION` when the expression says so or names a function; else `COLUMN`."""
    if isinstance(value, dict):
        if value.get("type") == "AGGREGATION" or "function" in value:
            return "AGGREGATION"
        return "COLUMN"
    return "AGGREGATION" if isinstance(value, AggregationExpression) else "COLUMN"


Expression = Annotated[
    Annotated[ColumnExpression, Tag("COLUMN")]
    | Annotated[AggregationExpression, Tag("AGGREGATION")],
    Discriminator(_expression_kind),
]


class SelectItem(_Wire):
    expression: Expression
    alias: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = None


class OrderBy(_Wire):
    column: ColumnName
    direction: Literal["ASC", "DESC"] | None = None
    source: Source | None = None


class MetricQuery(_Wire):
    """One aggregation over the target's rows: `{"type": "metric", "data": value}`."""

    select: Annotated[list[SelectItem], Field(min_length=1, max_length=MAX_SELECT)]
    filter: Filter | None = None
    evaluation_ids: EvaluationIds | None = None
    latest_only: bool | None = None


class SeriesQuery(_Wire):
    """Rows: `{"type": "series", "data": [{alias: value, ...}, ...]}`."""

    select: Annotated[list[SelectItem], Field(min_length=1, max_length=MAX_SELECT)]
    filter: Filter | None = None
    group_by: Annotated[list[ColumnName], Field(max_length=MAX_SELECT)] | None = Field(
        default=None, alias="groupBy"
    )
    order_by: Annotated[list[OrderBy], Field(max_length=MAX_SELECT)] | None = Field(
        default=None, alias="orderBy"
    )
    limit: Annotated[int, Field(ge=1, le=MAX_ROWS)] | None = None
    evaluation_ids: EvaluationIds | None = None
    latest_only: bool | None = None


Query = SeriesQuery | MetricQuery


def wire(query: Query) -> dict[str, Any]:
    """The query as stored and shown: its wire keys, without the ones it was sent without."""
    dumped: dict[str, Any] = query.model_dump(by_alias=True, exclude_none=True)
    return dumped
