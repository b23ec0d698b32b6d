"""A widget query compiled to one SQL statement over the target's rows, and its result read.

Everything is computed by the database; Python only reads the rows of the answer (a metric's
one value, a series' at most `limit` rows). The statement, built with SQLAlchemy Core:

- Rows: the target's items (`evaluation_items` of the evaluations in scope), with one LEFT JOIN
  of `task_results` per alias the query reads, on the primary key (item, alias). A query that
  reads only one alias and can never count a row without its cell (aggregations that skip
  nulls, no grouping, no IS NULL) reads that alias's cells alone: no items, no join.
- A raw series (no aggregation, no groupBy): SELECT the columns, ORDER BY, LIMIT.
- Otherwise an inner SELECT computes, per row, the group keys and each aggregation's input
  (window functions add what STDDEV, VARIANCE and PERCENTILE need: the group's mean, and each
  value's rank and the group's count), and the outer SELECT groups and aggregates. On SQLite
  the inner query carries `LIMIT -1` so that it is not flattened into the outer one: flattened,
  SQLite's GROUP BY sorter would carry each row's whole `data` text instead of its keys.

Exact and the same on both databases:
- VARIANCE (sample, n-1) is two-pass: sum((x - mean)^2) / (n - 1) with the mean from a window,
  not the sum of squares, which loses every digit when the mean is large next to the spread.
  The values enter as offsets from the middle of the group's range (min/2 + max/2, windows
  too), so the mean's sum keeps their small parts: summing 1e15 + 0..3 kept none, and the
  variance came out 3.5 for 1.25. STDDEV is its square root (taken in Python: SQLite may lack
  sqrt). AVG is the plain sum over the count: a window there cost 15x on a grouped AVG of
  1,000,000 rows (`./dev bench dashboards`), so its last digits are the sum's.
- A group key and COUNT_DISTINCT tell values apart by their JSON text, as written (`1`, `1.0`
  and `"1"` are three): a number's value instead cost ~25 % on grouped queries of 1,000,000
  rows (`./dev bench dashboards`).
- PERCENTILE is PostgreSQL's percentile_cont (linear interpolation between the values ranked
  floor(p/100 (n-1)) + 1 and the next), from row_number() over the group ordered by value.
- PERCENTAGE is 100 x (rows matching `percentage_filters`) / rows, over the rows where the
  column is not null (all rows for `*`).
- Strings compare and sort by their bytes (PostgreSQL's "C" collation, SQLite's BINARY); LIKE is
  case-sensitive with `%` and `_` as wildcards and no escape character on both.
- NULLs sort last in both directions.
"""

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from yardstick.db.json_sql import NUMBER_PATTERN
from yardstick.evaluation_dashboard.catalog import (
    Catalog,
    Loc,
    QueryError,
    Resolved,
    Scope,
)
from yardstick.evaluation_dashboard.columns import (
    Col,
    postgresql_col,
    sqlite_col,
)
from yardstick.evaluation_dashboard.query import (
    DEFAULT_ROWS,
    AggregationExpression,
    ColumnExpression,
    Condition,
    Filter,
    MetricQuery,
    Query,
    SeriesQuery,
)
from yardstick.evaluation_dashboard.rows import Rows

# Aggregations over the column's numbers.
NUMERIC = frozenset({"SUM", "AVG", "MIN", "MAX", "STDDEV", "VARIANCE", "PERCENTILE"})
ROWS = frozenset({"*", "_"})  # COUNT(*) / COUNT(_): rows, not values


@dataclass
class Output:
    """One select item: its alias and how its value is read back."""

    alias: str
    kind: str  # "column" | function name
    label: str


