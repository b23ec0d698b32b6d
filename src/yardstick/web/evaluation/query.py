"""The results table's URL: filters, sort and page cursor, parsed and checked.

Every choice lives in the query string, so a reload or a shared link shows the same rows:

- `task_status=<alias>:<status>` (repeatable): that alias's cell has the status (`pending`: no
  finished cell yet); `error_type=<type>` or `<alias>:<type>` (repeatable): an errored cell of
  that type. Both are the item list API's own parameters (yardstick.evaluation_item.cell_filters).
- `score_alias`, `score_min`, `score_max`: the alias's numeric value lies in the range (either
  end may be left out).
- `sort=<alias>` and `order=asc|desc`: by that alias's value (numbers, or short labels for an
  alias without numbers); items without a value come last. No `sort`: row order.
- `after`: the cursor of the next page (opaque, see `Cursor`); `limit`: rows a page.

Empty values mean "no filter", as an HTML form sends its untouched fields. A malformed value is
a 422 naming its parameter.
"""

import base64
import binascii
import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlencode

import orjson

from yardstick.errors import Unprocessable
from yardstick.evaluation_item.cell_filters import CellFilter, check_aliases, parse

Order = Literal["asc", "desc"]
# A cursor's phase: row order (`i`), the sorted values (`v`), the items without one (`m`).
Phase = Literal["i", "v", "m"]


@dataclass(frozen=True)
class Cursor:
    phase: Phase
    value: Any  # the sort value of the last row (phase `v`)
    item_id: str

    def encode(self, sort: str | None, order: Order) -> str:
        raw = orjson.dumps([self.phase, sort, order, self.value, self.item_id])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: str | None, order: Order) -> "Cursor":
        problem = _not_a_cursor()
        try:
            raw = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError):
            raise problem from None
        if not (isinstance(raw, list) and len(raw) == 5):
            raise problem
        phase, cursor_sort, cursor_order, value, item_id = raw
        valid_phase = phase in ("v", "m") if sort else phase == "i"
        if (
            not valid_phase
            or cursor_sort != sort
            or cursor_order != order
            or not isinstance(item_id, str)
            or "\x00" in item_id  # no id holds one, and PostgreSQL refuses it in text
            or (phase == "v" and not _sort_value(value))
        ):
            raise problem
        return cls(phase, value, item_id)

    def check_column(self, column: str) -> None:
        """A 422 unless the cursor's sort value is of the sort column's kind: PostgreSQL refuses
        to compare a number with text (a forged or stale cursor was a 500)."""
        if self.phase == "v" and isinstance(self.value, str) != (column == "label"):
            raise _not_a_cursor()


def _not_a_cursor() -> Unprocessable:
    return Unprocessable(
        ["query", "after"], "not a cursor of this table (open the first page again)"
    )


def _sort_value(value: Any) -> bool:
    """A number (not a boolean) or a text without NUL: what a sort column holds."""
    if isinstance(value, str):
        return "\x00" not in value
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class ScoreRange:
    alias: str
    low: float | None
    high: float | None


@dataclass(frozen=True)
class TableQuery:
    task_status: list[str] = field(default_factory=list)
    error_type: list[str] = field(default_factory=list)
    score: ScoreRange | None = None
    sort: str | None = None
    order: Order = "asc"
    after: str | None = None
    limit: int = 50
    cell_filters: list[CellFilter] = field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return bool(self.cell_filters) or self.score is not None

    def filter_params(self) -> list[tuple[str, str]]:
        out = [("task_status", v) for v in self.task_status]
        out += [("error_type", v) for v in self.error_type]
        if self.score is not None:
            out.append(("score_alias", self.score.alias))
            # repr: the shortest text that reads back as the same number (`:g` kept six digits,
            # so the next page and the export links filtered 0.99999999 as 1).
            if self.score.low is not None:
                out.append(("score_min", repr(self.score.low)))
            if self.score.high is not None:
                out.append(("score_max", repr(self.score.high)))
        return out

    def url(self, base: str, **changes: Any) -> str:
        """This table's URL, with `changes` (a new sort, the next cursor)."""
        query = replace(self, **changes)
        params = query.filter_params()
        if query.sort:
            params += [("sort", query.sort), ("order", query.order)]
        if query.after:
            params.append(("after", query.after))
        if query.limit != 50:
            params.append(("limit", str(query.limit)))
        return f"{base}?{urlencode(params)}" if params else base


def _number(value: str, name: str) -> float | None:
    if value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise Unprocessable(["query", name], f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise Unprocessable(["query", name], "must be a finite number")
    return number


def table_query(
    *,
    evaluation_id: str,
    aliases: list[str],
    task_status: list[str],
    error_type: list[str],
    score_alias: str,
    score_min: str,
    score_max: str,
    sort: str,
    order: Order,
    after: str,
    limit: int,
) -> TableQuery:
    """The checked query of the table of an evaluation whose task aliases are `aliases`."""
    statuses = [v for v in task_status if v]
    errors = [v for v in error_type if v]
    cell_filters = parse(statuses, errors)
    check_aliases(cell_filters, set(aliases), evaluation_id)
    score = None
    low, high = _number(score_min, "score_min"), _number(score_max, "score_max")
    if score_alias:
        if score_alias not in aliases:
            raise Unprocessable(
                ["query", "score_alias"],
                f"evaluation {evaluation_id!r} has no task {score_alias!r}",
            )
        if low is not None and high is not None and low > high:
            raise Unprocessable(["query", "score_min"], "must not be above score_max")
        if low is not None or high is not None:
            score = ScoreRange(score_alias, low, high)
    elif low is not None or high is not None:
        raise Unprocessable(["query", "score_alias"], "required with score_min or score_max")
    if sort and sort not in aliases:
        raise Unprocessable(["query", "sort"], f"evaluation {evaluation_id!r} has no task {sort!r}")
    query = TableQuery(
        task_status=statuses,
        error_type=errors,
        score=score,
        sort=sort or None,
        order=order,
        after=after or None,
        limit=limit,
        cell_filters=cell_filters,
    )
    if query.after:
        Cursor.decode(query.after, query.sort, query.order)  # a bad one is a 422 now
    return query
