"""Rules for evaluation dashboards and their widgets.

- A dashboard shows one target, an evaluation or an evaluation group, fixed at create; both or
  neither is a 422, a target the account does not have (or an archived evaluation, a deleted
  group) a 404. Another account's dashboards, widgets and targets are as unknown as missing ones.
- Widgets are rows of their own that dashboards list in `widget_order`; a template's order is
  copied as it is, so the new dashboard shares the template's widgets. A widget changed on a
  dashboard while other dashboards show it is copied first (copy-on-write).
- Results are computed synchronously, in the request, and stored per (widget, target): see
  compute.py for the query and for when a stored result is stale. Computing
  reads through a read session, before anything is written: on SQLite a write transaction holds
  the database's one write lock, which a long computation must not keep from the engine.
- An archived dashboard is a 404 to every write (as SGP answers) and to reads without
  `include_archived`.
- Type rules of a widget, and a query's shape, are checked at once (422). What depends on the
  target's data (does the column exist, is that evaluation a member) makes a widget create
  store a failed result, as SGP does, and a widget update a 422, nothing changed.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import AppError, BadRequest, NotFound, Unprocessable
from yardstick.evaluation.service import evaluation_service
from yardstick.evaluation_dashboard.catalog import EVALUATION_ID, Catalog, Resolved, Scope
from yardstick.evaluation_dashboard.compiler import Compiler
from yardstick.evaluation_dashboard.compute import (
    Computation,
    Computer,
    Target,
    computable,
    current_marker,
    is_current,
    query_model,
)
from yardstick.evaluation_dashboard.query import AggregationExpression, Query, wire
from yardstick.evaluation_dashboard.repository import (
    dashboard_repository,
    result_repository,
    widget_repository,
)
from yardstick.evaluation_dashboard.schemas import (
    DashboardCreate,
    DashboardUpdate,
    DashboardView,
    QueryIn,
    WidgetCreate,
    WidgetUpdate,
)
from yardstick.evaluation_group.repository import evaluation_group_repository
from yardstick.ids import new_id
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import (
    EvaluationDashboard,
    EvaluationDashboardWidget,
    EvaluationDashboardWidgetResult,
)

SORTABLE = {"name": EvaluationDashboard.name, "updated_at": EvaluationDashboard.updated_at}
WIDGETS, WIDGET_RESULTS = "widgets", "widget_results"
_UPDATABLE = ("name", "description", "tags", "widget_order")
# Charts whose x axis the config names (exactly one of the two keys).
X_AXIS_TYPES = frozenset({"bar", "histogram", "donut", "scatter"})


@dataclass(frozen=True)
class WidgetView:
    widget: EvaluationDashboardWidget
    result: EvaluationDashboardWidgetResult | None


def _target(dashboard: EvaluationDashboard) -> Target:
    return Target(dashboard.evaluation_id, dashboard.evaluation_group_id)


class _AnyColumn(Catalog):
    """A catalog that knows every column: compiling against it checks a query's shape alone."""

    def __init__(self) -> None:
        super().__init__(set(), set(), set(), False, lambda _: False)

    def resolve(self, name: str, source: str | None, loc: list[str | int]) -> Resolved:
        if name == EVALUATION_ID and source is None:
            return Resolved("evaluation", ())
        if source == "task_result_cache":
            alias, _, rest = name.partition(".")
            resolved = Resolved(source, tuple(rest.split(".")) if rest else (), alias)
        else:
            resolved = Resolved("data", tuple(name.split(".")))
        return self._checked(resolved, loc)


def _shape_checked(widget_type: str, query: QueryIn, loc: list[str | int]) -> dict[str, Any]:
    """The query in its wire form, read as its widget type's model and compiled against any
    columns: everything that does not depend on the data is checked here (422)."""
    stored = wire(query)
    try:
        model: Query = query_model(widget_type, stored)
    except ValidationError as exc:
        detail = [
            {"loc": [*loc, *error["loc"]], "msg": error["msg"], "type": error["type"]}
            for error in exc.errors()
        ]
        raise _Invalid(detail) from None
    named = set(model.evaluation_ids or [])
    for item in model.select:
        if isinstance(item.expression, AggregationExpression):
            named |= set(item.expression.evaluation_ids or [])
    scope = Scope(sorted(named) or ["-"], is_group=True)
    Compiler(_AnyColumn(), scope, "sqlite").compile(model, loc)
    return stored