@dataclass
class Compiled:
    stmt: Select[Any]
    outputs: list[Output]
    metric: bool
    # A statement that needs a count first: (the count, the statement for that count).
    counted: tuple[Select[Any], Callable[[int], Select[Any]]] | None = None

    def result(self, rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
        data = [
            {out.alias: _value(out.kind, row[index]) for index, out in enumerate(self.outputs)}
            for row in rows
        ]
        if self.metric:
            value = data[0][self.outputs[0].alias] if data else None
            return {"type": "metric", "data": value}
        return {"type": "series", "data": data}


def _value(kind: str, raw: Any) -> Any:
    if raw is None:
        return None
    if kind == "column":
        return orjson.loads(raw)
    if kind in ("COUNT", "COUNT_DISTINCT"):
        return int(raw)
    number = float(raw)
    if kind == "STDDEV":
        number = math.sqrt(max(number, 0.0))
    return number if math.isfinite(number) else None


class Compiler:
    def __init__(self, catalog: Catalog, scope: Scope, dialect: str) -> None:
        self.catalog = catalog
        self.scope = scope
        self.dialect = dialect

    # --- strings, as both databases compare them ---------------------------------------------

    def _binary(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        return text.collate("C") if self.dialect == "postgresql" else text

    def _like(self, text: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            # Backslash is PostgreSQL's default escape; doubled, it is a plain character.
            return text.like(pattern.replace("\\", "\\\\"))
        glob = "".join(
            {"*": "[*]", "?": "[?]", "[": "[[]", "%": "*", "_": "?"}.get(ch, ch) for ch in pattern
        )
        return text.op("GLOB")(literal(glob))

    # --- filters ------------------------------------------------------------------------------

    def filter(self, rows: Rows, spec: Filter, loc: Loc) -> ColumnElement[bool]:
        conditions = spec.conditions
        operators = spec.logical_operators
        if operators is not None and len(operators) != max(len(conditions) - 1, 0):
            raise QueryError(
                [*loc, "logicalOperators"],
                f"needs {max(len(conditions) - 1, 0)} operators for {len(conditions)} "
                f"conditions, got {len(operators)}",
            )
        if not conditions:
            return true()
        joins = operators if operators is not None else ["AND"] * (len(conditions) - 1)
        combined = self.condition(rows, conditions[0], [*loc, "conditions", 0])
        for index, (joiner, condition) in enumerate(
            zip(joins, conditions[1:], strict=True), start=1
        ):
            nxt = self.condition(rows, condition, [*loc, "conditions", index])
            # Left to right, no precedence: ((c0 op c1) op c2) ...
            combined = and_(combined, nxt) if joiner == "AND" else or_(combined, nxt)
        return combined

    def condition(self, rows: Rows, cond: Condition, loc: Loc) -> ColumnElement[bool]:
        column = rows.col(self.catalog.resolve(cond.column, cond.source, [*loc, "column"]))
        op, value = cond.operator, cond.value
        if op == "IS NULL":
            return column.json.is_(None)
        if op == "IS NOT NULL":
            return column.json.isnot(None)
        if value is None:
            raise QueryError([*loc, "value"], f"operator {op!r} needs a value")
        present = column.json.isnot(None)
        if op in ("IN", "NOT IN"):
            values = value if isinstance(value, list) else [value]
            if not values:
                raise QueryError([*loc, "value"], f"{op} needs at least one value")
            matched = or_(*(self._equals(column, v) for v in values))
            return matched if op == "IN" else and_(present, ~matched)
        if isinstance(value, list):
            raise QueryError([*loc, "value"], f"operator {op!r} takes one value, not a list")
        if op in ("LIKE", "NOT LIKE"):
            if not isinstance(value, str):
                raise QueryError([*loc, "value"], f"{op} needs a string pattern")
            matched = _two_valued(self._like(column.text, value))
            return matched if op == "LIKE" else and_(present, ~matched)
        if op == "=":
            return self._equals(column, value)
        if op == "!=":
            return and_(present, ~self._equals(column, value))
        return self._compare(column, op, value, [*loc, "value"])

    def _numbers(self, column: Col, value: float) -> tuple[ColumnElement[Any], Any]:
        """What a filter by a number compares: the column's float and the value's, or, for an
        integer from 2**53 on (where floats round: `= 2**53 + 1` counted 2**53 too), the column
        as the database holds it exactly and the integer. SQLite binds 64-bit integers only:
        past them it compares floats, as it stores such numbers anyway."""
        bindable = self.dialect == "postgresql" or -(2**63) <= value < 2**63
        if isinstance(value, int) and abs(value) >= 2**53 and bindable:
            return column.exact, value
        return column.num, float(value)

    def _equals(self, column: Col, value: Any) -> ColumnElement[bool]:
        if isinstance(value, bool):
            return _two_valued(
                and_(column.kind == "boolean", column.text == ("true" if value else "false"))
            )
        if isinstance(value, int | float):
            left, right = self._numbers(column, value)
            return _two_valued(left == right)
        if _is_number(value):
            # A number sent as a string equals the number, and the string too.
            return _two_valued(
                or_(
                    column.num == float(value),
                    and_(column.kind == "string", self._binary(column.text) == value),
                )
            )
        # A string equals strings only: "false" is not the boolean false, nor "[1]" the array.
        return _two_valued(and_(column.kind == "string", self._binary(column.text) == value))

    def _compare(self, column: Col, op: str, value: Any, loc: Loc) -> ColumnElement[bool]:
        if isinstance(value, bool):
            raise QueryError(loc, f"operator {op!r} does not compare booleans")
        compare = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}[op]
        if isinstance(value, int | float):
            left, right = self._numbers(column, value)
            return _two_valued(compare(left, right))
        as_text = and_(column.kind == "string", compare(self._binary(column.text), value))
        if _is_number(value):
            # A string that is a number compares with strings as text, and with numbers too
            # (as `=` does): "3" >= "2", and so is 10.
            return _two_valued(or_(compare(column.num, float(value)), as_text))
        return _two_valued(as_text)

    # --- the statement ------------------------------------------------------------------------

    def compile(self, query: Query, loc: Loc) -> Compiled:
        metric = isinstance(query, MetricQuery)
        aggregations = [
            item for item in query.select if isinstance(item.expression, AggregationExpression)
        ]
        group_by = [] if isinstance(query, MetricQuery) else list(query.group_by or [])
        if metric and (len(query.select) != 1 or not aggregations):
            raise QueryError([*loc, "select"], "a metric query selects exactly one aggregation")
        aliases = self._aliases(query, loc)
        self._check_evaluation_ids(query, loc)
        self._numbers_only = False
        rows = Rows(self.dialect, self.scope.evaluation_ids, self._cells_only(query, loc))
        rows.numbers_only = rows.cells_only is not None and self._numbers_only
        where: ColumnElement[bool] = true()
        if query.filter is not None:
            where = self.filter(rows, query.filter, [*loc, "filter"])
        if not aggregations and not group_by:
            assert isinstance(query, SeriesQuery)
            return self._raw(rows, query, aliases, where, loc)
        only = query.select[0].expression
        if (
            len(query.select) == 1
            and not group_by
            and isinstance(only, AggregationExpression)
            and only.function == "PERCENTILE"
            and not only.evaluation_ids
            and rows.numbers_only
            and len(self.scope.evaluation_ids) == 1
        ):
            return self._percentile_by_offset(rows, only, aliases[0], where, metric, loc)
        return self._grouped(rows, query, aliases, group_by, where, loc)

    def _aliases(self, query: Query, loc: Loc) -> list[str]:
        names: list[str] = []
        for index, item in enumerate(query.select):
            expression = item.expression
            if item.alias is not None:
                name = item.alias
            elif isinstance(expression, AggregationExpression):
                name = f"{expression.function}({expression.column})"
            else:
                name = expression.column
            if name in names:
                raise QueryError(
                    [*loc, "select", index, "alias"],
                    f"{name!r} names two select items: give them distinct aliases",
                )
            names.append(name)
        return names

    def _check_evaluation_ids(self, query: Query, loc: Loc) -> None:
        allowed = set(self.scope.evaluation_ids)
        per_aggregation = False
        for index, item in enumerate(query.select):
            expression = item.expression
            if isinstance(expression, AggregationExpression) and expression.evaluation_ids:
                per_aggregation = True
                self._members(
                    expression.evaluation_ids,
                    allowed,
                    [*loc, "select", index, "expression", "evaluation_ids"],
                )
        if query.latest_only and per_aggregation:
            raise QueryError(
                [*loc, "latest_only"], "cannot be combined with per-aggregation evaluation_ids"
            )

    def _members(self, ids: Sequence[str], allowed: set[str], loc: Loc) -> None:
        for position, evaluation_id in enumerate(ids):
            if evaluation_id not in allowed:
                what = (
                    "a live member of the dashboard's group"
                    if self.scope.is_group
                    else ("the dashboard's evaluation")
                )
                raise QueryError([*loc, position], f"{evaluation_id!r} is not {what}")

    def _cells_only(self, query: Query, loc: Loc) -> str | None:
        """The alias whose cells alone can be the rows (see the module docstring), or None."""
        if isinstance(query, SeriesQuery) and query.group_by:
            return None
        columns: list[Resolved] = []
        for index, item in enumerate(query.select):
            expression = item.expression
            where = [*loc, "select", index, "expression", "column"]
            if not isinstance(expression, AggregationExpression):
                return None
            if expression.column in ROWS:
                return None
            columns.append(self.catalog.resolve(expression.column, expression.source, where))
            if expression.function == "PERCENTAGE":
                # Its rows are those where the column is not null, so a row without the cell
                # never counts, whatever the percentage filter says about it.
                spec = (expression.params or {}).get("percentage_filters")
                try:
                    share = Filter.model_validate(spec)
                except ValueError:
                    return None  # refused with its location by _aggregated_value
                for position, condition in enumerate(share.conditions):
                    at = [*loc, "select", index, "expression", "params", "percentage_filters"]
                    columns.append(
                        self.catalog.resolve(
                            condition.column,
                            condition.source,
                            [*at, "conditions", position, "column"],
                        )
                    )
        if query.filter is not None:
            for index, condition in enumerate(query.filter.conditions):
                if condition.operator == "IS NULL":
                    return None
                where = [*loc, "filter", "conditions", index, "column"]
                columns.append(self.catalog.resolve(condition.column, condition.source, where))
        self._numbers_only = all(not c.path for c in columns) and _numeric_only(query)
        aliases = {column.alias for column in columns}
        if (
            len(aliases) != 1
            or None in aliases
            or any(c.source != "task_result_cache" for c in columns)
        ):
            return None
        return aliases.pop()

    def _raw(
        self,
        rows: Rows,
        query: SeriesQuery,
        aliases: list[str],
        where: ColumnElement[bool],
        loc: Loc,
    ) -> Compiled:
        columns = []
        outputs = []
        by_alias: dict[str, Col] = {}
        for index, (item, alias) in enumerate(zip(query.select, aliases, strict=True)):
            expression = item.expression
            assert isinstance(expression, ColumnExpression)
            col = rows.col(
                self.catalog.resolve(
                    expression.column,
                    expression.source,
                    [*loc, "select", index, "expression", "column"],
                )
            )
            by_alias[alias] = col
            columns.append(col.json.label(f"c{index}"))
            outputs.append(Output(alias, "column", f"c{index}"))
        order: list[Any] = []
        for index, spec in enumerate(query.order_by or []):
            col = by_alias.get(spec.column) or rows.col(
                self.catalog.resolve(spec.column, spec.source, [*loc, "orderBy", index, "column"])
            )
            order.extend(self._sort(col, descending=spec.direction == "DESC"))
        order.append(rows.row_id().asc())
        source, scope = rows.from_and_where()
        stmt = (
            select(*columns)
            .select_from(source)
            .where(scope, where)
            .order_by(*order)
            .limit(query.limit or DEFAULT_ROWS)
        )
        return Compiled(stmt, outputs, metric=False)

    def _percentile_by_offset(
        self,
        rows: Rows,
        expression: AggregationExpression,
        alias: str,
        where: ColumnElement[bool],
        metric: bool,
        loc: Loc,
    ) -> Compiled:
        """One PERCENTILE of one evaluation's cell numbers, without sorting: the partial index
        of (evaluation, alias, value_number) holds them in order, so the two values around the
        position are read at OFFSET floor(p/100 (n-1)) of it, n being an index-only count."""
        item_loc = [*loc, "select", 0, "expression"]
        percentile = self._percentile(expression, item_loc)
        value = rows.col(
            self.catalog.resolve(expression.column, expression.source, [*item_loc, "column"])
        ).num
        source, scope = rows.from_and_where()
        count = select(func.count()).select_from(source).where(scope, where)

        def around(n: int) -> Select[Any]:
            # The position as the window form computes it (_aggregate): p x (n - 1) / 100 in
            # floating point, the same operations, so the same value.
            position = percentile * (n - 1) / 100.0
            low = max(math.floor(position), 0)
            pair = (
                select(value.label("v"))
                .select_from(source)
                .where(scope, where)
                .order_by(value.asc())
                .limit(2)
                .offset(low)
                .subquery("around")
            )
            first, second = func.min(pair.c.v), func.max(pair.c.v)
            fraction = literal(position - low, Float())
            answer = case((fraction > 0, first + (second - first) * fraction), else_=first)
            return select(answer.label("o0")).select_from(pair)

        stmt = around(0)
        return Compiled(
            stmt, [Output(alias, "PERCENTILE", "o0")], metric=metric, counted=(count, around)
        )

    def _sort(self, col: Col, *, descending: bool) -> list[Any]:
        keys = [col.num, self._binary(col.text)]
        return [(k.desc() if descending else k.asc()).nulls_last() for k in keys]

    def _grouped(
        self,
        rows: Rows,
        query: Query,
        aliases: list[str],
        group_by: list[str],
        where: ColumnElement[bool],
        loc: Loc,
    ) -> Compiled:
        inner: list[Any] = []
        keys: list[tuple[Resolved, str]] = []  # (column, label prefix)
        partition: list[Any] = []
        for index, name in enumerate(group_by):
            resolved = self._group_column(name, query, [*loc, "groupBy", index])
            if any(resolved.key == known.key for known, _ in keys):
                continue
            col = rows.col(resolved)
            label = f"k{len(keys)}"
            # Only the key's JSON text per row; what sorts it is read from the groups' keys
            # (a few rows) in the outer query, rather than extracted from every row.
            inner.append(col.json.label(label))
            keys.append((resolved, label))
            partition.append(col.json)

        needs_window = False
        spread: list[str] = []  # the labels of STDDEV and VARIANCE items
        plans: list[tuple[str, Any]] = []  # (kind, data) per select item, read below
        for index, (item, alias) in enumerate(zip(query.select, aliases, strict=True)):
            expression = item.expression
            where_item = [*loc, "select", index, "expression"]
            if isinstance(expression, ColumnExpression):
                resolved = self.catalog.resolve(
                    expression.column, expression.source, [*where_item, "column"]
                )
                key_label = next((lb for known, lb in keys if known.key == resolved.key), None)
                if key_label is None:
                    raise QueryError(
                        [*where_item, "column"],
                        f"{expression.column!r} is neither aggregated nor in groupBy",
                    )
                plans.append(("column", key_label))
                continue
            value = self._aggregated_value(rows, expression, where_item)
            label = f"v{index}"
            inner.append(value.label(label))
            if expression.function in ("STDDEV", "VARIANCE"):
                # Offsets from the middle of the group's range: a large mean next to a small
                # spread loses no digits to the mean's sum (see the module's docstring).
                needs_window = True
                smallest = func.min(value).over(partition_by=partition)
                largest = func.max(value).over(partition_by=partition)
                offset = value - (smallest / 2.0 + largest / 2.0)
                inner.append(offset.label(f"{label}d"))
                spread.append(label)  # the offsets' mean: a window over these rows
            elif expression.function == "PERCENTILE":
                needs_window = True
                percentile = self._percentile(expression, where_item)
                count = func.count(value).over(partition_by=partition)
                position = literal(percentile, Float()) * (count - 1) / literal(100.0, Float())
                low = self._floor(position)
                inner.extend(
                    [
                        func.row_number()
                        .over(partition_by=partition, order_by=value.asc().nulls_last())
                        .label(f"{label}r"),
                        low.label(f"{label}lo"),
                        (position - low).label(f"{label}f"),
                    ]
                )
            plans.append((expression.function, label))

        source, scope = rows.from_and_where()
        inner_stmt = select(*inner).select_from(source).where(scope, where)
        if self.dialect == "sqlite" and not needs_window:
            inner_stmt = inner_stmt.limit(-1)  # keeps SQLite from flattening (module docstring)
        sub = inner_stmt.subquery("rows")
        if spread:
            # A window cannot hold another: the offsets' mean is taken over the rows above.
            groups = [sub.c[lb] for _, lb in keys]
            means = [
                (
                    func.sum(sub.c[f"{lb}d"]).over(partition_by=groups)
                    / cast(func.count(sub.c[f"{lb}d"]).over(partition_by=groups), Float())
                ).label(f"{lb}m")
                for lb in spread
            ]
            sub = select(*sub.c, *means).subquery("centred")

        outer: list[Any] = []
        outputs: list[Output] = []
        sort_of: dict[str, list[Any]] = {}
        key_sort = {lb: self._key_sort(sub.c[lb]) for _, lb in keys}
        for index, ((kind, label), alias) in enumerate(zip(plans, aliases, strict=True)):
            if kind == "column":
                expr: Any = sub.c[label]
                sort_of[alias] = key_sort[label]
            else:
                expr = self._aggregate(kind, sub, label)
                sort_of[alias] = [expr]
            outer.append(expr.label(f"o{index}"))
            outputs.append(Output(alias, kind, f"o{index}"))
        group_columns = [sub.c[lb] for _, lb in keys]

        order: list[Any] = []
        order_by = query.order_by if isinstance(query, SeriesQuery) else None
        for index, spec in enumerate(order_by or []):
            sort = sort_of.get(spec.column)
            if sort is None:
                resolved = self.catalog.resolve(
                    spec.column, spec.source, [*loc, "orderBy", index, "column"]
                )
                sort = next((key_sort[lb] for k, lb in keys if k.key == resolved.key), None)
                if sort is None:
                    raise QueryError(
                        [*loc, "orderBy", index, "column"],
                        f"{spec.column!r} is neither a select alias nor a groupBy column",
                    )
            descending = spec.direction == "DESC"
            order.extend((k.desc() if descending else k.asc()).nulls_last() for k in sort)
        for sort in key_sort.values():  # ties, and the default order: by the groups' keys
            order.extend(k.asc().nulls_last() for k in sort)
        # Keys that sort alike (the boolean true and the string "true" have one text) by their
        # JSON text, else each database would put them in its own order.
        order.extend(self._binary(sub.c[lb]).asc() for _, lb in keys)

        stmt = select(*outer).select_from(sub)
        if group_columns:
            stmt = stmt.group_by(*group_columns)
        if order:
            stmt = stmt.order_by(*order)
        if isinstance(query, SeriesQuery):
            stmt = stmt.limit(query.limit or DEFAULT_ROWS)
        return Compiled(stmt, outputs, metric=isinstance(query, MetricQuery))

    def _key_sort(self, key: ColumnElement[Any]) -> list[Any]:
        """How a group key (JSON text) sorts: numbers by value, then the rest by text."""
        if self.dialect == "postgresql":
            col = postgresql_col(key, (), is_json=False)
        else:
            col = sqlite_col(key, ())
        return [col.num, self._binary(col.text)]

    def _group_column(self, name: str, query: Query, loc: Loc) -> Resolved:
        """A groupBy name; a COLUMN select item of that name lends it its source."""
        source = next(
            (
                item.expression.source
                for item in query.select
                if isinstance(item.expression, ColumnExpression) and item.expression.column == name
            ),
            None,
        )
        return self.catalog.resolve(name, source, loc)

    def _aggregated_value(
        self, rows: Rows, expression: AggregationExpression, loc: Loc
    ) -> ColumnElement[Any]:
        """What the aggregation reads from each row (NULL: the row does not count)."""
        function = expression.function
        counts_rows = expression.column in ROWS
        if counts_rows and function not in ("COUNT", "PERCENTAGE"):
            raise QueryError(
                [*loc, "column"], f"{function} needs a column, not {expression.column!r}"
            )
        col = (
            None
            if counts_rows
            else rows.col(
                self.catalog.resolve(expression.column, expression.source, [*loc, "column"])
            )
        )
        value: ColumnElement[Any]
        if function == "PERCENTAGE":
            params = expression.params or {}
            spec = params.get("percentage_filters")
            if spec is None:
                raise QueryError(
                    [*loc, "params", "percentage_filters"], "PERCENTAGE needs a filter"
                )
            try:
                parsed = Filter.model_validate(spec)
            except ValueError as exc:
                raise QueryError(
                    [*loc, "params", "percentage_filters"], f"not a filter: {exc}"
                ) from None
            matched = self.filter(rows, parsed, [*loc, "params", "percentage_filters"])
            share = case((matched, 1), else_=0)
            value = share if col is None else case((col.json.isnot(None), share), else_=null())
        elif function == "COUNT":
            value = literal(1, Integer()) if col is None else col.json
        elif function == "COUNT_DISTINCT":
            assert col is not None
            value = col.json
        else:
            assert col is not None
            value = col.num
        ids = expression.evaluation_ids
        if ids:
            owner = (
                rows.items.c.evaluation_id
                if rows.cells_only is None
                else rows.cell(rows.cells_only).c.evaluation_id
            )
            value = case((owner.in_(ids), value), else_=null())
        return value

    @staticmethod
    def _percentile(expression: AggregationExpression, loc: Loc) -> float:
        value = (expression.params or {}).get("percentile")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise QueryError(
                [*loc, "params", "percentile"], "PERCENTILE needs params.percentile, 0 to 100"
            )
        return float(value)

    def _floor(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return cast(func.floor(value), Integer())
        # Truncation is floor for the non-negative positions that matter (an empty group's
        # position is negative, and its answer null either way).
        return cast(value, Integer())

    @staticmethod
    def _aggregate(kind: str, sub: Any, label: str) -> ColumnElement[Any]:
        v = sub.c[label]
        if kind in ("COUNT",):
            return func.count(v)
        if kind == "COUNT_DISTINCT":
            return func.count(v.distinct())
        if kind == "SUM":
            return func.sum(v)
        if kind == "AVG":
            # Not avg(): PostgreSQL's keeps a sum of squares beside the sum, which fails past
            # ~1.3e154 ("value out of range"), where SQLite's mean is the values' mean.
            # A float count: SQLite divides two integers as integers.
            return func.sum(v) / cast(func.count(v), Float())
        if kind == "MIN":
            return func.min(v)
        if kind == "MAX":
            return func.max(v)
        if kind in ("STDDEV", "VARIANCE"):
            deviation = sub.c[f"{label}d"] - sub.c[f"{label}m"]
            n = func.count(v)
            return case((n > 1, func.sum(deviation * deviation) / (n - 1)), else_=null())
        if kind == "PERCENTILE":
            rank, low, frac = sub.c[f"{label}r"], sub.c[f"{label}lo"], sub.c[f"{label}f"]
            first = func.max(case((rank == low + 1, v), else_=null()))
            second = func.max(case((rank == low + 2, v), else_=null()))
            fraction = func.max(frac)
            return case((fraction > 0, first + (second - first) * fraction), else_=first)
        assert kind == "PERCENTAGE"
        n = func.count(v)
        return case((n > 0, literal(100.0, Float()) * func.sum(v) / n), else_=null())


def _numeric_only(query: Query) -> bool:
    """Whether the query reads its columns only as numbers: numeric aggregations, and
    comparisons with numbers."""
    for item in query.select:
        expression = item.expression
        if not isinstance(expression, AggregationExpression) or expression.function not in NUMERIC:
            return False
    for condition in query.filter.conditions if query.filter else []:
        value = condition.value
        if condition.operator not in ("=", ">", "<", ">=", "<=") or not (
            isinstance(value, int | float) and not isinstance(value, bool)
        ):
            return False
    return True


def _two_valued(predicate: ColumnElement[bool]) -> ColumnElement[bool]:
    """NULL (unknown) becomes false, so NOT and OR behave as on plain booleans."""
    return func.coalesce(predicate, false())


def _is_number(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(NUMBER_PATTERN, value) is not None
