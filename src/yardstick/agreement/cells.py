"""The two aliases' results on the items where both have one, read from `task_results`.

One query joins the two aliases' cells by item (their primary key) and reads, for each side,
what the classified columns the database computes on write (models/task_result.py) say: the
stored number where `value_number` is set, and `value_label`, the JSON text of a short string
or a boolean. Other
values (objects, arrays, long text) are neither, and come back as two nulls. The rows are
aggregated into JSON arrays in the database and parsed by orjson (compare/json_columns.py), so
a million items cost a scan and a parse, not a million Python rows.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from yardstick.compare.cells import RESULT_STATUSES
from yardstick.compare.json_columns import json_columns
from yardstick.models import TaskResult


@dataclass(frozen=True)
class Side:
    """One alias's values, position i being item i of the pairs."""

    numbers: list[float | None]  # the JSON number, or None
    labels: list[str | None]  # the JSON text of a short string or boolean, or None


@dataclass(frozen=True)
class Pairs:
    """The items on which both aliases have a result (completed or prefilled), in row order."""

    item_ids: list[str]
    human: Side
    judge: Side


@dataclass(frozen=True)
class Counts:
    """An alias's cells by what they hold."""

    results: int  # completed or prefilled
    errored: int


def paired(session: Session, evaluation_id: str, human: str, judge: str) -> Pairs:
    connection = session.connection()
    h, j = aliased(TaskResult), aliased(TaskResult)

    def number(t: Any) -> Any:
        # The number as stored, not the double of `value_number`: 2**53 + 1 is not 2**53, and
        # SQLite's REAL would also come out with 15 digits. SQLite's column holds JSON text,
        # which the array would quote; PostgreSQL's is JSON and goes in as it is.
        stored = func.json(t.value) if connection.dialect.name == "sqlite" else t.value
        return case((t.value_number.isnot(None), stored))

    where = and_(
        h.evaluation_id == evaluation_id,
        h.alias == human,
        h.status.in_(RESULT_STATUSES),
        j.item_id == h.item_id,
        j.alias == judge,
        j.status.in_(RESULT_STATUSES),
    )
    columns = [h.item_id, number(h), h.value_label, number(j), j.value_label]
    ids, human_numbers, human_labels, judge_numbers, judge_labels = json_columns(
        connection, columns, where
    )
    # json_columns promises no order: row order is item id order.
    order = sorted(range(len(ids)), key=ids.__getitem__)

    def pick(values: list[Any]) -> list[Any]:
        return [values[i] for i in order]

    return Pairs(
        item_ids=pick(ids),
        human=Side(pick(human_numbers), pick(human_labels)),
        judge=Side(pick(judge_numbers), pick(judge_labels)),
    )


def counts(session: Session, evaluation_id: str, aliases: list[str]) -> dict[str, Counts]:
    """Per alias, its result and errored cells: one grouped read of the counts index."""
    t = TaskResult
    stmt = (
        select(t.alias, t.status, func.count())
        .where(t.evaluation_id == evaluation_id, t.alias.in_(aliases))
        .group_by(t.alias, t.status)
    )
    found: dict[str, dict[str, int]] = {alias: {} for alias in aliases}
    for alias, status, cells in session.execute(stmt).tuples():
        found[alias][status] = cells
    return {
        alias: Counts(
            results=sum(statuses.get(status, 0) for status in RESULT_STATUSES),
            errored=statuses.get("errored", 0),
        )
        for alias, statuses in found.items()
    }
