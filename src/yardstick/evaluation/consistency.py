"""How consistent an evaluation run with `repeats: k` is, per alias.

With k repeats each row is k items, grouped by `row_item_id`. Per alias, over the rows with a
result in all k repeats:
- `changed_share`: the share of rows whose result was not the same in every repeat (any kind
  of result: numbers, labels, free text), i.e. how often asking again gives another answer;
- `pass_all`: for a binary alias (booleans, or 0/1), the share of rows that passed in all k
  repeats, pass^k: what a user who needs it right every time can count on (a pass rate of 0.9
  may be a pass^5 of 0.5);
- `pass_rate`: the plain share of passing cells of those rows, to read pass^k against.
One grouped query over the cells and their items; a row's group key is its first item's id.
"""

from dataclasses import dataclass

from sqlalchemy import Integer, Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from yardstick.models import Evaluation, EvaluationItem, TaskResult

RESULT_STATUSES = ("completed", "prefilled")


@dataclass(frozen=True)
class Consistency:
    repeats: int
    rows: int  # rows with a result in every repeat
    changed_share: float | None
    pass_all: float | None  # binary aliases only
    pass_rate: float | None


def consistency(session: Session, evaluation: Evaluation) -> dict[str, Consistency]:
    """Per alias with results; empty when the evaluation runs each row once."""
    k = evaluation.repeats
    if k <= 1:
        return {}
    t, i = TaskResult, EvaluationItem
    passed = or_(t.value_label == "true", t.value_number == 1)
    binary = or_(t.value_label.in_(("true", "false")), t.value_number.in_((0, 1)))
    per_row = (
        select(
            t.alias.label("alias"),
            func.count().label("cells"),
            # A number by its value (1 and 1.0 are one answer, 0.3 and 0.1 + 0.2 two), anything
            # else by its JSON. Not by the number's text: SQLite writes a REAL with 15 digits,
            # PostgreSQL -0 for -0.0, and each merged or split answers the other did not.
            (
                func.count(func.distinct(t.value_number))
                + func.count(func.distinct(case((t.value_number.is_(None), cast(t.value, Text)))))
            ).label("answers"),
            func.sum(case((passed, 1), else_=0)).label("passes"),
            func.sum(case((binary, 1), else_=0)).label("binaries"),
        )
        .join(i, i.id == t.item_id)
        .where(t.evaluation_id == evaluation.id, t.status.in_(RESULT_STATUSES))
        .group_by(t.alias, func.coalesce(i.row_item_id, i.id))
        .subquery()
    )
    whole = per_row.c.cells == k
    stmt = select(
        per_row.c.alias,
        func.sum(case((whole, 1), else_=0)),
        func.sum(case((and_(whole, per_row.c.answers > 1), 1), else_=0)),
        func.sum(case((and_(whole, per_row.c.passes == k), 1), else_=0)),
        func.sum(case((whole, per_row.c.passes), else_=0)),
        # 1 when every cell of the alias is binary: compare the sums, not row by row.
        cast(func.sum(per_row.c.binaries) == func.sum(per_row.c.cells), Integer),
    ).group_by(per_row.c.alias)
    out: dict[str, Consistency] = {}
    for alias, rows, changed, pass_all, passes, all_binary in session.execute(stmt):
        rows = int(rows or 0)
        binary_alias = bool(all_binary) and rows > 0
        out[alias] = Consistency(
            repeats=k,
            rows=rows,
            changed_share=changed / rows if rows else None,
            pass_all=pass_all / rows if binary_alias else None,
            pass_rate=int(passes) / (rows * k) if binary_alias else None,
        )
    return out