class _Invalid(AppError):
    """A query that is not its widget type's model, every field at fault listed."""

    status_code = 422


def checked_widget(
    widget_type: str, config: dict[str, Any] | None, query: QueryIn | None
) -> dict[str, Any] | None:
    """The type rules of a widget (SGP's); returns the query to store."""
    settings = config or {}
    if widget_type == "markdown":
        content = settings.get("content")
        if not isinstance(content, str) or not content:
            raise Unprocessable(
                ["body", "config", "content"], "a markdown widget needs config.content, a string"
            )
    if widget_type in X_AXIS_TYPES:
        given = [key for key in ("x_column", "x_column_group") if settings.get(key) is not None]
        if len(given) != 1:
            raise Unprocessable(
                ["body", "config"],
                f"a {widget_type} widget needs exactly one of config.x_column and "
                "config.x_column_group",
            )
    if widget_type in ("markdown", "heading"):
        return None if query is None else wire(query)
    if query is None:
        raise Unprocessable(["body", "query"], f"a {widget_type} widget needs a query")
    return _shape_checked(widget_type, query, ["body", "query"])


class EvaluationDashboardService:
    # --- dashboards ---------------------------------------------------------------------------

    def create(
        self, session: Session, principal: Principal, *, read: Session, body: DashboardCreate
    ) -> DashboardView:
        target = self._checked_target(read, principal, body)
        if body.template_dashboard_id is not None and body.widget_order is not None:
            raise Unprocessable(
                ["body", "widget_order"], "give widget_order or template_dashboard_id, not both"
            )
        order: builtins.list[str] = builtins.list(body.widget_order or [])
        if body.template_dashboard_id is not None:
            template = dashboard_repository.require(
                read,
                account_id=principal.account_id,
                row_id=body.template_dashboard_id,
                include_archived=False,
            )
            order = builtins.list(template.widget_order)
        widgets = self._checked_order(read, principal, order, ["body", "widget_order"])
        computations = self._compute_missing(read, principal, target, widgets, stored={})

        now = utcnow()
        dashboard = EvaluationDashboard(
            id=new_id(),
            account_id=principal.account_id,
            name=body.name,
            description=body.description,
            tags=body.tags,
            evaluation_id=target.evaluation_id,
            evaluation_group_id=target.evaluation_group_id,
            widget_order=order,
            created_by_user_id=principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(dashboard)
        session.flush()
        self._store(session, principal, target, computations)
        return DashboardView(dashboard)

    def get(
        self,
        session: Session,
        principal: Principal,
        dashboard_id: str,
        *,
        write: Session,
        include_archived: bool,
        views: Sequence[str],
    ) -> DashboardView:
        """The dashboard; with `widget_results`, each result current (stale or missing ones are
        computed here and stored through `write`)."""
        dashboard = dashboard_repository.require(
            session,
            account_id=principal.account_id,
            row_id=dashboard_id,
            include_archived=include_archived,
        )
        widget_list: builtins.list[EvaluationDashboardWidget] | None = None
        results: builtins.list[EvaluationDashboardWidgetResult] | None = None
        if WIDGETS in views or WIDGET_RESULTS in views:
            found = widget_repository.by_ids(
                session, account_id=principal.account_id, ids=dashboard.widget_order
            )
            widget_list = [found[i] for i in dashboard.widget_order if i in found]
        if WIDGET_RESULTS in views:
            assert widget_list is not None
            target = _target(dashboard)
            stored = result_repository.for_target(
                session, widget_ids=[w.id for w in widget_list], target_id=target.id
            )
            fresh = self._compute_missing(session, principal, target, widget_list, stored=stored)
            stored.update(self._store(write, principal, target, fresh))
            results = [stored[w.id] for w in widget_list if w.id in stored]
        return DashboardView(dashboard, widget_list if WIDGETS in views else None, results)

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        created_by_ids: Sequence[str],
        evaluation_id: str | None,
        evaluation_group_id: str | None,
        include_archived: bool,
        search: str | None,
        tags: Sequence[str],
    ) -> tuple[Page, builtins.list[DashboardView]]:
        if evaluation_id is not None and evaluation_group_id is not None:
            raise Unprocessable(
                ["query", "evaluation_group_id"],
                "filter by evaluation_id or evaluation_group_id, not both: a dashboard has one",
            )
        stmt = dashboard_repository.list_stmt(
            session,
            account_id=principal.account_id,
            created_by_ids=created_by_ids,
            evaluation_id=evaluation_id,
            evaluation_group_id=evaluation_group_id,
            include_archived=include_archived,
            search=search,
            tags=tags,
        )
        page = paginate(
            session,
            stmt,
            key=EvaluationDashboard.id,
            params=params,
            sortable=SORTABLE,
            cursor_exists=dashboard_repository.cursor_check(session, principal.account_id),
        )
        return page, [DashboardView(row[0]) for row in page.rows]

    def update(
        self, session: Session, principal: Principal, dashboard_id: str, *, body: DashboardUpdate
    ) -> DashboardView:
        sent = {
            name
            for name in body.model_fields_set & set(_UPDATABLE)
            if name == "description" or getattr(body, name) is not None
        }
        if not sent:
            raise BadRequest(f"nothing to update: send at least one of {', '.join(_UPDATABLE)}")
        dashboard = self._writable(session, principal, dashboard_id)
        if body.widget_order is not None:
            self._checked_order(session, principal, body.widget_order, ["body", "widget_order"])
            dashboard.widget_order = builtins.list(body.widget_order)
        if body.name is not None:
            dashboard.name = body.name
        if "description" in sent:
            dashboard.description = body.description
        if body.tags is not None:
            dashboard.tags = body.tags
        dashboard.updated_at = utcnow()
        session.flush()
        return DashboardView(dashboard)

    def archive(self, session: Session, principal: Principal, dashboard_id: str) -> DashboardView:
        """Soft: the dashboard keeps its widgets and their results."""
        dashboard = self._writable(session, principal, dashboard_id)
        dashboard.archived_at = dashboard.updated_at = utcnow()
        session.flush()
        return DashboardView(dashboard)

    # --- widgets ------------------------------------------------------------------------------

    def create_widget(
        self,
        session: Session,
        principal: Principal,
        dashboard_id: str,
        *,
        read: Session,
        body: WidgetCreate,
    ) -> WidgetView:
        """Store the widget at the end of the dashboard's order, with its result computed (a
        failed computation is stored as such; markdown and heading have none)."""
        dashboard = self._live(read, principal, dashboard_id)
        query = checked_widget(body.type, body.config, body.query)
        target = _target(dashboard)
        computation = None
        if computable(body.type, query):
            assert query is not None
            computation = Computer(read, principal, target).compute(body.type, query)

        dashboard = self._writable(session, principal, dashboard_id)
        now = utcnow()
        widget = EvaluationDashboardWidget(
            id=new_id(),
            account_id=principal.account_id,
            title=body.title,
            type=body.type,
            config=body.config,
            query=query,
            created_at=now,
            updated_at=now,
        )
        session.add(widget)
        dashboard.widget_order = [*dashboard.widget_order, widget.id]
        dashboard.updated_at = now
        session.flush()
        result = None
        if computation is not None:
            result = self._store(session, principal, target, {widget.id: computation})[widget.id]
        return WidgetView(widget, result)

    def update_widget(
        self,
        session: Session,
        principal: Principal,
        dashboard_id: str,
        widget_id: str,
        *,
        read: Session,
        body: WidgetUpdate,
    ) -> WidgetView:
        """Change the widget in place, or, when other dashboards show it too, a copy of it that
        takes its place in this dashboard's order. Its result is computed again when the query
        changed, for a copy, or when the stored one is stale; else the stored one is returned."""
        dashboard = self._live(read, principal, dashboard_id)
        widget = self._shown(read, principal, dashboard, widget_id)
        fields = body.model_fields_set
        title = body.title if body.title is not None else widget.title
        config = body.config if "config" in fields else widget.config
        query_in = body.query
        if "query" in fields and query_in is not None:
            query = checked_widget(widget.type, config, query_in)
        else:
            query = None if "query" in fields else widget.query
            checked_widget(widget.type, config, _stored_query(widget.type, query))
        query_changed = query != widget.query
        # Copy-on-write copies what is written: a PATCH that changes nothing (only fields the
        # widget cannot change, or the values it has) leaves a shared widget shared.
        unchanged = not query_changed and title == widget.title and config == widget.config
        target = _target(dashboard)

        computer = Computer(read, principal, target)
        shared = not unchanged and (
            dashboard_repository.showing(read, account_id=principal.account_id, widget_id=widget.id)
            > 1
        )
        computation: Computation | None = None
        if computable(widget.type, query):
            assert query is not None
            stored = result_repository.for_target(
                read, widget_ids=[widget.id], target_id=target.id
            ).get(widget.id)
            stale = stored is None or not is_current(
                stored.query_hash, stored.data_marker, widget.type, query, computer.marker
            )
            if query_changed or shared or stale:
                # A new query naming what the target does not have is refused, nothing changed.
                computation = computer.compute(widget.type, query, strict=query_changed)

        dashboard = self._writable(session, principal, dashboard_id)
        if widget.id not in dashboard.widget_order:
            raise NotFound("widget", widget_id)
        widget = widget_repository.require(
            session, account_id=principal.account_id, row_id=widget_id, for_update=True
        )
        now = utcnow()
        if (
            not unchanged
            and dashboard_repository.showing(
                session, account_id=principal.account_id, widget_id=widget.id
            )
            > 1
        ):
            copy = EvaluationDashboardWidget(
                id=new_id(),
                account_id=principal.account_id,
                title=title,
                type=widget.type,
                config=config,
                query=query,
                created_at=now,
                updated_at=now,
            )
            session.add(copy)
            dashboard.widget_order = [
                copy.id if i == widget.id else i for i in dashboard.widget_order
            ]
            dashboard.updated_at = now
            widget = copy
            if computation is None and computable(widget.type, query):
                assert query is not None  # shared only now: computed here, a rare race
                computation = Computer(session, principal, target).compute(widget.type, query)
        else:
            widget.title, widget.config, widget.query = title, config, query
            widget.updated_at = now
        session.flush()
        result = None
        if computation is not None:
            result = self._store(session, principal, target, {widget.id: computation})[widget.id]
        elif computable(widget.type, query):
            result = result_repository.for_target(
                session, widget_ids=[widget.id], target_id=target.id
            ).get(widget.id)
        return WidgetView(widget, result)

    def remove_widget(
        self, session: Session, principal: Principal, dashboard_id: str, widget_id: str
    ) -> None:
        """Take the widget out of this dashboard's order; the widget and its results stay."""
        dashboard = self._writable(session, principal, dashboard_id)
        if widget_id not in dashboard.widget_order:
            raise NotFound("widget", widget_id)
        dashboard.widget_order = [i for i in dashboard.widget_order if i != widget_id]
        dashboard.updated_at = utcnow()
        session.flush()

    # --- shared rules -------------------------------------------------------------------------

    @staticmethod
    def _checked_target(session: Session, principal: Principal, body: DashboardCreate) -> Target:
        if body.evaluation_id is not None and body.evaluation_group_id is not None:
            raise Unprocessable(
                ["body", "evaluation_group_id"],
                "give evaluation_id or evaluation_group_id, not both",
            )
        if body.evaluation_id is not None:
            evaluation_service.get(session, principal, body.evaluation_id)
            return Target(body.evaluation_id, None)
        if body.evaluation_group_id is not None:
            group = evaluation_group_repository.get(
                session, account_id=principal.account_id, row_id=body.evaluation_group_id
            )
            if group is None or group.deleted_at is not None:
                raise NotFound("evaluation group", body.evaluation_group_id)
            return Target(None, body.evaluation_group_id)
        raise Unprocessable(
            ["body", "evaluation_id"], "give one of evaluation_id and evaluation_group_id"
        )

    @staticmethod
    def _checked_order(
        session: Session, principal: Principal, order: Sequence[str], loc: builtins.list[str | int]
    ) -> builtins.list[EvaluationDashboardWidget]:
        """The widgets of an order, which must name widgets of the account, each once."""
        found = widget_repository.by_ids(session, account_id=principal.account_id, ids=order)
        seen: set[str] = set()
        for index, widget_id in enumerate(order):
            if widget_id in seen:
                raise Unprocessable([*loc, index], f"widget {widget_id!r} is listed twice")
            if widget_id not in found:
                raise Unprocessable(
                    [*loc, index], f"widget {widget_id!r} not found in this account"
                )
            seen.add(widget_id)
        return [found[widget_id] for widget_id in order]

    @staticmethod
    def _live(session: Session, principal: Principal, dashboard_id: str) -> EvaluationDashboard:
        return dashboard_repository.require(
            session, account_id=principal.account_id, row_id=dashboard_id, include_archived=False
        )

    @staticmethod
    def _writable(session: Session, principal: Principal, dashboard_id: str) -> EvaluationDashboard:
        """The live dashboard, locked for this write; an archived one is a 404 (SGP's answer)."""
        return dashboard_repository.require(
            session,
            account_id=principal.account_id,
            row_id=dashboard_id,
            include_archived=False,
            for_update=True,
        )

    @staticmethod
    def _shown(
        session: Session, principal: Principal, dashboard: EvaluationDashboard, widget_id: str
    ) -> EvaluationDashboardWidget:
        if widget_id not in dashboard.widget_order:
            raise NotFound("widget", widget_id)
        return widget_repository.require(session, account_id=principal.account_id, row_id=widget_id)

    @staticmethod
    def _compute_missing(
        session: Session,
        principal: Principal,
        target: Target,
        widgets: Sequence[EvaluationDashboardWidget],
        *,
        stored: dict[str, EvaluationDashboardWidgetResult],
    ) -> dict[str, Computation]:
        """Computations for the widgets whose stored result is missing or stale."""
        todo = [w for w in widgets if computable(w.type, w.query)]
        if not todo:
            return {}
        marker = current_marker(session, target).marker
        stale = [
            w
            for w in todo
            if w.id not in stored
            or not is_current(
                stored[w.id].query_hash, stored[w.id].data_marker, w.type, w.query, marker
            )
        ]
        if not stale:
            return {}
        computer = Computer(session, principal, target)
        computed = {}
        for widget in stale:
            assert widget.query is not None
            computed[widget.id] = computer.compute(widget.type, widget.query)
        return computed

    @staticmethod
    def _store(
        session: Session,
        principal: Principal,
        target: Target,
        computations: dict[str, Computation],
    ) -> dict[str, EvaluationDashboardWidgetResult]:
        stored = {}
        for widget_id, computation in computations.items():
            stored[widget_id] = result_repository.store(
                session,
                {
                    "id": new_id(),
                    "account_id": principal.account_id,
                    "widget_id": widget_id,
                    "target_id": target.id,
                    "evaluation_id": target.evaluation_id,
                    "evaluation_group_id": target.evaluation_group_id,
                    "computation_status": computation.status,
                    "computed_result": computation.result,
                    "error_message": computation.error_message,
                    "computed_at": computation.computed_at,
                    "query_hash": computation.query_hash,
                    "data_marker": computation.marker,
                    "created_at": computation.computed_at,
                },
            )
        return stored


def _stored_query(widget_type: str, query: dict[str, Any] | None) -> QueryIn | None:
    """A stored query as the body model, to check the type rules again after a change."""
    if query is None:
        return None
    return query_model(widget_type, query)


evaluation_dashboard_service = EvaluationDashboardService()
