"""One column of a target's rows, as SQL, the same on SQLite and PostgreSQL.

A row is an evaluation item; its columns are the item's input (`data`, a JSON object kept as
text) and its cells (`task_result_cache`: one task's value, by alias). A column is a JSON path
into one of them, and reads as four expressions:

- `json`: the value's JSON text (compact, as it was written), NULL when missing or JSON null.
  Results return it parsed; grouping and COUNT_DISTINCT compare it, so `1` and `"1"` differ.
- `kind`: `number`, `string`, `boolean`, `object` or `array`, NULL when missing or null.
- `num`: JSON numbers as floats, else NULL: what SUM, AVG, MIN, MAX, STDDEV, VARIANCE and
  PERCENTILE aggregate and what a numeric comparison compares (booleans are not numbers, as in
  evaluation summaries).
- `text`: a string's content, or the JSON text of any other value; what LIKE and string
  comparisons read.
- `exact`: JSON numbers as the database holds them exactly (SQLite's integer or real,
  PostgreSQL's numeric), else NULL: what a filter by an integer past 2**53 compares, which a
  float cannot tell from its neighbours.

SQLite reads JSON text with json_type/json_extract/`->` (its JSON functions cache the parse of
one row's text, so several columns of one document cost one parse); PostgreSQL casts the text
to `json` (not `jsonb`, which would reorder keys and respell numbers) and reads it with
json_extract_path. A whole cell's numeric value is `task_results.value_number`, which the
database computes on write and indexes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    Numeric,
    Text,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class Col:
    json: ColumnElement[Any]
    kind: ColumnElement[Any]
    num: ColumnElement[Any]
    text: ColumnElement[Any]
    exact: ColumnElement[Any]


def sqlite_path(path: Sequence[str]) -> str:
    # Keys are quoted, so dots, brackets and spaces in them are literal. SQLite's paths have no
    # way to quote a `"`; catalog.py refuses such keys before they get here.
    return "$" + "".join(f'."{key}"' for key in path)


_SQLITE_KINDS = (
    ("integer", "number"),
    ("real", "number"),
    ("text", "string"),
    ("true", "boolean"),
    ("false", "boolean"),
    ("object", "object"),
    ("array", "array"),
)


def sqlite_col(
    document: ColumnElement[Any],
    path: Sequence[str],
    *,
    number: ColumnElement[Any] | None = None,
) -> Col:
    """`path` in a column of JSON text (the whole document when `path` is empty); `number` is
    the stored numeric value of the whole document, when there is one."""
    doc = type_coerce(document, Text())
    if path:
        where = literal(sqlite_path(path), Text())
        raw_type = func.json_type(doc, where)
        extracted = func.json_extract(doc, where)
        json_text = type_coerce(doc.op("->")(where), Text())
    else:
        raw_type = func.json_type(doc)
        extracted = func.json_extract(doc, literal("$", Text()))
        json_text = doc
    json_value = func.nullif(json_text, literal("null", Text()))
    kind = case(*((raw_type == raw, name) for raw, name in _SQLITE_KINDS), else_=null())
    is_number = raw_type.in_(("integer", "real"))
    if number is None:
        number = case((is_number, cast(extracted, Float())), else_=null())
    text = case((raw_type == "text", extracted), else_=json_value)
    return Col(
        json=type_coerce(json_value, Text()),
        kind=kind,
        num=type_coerce(number, Float()),
        text=type_coerce(text, Text()),
        exact=case((is_number, extracted), else_=null()),
    )


def postgresql_col(
    document: ColumnElement[Any],
    path: Sequence[str],
    *,
    is_json: bool,
    number: ColumnElement[Any] | None = None,
) -> Col:
    """`path` in a text column holding JSON (`is_json` False) or a `json` column."""
    doc: ColumnElement[Any] = document if is_json else cast(document, JSON())
    doc = type_coerce(doc, JSON())
    keys = [literal(key, Text()) for key in path]
    value: ColumnElement[Any]
    text: ColumnElement[Any]
    if path:
        value = func.json_extract_path(doc, *keys)
        text = func.json_extract_path_text(doc, *keys)
    else:
        value = doc
        text = doc.op("#>>", return_type=Text())(literal_column("'{}'"))
    json_type = func.json_typeof(value)
    kind = case((json_type == "null", null()), else_=json_type)
    json_value = case((json_type == "null", null()), else_=cast(value, Text()))
    if number is None:
        number = case((json_type == "number", cast(text, Float())), else_=null())
    return Col(
        json=type_coerce(json_value, Text()),
        kind=type_coerce(kind, Text()),
        num=type_coerce(number, Float()),
        text=type_coerce(text, Text()),
        exact=case((json_type == "number", cast(text, Numeric())), else_=null()),
    )


def constant_string(value: ColumnElement[Any]) -> Col:
    """A column that is a plain string (an id), as a JSON string."""
    as_text = type_coerce(value, Text())
    return Col(
        json=type_coerce(literal('"', Text()) + as_text + literal('"', Text()), Text()),
        kind=literal("string", Text()),
        num=type_coerce(null(), Float()),
        text=as_text,
        exact=null(),
    )
