"""The SQL of span assessments, and the span lookups an assessment needs."""

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from yardstick.kit.repository import AccountRepository
from yardstick.models import Span, SpanAssessment


class SpanAssessmentRepository(AccountRepository[SpanAssessment]):
    def span_trace(self, session: Session, *, account_id: str, span_id: str) -> str | None:
        """The trace of a span of the account, or None."""
        return session.scalar(
            select(Span.trace_id).where(Span.account_id == account_id, Span.id == span_id)
        )

    def root_span(self, session: Session, *, account_id: str, trace_id: str) -> str | None:
        """The trace's root (the first span without a parent), or None."""
        return session.scalar(
            select(Span.id)
            .where(
                Span.account_id == account_id,
                Span.trace_id == trace_id,
                Span.parent_id.is_(None),
            )
            .order_by(Span.start_timestamp, Span.id)
            .limit(1)
        )

    def trace_exists(self, session: Session, *, account_id: str, trace_id: str) -> bool:
        stmt = select(exists().where(Span.account_id == account_id, Span.trace_id == trace_id))
        return bool(session.scalar(stmt))

    def overwrite_of(self, session: Session, *, account_id: str, span_id: str) -> str | None:
        """The id of the span's `overwrite` assessment, if it has one."""
        return session.scalar(
            select(SpanAssessment.id).where(
                SpanAssessment.account_id == account_id,
                SpanAssessment.span_id == span_id,
                SpanAssessment.assessment_type == "overwrite",
            )
        )

    def find(
        self,
        session: Session,
        *,
        account_id: str,
        span_id: str | None,
        trace_id: str | None,
        assessment_type: str | None,
    ) -> list[SpanAssessment]:
        stmt = select(SpanAssessment).where(SpanAssessment.account_id == account_id)
        if span_id is not None:
            stmt = stmt.where(SpanAssessment.span_id == span_id)
        if trace_id is not None:
            stmt = stmt.where(SpanAssessment.trace_id == trace_id)
        if assessment_type is not None:
            stmt = stmt.where(SpanAssessment.assessment_type == assessment_type)
        order = (SpanAssessment.created_at, SpanAssessment.id)
        return list(session.scalars(stmt.order_by(*order)))


span_assessment_repository = SpanAssessmentRepository(SpanAssessment, "span assessment")
