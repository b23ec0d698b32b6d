"""Rubric and criterion bodies, and the rendered rubric, criterion and criterion summary."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from yardstick.kit.body import write_error
from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.kit.schemas import Name, Tags
from yardstick.models import Rubric, RubricCriterionVersion

# A judge is asked for one score per criterion in one structured reply; a hundred keeps that
# reply, and the prompt listing them, within what a model handles well.
MAX_CRITERIA = 100
MAX_CRITERION_TITLE = 10_000
DEFAULT_WEIGHT = 1.0


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Title = Annotated[Name, AfterValidator(_not_blank)]
CriterionTitle = Annotated[
    str, Field(min_length=1, max_length=MAX_CRITERION_TITLE), AfterValidator(_not_blank)
]
# Strict: a number, not a string holding one, nor a boolean.
Weight = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
# A criterion's annotations are copied into every task that pins the rubric, a few levels
# deeper, and those tasks into every evaluation list that shows them: annotations nested 246
# levels made `GET /v5/evaluations?views=tasks` fail for the whole account.
ANNOTATION_DEPTH = 64


def _shallow(value: dict[str, Any]) -> dict[str, Any]:
    if write_error(value, ANNOTATION_DEPTH) is not None:
        raise ValueError(f"nested deeper than {ANNOTATION_DEPTH} levels")
    return value


Annotations = Annotated[dict[str, Any], AfterValidator(_shallow)]


class CriterionCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: CriterionTitle = Field(description="What the criterion asks of an answer")
    annotations: Annotations | None = Field(
        default=None, description="Free-form notes for the judge (guidance, examples)"
    )
    weight: Weight | None = Field(
        default=None, description=f"Its share of the score, ≥ 0; {DEFAULT_WEIGHT:g} if absent"
    )


class CriterionUpdate(BaseModel):
    """Only the fields sent change; `null` leaves `title` and `weight` as they are and clears
    `annotations`."""

    model_config = ConfigDict(extra="ignore")

    title: CriterionTitle | None = None
    annotations: Annotations | None = None
    weight: Weight | None = None


class RubricCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: Title
    tags: Tags = Field(default_factory=list)
    criteria: (
        Annotated[list[CriterionCreate], Field(min_length=1, max_length=MAX_CRITERIA)] | None
    ) = Field(default=None, description="Criteria created with it: at least one when given")


class RubricUpdate(BaseModel):
    """A partial update (`null` leaves `title` and `tags` as they are), or `{"restore": true}`
    alone."""

    model_config = ConfigDict(extra="ignore")

    title: Title | None = None
    tags: Tags | None = None
    restore: StrictBool | None = None


class CriterionOut(BaseModel):
    object: Literal["rubric_criteria"]
    id: str = Field(description="The criterion's id, the same for all its versions")
    rubric_id: str
    version: int
    title: str
    annotations: dict[str, Any] | None
    weight: float
    created_at: str = Field(description="When this version was written")


class CriterionSummaryOut(BaseModel):
    title: str
    weight: float


class RubricOut(BaseModel):
    object: Literal["rubric"]
    id: str
    title: str
    tags: list[str]
    version: int
    created_at: str
    created_by: Identity
    updated_at: str
    archived_at: str | None
    criteria: list[CriterionOut | CriterionSummaryOut] = Field(
        description="Full criteria on create and retrieve, `{title, weight}` on a list"
    )


class RubricList(ListOut[RubricOut]):
    pass


class CriterionVersionList(ListOut[CriterionOut]):
    pass


def criterion_json(row: RubricCriterionVersion) -> dict[str, Any]:
    return {
        "object": "rubric_criteria",
        "id": row.criterion_id,
        "rubric_id": row.rubric_id,
        "version": row.version,
        "title": row.title,
        "annotations": row.annotations,
        "weight": row.weight,
        "created_at": format_ts(row.created_at),
    }


def rubric_json(
    rubric: Rubric, criteria: list[RubricCriterionVersion], *, summary: bool = False
) -> dict[str, Any]:
    return {
        "object": "rubric",
        "id": rubric.id,
        "title": rubric.title,
        "tags": rubric.tags,
        "version": rubric.version,
        "created_at": format_ts(rubric.created_at),
        "created_by": identity_json(rubric.created_by_user_id),
        "updated_at": format_ts(rubric.updated_at),
        "archived_at": format_ts(rubric.archived_at),
        "criteria": [
            {"title": row.title, "weight": row.weight} if summary else criterion_json(row)
            for row in criteria
        ],
    }
