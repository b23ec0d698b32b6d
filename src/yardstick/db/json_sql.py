"""JSON in SQL, the same on SQLite and PostgreSQL.

Two families of constructs:

- Classifiers of a cell's JSON value (`JsonNumber`, `JsonLabel`), compiled per dialect. They
  define the generated columns `task_results.value_number` and `value_label` that summaries
  aggregate and index, so a summary reads narrow indexes instead of parsing every cell's JSON.
- Lookups of one top-level key of a JSON object column (`json_key_*`), for filters over
  evaluation metadata.

On SQLite a JSON column holds JSON text (`json_type` and `->>` parse it); on PostgreSQL these
columns have the `json` type, whose text form is the compact JSON we wrote (orjson), so both
dialects see the same text for the same value.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    SQLColumnExpression,
    String,
    Text,
    case,
    cast,
    func,
    literal,
    not_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

# Longest JSON text (quotes included) that is still a category rather than free text: a judge's
# choice or a label, not an answer. Longer strings are not tallied (nor indexed).
LABEL_MAX_CHARS = 100


class JsonNumber(FunctionElement[float]):
    """The JSON value as a float when it is a JSON number, else NULL."""

    type = Float()
    inherit_cache = True
    name = "json_number"


class JsonLabel(FunctionElement[str]):
    """The JSON text of a string or boolean value of at most LABEL_MAX_CHARS, else NULL."""

    type = Text()
    inherit_cache = True
    name = "json_label"


@compiles(JsonNumber, "sqlite")
def _number_sqlite(element: JsonNumber, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CASE WHEN json_type({value}) IN ('integer', 'real') THEN CAST({value} AS REAL) END"


@compiles(JsonNumber, "postgresql")
def _number_pg(element: JsonNumber, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return (
        f"CASE WHEN json_typeof({value}) = 'number' "
        f"THEN CAST(CAST({value} AS TEXT) AS DOUBLE PRECISION) END"
    )


@compiles(JsonLabel, "sqlite")
def _label_sqlite(element: JsonLabel, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return (
        f"CASE WHEN json_type({value}) IN ('text', 'true', 'false') "
        f"AND length({value}) <= {LABEL_MAX_CHARS} THEN {value} END"
    )


@compiles(JsonLabel, "postgresql")
def _label_pg(element: JsonLabel, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return (
        f"CASE WHEN json_typeof({value}) IN ('string', 'boolean') "
        f"AND length(CAST({value} AS TEXT)) <= {LABEL_MAX_CHARS} THEN CAST({value} AS TEXT) END"
    )


# A JSON number literal (RFC 8259) with JSON's whitespace around it: what "parses as a
# number" means for filter values, in Python and in both dialects' SQL alike. Not `\s`, which
# also takes a vertical tab and a form feed (SQLite's JSON parser does not: "\v10" was a
# number on PostgreSQL only), and an exponent of at most three digits, which PostgreSQL's
# `numeric` holds whatever the value (a double does not: "1e400" failed every filter of its key).
NUMBER_PATTERN = r"^[ \t\n\r]*-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?[ \t\n\r]*$"


@dataclass(frozen=True)
class KeyLookup:
    """One top-level key of a JSON object column, as SQL expressions."""

    # 'string', 'number', 'boolean', 'object', 'array', 'null', or NULL when the key is missing.
    json_type: ColumnElement[str]
    # A string's content; a number's or boolean's JSON text.
    text: ColumnElement[str]
    # SQLite: a number as it holds it (its text has 15 digits: 0.30000000000000004 reads
    # "0.3"); None on PostgreSQL, whose text is the number's own.
    number: ColumnElement[Any] | None = None


def json_key(column: SQLColumnExpression[Any], key: str, dialect: str) -> KeyLookup:
    """Look up `column[key]` (any key: dots, quotes and brackets are literal)."""
    if dialect == "postgresql":
        name = literal(key, String)
        return KeyLookup(func.json_typeof(column.op("->")(name)), column.op("->>")(name))
    # SQLite's JSON paths cannot quote every key (a `"` ends a quoted label), so the key is
    # found by json_each, which compares it as plain text.
    entries = func.json_each(column).table_valued("key", "value", "type")

    def first(expression: ColumnElement[Any]) -> ColumnElement[Any]:
        return select(expression).where(entries.c.key == key).limit(1).scalar_subquery()

    raw = entries.c.type
    json_type = case(
        (raw.in_(("integer", "real")), "number"),
        (raw == "text", "string"),
        (raw.in_(("true", "false")), "boolean"),
        else_=raw,
    )
    # json_each reads booleans as 1/0; their JSON text is wanted.
    text = case(
        (raw.in_(("true", "false")), raw),
        else_=cast(entries.c.value, Text),
    )
    number = case((raw.in_(("integer", "real")), entries.c.value))
    return KeyLookup(first(json_type), first(text), first(number))


def is_number_text(text: ColumnElement[str], dialect: str) -> ColumnElement[bool]:
    """`text` is a JSON number literal (see NUMBER_PATTERN)."""
    if dialect == "postgresql":
        return text.op("~")(literal(NUMBER_PATTERN))
    # SQLite has no regular expressions by default; its JSON parser knows the grammar, and a
    # GLOB finds an exponent of four digits or more.
    return case(
        (
            func.json_valid(text),
            func.json_type(text).in_(("integer", "real"))
            & not_(text.op("GLOB")(literal("*[eE]*[0-9][0-9][0-9][0-9]*"))),
        ),
        else_=False,
    )
