"""`POST /v5/evaluations/filter`: evaluations whose metadata, status and tags match every filter.

Each filter `{key, operator, value}` becomes one SQL condition, and the conditions are ANDed
onto the plain evaluation list (same account scoping, paging, sorting and rendering).

- `key` is a top-level metadata key, or one of the built-ins `status` and `tag` (which win
  over a metadata key of the same name).
- `value` is a string. For metadata, `==`, `!=`, `>=`, `<=` compare numerically when the value
  and the stored value are both numbers (a JSON number, or a string holding a JSON number
  literal: `10`, `-2.5`, `1e3`), else as strings (byte order on both dialects); a boolean reads
  as `true`/`false`.
- `IN`/`NOT_IN` take a JSON array (`["a", 2]`) or a comma list (`a,b`): `IN` holds when the
  stored value equals any member, `NOT_IN` when it equals none.
- A metadata key that is missing (or null) never matches, not even `!=` or `NOT_IN`.
- `tag`: `==` has the tag, `!=` lacks it, `IN` has any of them, `NOT_IN` has none of them.
  `status`: compared as a string. `>=`/`<=` on either is a 422.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import (
    ColumnElement,
    Float,
    Numeric,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
)
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.json_sql import NUMBER_PATTERN, KeyLookup, is_number_text, json_key
from yardstick.errors import Unprocessable
from yardstick.evaluation.repository import evaluation_repository
from yardstick.evaluation.service import SORTABLE
from yardstick.kit.filters import tags_any
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import Evaluation

MAX_FILTERS = 10
Operator = Literal["==", "!=", ">=", "<=", "IN", "NOT_IN"]
BUILT_INS = ("status", "tag")
_NUMBER = re.compile(NUMBER_PATTERN)
_INTEGER = re.compile(r"-?[0-9]+")


class MetadataFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: Annotated[str, StringConstraints(min_length=1)]
    operator: Operator
    value: str
    object: Literal["metadata_filter"] | None = None


class FilterBody(BaseModel):
    filters: list[MetadataFilter] = Field(
        description=f"Conditions, all of which must hold (at most {MAX_FILTERS})"
    )


@dataclass(frozen=True)
class Operand:
    """One side of a comparison: the text, and its number when it is one."""

    text: str
    # An integer within 64 bits stays one: SQLite compares it with a stored integer exactly
    # (as a float, 2**63 - 1 would equal 2**63).
    number: int | float | None

    @classmethod
    def of(cls, text: str) -> "Operand":
        if not _NUMBER.match(text):
            return cls(text, None)
        if _INTEGER.fullmatch(text.strip()) and -(2**63) <= int(text) < 2**63:
            return cls(text, int(text))  # SQLite's INTEGER holds it (and refuses any larger)
        return cls(text, float(text))


class EvaluationFilterService:
    def filter(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        body: FilterBody,
        include_archived: bool,
    ) -> Page:
        if len(body.filters) > MAX_FILTERS:
            raise Unprocessable(
                ["body", "filters"], f"at most {MAX_FILTERS} filters, got {len(body.filters)}"
            )
        dialect = session.get_bind().dialect.name
        conditions = [
            condition(entry, ["body", "filters", index], dialect)
            for index, entry in enumerate(body.filters)
        ]
        stmt = evaluation_repository.list_stmt(
            session,
            account_id=principal.account_id,
            name=None,
            tags=[],
            include_archived=include_archived,
        ).where(*conditions)
        return paginate(
            session,
            stmt,
            key=Evaluation.id,
            params=params,
            sortable=SORTABLE,
            cursor_exists=evaluation_repository.cursor_check(session, principal.account_id),
        )


def condition(entry: MetadataFilter, loc: list[str | int], dialect: str) -> ColumnElement[bool]:
    operands = _operands(entry, loc)
    if entry.key in BUILT_INS:
        if entry.operator in (">=", "<="):
            raise Unprocessable(
                [*loc, "operator"], f"{entry.operator!r} does not apply to {entry.key!r}"
            )
        if entry.key == "tag":
            has = tags_any(Evaluation.tags, [o.text for o in operands], dialect)
        else:
            has = Evaluation.status.in_([o.text for o in operands])
        return has if entry.operator in ("==", "IN") else not_(has)

    stored = json_key(Evaluation.metadata_, entry.key, dialect)
    present = stored.json_type.isnot(None) & (stored.json_type != "null")
    if entry.operator in ("==", "IN", "!=", "NOT_IN"):
        equal = or_(*(_compare(stored, "==", o, dialect) for o in operands))
        matched = equal if entry.operator in ("==", "IN") else not_(equal)
    else:
        matched = _compare(stored, entry.operator, operands[0], dialect)
    # Missing keys never match: without `present`, `!=` and NOT_IN would take them in.
    return and_(present, matched)


def _operands(entry: MetadataFilter, loc: list[str | int]) -> list[Operand]:
    if entry.operator not in ("IN", "NOT_IN"):
        return [Operand.of(entry.value)]
    text = entry.value.strip()
    if text.startswith("["):
        try:
            members = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise Unprocessable([*loc, "value"], f"not a JSON array: {exc}") from exc
        if not isinstance(members, list) or not all(
            isinstance(m, str | int | float | bool) for m in members
        ):
            raise Unprocessable([*loc, "value"], "a JSON array of strings, numbers or booleans")
        texts = [m if isinstance(m, str) else orjson.dumps(m).decode() for m in members]
    else:
        texts = [part.strip() for part in text.split(",")]
    texts = [t for t in texts if t != ""]
    if not texts:
        raise Unprocessable([*loc, "value"], f"{entry.operator} needs at least one value")
    return [Operand.of(t) for t in texts]


def _compare(
    stored: KeyLookup, operator: str, operand: Operand, dialect: str
) -> ColumnElement[bool]:
    """`stored <operator> operand`, numerically when both are numbers, else as text."""
    text = stored.text
    if dialect == "postgresql":
        text = text.collate("C")  # byte order, as SQLite's default
    as_text = _apply(text, operator, operand.text)
    if operand.number is None:
        return as_text
    # A CASE, not AND/OR: PostgreSQL may evaluate AND's operands in any order, and casting a
    # non-numeric string would fail rather than be false.
    numeric = (stored.json_type == "number") | (
        (stored.json_type == "string") & is_number_text(stored.text, dialect)
    )
    if dialect == "postgresql":
        # As `numeric`, which holds any value NUMBER_PATTERN admits: a double would fail past
        # ~1.8e308 (SQLite's REAL is then infinite, in the same order).
        by_number = _apply(
            cast(stored.text, Numeric), operator, cast(literal(operand.text.strip()), Numeric)
        )
    else:
        # A number as SQLite holds it (its text keeps 15 digits); a number string's own text.
        assert stored.number is not None
        held = func.coalesce(stored.number, cast(stored.text, Float))
        by_number = _apply(held, operator, operand.number)
    return (
        case((numeric, by_number), else_=as_text) == True
    )  # a CASE yields a value: comparing it makes a condition


def _apply(
    left: ColumnElement[str] | ColumnElement[float] | ColumnElement[Decimal],
    operator: str,
    right: str | float | ColumnElement[Decimal],
) -> ColumnElement[bool]:
    if operator == "==":
        return left == right
    if operator == ">=":
        return left >= right
    if operator == "<=":
        return left <= right
    raise AssertionError(operator)  # `!=`, IN and NOT_IN are built from `==`


evaluation_filter_service = EvaluationFilterService()
