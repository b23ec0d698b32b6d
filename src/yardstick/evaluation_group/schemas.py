"""Evaluation group bodies and the rendered group, member, row identifier and group schema."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from yardstick.evaluation.schema_view import EvaluationSchema, schema_json
from yardstick.evaluation.schemas import EvaluationSchemaOut
from yardstick.evaluation_group.repository import MemberRow
from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import format_ts
from yardstick.kit.schemas import Tags
from yardstick.models import EvaluationGroup, EvaluationGroupRowIdentifier

GroupName = Annotated[str, StringConstraints(min_length=1, max_length=128)]
# At most this many members: each is checked against the account's evaluations in one query.
MAX_MEMBERS = 1000
EvaluationIds = Annotated[
    list[Annotated[str, StringConstraints(min_length=1)]], Field(max_length=MAX_MEMBERS)
]
# {evaluation id: the column that identifies a row of that evaluation}.
RowIdentifiers = dict[
    Annotated[str, StringConstraints(min_length=1)],
    Annotated[str, StringConstraints(min_length=1, max_length=512)],
]


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    evaluation_ids: EvaluationIds = Field(
        description="The member evaluations: at least one, no repeats, all of this account (400)"
    )
    name: GroupName
    description: str | None = None
    tags: Tags = Field(default_factory=list)
    metadata: dict[str, Any] | None = None
    row_identifiers: RowIdentifiers | None = Field(
        default=None,
        description="Evaluation id → the column identifying its rows; non-members are ignored",
    )


def _membership_is_fixed(value: Any) -> Any:
    raise ValueError("cannot be changed by PATCH: replace the group with PUT")


class GroupUpdate(BaseModel):
    """Only the fields sent change. `null` leaves `name`, `tags`, `metadata` and
    `row_identifiers` as they are and clears `description`; `metadata` is an RFC 7396 merge
    patch; `row_identifiers` replaces the whole set (`{}` clears it)."""

    model_config = ConfigDict(extra="ignore")

    name: GroupName | None = None
    description: str | None = None
    tags: Tags | None = None
    metadata: dict[str, Any] | None = None
    row_identifiers: RowIdentifiers | None = None
    # Declared only to refuse it by name rather than ignore it.
    evaluation_ids: Annotated[Any, AfterValidator(_membership_is_fixed)] = Field(
        default=None, description="Not changeable here: use PUT"
    )


class GroupReplace(BaseModel):
    """Every attribute is written from the body: an omitted (or null) `description`, `tags`,
    `metadata` or `row_identifiers` is cleared; `name` is kept when omitted. Membership is
    replaced only when `evaluation_ids` is given."""

    model_config = ConfigDict(extra="ignore")

    name: GroupName | None = None
    description: str | None = None
    tags: Tags | None = None
    metadata: dict[str, Any] | None = None
    row_identifiers: RowIdentifiers | None = None
    evaluation_ids: EvaluationIds | None = Field(
        default=None,
        description="The complete new membership (at least one, no repeats, all of this account)",
    )


class MemberOut(BaseModel):
    object: Literal["evaluation_group.member"]
    id: str
    evaluation_group_id: str
    evaluation_id: str
    created_at: str = Field(description="When the evaluation joined the group")
    deleted_at: str | None
    evaluation_name: str | None = Field(description="null when the evaluation is unreadable")
    evaluation_tags: list[str] | None
    evaluation_created_at: str | None


class RowIdentifierOut(BaseModel):
    object: Literal["evaluation_group.row_identifier"]
    evaluation_id: str
    column_name: str


class EvaluationGroupOut(BaseModel):
    object: Literal["evaluation_group"]
    id: str
    account_id: str
    name: str
    description: str | None
    tags: list[str]
    metadata: dict[str, Any]
    created_at: str
    deleted_at: str | None
    members: list[MemberOut] | None = Field(
        default=None,
        description="On every answer about one group; on a list, with `views=members`",
    )
    row_identifiers: list[RowIdentifierOut] | None = Field(
        default=None, description="On writes; on reads, with `views=row_identifiers`"
    )


class EvaluationGroupList(ListOut[EvaluationGroupOut]):
    pass


class EvaluationGroupSchemaOut(BaseModel):
    object: Literal["evaluation_group_schema"]
    evaluation_group_id: str
    evaluation_schemas: list[EvaluationSchemaOut] = Field(
        description="One per active member, in the order they joined"
    )


@dataclass(frozen=True)
class GroupView:
    """A group with what its answer shows: members and row identifiers, or None to omit them."""

    group: EvaluationGroup
    members: list[MemberRow] | None = None
    row_identifiers: list[EvaluationGroupRowIdentifier] | None = None


def group_json(view: GroupView) -> dict[str, Any]:
    group = view.group
    body: dict[str, Any] = {
        "object": "evaluation_group",
        "id": group.id,
        "account_id": group.account_id,
        "name": group.name,
        "description": group.description,
        "tags": group.tags,
        "metadata": group.metadata_,
        "created_at": format_ts(group.created_at),
        "deleted_at": format_ts(group.deleted_at),
    }
    if view.members is not None:
        body["members"] = [_member_json(row) for row in view.members]
    if view.row_identifiers is not None:
        body["row_identifiers"] = [
            {
                "object": "evaluation_group.row_identifier",
                "evaluation_id": row.evaluation_id,
                "column_name": row.column_name,
            }
            for row in view.row_identifiers
        ]
    return body


def _member_json(row: MemberRow) -> dict[str, Any]:
    member = row.member
    return {
        "object": "evaluation_group.member",
        "id": member.id,
        "evaluation_group_id": member.evaluation_group_id,
        "evaluation_id": member.evaluation_id,
        "created_at": format_ts(member.created_at),
        "deleted_at": format_ts(member.deleted_at),
        "evaluation_name": row.evaluation_name,
        "evaluation_tags": row.evaluation_tags,
        "evaluation_created_at": format_ts(row.evaluation_created_at),
    }


def group_schema_json(group_id: str, schemas: list[EvaluationSchema]) -> dict[str, Any]:
    return {
        "object": "evaluation_group_schema",
        "evaluation_group_id": group_id,
        "evaluation_schemas": [schema_json(schema) for schema in schemas],
    }
