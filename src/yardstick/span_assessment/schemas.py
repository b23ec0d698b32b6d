"""Span assessment bodies and the rendered assessment."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from yardstick.kit.responses import format_ts
from yardstick.models import SpanAssessment
from yardstick.span.schemas import AssessmentType, SpanRef

Approval = Literal["approved", "rejected"]
Rating = Annotated[StrictInt, Field(ge=1, le=5)]
Comment = Annotated[str, StringConstraints(min_length=1)]
# The content fields; each assessment type but `comment` requires its own, by the same name.
CONTENT = ("comment", "rating", "approval", "rubric", "metadata", "overwrite")


class AssessmentCreate(BaseModel):
    """The content field named like `assessment_type` is required, and only a `comment` may
    come with it."""

    model_config = ConfigDict(extra="ignore")

    assessment_type: AssessmentType
    trace_id: SpanRef
    span_id: SpanRef | None = Field(
        default=None, description="Without it, the assessment is of the trace's root span"
    )
    comment: Comment | None = None
    rating: Rating | None = Field(default=None, description="1 to 5")
    approval: Approval | None = None
    rubric: dict[str, str] | None = None
    metadata: dict[str, Any] | None = None
    overwrite: dict[str, Any] | None = Field(
        default=None, description="The span's corrected output; one per span"
    )


class AssessmentUpdate(BaseModel):
    """The fields given replace the stored ones (`null` clears one); the result must be a
    valid assessment of its type."""

    model_config = ConfigDict(extra="ignore")

    assessment_type: AssessmentType | None = None
    comment: Comment | None = None
    rating: Rating | None = None
    approval: Approval | None = None
    rubric: dict[str, str] | None = None
    metadata: dict[str, Any] | None = None
    overwrite: dict[str, Any] | None = None


class AssessmentOut(BaseModel):
    object: Literal["span.assessment"]
    assessment_id: str
    assessment_type: AssessmentType
    account_id: str
    span_id: str
    trace_id: str
    created_by: str = Field(description="The id of the API key that made it")
    comment: str | None
    rating: int | None
    approval: Approval | None
    rubric: dict[str, str] | None
    metadata: dict[str, Any] | None
    overwrite: dict[str, Any] | None
    created_at: str
    updated_at: str


class AssessmentList(BaseModel):
    """Every assessment asked for, oldest first (not paged)."""

    object: Literal["list"]
    items: list[AssessmentOut]


def assessment_json(assessment: SpanAssessment) -> dict[str, Any]:
    return {
        "object": "span.assessment",
        "assessment_id": assessment.id,
        "assessment_type": assessment.assessment_type,
        "account_id": assessment.account_id,
        "span_id": assessment.span_id,
        "trace_id": assessment.trace_id,
        "created_by": assessment.created_by_user_id,
        "comment": assessment.comment,
        "rating": assessment.rating,
        "approval": assessment.approval,
        "rubric": assessment.rubric,
        "metadata": assessment.metadata_,
        "overwrite": assessment.overwrite,
        "created_at": format_ts(assessment.created_at),
        "updated_at": format_ts(assessment.updated_at),
    }


def assessment_list_json(assessments: list[SpanAssessment]) -> dict[str, Any]:
    return {"object": "list", "items": [assessment_json(a) for a in assessments]}
