"""What the comparison page shows, from the API's comparison service.

The statistics are `yardstick.compare.service.comparison_service`'s, exactly as
`POST /v5/comparisons` answers them (verdicts, deltas, intervals, flip counts and each alias's
most regressed and most improved items, largest change first). This module adds what a page
needs around them:

- the pairs of the listed items (`yardstick.compare.pairing.pair`, the service's own pairing),
  so each changed candidate item is shown beside its baseline item;
- the comparison of two finished evaluations kept in the database (`evaluation_kept_results`,
  the candidate's row under a kind naming the baseline) until either one's cells, items,
  status, run or tasks change: a comparison reads every cell of both evaluations (seconds at
  1,000,000 cells, a minute or more at 6,000,000), and paging the items table, switching the
  alias or opening the page again, in any process, must not pay that again. A running
  evaluation's comparison is computed at each view;
- whether the page computes the comparison before answering or answers at once with a
  placeholder that loads it (`/compare/result`): at once when it is not kept and the two
  evaluations hold more than `YARDSTICK_UI_COMPARE_INLINE_CELLS` cells (300,000 by default,
  about a second's work), so a large first comparison shows the page
  and says what it is doing instead of a blank tab;
- the items table: a page of one alias's most regressed (or improved) items, each with both
  sides' values and both sides' output (a free-text alias, by default the first one) with a
  word-level diff.

The table lists what the comparison lists: up to `statistics.TOP_CHANGES` (50) items each way
per alias, largest change first, paged on the server.
"""

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.compare.pairing import pair
from yardstick.compare.schemas import ComparisonRequest
from yardstick.config import get_settings
from yardstick.errors import AppError, Unprocessable
from yardstick.evaluation.kept import StoredRow, fingerprints, lookup, store
from yardstick.evaluation.service import evaluation_service
from yardstick.evaluation.summary import FREE_TEXT_TASKS
from yardstick.evaluation_item.repository import Cell, evaluation_item_repository
from yardstick.kit.pagination import PageParams
from yardstick.models import Evaluation
from yardstick.models.evaluation import EvaluationDataset
from yardstick.web.compare.forest import forest_plot
from yardstick.web.diff import WordDiff, as_text, word_diff
from yardstick.web.evaluation.repository import evaluation_page_repository
from yardstick.web.evaluation.service import CellView, clip

Changes = Literal["regressed", "improved"]
PAGE_ROWS = 10
RECENT = 50  # evaluations offered by the form
INPUTS_SHOWN = 3  # input fields shown per row
MAX_ID = 64  # as the API's ComparisonRequest

# The request's fields, as this page's parameters.
_PARAMETERS = {"baseline_evaluation_id": "baseline", "candidate_evaluation_id": "candidate"}


@dataclass(frozen=True)
class _Entry:
    comparison: dict[str, Any]
    partners: dict[str, str]  # candidate item id -> baseline item id, for the listed items


