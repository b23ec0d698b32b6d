"""Text compared in code point order on every database.

SQLite compares text by its bytes (BINARY), which for UTF-8 is code point order. PostgreSQL
compares in the database's collation: on an `en_US` database `_under` sorts before `alpha`, and
`alpha` before `Alpha` before `beta`. Where an order is part of an answer (a list sorted by
name, and the cursor that pages it), both databases must give the same one, so PostgreSQL is
told to compare such text under `C`, its byte order.
"""

from typing import Any

from sqlalchemy import SQLColumnExpression, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement


class CodePointOrder(FunctionElement[Any]):
    """`expr`, compared by code point: `expr COLLATE "C"` on PostgreSQL, itself elsewhere."""

    inherit_cache = True
    name = "code_point_order"

    def __init__(self, expr: SQLColumnExpression[Any]) -> None:
        super().__init__(expr)
        (argument,) = self.clauses.clauses
        self.type = argument.type


def code_point_order(expr: SQLColumnExpression[Any]) -> SQLColumnExpression[Any]:
    """`expr` compared by code point when it is text; any other type as it is."""
    ordered = CodePointOrder(expr)
    return ordered if isinstance(ordered.type, String) else expr


@compiles(CodePointOrder)
def _as_is(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(CodePointOrder, "postgresql")
def _collated(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)} COLLATE "C")'
