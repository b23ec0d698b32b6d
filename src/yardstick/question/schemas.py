"""Question bodies, the per-type configuration rules, and the rendered question."""

from typing import Annotated, Any, Literal

from jsonschema import SchemaError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012, specification_with

from yardstick.kit import bounded_schema
from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.kit.schemas import Name
from yardstick.models import Question

QuestionType = Literal["categorical", "rating", "number", "free_text", "form", "timestamp"]
# Opaque to the server: when a question is shown is for the UI that shows it.
Conditions = list[dict[str, Any]]


class QuestionCreate(BaseModel):
    name: Name
    prompt: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="The user-facing question prompt"
    )
    question_type: QuestionType | None = Field(
        default=None, description="Inferred from the configuration's shape when absent"
    )
    configuration: dict[str, Any] | None = Field(
        default=None, description="Required for categorical, rating and form questions"
    )
    conditions: Conditions | None = Field(
        default=None, description="Conditions for the question to be shown; stored as given"
    )


def _fixed_at_creation(value: Any) -> Any:
    raise ValueError("is fixed at creation; only name can be changed")


# Present in an update body only to say why it cannot be changed, rather than ignore it.
_Fixed = Annotated[Any, AfterValidator(_fixed_at_creation)]


class QuestionUpdate(BaseModel):
    name: Name
    prompt: _Fixed = Field(default=None, description="Fixed at creation")
    question_type: _Fixed = Field(default=None, description="Fixed at creation")
    configuration: _Fixed = Field(default=None, description="Fixed at creation")
    conditions: _Fixed = Field(default=None, description="Fixed at creation")


class _Configuration(BaseModel):
    # Unknown keys are dropped, not rejected: clients newer than this server may send more.
    model_config = ConfigDict(extra="ignore")


class CategoricalConfiguration(_Configuration):
    choices: list[Annotated[str, StringConstraints(min_length=1)]] = Field(min_length=1)
    dropdown: StrictBool | None = Field(default=None, description="Shown as a dropdown in the UI")
    multi: StrictBool | None = Field(
        default=None, description="Several choices may be picked; a judge answers with a list"
    )

    @field_validator("choices")
    @classmethod
    def _distinct(cls, choices: list[str]) -> list[str]:
        if len(set(choices)) != len(choices):
            raise ValueError("choices must be distinct")
        return choices


class RatingConfiguration(_Configuration):
    min_label: str
    max_label: str
    steps: StrictInt = Field(ge=2, description="Number of points on the scale")


class NumberConfiguration(_Configuration):
    min: StrictFloat | None = None
    max: StrictFloat | None = None

    @field_validator("max")
    @classmethod
    def _not_below_min(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("min")
        if value is not None and low is not None and value < low:
            raise ValueError(f"max ({value}) must not be less than min ({low})")
        return value


class FreeTextConfiguration(_Configuration):
    min_length: StrictInt | None = Field(default=None, ge=0)
    max_length: StrictInt | None = Field(default=None, ge=0)

    @field_validator("max_length")
    @classmethod
    def _not_below_min(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min_length")
        if value is not None and low is not None and value < low:
            raise ValueError(f"max_length ({value}) must not be less than min_length ({low})")
        return value


class FormConfiguration(_Configuration):
    form_schema: dict[str, Any] = Field(description="A JSON Schema for the answer object")

    @field_validator("form_schema")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            bounded_schema.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(part) for part in exc.path)
            raise ValueError(
                f"not a valid JSON Schema{f' at {where}' if where else ''}: {exc.message}"
            ) from exc
        except bounded_schema.UnboundedPattern as exc:
            where = "/".join(str(part) for part in exc.path)
            raise ValueError(f"at {where}: {exc}") from exc
        _check_references(schema)
        return schema


def _check_references(schema: dict[str, Any]) -> None:
    """A ValueError for a `$ref` that resolves nowhere (a missing definition, a remote
    document, which is never fetched): no answer could ever be checked against the schema, so
    every reviewer's submit would fail. Resolved as the validator resolves it: subschema by
    subschema, each against its own base URI."""
    specification = specification_with(str(schema.get("$schema", "")), default=DRAFT202012)
    root = specification.create_resource(schema)
    pending = [(Registry().resolver_with_root(root), root)]
    while pending:
        resolver, resource = pending.pop()
        contents = resource.contents
        reference = contents.get("$ref") if isinstance(contents, dict) else None
        if isinstance(reference, str):
            try:
                resolver.lookup(reference)
            except Unresolvable as exc:
                raise ValueError(f"$ref {reference!r} resolves to nothing: {exc}") from exc
        pending += [(resolver.in_subresource(inner), inner) for inner in resource.subresources()]


class TimestampConfiguration(_Configuration):
    multi: StrictBool | None = Field(
        default=None, description="Several timestamps may be given; a judge answers with a list"
    )


CONFIGURATIONS: dict[str, type[_Configuration]] = {
    "categorical": CategoricalConfiguration,
    "rating": RatingConfiguration,
    "number": NumberConfiguration,
    "free_text": FreeTextConfiguration,
    "form": FormConfiguration,
    "timestamp": TimestampConfiguration,
}
# The types whose configuration may be omitted, and so is stored as `{}`.
OPTIONAL_CONFIGURATION = frozenset({"number", "free_text", "timestamp"})

# Shape → type: the first key present decides. `multi` comes last because a categorical
# configuration may carry it too; only a configuration with nothing else is a timestamp one.
# `dropdown` exists only on categorical, so it says categorical even without `choices`
# (which then fails as a missing field, not as a silently different type).
INFERENCE_KEYS: tuple[tuple[str, QuestionType], ...] = (
    ("choices", "categorical"),
    ("dropdown", "categorical"),
    ("steps", "rating"),
    ("min_label", "rating"),
    ("max_label", "rating"),
    ("form_schema", "form"),
    ("min_length", "free_text"),
    ("max_length", "free_text"),
    ("min", "number"),
    ("max", "number"),
    ("multi", "timestamp"),
)


class QuestionOut(BaseModel):
    object: str = "question"
    id: str
    name: str
    prompt: str
    question_type: QuestionType
    configuration: dict[str, Any]
    conditions: Conditions | None
    created_at: str
    created_by_user_id: str
    created_by: Identity
    archived_at: str | None


class QuestionList(ListOut[QuestionOut]):
    pass


def question_json(question: Question) -> dict[str, Any]:
    # Every field any 0.7.0 variant requires (`created_by` above all): that client tries the
    # variants strictly and, when none fits, falls back to the first (categorical).
    return {
        "object": "question",
        "id": question.id,
        "name": question.name,
        "prompt": question.prompt,
        "question_type": question.question_type,
        "configuration": question.configuration,
        "conditions": question.conditions,
        "created_at": format_ts(question.created_at),
        "created_by_user_id": question.created_by_user_id,
        "created_by": identity_json(question.created_by_user_id),
        "archived_at": format_ts(question.archived_at),
    }