def _kind(baseline_id: str) -> str:
    """The kept row's kind: the baseline's id hashed to fit the column (32 characters)."""
    return "compare:" + hashlib.blake2b(baseline_id.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Pending:
    """A comparison the page loads after answering: what it compares, and the page's query."""

    baseline: Evaluation
    candidate: Evaluation
    query: str

    @property
    def cells(self) -> int:
        return _cells(self.baseline, self.candidate)


def _cells(baseline: Evaluation, candidate: Evaluation) -> int:
    """The cells a comparison of the two reads (items × tasks of both)."""
    return sum(e.item_count * len(e.tasks) for e in (baseline, candidate))


@dataclass(frozen=True)
class ChangeRow:
    candidate_id: str
    baseline_id: str | None
    inputs: list[tuple[str, CellView]]
    baseline_value: CellView
    candidate_value: CellView
    output: WordDiff | None
    flaky: bool


@dataclass(frozen=True)
class ChangeTable:
    alias: str
    changes: Changes
    output: str | None  # the alias whose texts are diffed
    rows: list[ChangeRow]
    listed: int  # items the comparison lists this way for the alias
    counted: int  # the alias's flip count this way
    page: int
    pages: int


@dataclass(frozen=True)
class ComparisonPage:
    baseline: Evaluation
    candidate: Evaluation
    comparison: dict[str, Any]
    forest: Markup
    table: ChangeTable | None
    outputs: list[str]  # aliases both evaluations have, for the output selector
    directed: list[str]  # aliases whose items change in a direction (binary, numeric)


def _value_view(cell: Cell | None) -> CellView:
    if cell is None:
        return CellView("pending", None, "st-pending")
    if cell.status == "errored":
        return clip(f"{cell.error_type or 'Error'}: {cell.error_message or ''}", "st-errored")
    if cell.status == "skipped":
        return CellView("skipped", None, "st-skipped")
    return clip(cell.value)


def _value(cell: Cell | None) -> Any:
    return cell.value if cell is not None and cell.status in ("completed", "prefilled") else None


class ComparePageService:
    def recent(self, session: Session, principal: Principal) -> list[Evaluation]:
        """The newest evaluations, for the form's choices."""
        page = evaluation_service.list(
            session,
            principal,
            params=PageParams(RECENT, None, None, "desc"),
            name=None,
            tags=[],
            include_archived=False,
        )
        return [row[0] for row in page.rows]

    @staticmethod
    def example(
        session: Session, recent: Sequence[Evaluation]
    ) -> tuple[Evaluation, Evaluation] | None:
        """The newest two of `recent` built from one dataset (baseline the older), which pair
        by dataset item, with a task alias in common; None when no two are. The newest two
        alone were offered before, and two runs of other data have no pairs: the example led
        to a 422."""
        rows = session.execute(
            select(EvaluationDataset.evaluation_id, EvaluationDataset.dataset_id).where(
                EvaluationDataset.evaluation_id.in_([e.id for e in recent])
            )
        )
        datasets = {evaluation_id: dataset_id for evaluation_id, dataset_id in rows}
        for newer_at, newer in enumerate(recent):
            for older in recent[newer_at + 1 :]:
                dataset = datasets.get(newer.id)
                if dataset is None or datasets.get(older.id) != dataset:
                    continue
                if {t["alias"] for t in newer.tasks} & {t["alias"] for t in older.tasks}:
                    return older, newer
        return None

    @staticmethod
    def check_ids(baseline: str, candidate: str) -> None:
        """422s naming the parameter: missing, too long, or the same evaluation twice."""
        for name, value in (("baseline", baseline), ("candidate", candidate)):
            if not value:
                raise Unprocessable(["query", name], "required: the id of an evaluation")
            if len(value) > MAX_ID:
                raise Unprocessable(["query", name], f"not an evaluation id (over {MAX_ID} chars)")
        if baseline == candidate:
            raise Unprocessable(
                ["query", "candidate"],
                "the candidate is the baseline: compare an evaluation with another one",
            )

    def evaluations(
        self, session: Session, principal: Principal, baseline_id: str, candidate_id: str
    ) -> tuple[Evaluation, Evaluation]:
        """Both evaluations, checked: a malformed pair is a 422, an unknown or another
        account's id the 404 page, before any work."""
        self.check_ids(baseline_id, candidate_id)
        baseline = evaluation_service.get(session, principal, baseline_id, include_archived=True)
        candidate = evaluation_service.get(session, principal, candidate_id, include_archived=True)
        return baseline, candidate

    def page(
        self,
        session: Session,
        principal: Principal,
        baseline: Evaluation,
        candidate: Evaluation,
        *,
        alias: str,
        changes: Changes,
        output: str,
        page: int,
        compute_large: bool = True,
    ) -> ComparisonPage | None:
        """The page's comparison part; None without `compute_large` when the comparison is
        neither kept nor small enough to compute before the page answers."""
        entry = self._comparison(session, principal, baseline, candidate, compute_large)
        if entry is None:
            return None
        metrics: list[dict[str, Any]] = entry.comparison["metrics"]
        directed = [m["alias"] for m in metrics if m["kind"] != "categorical" and m["n"]]
        outputs = self._outputs(baseline, candidate)
        if alias and alias not in {m["alias"] for m in metrics}:
            raise Unprocessable(["query", "alias"], f"{alias!r} is not one of the compared aliases")
        if output and output not in outputs:
            raise Unprocessable(
                ["query", "output"], f"{output!r} is not a task of both evaluations"
            )
        chosen = alias or self._default_alias(metrics, directed, changes)
        table = None
        if chosen is not None:
            metric = next(m for m in metrics if m["alias"] == chosen)
            text_alias = output or self._default_output(baseline, outputs) or chosen
            table = self._table(session, entry, metric, changes, text_alias, page)
        return ComparisonPage(
            baseline,
            candidate,
            entry.comparison,
            forest_plot(metrics),
            table,
            outputs,
            directed,
        )

    # The comparison, kept ------------------------------------------------------------------

    @staticmethod
    def _kept(
        session: Session, baseline: Evaluation, candidate: Evaluation
    ) -> tuple[str | None, _Entry | None]:
        """(the pair's fingerprint, its kept comparison); no fingerprint while either runs."""
        if "running" in (baseline.status, candidate.status):
            return None, None
        marks = fingerprints(session, [baseline, candidate])
        mark = hashlib.blake2b(
            f"{marks[baseline.id]}|{marks[candidate.id]}".encode(), digest_size=16
        ).hexdigest()
        found = lookup(session, candidate.id, _kind(baseline.id), mark)
        return mark, (_Entry(found["comparison"], found["partners"]) if found else None)

    def _comparison(
        self,
        session: Session,
        principal: Principal,
        baseline: Evaluation,
        candidate: Evaluation,
        compute_large: bool,
    ) -> _Entry | None:
        # The fingerprint is read before the cells, in the same snapshot: a write committed
        # meanwhile leaves the kept row behind, and the next view computes again.
        mark, found = self._kept(session, baseline, candidate)
        if found is not None:
            return found
        if (
            not compute_large
            and _cells(baseline, candidate) > get_settings().ui_compare_inline_cells
        ):
            return None
        # Imported here, as the API's endpoint does: scipy.stats takes seconds to import.
        from yardstick.compare.service import comparison_service

        started = time.perf_counter()
        request = ComparisonRequest(
            baseline_evaluation_id=baseline.id, candidate_evaluation_id=candidate.id
        )
        try:
            comparison = comparison_service.compare(session, principal, request)
        except Unprocessable as exc:
            raise _as_page_error(exc) from exc
        listed = {
            item_id
            for metric in comparison["metrics"]
            for item_id in (*metric["most_regressed"], *metric["most_improved"])
        }
        partners: dict[str, str] = {}
        if listed:
            pairing = pair(session, baseline.id, candidate.id, pair_by=None)
            partners = {
                c: b
                for b, c in zip(pairing.baseline_items, pairing.candidate_items, strict=True)
                if c in listed
            }
        entry = _Entry(comparison, partners)
        if mark is not None:
            took_ms = (time.perf_counter() - started) * 1000
            kept = {"comparison": comparison, "partners": partners}
            row = StoredRow(
                candidate.id, _kind(baseline.id), mark, kept, datetime.now(UTC), took_ms
            )
            store(session, [row])
        return entry

    # The items table ----------------------------------------------------------------------

    @staticmethod
    def _outputs(baseline: Evaluation, candidate: Evaluation) -> list[str]:
        theirs = {task["alias"] for task in candidate.tasks}
        return [task["alias"] for task in baseline.tasks if task["alias"] in theirs]

    @staticmethod
    def _default_output(baseline: Evaluation, outputs: list[str]) -> str | None:
        """The first free-text task both have (a model's answer), else None."""
        for task in baseline.tasks:
            if task["alias"] in outputs and task.get("task_type") in FREE_TEXT_TASKS:
                return str(task["alias"])
        return None

    @staticmethod
    def _default_alias(
        metrics: list[dict[str, Any]], directed: list[str], changes: Changes
    ) -> str | None:
        """The first alias with items changed this way, else the first that has a direction."""
        key = "most_regressed" if changes == "regressed" else "most_improved"
        for metric in metrics:
            if metric[key]:
                return str(metric["alias"])
        return directed[0] if directed else (metrics[0]["alias"] if metrics else None)

    def _table(
        self,
        session: Session,
        entry: _Entry,
        metric: dict[str, Any],
        changes: Changes,
        output: str,
        page: int,
    ) -> ChangeTable:
        listed: list[str] = metric["most_regressed" if changes == "regressed" else "most_improved"]
        pages = max(1, -(-len(listed) // PAGE_ROWS))
        if page > pages:
            raise Unprocessable(["query", "page"], f"there are {pages} page(s)")
        shown = listed[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
        partners = [entry.partners.get(c) for c in shown]
        ids = shown + [b for b in partners if b is not None]
        items = evaluation_page_repository.items(session, ids)
        cells = evaluation_item_repository.cells_of(session, ids)
        flaky = set(metric.get("flaky_in_baseline") or [])
        alias = metric["alias"]
        rows = []
        for candidate_id, baseline_id in zip(shown, partners, strict=True):
            mine = {c.alias: c for c in cells.get(candidate_id, [])}
            theirs = {c.alias: c for c in cells.get(baseline_id, [])} if baseline_id else {}
            data = orjson.loads(items[candidate_id][0]) if candidate_id in items else {}
            inputs = data if isinstance(data, dict) else {"data": data}
            rows.append(
                ChangeRow(
                    candidate_id=candidate_id,
                    baseline_id=baseline_id,
                    inputs=[(k, clip(v)) for k, v in list(inputs.items())[:INPUTS_SHOWN]],
                    baseline_value=_value_view(theirs.get(alias)),
                    candidate_value=_value_view(mine.get(alias)),
                    output=word_diff(
                        as_text(_value(theirs.get(output))), as_text(_value(mine.get(output)))
                    ),
                    flaky=candidate_id in flaky,
                )
            )
        counted = int(metric["regressed" if changes == "regressed" else "improved"])
        return ChangeTable(alias, changes, output, rows, len(listed), counted, page, pages)


def _as_page_error(exc: Unprocessable) -> AppError:
    """The comparison service's 422 with its body fields named as this page's parameters."""
    problems = []
    for problem in exc.detail if isinstance(exc.detail, list) else []:
        loc = [str(part) for part in problem.get("loc", [])]
        field = next((_PARAMETERS[p] for p in loc if p in _PARAMETERS), "candidate")
        problems.append({**problem, "loc": ["query", field]})
    error = Unprocessable(["query", "candidate"], "")
    error.detail = problems or exc.detail
    return error


compare_page_service = ComparePageService()
