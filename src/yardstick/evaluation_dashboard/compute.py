"""Computing a widget's query on a dashboard's target, and whether a stored result is current.

The target is an evaluation or an evaluation group (its live members). Column names are checked
against the schema of the target's evaluations (yardstick.evaluation.schema_view) and their task
aliases; a schema depends only on the items, which never change, and the cells, whose version
(yardstick.evaluation.results_version) is part of the cache key, so schemas are kept in-process
per (evaluation, version) rather than walked again for every widget.

A stored result is current while its query and its target's marker are: the results versions
of the target's evaluations (for a group, of its live members, so a member added, removed or
archived changes it too). The versions are read before the rows are: a write committed between
the two lands in the result and makes it look older than it is (one needless recomputation),
never the reverse.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import literal, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.retry import is_transient
from yardstick.db.types import utcnow
from yardstick.evaluation import results_version
from yardstick.evaluation.schema_view import evaluation_schema_service
from yardstick.evaluation_dashboard.catalog import Catalog, QueryError, Resolved, Scope
from yardstick.evaluation_dashboard.compiler import Compiler
from yardstick.evaluation_dashboard.query import MetricQuery, Query, SeriesQuery
from yardstick.evaluation_dashboard.rows import Rows
from yardstick.evaluation_group.repository import evaluation_group_repository
from yardstick.models import Evaluation

# Widget types without a computed result.
TEXT_TYPES = frozenset({"markdown", "heading"})
SCHEMA_CACHE_SIZE = 256


@dataclass(frozen=True)
class Target:
    evaluation_id: str | None
    evaluation_group_id: str | None

    @property
    def id(self) -> str:
        target = self.evaluation_id or self.evaluation_group_id
        assert target is not None
        return target


@dataclass(frozen=True)
class Computation:
    """A computed result, or why there is none, and what it was computed from."""

    status: str  # completed | failed
    result: dict[str, Any] | None
    error_message: str | None
    computed_at: datetime
    query_hash: str
    marker: str


def query_model(widget_type: str, query: dict[str, Any]) -> Query:
    """The stored (wire) query read as the model its widget type takes."""
    model: type[Query] = MetricQuery if widget_type == "metric" else SeriesQuery
    return model.model_validate(query)


def query_hash(widget_type: str, query: dict[str, Any] | None) -> str:
    kind = "metric" if widget_type == "metric" else "series"
    text = orjson.dumps({"kind": kind, "query": query}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(text).hexdigest()


def members(session: Session, target: Target) -> list[str]:
    """The evaluations whose items are the target's rows."""
    if target.evaluation_id is not None:
        return [target.evaluation_id]
    assert target.evaluation_group_id is not None
    return evaluation_group_repository.live_member_evaluations(
        session, target.evaluation_group_id, include_archived=False
    )


@dataclass(frozen=True)
class TargetState:
    """What a target's results are computed from, and the marker it makes."""

    evaluation_ids: list[str]
    versions: dict[str, int]
    row_identifiers: dict[str, str]  # a group's: member evaluation id -> identifier column
    marker: str


def current_marker(session: Session, target: Target) -> TargetState:
    """The target's evaluations, their results versions and the marker they make; for a group
    the members and the row identifiers are part of it."""
    evaluation_ids = members(session, target)
    versions = results_version.versions(session, evaluation_ids)
    # `id:version` by id: equal markers, same rows.
    marker = ",".join(f"{e}:{v}" for e, v in sorted(versions.items()))
    identifiers: dict[str, str] = {}
    if target.evaluation_group_id is not None:
        identifiers = evaluation_group_repository.row_identifier_columns(
            session, target.evaluation_group_id
        )
        marker = "group:" + marker
        if identifiers:
            named = orjson.dumps(identifiers, option=orjson.OPT_SORT_KEYS)
            marker += ";rows:" + hashlib.blake2b(named, digest_size=8).hexdigest()
    return TargetState(evaluation_ids, versions, identifiers, marker)


