"""The SQL of evaluation dashboards: dashboards, widgets and widget results."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yardstick.kit.filters import folded, name_contains, tags_any
from yardstick.kit.repository import AccountRepository
from yardstick.models import (
    EvaluationDashboard,
    EvaluationDashboardWidget,
    EvaluationDashboardWidgetResult,
)

D, W, R = EvaluationDashboard, EvaluationDashboardWidget, EvaluationDashboardWidgetResult


class EvaluationDashboardRepository(AccountRepository[EvaluationDashboard]):
    def list_stmt(
        self,
        session: Session,
        *,
        account_id: str,
        created_by_ids: Sequence[str],
        evaluation_id: str | None,
        evaluation_group_id: str | None,
        include_archived: bool,
        search: str | None,
        tags: Sequence[str],
    ) -> Select[Any]:
        dialect = session.get_bind().dialect.name
        stmt = select(D).where(D.account_id == account_id)
        if not include_archived:
            stmt = stmt.where(D.archived_at.is_(None))
        if created_by_ids:
            stmt = stmt.where(D.created_by_user_id.in_(list(created_by_ids)))
        if evaluation_id is not None:
            stmt = stmt.where(D.evaluation_id == evaluation_id)
        if evaluation_group_id is not None:
            stmt = stmt.where(D.evaluation_group_id == evaluation_group_id)
        if tags:
            stmt = stmt.where(tags_lowered_any(D.tags, [t.lower() for t in tags], dialect))
        if search:
            # The name, or any tag, contains the text (case-insensitive; % and _ literal).
            stmt = stmt.where(
                or_(name_contains(D.name, search), tag_contains(D.tags, search, dialect))
            )
        return stmt

    def showing(self, session: Session, *, account_id: str, widget_id: str) -> int:
        """How many dashboards of the account (archived ones too) show the widget."""
        dialect = session.get_bind().dialect.name
        stmt = select(func.count()).where(
            D.account_id == account_id, tags_any(D.widget_order, [widget_id], dialect)
        )
        return int(session.scalar(stmt) or 0)


def _elements(column: Any, dialect: str) -> Any:
    """The elements of a JSON list of strings, as a table of `value`."""
    if dialect == "postgresql":
        return func.jsonb_array_elements_text(column).table_valued("value")
    return func.json_each(column).table_valued("value")


def tags_lowered_any(column: Any, tags: list[str], dialect: str) -> Any:
    """The row's JSON list holds one of `tags` (lower-case), compared lower-cased."""
    values = _elements(column, dialect)
    return exists(
        select(literal(1)).select_from(values).where(folded(values.c.value, dialect).in_(tags))
    )


def tag_contains(column: Any, text: str, dialect: str) -> Any:
    """One of the row's tags contains `text` (case-insensitive; % and _ literal)."""
    values = _elements(column, dialect)
    return exists(select(literal(1)).select_from(values).where(name_contains(values.c.value, text)))


class WidgetRepository(AccountRepository[EvaluationDashboardWidget]):
    def by_ids(
        self, session: Session, *, account_id: str, ids: Sequence[str]
    ) -> dict[str, EvaluationDashboardWidget]:
        if not ids:
            return {}
        stmt = select(W).where(W.account_id == account_id, W.id.in_(list(ids)))
        return {widget.id: widget for widget in session.scalars(stmt)}


class WidgetResultRepository:
    def for_target(
        self, session: Session, *, widget_ids: Sequence[str], target_id: str
    ) -> dict[str, EvaluationDashboardWidgetResult]:
        if not widget_ids:
            return {}
        stmt = select(R).where(R.widget_id.in_(list(widget_ids)), R.target_id == target_id)
        return {result.widget_id: result for result in session.scalars(stmt)}

    def store(self, session: Session, values: dict[str, Any]) -> EvaluationDashboardWidgetResult:
        """Insert or replace the widget's result for its target (two requests refreshing the
        same result at once both succeed; the later one's stays)."""
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        stmt = insert(R).values(**values)
        kept = ("id", "created_at", "widget_id", "target_id", "account_id")
        stmt = stmt.on_conflict_do_update(
            index_elements=[R.widget_id, R.target_id],
            set_={key: stmt.excluded[key] for key in values if key not in kept},
        )
        session.execute(stmt)
        stored = session.scalar(
            select(R)
            .where(R.widget_id == values["widget_id"], R.target_id == values["target_id"])
            .execution_options(populate_existing=True)
        )
        assert stored is not None
        return stored


dashboard_repository = EvaluationDashboardRepository(EvaluationDashboard, "evaluation dashboard")
widget_repository = WidgetRepository(EvaluationDashboardWidget, "widget")
result_repository = WidgetResultRepository()
