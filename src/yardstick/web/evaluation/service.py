"""What the evaluation pages show, assembled from the API's services and this feature's reads.

Authorisation is the services': every evaluation and item is read with the signed-in
Principal, so another account's ids are NotFound (a 404 page) exactly as for the API.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from markupsafe import Markup
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.errors import NotFound, Unprocessable
from yardstick.evaluation.kept import kept
from yardstick.evaluation.service import evaluation_service
from yardstick.evaluation.summary import AliasSummary, alias_from_json, evaluation_summary_service
from yardstick.evaluation_item.repository import Cell, ItemRow, evaluation_item_repository
from yardstick.evaluation_item.service import evaluation_item_service
from yardstick.kit.pagination import PageParams, UnknownCursor
from yardstick.models import Evaluation
from yardstick.span.schemas import SpanSearch
from yardstick.span.service import span_service
from yardstick.span.stored import StoredSpan
from yardstick.task.spec import is_executable
from yardstick.web import charts
from yardstick.web.evaluation.query import Cursor, TableQuery
from yardstick.web.evaluation.repository import (
    Column,
    Totals,
    evaluation_page_repository,
    range_scale,
    score_condition,
)

HISTOGRAM_BINS = 20
SHARES_SHOWN = 8
CLIP_CHARS = 120  # a cell's text beyond this is cut, with the rest on hover or expand
FULL_CHARS = 4000  # the most of one cell's text a table page carries
TRACE_SPANS = 200  # the most spans an item page shows
PAYLOAD_CHARS = 20_000  # the most of one span payload an item page shows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.4g}"  # a table's figure; the item page shows every digit
    return orjson.dumps(value).decode()


@dataclass(frozen=True)
class CellView:
    text: str  # shown
    full: str | None  # the longer text, when `text` was cut
    css: str


def clip(value: Any, css: str = "") -> CellView:
    text = _text(value)
    if len(text) <= CLIP_CHARS:
        return CellView(text, None, css)
    full = text if len(text) <= FULL_CHARS else text[:FULL_CHARS] + " … (open the item for all)"
    return CellView(text[:CLIP_CHARS] + "…", full, css)


@dataclass(frozen=True)
class EvaluationRow:
    evaluation: Evaluation
    totals: Totals
    progress: tuple[int, int] | None  # (cells done, cells to do) while running
    as_of: datetime | None = None  # when the totals were computed, if not from the latest cells


@dataclass(frozen=True)
class EvaluationList:
    rows: list[EvaluationRow]
    has_more: bool
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class TableRow:
    item_id: str
    repeat: int
    inputs: list[CellView]
    cells: list[CellView]


@dataclass(frozen=True)
class Table:
    inputs: list[str]
    aliases: list[str]
    rows: list[TableRow]
    next_cursor: str | None
    error_types: list[tuple[str, str]]


@dataclass(frozen=True)
class Card:
    summary: AliasSummary
    chart: Markup | None


@dataclass(frozen=True)
class Cards:
    cards: list[Card]
    as_of: datetime | None  # when the figures were computed, if not from the latest cells


@dataclass
class SpanView:
    span: StoredSpan
    duration_ms: float | None
    input: str
    output: str
    metadata: str


@dataclass
class CellDetail:
    alias: str
    task_type: str | None
    status: str
    value: Any
    error_type: str | None
    error_message: str | None
    rationale: str | None
    details: dict[str, Any]
    latency_ms: float | None
    attempts: int | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    trace_id: str | None
    spans: list[SpanView] = field(default_factory=list)


@dataclass(frozen=True)
class ItemPage:
    evaluation: Evaluation
    item: ItemRow
    inputs: dict[str, Any]
    cells: list[CellDetail]
    root_spans: list[SpanView]
    trace_cut: bool  # the item's traces hold more than TRACE_SPANS spans: the oldest are shown


def progress(evaluation: Evaluation, totals: Totals) -> tuple[int, int] | None:
    """(cells finished, cells to run) of a running evaluation; None once it is not running."""
    if evaluation.status != "running":
        return None
    executable = sum(1 for task in evaluation.tasks if is_executable(task))
    planned = evaluation.item_count * executable
    return min(totals.finished, planned), planned


def _value_css(value: Any, status: str, scale: tuple[float, float] | None) -> str:
    if status != "completed" and status != "prefilled":
        return f"st-{status}"
    if isinstance(value, bool):
        return "v-true" if value else "v-false"
    if isinstance(value, int | float) and scale is not None:
        low, high = scale
        half = range_scale(low, high)
        share = (
            0.5 if high <= low else (float(value) * half - low * half) / (high * half - low * half)
        )
        return f"heat-{min(4, max(0, int(share * 5)))}"
    return ""


class EvaluationPageService:
    def evaluations(
        self,
        session: Session,
        principal: Principal,
        *,
        name: str,
        tags: list[str],
        after: str,
        limit: int,
    ) -> EvaluationList:
        params = PageParams(limit, after or None, None, "desc")
        try:
            page = evaluation_service.list(
                session,
                principal,
                params=params,
                name=name or None,
                tags=tags,
                include_archived=False,
            )
        except UnknownCursor as exc:  # said of the page's own parameter
            raise Unprocessable(
                ["query", "after"], f"unknown cursor {exc.cursor!r}: no such evaluation"
            ) from exc
        evaluations: list[Evaluation] = [row[0] for row in page.rows]
        totals, _ = evaluation_page_repository.totals(session, evaluations)
        rows = [EvaluationRow(e, totals[e.id], progress(e, totals[e.id])) for e in evaluations]
        last = evaluations[-1].id if evaluations and page.has_more else None
        return EvaluationList(rows, page.has_more, page.total, last)

    def get(self, session: Session, principal: Principal, evaluation_id: str) -> Evaluation:
        return evaluation_service.get(session, principal, evaluation_id)

    def header(self, session: Session, evaluation: Evaluation) -> EvaluationRow:
        found, as_of = evaluation_page_repository.totals(session, [evaluation])
        totals = found[evaluation.id]
        return EvaluationRow(evaluation, totals, progress(evaluation, totals), as_of)

    @staticmethod
    def aliases(evaluation: Evaluation) -> list[str]:
        return [task["alias"] for task in evaluation.tasks]

    @staticmethod
    def conditions(query: TableQuery) -> list[ColumnElement[bool]]:
        """The filters of the table (and of its export) as conditions on items."""
        where = [f.condition() for f in query.cell_filters]
        if query.score is not None:
            where.append(score_condition(query.score.alias, query.score.low, query.score.high))
        return where

    def table(self, session: Session, evaluation: Evaluation, query: TableQuery) -> Table:
        ids, next_cursor = self._page(session, evaluation, query)
        items = evaluation_page_repository.items(session, ids)
        cells = evaluation_item_repository.cells_of(session, ids)
        aliases = self.aliases(evaluation)
        scales = {
            alias: evaluation_page_repository.number_range(session, evaluation.id, alias)
            for alias in aliases
        }
        parsed: dict[str, dict[str, Any]] = {}
        inputs: list[str] = []
        for item_id in ids:
            data = orjson.loads(items[item_id][0])
            parsed[item_id] = data if isinstance(data, dict) else {"data": data}
            inputs.extend(key for key in parsed[item_id] if key not in inputs)
        rows = []
        for item_id in ids:
            by_alias = {cell.alias: cell for cell in cells.get(item_id, [])}
            rows.append(
                TableRow(
                    item_id,
                    items[item_id][1],
                    [clip(parsed[item_id].get(key)) for key in inputs],
                    [self._cell(by_alias.get(alias), scales[alias]) for alias in aliases],
                )
            )
        error_types = evaluation_page_repository.error_types(session, evaluation.id, aliases)
        return Table(inputs, aliases, rows, next_cursor, error_types)

    @staticmethod
    def _cell(cell: Cell | None, scale: tuple[float, float] | None) -> CellView:
        if cell is None:
            return CellView("pending", None, "st-pending")
        if cell.status == "errored":
            return clip(f"{cell.error_type or 'Error'}: {cell.error_message or ''}", "st-errored")
        if cell.status == "skipped":
            return CellView("skipped", None, "st-skipped")
        return clip(cell.value, _value_css(cell.value, cell.status, scale))

    def _page(
        self, session: Session, evaluation: Evaluation, query: TableQuery
    ) -> tuple[list[str], str | None]:
        """A page of item ids, and the cursor of the next page (None on the last)."""
        where = self.conditions(query)
        cursor = Cursor.decode(query.after, query.sort, query.order) if query.after else None
        want = query.limit + 1  # one more than shown: whether a next page exists
        repo = evaluation_page_repository
        if query.sort is None:
            ids = repo.page_in_row_order(
                session,
                evaluation_id=evaluation.id,
                where=where,
                after_id=cursor.item_id if cursor else None,
                limit=want,
            )
            more = len(ids) > query.limit
            ids = ids[: query.limit]
            following = Cursor("i", None, ids[-1]) if more else None
            return ids, following.encode(None, query.order) if following else None

        alias = query.sort
        column: Column = (
            "number" if repo.has_values(session, evaluation.id, alias, "number") else "label"
        )
        if cursor is not None:
            cursor.check_column(column)
        found: list[tuple[str, Any]] = []
        if cursor is None or cursor.phase == "v":
            found = repo.page_by_value(
                session,
                evaluation_id=evaluation.id,
                alias=alias,
                column=column,
                descending=query.order == "desc",
                where=where,
                after=(cursor.value, cursor.item_id) if cursor else None,
                limit=want,
            )
        pages: list[tuple[str, str, Any]] = [("v", item_id, value) for item_id, value in found]
        if len(pages) < want:  # the valued items are done: then those without a value
            after_id = cursor.item_id if cursor is not None and cursor.phase == "m" else None
            missing = repo.page_without_value(
                session,
                evaluation_id=evaluation.id,
                alias=alias,
                column=column,
                where=where,
                after_id=after_id,
                limit=want - len(pages),
            )
            pages += [("m", item_id, None) for item_id in missing]
        more = len(pages) > query.limit
        pages = pages[: query.limit]
        if not more:
            return [item_id for _, item_id, _ in pages], None
        phase, last_id, last_value = pages[-1]
        following = Cursor("v" if phase == "v" else "m", last_value, last_id)
        return [item_id for _, item_id, _ in pages], following.encode(query.sort, query.order)

    def cards(self, session: Session, evaluation: Evaluation) -> Cards:
        """Per alias: the summary, with a histogram of numbers or the shares of labels. Both
        are kept (evaluation/kept.py); while the evaluation runs they may be seconds old."""
        document = evaluation_summary_service.document(session, evaluation, stale_ok=True)
        histograms = kept(
            session,
            evaluation,
            "histograms",
            lambda: self._histograms(session, evaluation),
            stale_ok=True,
        )
        cards = []
        for alias, found in document.value["aliases"].items():
            summary = alias_from_json(alias, found)
            chart: Markup | None = None
            histogram = histograms.value.get(alias)
            if histogram is not None:
                low, high, counts = histogram
                chart = charts.histogram(counts, low, high, label=alias)
            elif summary.categorical is not None and summary.categorical.values:
                shown = summary.categorical.values[:SHARES_SHOWN]
                chart = charts.shares(
                    [(_text(c.value), c.count, c.share) for c in shown], label=alias
                )
            cards.append(Card(summary, chart))
        stale = [k.computed_at for k in (document, histograms) if not k.current]
        return Cards(cards, min(stale) if stale else None)

    @staticmethod
    def _histograms(session: Session, evaluation: Evaluation) -> dict[str, Any]:
        """(low, high, counts in HISTOGRAM_BINS bins) of each alias with numbers."""
        repo = evaluation_page_repository
        out: dict[str, Any] = {}
        for alias in EvaluationPageService.aliases(evaluation):
            ends = repo.number_range(session, evaluation.id, alias)
            if ends is not None:
                low, high = ends
                counts = repo.histogram(session, evaluation.id, alias, low, high, HISTOGRAM_BINS)
                out[alias] = (low, high, counts)
        return out

    def item(
        self, session: Session, principal: Principal, evaluation_id: str, item_id: str
    ) -> ItemPage:
        evaluation = evaluation_service.get(session, principal, evaluation_id)
        item, cells = evaluation_item_service.get(
            session, principal, item_id, include_archived=False
        )
        if item.evaluation_id != evaluation.id:
            raise NotFound("evaluation item", item_id)
        data = orjson.loads(item.data)
        inputs = data if isinstance(data, dict) else {"data": data}
        usage = evaluation_page_repository.cell_usage(session, item.id)
        by_alias = {cell.alias: cell for cell in cells}
        details: list[CellDetail] = []
        for task in evaluation.tasks:
            alias = task["alias"]
            cell = by_alias.get(alias)
            found = dict(cell.details or {}) if cell else {}
            prompt, completion, cost, _, _ = usage.get(alias, (None, None, None, None, None))
            rationale = found.pop("rationale", None)
            trace_id = found.pop("trace_id", None)
            details.append(
                CellDetail(
                    alias=alias,
                    task_type=task.get("task_type"),
                    status=cell.status if cell else "pending",
                    value=cell.value
                    if cell and cell.status in ("completed", "prefilled")
                    else None,
                    error_type=cell.error_type if cell else None,
                    error_message=cell.error_message if cell else None,
                    rationale=rationale if isinstance(rationale, str) else None,
                    details=found,
                    latency_ms=cell.latency_ms if cell else None,
                    attempts=cell.attempts if cell else None,
                    prompt_tokens=prompt,
                    completion_tokens=completion,
                    cost_usd=cost,
                    trace_id=trace_id if isinstance(trace_id, str) else None,
                )
            )
        roots, cut = self._attach_spans(session, principal, details)
        return ItemPage(evaluation, item, inputs, details, roots, cut)

    def _attach_spans(
        self, session: Session, principal: Principal, cells: Sequence[CellDetail]
    ) -> tuple[list[SpanView], bool]:
        """Put each span of the cells' traces under its cell (by the `alias` its metadata
        names), the oldest TRACE_SPANS of them; the spans of no cell (the item's root) are
        returned, and whether there were more."""
        trace_ids = sorted({cell.trace_id for cell in cells if cell.trace_id})
        if not trace_ids:
            return [], False
        page = span_service.search(
            session,
            principal,
            SpanSearch(trace_ids=trace_ids),
            params=PageParams(TRACE_SPANS, None, None, "asc"),
            from_ts=None,
            to_ts=None,
        )
        by_alias = {cell.alias: cell for cell in cells}
        roots: list[SpanView] = []
        for span in page.spans:
            view = _span_view(span)
            metadata = orjson.loads(span.metadata)
            alias = metadata.get("alias") if isinstance(metadata, dict) else None
            target = by_alias.get(alias) if isinstance(alias, str) else None
            if target is not None:
                target.spans.append(view)
            else:
                roots.append(view)
        return roots, page.has_more


def _payload(text: str) -> str:
    pretty = orjson.dumps(orjson.loads(text), option=orjson.OPT_INDENT_2).decode()
    if len(pretty) > PAYLOAD_CHARS:
        return pretty[:PAYLOAD_CHARS] + "\n… (cut: the API's GET /v5/spans/{id} has all of it)"
    return pretty


def _span_view(span: StoredSpan) -> SpanView:
    duration = None
    if span.end_timestamp is not None:
        duration = (span.end_timestamp - span.start_timestamp).total_seconds() * 1000
    return SpanView(
        span, duration, _payload(span.input), _payload(span.output), _payload(span.metadata)
    )


evaluation_page_service = EvaluationPageService()
