"""Rules for span assessments.

- Content: the field named like `assessment_type` is required (`rating` for a rating …), and
  only a `comment` may come with it (`comment` alone for a comment); else a 422 naming the
  field. An update merges the fields given into the stored ones, then the result is checked
  the same way.
- The span: `span_id` must be a span of the account in `trace_id`; without it, the
  assessment is of the trace's root span (the first without a parent). Unknown spans and
  traces, another account's included, and a trace without a root, are 404s.
- A span has at most one `overwrite` (its corrected output): a second is a 409, checked here
  and held by a unique index against concurrent writes.
- Only the API key that made an assessment may change or delete it (403); the API has no
  roles that could grant more. Deleting is for good.
- Credential-shaped values in the free-form fields (`comment`, `metadata`, `rubric`, and an
  `overwrite`, a corrected output) are stored redacted, as in spans
  (yardstick.span.redaction).
"""

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import AppError, BadRequest, Conflict, Forbidden, NotFound, Unprocessable
from yardstick.ids import new_id
from yardstick.models import SpanAssessment
from yardstick.span import run_trace_queue
from yardstick.span.redaction import redact
from yardstick.span_assessment.repository import span_assessment_repository as repository
from yardstick.span_assessment.schemas import CONTENT, AssessmentCreate, AssessmentUpdate


class SpanNotInTrace(NotFound):
    def __init__(self, span_id: str, trace_id: str) -> None:
        AppError.__init__(self, f"span {span_id!r} not found in trace {trace_id!r}")


# The fields people type or paste into: redacted as a span's payloads are.
_FREE_FORM = ("comment", "metadata", "rubric", "overwrite")


def _redacted(value: Any) -> Any:
    """`value` with its credential-shaped strings replaced by the mark."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    text = orjson.dumps(value).decode()
    clean = redact(text)
    return value if clean is text else orjson.loads(clean)


def _check_content(assessment_type: str, content: Mapping[str, Any]) -> None:
    if content.get(assessment_type) is None:
        raise Unprocessable(
            ["body", assessment_type],
            f"required for assessment_type {assessment_type!r}",
        )
    for field in CONTENT:
        if field not in (assessment_type, "comment") and content.get(field) is not None:
            raise Unprocessable(
                ["body", field],
                f"not allowed with assessment_type {assessment_type!r}: only "
                + (
                    "'comment' is"
                    if assessment_type == "comment"
                    else f"{assessment_type!r} and 'comment' are"
                ),
            )


class SpanAssessmentService:
    def create(
        self, session: Session, principal: Principal, *, body: AssessmentCreate
    ) -> SpanAssessment:
        content = body.model_dump(include=set(CONTENT))
        _check_content(body.assessment_type, content)
        content.update((field, _redacted(content[field])) for field in _FREE_FORM)
        account_id = principal.account_id
        span_id = self._span(session, account_id, body.trace_id, body.span_id)
        if body.assessment_type == "overwrite":
            self._one_overwrite(session, account_id, span_id, None)
        now = utcnow()
        assessment = SpanAssessment(
            id=new_id(),
            account_id=account_id,
            span_id=span_id,
            trace_id=body.trace_id,
            assessment_type=body.assessment_type,
            comment=content["comment"],
            rating=body.rating,
            approval=body.approval,
            rubric=content["rubric"],
            metadata_=content["metadata"],
            overwrite=content["overwrite"],
            created_by_user_id=principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(assessment)
        self._flush(session, span_id)
        return assessment

    def get(self, session: Session, principal: Principal, assessment_id: str) -> SpanAssessment:
        return repository.require(session, account_id=principal.account_id, row_id=assessment_id)

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        span_id: str | None,
        trace_id: str | None,
        assessment_type: str | None,
    ) -> list[SpanAssessment]:
        if (span_id is None) == (trace_id is None):
            raise BadRequest("give exactly one of span_id and trace_id")
        return repository.find(
            session,
            account_id=principal.account_id,
            span_id=span_id,
            trace_id=trace_id,
            assessment_type=assessment_type,
        )

    def update(
        self,
        session: Session,
        principal: Principal,
        assessment_id: str,
        *,
        body: AssessmentUpdate,
    ) -> SpanAssessment:
        assessment = self._own(session, principal, assessment_id)
        changes = body.model_dump(exclude_unset=True)
        assessment_type = changes.pop("assessment_type", None) or assessment.assessment_type
        changes.update(
            (field, _redacted(changes[field])) for field in _FREE_FORM if field in changes
        )
        stored = {field: getattr(assessment, _attribute(field)) for field in CONTENT}
        content = {**stored, **changes}
        _check_content(assessment_type, content)
        if assessment_type == "overwrite":
            self._one_overwrite(session, principal.account_id, assessment.span_id, assessment.id)
        if assessment_type == assessment.assessment_type and content == stored:
            return assessment  # nothing changes, not even updated_at
        assessment.assessment_type = assessment_type
        for field in CONTENT:
            setattr(assessment, _attribute(field), content[field])
        assessment.updated_at = utcnow()
        self._flush(session, assessment.span_id)
        return assessment

    def delete(self, session: Session, principal: Principal, assessment_id: str) -> None:
        assessment = self._own(session, principal, assessment_id)
        session.delete(assessment)
        session.flush()

    def _own(self, session: Session, principal: Principal, assessment_id: str) -> SpanAssessment:
        assessment = repository.require(
            session, account_id=principal.account_id, row_id=assessment_id, for_update=True
        )
        if assessment.created_by_user_id != principal.user_id:
            raise Forbidden("only the API key that made an assessment may change or delete it")
        return assessment

    def _span(self, session: Session, account_id: str, trace_id: str, span_id: str | None) -> str:
        run_trace_queue.catch_up(session, account_id)  # a run's spans may still be queued
        if span_id is not None:
            trace = repository.span_trace(session, account_id=account_id, span_id=span_id)
            if trace != trace_id:
                raise SpanNotInTrace(span_id, trace_id)
            return span_id
        root = repository.root_span(session, account_id=account_id, trace_id=trace_id)
        if root is not None:
            return root
        if repository.trace_exists(session, account_id=account_id, trace_id=trace_id):
            raise NotFound("root span of trace", trace_id)
        raise NotFound("trace", trace_id)

    def _one_overwrite(
        self, session: Session, account_id: str, span_id: str, assessment_id: str | None
    ) -> None:
        existing = repository.overwrite_of(session, account_id=account_id, span_id=span_id)
        if existing is not None and existing != assessment_id:
            raise Conflict(f"span {span_id!r} already has an overwrite assessment ({existing!r})")

    def _flush(self, session: Session, span_id: str) -> None:
        try:
            session.flush()
        except IntegrityError:
            # The unique index: another request gave the span its overwrite meanwhile.
            raise Conflict(f"span {span_id!r} already has an overwrite assessment") from None


def _attribute(field: str) -> str:
    return "metadata_" if field == "metadata" else field


span_assessment_service = SpanAssessmentService()