class _SchemaCache:
    """(data fields, task fields, sampled) per (evaluation, results version), LRU."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, int], tuple[set[str], set[str], bool]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, session: Session, principal: Principal, evaluation_id: str, version: int
    ) -> tuple[set[str], set[str], bool]:
        key = (evaluation_id, version)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        schema = evaluation_schema_service.get(
            session, principal, evaluation_id, include_archived=True
        )
        entry = (
            {f.field_name for f in schema.fields if f.source == "data"},
            {f.field_name for f in schema.fields if f.source == "task_result_cache"},
            schema.is_sampled,
        )
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return entry


_schemas = _SchemaCache(SCHEMA_CACHE_SIZE)


class Computer:
    """Computes widgets for one target within one read session (the catalog is built once)."""

    def __init__(self, session: Session, principal: Principal, target: Target) -> None:
        self.session = session
        self.principal = principal
        self.target = target
        self.dialect = session.get_bind().dialect.name
        self.state = current_marker(session, target)
        self._catalog: Catalog | None = None

    @property
    def evaluation_ids(self) -> list[str]:
        return self.state.evaluation_ids

    @property
    def marker(self) -> str:
        return self.state.marker

    def catalog(self) -> Catalog:
        if self._catalog is None:
            data: set[str] = set()
            task: set[str] = set()
            sampled = False
            members: dict[str, Catalog] = {}
            own_aliases: dict[str, set[str]] = {}
            if self.evaluation_ids:
                found = self.session.execute(
                    select(Evaluation.id, Evaluation.tasks).where(
                        Evaluation.id.in_(self.evaluation_ids)
                    )
                )
                own_aliases = {
                    evaluation_id: {task["alias"] for task in tasks or []}
                    for evaluation_id, tasks in found
                }
            for evaluation_id in self.evaluation_ids:
                d, t, s = _schemas.get(
                    self.session, self.principal, evaluation_id, self.state.versions[evaluation_id]
                )
                data |= d
                task |= t
                sampled = sampled or s
                if evaluation_id in self.state.row_identifiers:
                    members[evaluation_id] = Catalog(
                        d,
                        t,
                        own_aliases.get(evaluation_id, set()),
                        s,
                        self._prober([evaluation_id]),
                    )
            aliases = set().union(*own_aliases.values())
            self._catalog = Catalog(
                data,
                task,
                aliases,
                sampled,
                self._prober(self.evaluation_ids),
                self.state.row_identifiers,
                members,
            )
        return self._catalog

    def _prober(self, evaluation_ids: list[str]) -> Callable[[Resolved], bool]:
        """Whether any row of these evaluations holds a column (for a sampled schema)."""

        def probe(column: Resolved) -> bool:
            rows = Rows(self.dialect, evaluation_ids, None)
            col = rows.col(column)
            source, scope = rows.from_and_where()
            stmt = (
                select(literal(1)).select_from(source).where(scope, col.json.isnot(None)).limit(1)
            )
            return self.session.execute(stmt).first() is not None

        return probe

    def scope(self, query: Query, loc: list[str | int]) -> Scope:
        """The evaluations a query reads: the target's, narrowed by `evaluation_ids` and
        `latest_only` (the most recently created of them)."""
        chosen = list(self.evaluation_ids)
        is_group = self.target.evaluation_group_id is not None
        if query.evaluation_ids:
            allowed = set(chosen)
            for index, evaluation_id in enumerate(query.evaluation_ids):
                if evaluation_id not in allowed:
                    what = (
                        "a live member of the dashboard's group"
                        if is_group
                        else ("the dashboard's evaluation")
                    )
                    raise QueryError(
                        [*loc, "evaluation_ids", index], f"{evaluation_id!r} is not {what}"
                    )
            chosen = list(dict.fromkeys(query.evaluation_ids))
        if query.latest_only and len(chosen) > 1:
            newest = self.session.execute(
                select(Evaluation.id)
                .where(Evaluation.id.in_(chosen))
                .order_by(Evaluation.created_at.desc(), Evaluation.id.desc())
                .limit(1)
            ).scalar_one()
            chosen = [newest]
        if not chosen:
            raise QueryError(loc, "the dashboard's group has no live member evaluation")
        return Scope(chosen, is_group)

    def compute(
        self, widget_type: str, query: dict[str, Any], *, strict: bool = False
    ) -> Computation:
        """The widget's result, or a failed computation naming what is wrong; with `strict`,
        a query the target cannot answer raises its QueryError (a 422) instead."""
        digest = query_hash(widget_type, query)
        try:
            result = self.run(widget_type, query)
        except QueryError as exc:
            if strict:
                raise
            return self._done("failed", None, exc.describe(), digest)
        except DBAPIError as exc:
            if is_transient(exc):
                raise
            first_line = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            return self._done(
                "failed", None, f"the database could not compute it: {first_line}", digest
            )
        return self._done("completed", result, None, digest)

    def run(self, widget_type: str, query: dict[str, Any]) -> dict[str, Any]:
        """The result; a QueryError (422-shaped, located under `body.query`) when the query
        cannot be computed on this target."""
        loc: list[str | int] = ["body", "query"]
        try:
            model = query_model(widget_type, query)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise QueryError([*loc, *first["loc"]], first["msg"]) from None
        compiled = Compiler(self.catalog(), self.scope(model, loc), self.dialect).compile(
            model, loc
        )
        # In a savepoint: a statement the database refuses must not end the session's
        # transaction (PostgreSQL aborts it), whose other widgets are still to compute.
        with self.session.begin_nested():
            stmt = compiled.stmt
            if compiled.counted is not None:
                count, counted = compiled.counted
                stmt = counted(int(self.session.execute(count).scalar_one()))
            rows = self.session.execute(stmt).all()
        return compiled.result(rows)

    def _done(
        self, status: str, result: dict[str, Any] | None, error: str | None, digest: str
    ) -> Computation:
        return Computation(status, result, error, utcnow(), digest, self.marker)


def is_current(
    stored_hash: str,
    stored_marker: str,
    widget_type: str,
    query: dict[str, Any] | None,
    marker: str,
) -> bool:
    return stored_hash == query_hash(widget_type, query) and stored_marker == marker


def computable(widget_type: str, query: dict[str, Any] | None) -> bool:
    return widget_type not in TEXT_TYPES and query is not None
