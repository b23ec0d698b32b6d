from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import JSONList
from yardstick.models.base import Base, IdMixin, TimestampMixin


class EvaluationDashboard(IdMixin, TimestampMixin, Base):
    """A dashboard of one evaluation or one evaluation group (0.7.0 `evaluation_dashboards`).

    Its widgets are separate rows that dashboards share: `widget_order` lists the ids it shows,
    in order, and the same widget may be in several dashboards' orders (a dashboard made from
    a template shares the template's widgets). Archiving is soft and leaves widgets alone.
    """

    __tablename__ = "evaluation_dashboards"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONList, default=list)
    # Exactly one of the two is set (the service checks it); neither can change.
    evaluation_id: Mapped[str | None] = mapped_column(ForeignKey("evaluations.id"))
    evaluation_group_id: Mapped[str | None] = mapped_column(ForeignKey("evaluation_groups.id"))
    # JSONB on PostgreSQL, so "which dashboards show this widget" is one `?` test.
    widget_order: Mapped[list[str]] = mapped_column(JSONList, default=list)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_evaluation_dashboards_account_id_id", "account_id", "id"),)


class EvaluationDashboardWidget(IdMixin, TimestampMixin, Base):
    """A chart, table, metric or text block. It belongs to the account, not to one dashboard:
    dashboards point at it from their `widget_order`. Changing a widget that several dashboards
    show makes a copy for the dashboard that changed it (copy-on-write), so the others keep
    theirs. `archived_at` is in SGP's shape; Yardstick never archives a widget."""

    __tablename__ = "evaluation_dashboard_widgets"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    title: Mapped[str] = mapped_column(String(512))
    type: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The query as sent, in its wire form (camelCase keys), or null (markdown, heading).
    query: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_evaluation_dashboard_widgets_account_id_id", "account_id", "id"),)


class EvaluationDashboardWidgetResult(IdMixin, TimestampMixin, Base):
    """A widget's computed result for one target (an evaluation or a group): the cache.

    A widget shown by dashboards of different targets has one row per target. The row records
    what it was computed from: `query_hash` (the widget's query) and `data_marker` (the target's
    results version, yardstick.evaluation.results_version); it is reused while both still
    match and computed again otherwise.
    """

    __tablename__ = "evaluation_dashboard_widget_results"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    widget_id: Mapped[str] = mapped_column(
        # Named here: the convention's name is longer than PostgreSQL's 63 characters.
        ForeignKey(
            "evaluation_dashboard_widgets.id",
            name="fk_evaluation_dashboard_widget_results_widget_id",
        )
    )
    # The evaluation's or the group's id, whichever the target is: one key for the upsert.
    target_id: Mapped[str] = mapped_column(String(36))
    evaluation_id: Mapped[str | None] = mapped_column(String(36))
    evaluation_group_id: Mapped[str | None] = mapped_column(String(36))
    computation_status: Mapped[str] = mapped_column(String(16))  # completed | failed
    computed_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_message: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[datetime | None]
    query_hash: Mapped[str] = mapped_column(String(64))
    data_marker: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_evaluation_dashboard_widget_results_widget_target",
            "widget_id",
            "target_id",
            unique=True,
        ),
    )
