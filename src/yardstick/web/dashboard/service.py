"""What a dashboard page shows: every widget of an SGP evaluation dashboard, drawn.

The dashboard, its widgets in `widget_order` and each widget's result come from the dashboards
API's own service (`evaluation_dashboard_service.get` with the `widgets` and `widget_results`
views), read with the signed-in Principal, so another account's dashboard is a 404 page exactly
as the API answers. That call computes (and stores) the results that are missing or stale, as
`GET /v5/evaluation-dashboards/{id}?views=widget_results` does; a finished evaluation's widgets
are computed once.

A result is `{"type": "metric", "data": value}` or `{"type": "series", "data": [row, ...]}`
(at most 10,000 rows, keyed by the query's select aliases). How each widget type reads its rows:

- `metric`: a tile with the value. `heading`: the title alone. `markdown`: `config.content`
  (web/dashboard/markdown.py).
- `table`: the rows, their keys as columns, paged on the server (TABLE_ROWS a page).
- `bar`: `config.x_column` names the categories, every other numeric column is a series
  (`config.y_column`/`y_columns` choose them); with `config.x_column_group` the group's columns
  are the categories and each row a series.
- `histogram`: rows with a numeric column besides x are bins already (drawn as bars); otherwise
  the x values are binned here, HISTOGRAM_BINS equal bins.
- `donut`: one slice per x value, of its first numeric column, or of its count of rows when it
  has none; with `x_column_group`, one slice per column, of the column's sum.
- `scatter`: x against the first numeric column (or the group's first two columns).
- `timeseries`: `config.x_column` or the first column whose values are all ISO dates (else
  numbers), ascending, one line per numeric column.

Whatever a widget's rows cannot give (no numeric column, a failed computation) is said in
words in the widget, never drawn as an empty chart.
"""

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson
from markupsafe import Markup
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.errors import BadRequest, NotFound, Unprocessable
from yardstick.evaluation.service import evaluation_service
from yardstick.evaluation_dashboard.service import WIDGET_RESULTS, WIDGETS
from yardstick.evaluation_dashboard.service import evaluation_dashboard_service as dashboards
from yardstick.kit.pagination import PageParams
from yardstick.models import Evaluation, EvaluationDashboard, EvaluationDashboardWidget
from yardstick.web import charts as basic
from yardstick.web.dashboard import charts
from yardstick.web.dashboard.markdown import render_markdown
from yardstick.web.evaluation.service import CellView, clip

TABLE_ROWS = 25
HISTOGRAM_BINS = 20
MAX_CATEGORIES = 100  # bars drawn; a note says when there were more
MAX_SERIES = 8
MAX_POINTS = 2000


@dataclass(frozen=True)
class TableView:
    columns: list[str]
    rows: list[list[CellView]]
    total: int
    page: int
    pages: int
    first: int  # the shown rows' numbers, from 1
    last: int


@dataclass(frozen=True)
class WidgetView:
    id: str
    title: str
    type: str
    status: str | None  # the result's computation_status; None for markdown and heading
    error: str | None
    chart: Markup | None = None
    metric: str | None = None
    table: TableView | None = None
    markdown: Markup | None = None
    note: str | None = None


@dataclass(frozen=True)
class DashboardPage:
    dashboard: EvaluationDashboard
    evaluation: Evaluation | None
    widgets: list[WidgetView]


