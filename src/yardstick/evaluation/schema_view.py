"""`GET /v5/evaluations/{id}/schema`: the fields of an evaluation's items and task results.

Fields are flattened dot paths: objects are walked (`meta.lang`), arrays and scalars are leaves,
top-level keys stay bare (`input`) so the 0.7.0 SDK's `get_evaluation_columns` can offer them
as column names. Task results are fields of source `task_result_cache`, named by alias
(`answer`), or `alias.key` for results that are objects. Each (field, source) reports the items
holding it and its most frequent non-null JSON type (`null` when it is only ever null).

The walk is one recursive SQL query (json_each on SQLite, jsonb_each on PostgreSQL) grouped by
(source, path, type): the items never come to Python. Evaluations over SAMPLE_ABOVE items are
read from SAMPLE_SIZE items spread evenly over the row order (every k-th), not all of them.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.evaluation.service import evaluation_service

SAMPLE_ABOVE = 10_000
SAMPLE_SIZE = 1_000
MAX_DEPTH = 32  # objects nested deeper are reported as objects, not walked

Source = Literal["data", "task_result_cache"]

# Each dialect's JSON type names, in the schema's vocabulary.
_TYPES = {
    "integer": "number",
    "real": "number",
    "text": "string",
    "true": "boolean",
    "false": "boolean",
    "number": "number",
    "string": "string",
    "boolean": "boolean",
    "null": "null",
    "array": "array",
    "object": "object",
}

# The items analysed (ids, then their data): all of them, or every `step`-th in row order. The
# k-th are reached by skipping `step - 1` entries of the (evaluation_id, id) index from the last
# one taken, so sampling 1,000,000 items costs one pass over the index, not numbering the rows
# (a window function took ~2 s there).
_ALL = """
sample_ids(id) AS (SELECT id FROM evaluation_items WHERE evaluation_id = :evaluation_id),"""
_EVERY_KTH = """
sample_ids(id, n) AS (
    SELECT (
        SELECT id FROM evaluation_items WHERE evaluation_id = :evaluation_id ORDER BY id LIMIT 1
    ), 1
    UNION ALL
    SELECT (
        SELECT i.id FROM evaluation_items i
        WHERE i.evaluation_id = :evaluation_id AND i.id > s.id
        ORDER BY i.id LIMIT 1 OFFSET :skip
    ), s.n + 1
    FROM sample_ids s WHERE s.id IS NOT NULL AND s.n < :size
),"""
_SAMPLE = """
sample AS (
    SELECT i.id, i.data FROM evaluation_items i JOIN sample_ids s ON s.id = i.id
)"""

_SQLITE = f"""
WITH RECURSIVE {{ids}}{_SAMPLE},
walk(item_id, source, path, value, type, depth) AS (
    SELECT s.id, 'data', j.key, j.value, j.type, 1 FROM sample s, json_each(s.data) j
    UNION ALL
    SELECT c.item_id, 'task_result_cache', c.alias, c.value, json_type(c.value), 1
    FROM task_results c JOIN sample s ON s.id = c.item_id
    WHERE c.status IN ('completed', 'prefilled') AND c.value IS NOT NULL
    UNION ALL
    SELECT w.item_id, w.source, w.path || '.' || j.key, j.value, j.type, w.depth + 1
    FROM walk w, json_each(CASE WHEN w.type = 'object' THEN w.value ELSE '{{}}' END) j
    WHERE w.type = 'object' AND w.depth < {MAX_DEPTH}
)
SELECT source, path, type, count(DISTINCT item_id) FROM walk
WHERE type != 'object' OR value = '{{}}' OR depth = {MAX_DEPTH}
GROUP BY source, path, type
"""


def _object(value: str) -> str:
    # jsonb_each fails on a non-object, and the planner may call it before a type test runs.
    return f"CASE WHEN jsonb_typeof({value}) = 'object' THEN {value} ELSE CAST('{{}}' AS jsonb) END"


_POSTGRESQL = f"""
WITH RECURSIVE {{ids}}{_SAMPLE},
roots(item_id, source, path, value) AS (
    SELECT s.id, 'data', j.key, j.value
    FROM sample s CROSS JOIN LATERAL jsonb_each({_object("CAST(s.data AS jsonb)")}) j
    UNION ALL
    SELECT c.item_id, 'task_result_cache', c.alias, CAST(c.value AS jsonb)
    FROM task_results c JOIN sample s ON s.id = c.item_id
    WHERE c.status IN ('completed', 'prefilled') AND c.value IS NOT NULL
),
walk(item_id, source, path, value, type, depth) AS (
    SELECT item_id, source, path, value, jsonb_typeof(value), 1 FROM roots
    UNION ALL
    SELECT w.item_id, w.source, w.path || '.' || j.key, j.value, jsonb_typeof(j.value), w.depth + 1
    FROM walk w CROSS JOIN LATERAL jsonb_each({_object("w.value")}) j
    WHERE w.type = 'object' AND w.depth < {MAX_DEPTH}
)
SELECT source, path, type, count(DISTINCT item_id) FROM walk
WHERE type != 'object' OR value = CAST('{{}}' AS jsonb) OR depth = {MAX_DEPTH}
GROUP BY source, path, type
"""


@dataclass(frozen=True)
class Field:
    field_name: str
    data_type: str
    source: Source
    item_count: int


@dataclass(frozen=True)
class EvaluationSchema:
    evaluation_id: str
    fields: list[Field]
    total_items: int
    is_sampled: bool
    sample_size: int | None


class EvaluationSchemaService:
    def get(
        self, session: Session, principal: Principal, evaluation_id: str, *, include_archived: bool
    ) -> EvaluationSchema:
        evaluation = evaluation_service.get(
            session, principal, evaluation_id, include_archived=include_archived
        )
        total = evaluation.item_count
        sampled = total > SAMPLE_ABOVE
        step = total // SAMPLE_SIZE if sampled else 1
        sql = _POSTGRESQL if session.get_bind().dialect.name == "postgresql" else _SQLITE
        ids, params = (
            (_EVERY_KTH, {"skip": step - 1, "size": SAMPLE_SIZE}) if sampled else (_ALL, {})
        )
        rows = session.execute(
            text(sql.replace("{ids}", ids)), {"evaluation_id": evaluation.id, **params}
        ).all()
        return EvaluationSchema(
            evaluation_id=evaluation.id,
            fields=_fields(rows),
            total_items=total,
            is_sampled=sampled,
            sample_size=min(SAMPLE_SIZE, total) if sampled else None,
        )


def _fields(rows: Sequence[Any]) -> list[Field]:
    """One field per (source, path): its item count and its most frequent non-null type."""
    types: dict[tuple[Source, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for source, path, raw_type, items in rows:
        types[(source, path)][_TYPES.get(raw_type, raw_type)] += int(items)
    fields = []
    for (source, path), counts in types.items():
        typed = {kind: n for kind, n in counts.items() if kind != "null"}
        # Most items first, then the type name, so ties come out the same on every run.
        data_type = min(typed, key=lambda kind: (-typed[kind], kind)) if typed else "null"
        fields.append(Field(path, data_type, source, sum(counts.values())))
    return sorted(fields, key=lambda f: (f.field_name, f.source))


def schema_json(schema: EvaluationSchema) -> dict[str, Any]:
    return {
        "object": "evaluation_schema",
        "evaluation_id": schema.evaluation_id,
        "fields": [
            {
                "object": "field_schema",
                "field_name": f.field_name,
                "data_type": f.data_type,
                "source": f.source,
                "item_count": f.item_count,
            }
            for f in schema.fields
        ],
        "total_items": schema.total_items,
        "is_sampled": schema.is_sampled,
        "sample_size": schema.sample_size,
    }


evaluation_schema_service = EvaluationSchemaService()
