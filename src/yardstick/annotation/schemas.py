"""Annotation task bodies, the rendered task, and the names of its statuses and types.

The task's JSON is SGP's `AnnotationTask` (what the 0.7.0 client's `annotation_tasks`
methods parse) with Yardstick's extras after it: the client keeps keys it does not know.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator

from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import format_ts
from yardstick.models import AnnotationTask

TaskStatus = Literal["NOT_READY", "PENDING", "PENDING_REDO", "COMPLETED", "FIXED"]
TaskType = Literal[
    "EVALUATION_ANNOTATION", "EVALUATION_AUDIT", "CONTRIBUTOR_ANNOTATION", "CONTRIBUTOR_AUDIT"
]
NOT_READY: TaskStatus = "NOT_READY"
PENDING: TaskStatus = "PENDING"
PENDING_REDO: TaskStatus = "PENDING_REDO"
COMPLETED: TaskStatus = "COMPLETED"
FIXED: TaskStatus = "FIXED"
STATUSES: tuple[TaskStatus, ...] = (NOT_READY, PENDING, PENDING_REDO, COMPLETED, FIXED)
# A task someone may work on now, and a task whose answers stand.
OPEN: tuple[TaskStatus, ...] = (PENDING, PENDING_REDO)
DONE: tuple[TaskStatus, ...] = (COMPLETED, FIXED)

ANNOTATION: TaskType = "CONTRIBUTOR_ANNOTATION"
AUDIT: TaskType = "CONTRIBUTOR_AUDIT"
TASK_TYPES: tuple[TaskType, ...] = (
    "EVALUATION_ANNOTATION",
    "EVALUATION_AUDIT",
    ANNOTATION,
    AUDIT,
)
AUDIT_LEVELS = (1, 2)

Id = Annotated[str, StringConstraints(min_length=1, max_length=256)]


def status_of(value: str) -> TaskStatus:
    """A status written in any case (`pending_redo`), as SGP's own docstrings write them."""
    upper = value.upper()
    for status in STATUSES:
        if status == upper:
            return status
    raise ValueError(f"must be one of {', '.join(STATUSES)} (any case)")


# --- request bodies ---------------------------------------------------------------------------


class ClaimBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    queue_id: Id = Field(description="The queue to take a task from")
    evaluation_id: Id | None = Field(
        default=None, description="Only tasks of this evaluation (default: any in the queue)"
    )


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    answers: dict[str, Any] = Field(
        description="{alias: answer} for the queue's questions; a rubric question takes "
        "{criterion id: score from 0 to 1}"
    )
    comment: str | None = Field(default=None, description="Stored as the task's review_comment")
    # Strict: "yes" or "no" would both read as a flag (pydantic's lax booleans).
    flagged_for_review: StrictBool | None = Field(
        default=None, description="Ask someone to look at this item again"
    )


class AuditAssignment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    evaluation_id: Id
    queue_id: Id
    evaluation_item_ids: Annotated[list[Id], Field(min_length=1, max_length=10_000)]
    level_1_assigned_to: Id | None = None
    level_2_assigned_to: Id | None = None


class BatchUpdate(BaseModel):
    """Exactly one of `ids` (with `assigned_to` and/or `status`) or `audit_assignment`; the
    service checks the combination and names the field at fault."""

    model_config = ConfigDict(extra="ignore")

    ids: Annotated[list[Id], Field(max_length=10_000)] | None = None
    assigned_to: Id | None = None
    status: str | None = Field(default=None, description="PENDING_REDO or COMPLETED, any case")
    audit_assignment: AuditAssignment | None = None

    @field_validator("status")
    @classmethod
    def _settable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        upper = value.upper()
        if upper not in (PENDING_REDO, COMPLETED):
            raise ValueError("must be PENDING_REDO or COMPLETED (any case)")
        return upper


# --- responses --------------------------------------------------------------------------------


class AnnotationTaskOut(BaseModel):
    object: Literal["annotation_task"]
    id: str
    evaluation_id: str
    evaluation_item_id: str
    queue_id: str
    priority: int
    status: TaskStatus
    task_type: TaskType
    updated_at: str
    assigned_to: str | None
    assignment_expires_at: str | None = Field(
        description="Until then only assigned_to may work on it; null: no lock, or an "
        "assignment that waits for its person to claim it"
    )
    duration_seconds: int | None = Field(description="From the claim to the submit")
    flagged_for_review: bool | None
    review_comment: str | None
    slot: int = Field(description="Yardstick: the reviewer's place (0…), or an audit's level")
    position: int = Field(description="Yardstick: the task's place in its queue")
    created_at: str
    claimed_at: str | None
    completed_by: str | None
    completed_at: str | None


class AnnotationTaskList(ListOut[AnnotationTaskOut]):
    pass


class BatchOut(BaseModel):
    object: Literal["list"]
    items: list[AnnotationTaskOut]


class QuestionOut(BaseModel):
    id: str
    name: str
    prompt: str
    question_type: str
    configuration: dict[str, Any]


class CriterionOut(BaseModel):
    id: str
    version: int
    title: str
    annotations: dict[str, Any] | None
    weight: float


class RubricOut(BaseModel):
    id: str
    version: int
    criteria: list[CriterionOut]


class TaskQuestionOut(BaseModel):
    alias: str
    question: QuestionOut
    required: bool
    rubric: RubricOut | None = Field(
        description="Score each criterion from 0 to 1; the answer is their weighted mean"
    )


class ItemOut(BaseModel):
    id: str
    layout: dict[str, Any] = Field(
        description="The task's layout, each component with its `value` for this item"
    )
    files: dict[str, str]


class ReviewOut(BaseModel):
    task_id: str
    slot: int
    reviewer: str
    answers: dict[str, Any]


class TaskViewOut(AnnotationTaskOut):
    item: ItemOut
    questions: list[TaskQuestionOut]
    answers: dict[str, Any] | None = Field(
        description="This task's answers as submitted (null before the first submit)"
    )
    reviews: list[ReviewOut] | None = Field(
        description="An audit's item as its reviewers answered it (null for other tasks)"
    )


def task_json(task: AnnotationTask) -> dict[str, Any]:
    duration = task.duration_seconds
    return {
        "object": "annotation_task",
        "id": task.id,
        "evaluation_id": task.evaluation_id,
        "evaluation_item_id": task.evaluation_item_id,
        "queue_id": task.queue_id,
        "priority": task.priority,
        "status": task.status,
        "task_type": task.task_type,
        "updated_at": format_ts(task.updated_at),
        "assigned_to": task.assigned_to,
        "assignment_expires_at": format_ts(task.assignment_expires_at),
        # Whole seconds: the client's type is an integer.
        "duration_seconds": None if duration is None else round(duration),
        "flagged_for_review": task.flagged_for_review,
        "review_comment": task.review_comment,
        "slot": task.slot,
        "position": task.position,
        "created_at": format_ts(task.created_at),
        "claimed_at": format_ts(task.claimed_at),
        "completed_by": task.completed_by,
        "completed_at": format_ts(task.completed_at),
    }