@dataclass(frozen=True)
class DashboardList:
    rows: list[EvaluationDashboard]
    total: int
    next_cursor: str | None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _label(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def metric_text(value: Any) -> str:
    number = _number(value)
    if number is not None:
        if number.is_integer() and abs(number) < 1e15:
            return f"{int(number):,}"
        return f"{number:.4g}" if abs(number) >= 1e6 or abs(number) < 1e-3 else f"{number:,.4f}"
    return "—" if value is None else _label(value)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for row in rows:
        out.extend(key for key in row if key not in out)
    return out


def _numeric_columns(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    """The columns whose values are all numbers or null, with at least one number."""
    out = []
    for column in columns:
        values = [row.get(column) for row in rows if row.get(column) is not None]
        if values and all(_number(v) is not None for v in values):
            out.append(column)
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


class _Series:
    """A series widget's rows and what its config says about its axes."""

    def __init__(self, rows: list[dict[str, Any]], config: dict[str, Any]) -> None:
        self.rows = rows
        self.columns = _columns(rows)
        x = config.get("x_column")
        self.x = x if isinstance(x, str) else None
        self.group = [c for c in _strings(config.get("x_column_group")) if c in self.columns]
        numeric = _numeric_columns(rows, self.columns)
        chosen = _strings(config.get("y_columns")) or _strings(config.get("y_column"))
        self.y = [c for c in chosen if c in numeric] or [c for c in numeric if c != self.x]

    def name_of(self, row: dict[str, Any], index: int) -> str:
        """A row's name: its first column that is not a number."""
        for column in self.columns:
            if (
                column != self.x
                and _number(row.get(column)) is None
                and row.get(column) is not None
            ):
                return _label(row[column])
        return f"row {index + 1}"


class DashboardPageService:
    def dashboards(
        self,
        session: Session,
        principal: Principal,
        *,
        search: str,
        evaluation_id: str,
        after: str,
        limit: int,
    ) -> DashboardList:
        try:
            page, views = dashboards.list(
                session,
                principal,
                params=PageParams(limit, after or None, None, "desc"),
                created_by_ids=[],
                evaluation_id=evaluation_id or None,
                evaluation_group_id=None,
                include_archived=False,
                search=search or None,
                tags=[],
            )
        except BadRequest as exc:
            raise Unprocessable(["query", "after"], str(exc.detail)) from exc
        rows = [view.dashboard for view in views]
        following = rows[-1].id if rows and page.has_more else None
        return DashboardList(rows, page.total, following)

    def page(
        self,
        session: Session,
        principal: Principal,
        dashboard_id: str,
        *,
        write: Session,
        table: str,
        table_page: int,
    ) -> DashboardPage:
        view = dashboards.get(
            session,
            principal,
            dashboard_id,
            write=write,
            include_archived=False,
            views=[WIDGETS, WIDGET_RESULTS],
        )
        results = {result.widget_id: result for result in view.results or []}
        widgets = []
        for widget in view.widgets or []:
            result = results.get(widget.id)
            page = table_page if widget.id == table else 1
            if result is None:
                widgets.append(self._widget(widget, None, None, None, page))
            else:
                widgets.append(
                    self._widget(
                        widget,
                        result.computation_status,
                        result.computed_result,
                        result.error_message,
                        page,
                    )
                )
        evaluation = None
        if view.dashboard.evaluation_id is not None:
            try:
                evaluation = evaluation_service.get(
                    session, principal, view.dashboard.evaluation_id, include_archived=True
                )
            except NotFound:
                evaluation = None
        return DashboardPage(view.dashboard, evaluation, widgets)

    def _widget(
        self,
        widget: EvaluationDashboardWidget,
        status: str | None,
        result: dict[str, Any] | None,
        error: str | None,
        page: int,
    ) -> WidgetView:
        config = widget.config or {}
        base = WidgetView(widget.id, widget.title, widget.type, status, None)
        if widget.type == "heading":
            return base
        if widget.type == "markdown":
            content = config.get("content")
            return replace(
                base, markdown=render_markdown(content if isinstance(content, str) else "")
            )
        if status == "failed" or result is None:
            return replace(base, error=error or "this widget has no computed result")
        data = result.get("data")
        if widget.type == "metric" or result.get("type") == "metric":
            return replace(base, metric=metric_text(data))
        rows = [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
        if widget.type == "table":
            return replace(base, table=self._table(rows, page))
        if not rows:
            return replace(base, note="The query returned no rows.")
        series = _Series(rows, config)
        if series.x is not None and series.x not in series.columns:
            # Drawn, every category would read "null": say which column is missing instead.
            columns = ", ".join(repr(column) for column in series.columns)
            return replace(
                base, note=f"x_column {series.x!r} is not a column of the rows ({columns})."
            )
        draw = {
            "bar": self._bar,
            "histogram": self._histogram,
            "donut": self._donut,
            "scatter": self._scatter,
            "timeseries": self._timeseries,
        }.get(widget.type)
        if draw is None:
            return replace(base, table=self._table(rows, page))
        chart, note = draw(series, widget.title)
        return replace(base, chart=chart, note=note)

    @staticmethod
    def _table(rows: list[dict[str, Any]], page: int) -> TableView:
        columns = _columns(rows)
        pages = max(1, -(-len(rows) // TABLE_ROWS))
        page = min(page, pages)
        shown = rows[(page - 1) * TABLE_ROWS : page * TABLE_ROWS]
        cells = [[clip(row.get(column)) for column in columns] for row in shown]
        first = (page - 1) * TABLE_ROWS + 1
        return TableView(columns, cells, len(rows), page, pages, first, first + len(shown) - 1)

    @staticmethod
    def _bar(series: _Series, title: str) -> tuple[Markup | None, str | None]:
        if series.x is not None:
            rows = series.rows[:MAX_CATEGORIES]
            if not series.y:
                return None, f"No numeric column besides {series.x!r} to draw."
            categories = [_label(row.get(series.x)) for row in rows]
            values = [
                (column, [_number(row.get(column)) for row in rows])
                for column in series.y[:MAX_SERIES]
            ]
            note = _more(len(series.rows), MAX_CATEGORIES, "categories")
            return charts.bars(categories, values, label=title), note
        if series.group:
            rows = series.rows[:MAX_SERIES]
            values = [
                (series.name_of(row, i), [_number(row.get(c)) for c in series.group])
                for i, row in enumerate(rows)
            ]
            return charts.bars(series.group, values, label=title), _more(
                len(series.rows), MAX_SERIES, "rows"
            )
        return None, "The widget's config names no x_column or x_column_group."

    def _histogram(self, series: _Series, title: str) -> tuple[Markup | None, str | None]:
        if series.x is None or series.y:
            return self._bar(series, title)  # bins already counted by the query
        numbers = [n for n in (_number(row.get(series.x)) for row in series.rows) if n is not None]
        if not numbers:
            return None, f"{series.x!r} has no numbers to bin."
        low, high = min(numbers), max(numbers)
        counts = [0] * HISTOGRAM_BINS
        for number in numbers:
            index = 0 if high <= low else int((number - low) / (high - low) * HISTOGRAM_BINS)
            counts[min(HISTOGRAM_BINS - 1, index)] += 1
        return basic.histogram(counts, low, high, label=title, width=560, height=200), None

    @staticmethod
    def _donut(series: _Series, title: str) -> tuple[Markup | None, str | None]:
        slices: dict[str, float] = {}
        if series.x is not None:
            value_column = series.y[0] if series.y else None
            for row in series.rows:
                name = _label(row.get(series.x))
                amount = 1.0 if value_column is None else (_number(row.get(value_column)) or 0.0)
                slices[name] = slices.get(name, 0.0) + amount
        elif series.group:
            for column in series.group:
                slices[column] = sum(_number(row.get(column)) or 0.0 for row in series.rows)
        else:
            return None, "The widget's config names no x_column or x_column_group."
        ordered = sorted(slices.items(), key=lambda kv: -kv[1])
        shown = ordered[: MAX_SERIES - 1]
        rest = sum(value for _, value in ordered[MAX_SERIES - 1 :])
        if rest > 0:
            shown.append(("other", rest))
        return charts.donut(shown, label=title), None

    @staticmethod
    def _scatter(series: _Series, title: str) -> tuple[Markup | None, str | None]:
        if series.x is not None:
            x_name, y_name = series.x, series.y[0] if series.y else None
        elif len(series.group) >= 2:
            x_name, y_name = series.group[0], series.group[1]
        else:
            return None, "The widget's config names no x_column (or two x_column_group columns)."
        if y_name is None:
            return None, f"No numeric column besides {x_name!r} to plot against it."
        points = []
        for i, row in enumerate(series.rows[:MAX_POINTS]):
            px, py = _number(row.get(x_name)), _number(row.get(y_name))
            if px is not None and py is not None:
                points.append((px, py, series.name_of(row, i)))
        if not points:
            return None, f"No row has numbers in both {x_name!r} and {y_name!r}."
        chart = charts.scatter(points, x_name=x_name, y_name=y_name, label=title)
        return chart, _more(len(series.rows), MAX_POINTS, "points")

    @staticmethod
    def _timeseries(series: _Series, title: str) -> tuple[Markup | None, str | None]:
        x_name = series.x
        if x_name is None:
            x_name = next(
                (
                    c
                    for c in series.columns
                    if all(_timestamp(row.get(c)) is not None for row in series.rows)
                ),
                series.columns[0],
            )
        values = [row.get(x_name) for row in series.rows]
        stamps = [_timestamp(v) for v in values]
        dates = all(s is not None for s in stamps)
        times = stamps if dates else [_number(v) for v in values]
        if not all(t is not None for t in times):
            return None, f"{x_name!r} holds neither ISO dates nor numbers in every row."
        y_columns = [c for c in series.y if c != x_name][:MAX_SERIES]
        if not y_columns:
            return None, f"No numeric column besides {x_name!r} to draw over time."
        order = sorted(range(len(series.rows)), key=lambda i: times[i] or 0.0)
        ordered_times = [float(times[i] or 0.0) for i in order]
        lines = [
            (column, [_number(series.rows[i].get(column)) for i in order]) for column in y_columns
        ]
        chart = charts.timeseries(ordered_times, lines, x_name=x_name, dates=dates, label=title)
        return chart, None


def _more(total: int, shown: int, what: str) -> str | None:
    return f"The first {shown:,} of {total:,} {what} are drawn." if total > shown else None


dashboard_page_service = DashboardPageService()
