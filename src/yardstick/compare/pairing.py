"""Which item of one evaluation is the same row as which item of the other.

A paired test is only as good as its pairs. In order of preference, items pair:
- by `dataset_item_id`, when both evaluations were built from one dataset (whatever versions:
  a dataset item keeps its id across versions);
- by a data column the caller names (`pair_by`), or the one an evaluation group's row
  identifiers name for each member (when both members have one); a dotted name (`meta.qid`)
  is a path into the row when the row has no key of that whole name, as on dashboards;
- else by the content of the row: a hash of its JSON with sorted keys, so two uploads of the
  same rows pair whatever their key order or whitespace.
A key that occurs k times on one side and j times on the other makes min(k, j) pairs, in item
order; everything left over is counted as unpaired, never dropped silently.
A row run several times (`repeats`) pairs once, as its first item; compare/cells.py gathers
its other repeats onto the same pair.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from yardstick.compare.json_columns import json_columns
from yardstick.errors import Unprocessable
from yardstick.models import EvaluationDataset, EvaluationItem

BY_DATASET_ITEM = "dataset_item_id"
BY_CONTENT = "content_hash"


@dataclass(frozen=True)
class Pairing:
    by: str
    baseline_items: list[str]  # aligned: baseline_items[i] pairs with candidate_items[i]
    candidate_items: list[str]
    baseline_only: int
    candidate_only: int


@dataclass(frozen=True)
class _Side:
    evaluation_id: str
    column: str | None  # `pair_by`, or a group member's own row identifier
    # Where a refusal points: ["body", "pair_by"], or the group when its identifiers chose.
    loc: tuple[str, ...] = ("body", "pair_by")


def pair(
    session: Session,
    baseline_id: str,
    candidate_id: str,
    *,
    pair_by: str | None,
    row_identifiers: dict[str, str] | None = None,
) -> Pairing:
    identifiers = row_identifiers or {}
    if pair_by == BY_DATASET_ITEM or (
        pair_by is None and _same_dataset(session, baseline_id, candidate_id)
    ):
        return _pair_by_dataset_item(session, baseline_id, candidate_id)
    if pair_by is not None:
        baseline, candidate = _Side(baseline_id, pair_by), _Side(candidate_id, pair_by)
    else:
        group = ("body", "evaluation_group_id")
        baseline = _Side(baseline_id, identifiers.get(baseline_id), group)
        candidate = _Side(candidate_id, identifiers.get(candidate_id), group)
    if baseline.column is None or candidate.column is None:
        # Identifiers for neither, or one, of the two: by content, as the docs say ("else");
        # one alone was a 422 that blamed a `pair_by` never sent.
        baseline, candidate = _Side(baseline_id, None), _Side(candidate_id, None)
        return _match(BY_CONTENT, _keys(session, baseline), _keys(session, candidate))
    by = f"column:{baseline.column}"
    if candidate.column != baseline.column:
        by = f"column:{baseline.column}={candidate.column}"
    return _match(by, _keys(session, baseline), _keys(session, candidate))


def _same_dataset(session: Session, baseline_id: str, candidate_id: str) -> bool:
    datasets = select(EvaluationDataset.dataset_id).where
    shared = set(session.scalars(datasets(EvaluationDataset.evaluation_id == baseline_id)))
    return bool(
        shared & set(session.scalars(datasets(EvaluationDataset.evaluation_id == candidate_id)))
    )


def _pair_by_dataset_item(session: Session, baseline_id: str, candidate_id: str) -> Pairing:
    def keys(evaluation_id: str) -> list[tuple[str, str | None]]:
        item = EvaluationItem
        ids, dataset_items = json_columns(
            session.connection(),
            [item.id, item.dataset_item_id],
            and_(item.evaluation_id == evaluation_id, item.repeat == 0),
        )
        found = sorted(zip(ids, dataset_items, strict=True))  # in item order
        if all(key is None for _, key in found):
            raise Unprocessable(
                ["body", "pair_by"],
                f"evaluation {evaluation_id} has no dataset items to pair by; pair by a data "
                "column instead",
            )
        return found

    return _match(BY_DATASET_ITEM, keys(baseline_id), keys(candidate_id))


def _keys(session: Session, side: _Side) -> list[tuple[str, str | None]]:
    """(item id, pairing key) of every item, in item order; None for a row without the column."""
    rows = session.connection().execute(
        select(EvaluationItem.id, EvaluationItem.data)
        .where(EvaluationItem.evaluation_id == side.evaluation_id, EvaluationItem.repeat == 0)
        .order_by(EvaluationItem.id)
    )
    keys: list[tuple[str, str | None]] = []
    for item_id, data in rows:
        row = orjson.loads(data)
        if side.column is None:
            content = orjson.dumps(row, option=orjson.OPT_SORT_KEYS)
            keys.append((item_id, hashlib.blake2b(content, digest_size=16).hexdigest()))
        else:
            value = _column(row, side.column)
            keys.append((item_id, None if value is None else _key(value)))
    if side.column is not None and all(key is None for _, key in keys):
        raise Unprocessable(
            list(side.loc),
            f"no item of evaluation {side.evaluation_id} has the column {side.column!r} "
            "(pairing reads the rows' input columns, not tasks' results)",
        )
    return keys


def _column(row: Any, name: str) -> Any:
    """The row's value of column `name`: its key of that name, else the path its dots spell."""
    if not isinstance(row, dict):
        return None
    if name in row:
        return row[name]
    value: Any = row
    for part in name.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _key(value: Any) -> str:
    """A column's value as a pairing key: its JSON text, an integral float written as the
    integer it equals, so that 1.0 pairs with 1 (pandas writes integer ids as floats once a
    column has a gap)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _match(
    by: str,
    baseline: Sequence[tuple[str, str | None]],
    candidate: Sequence[tuple[str, str | None]],
) -> Pairing:
    # Keys are usually unique on a side (dataset items, ids): then one dict lookup per row.
    # Reversed, so with duplicate keys the first candidate item of a key wins, in item order.
    unique = {key: item_id for item_id, key in reversed(candidate) if key is not None}
    waiting: dict[str, str | list[str]] = dict(unique)
    if len(unique) < sum(key is not None for _, key in candidate):
        lists: defaultdict[str, list[str]] = defaultdict(list)
        for item_id, key in reversed(candidate):
            if key is not None:
                lists[key].append(item_id)  # reversed, so pop() hands them out in item order
        waiting = dict(lists)
    baseline_items: list[str] = []
    candidate_items: list[str] = []
    for item_id, key in baseline:
        if key is None:
            continue
        partner = waiting.get(key)
        if isinstance(partner, list):
            if not partner:
                continue
            partner_id = partner.pop()
        elif partner is None:
            continue
        else:
            partner_id = partner
            del waiting[key]  # each candidate item pairs once
        baseline_items.append(item_id)
        candidate_items.append(partner_id)
    paired = len(baseline_items)
    return Pairing(
        by=by,
        baseline_items=baseline_items,
        candidate_items=candidate_items,
        baseline_only=len(baseline) - paired,
        candidate_only=len(candidate) - paired,
    )
