"""Span bodies (create, batch, update, search) and the rendered span."""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from yardstick.kit.responses import Identity, identity_json
from yardstick.models.span import SPAN_REF
from yardstick.span.records import SpanStatus, SpanType, SpanWrite
from yardstick.span.rules import MAX_BATCH
from yardstick.span.stored import StoredSpan, utc

AssessmentType = Literal["comment", "rating", "approval", "rubric", "metadata", "overwrite"]
# Ids that search filters may name in all: SGP's limit (each `spans` pair counts 2).
MAX_FILTER_IDS = 10_000
# A duration filter is compared in microseconds with a BIGINT column: it must fit one.
MAX_DURATION_MS = (2**63 - 1) // 1000


def _utc(value: datetime) -> datetime:
    """The timestamp in UTC (one without a zone is UTC); a 422 where UTC has no such time."""
    try:
        return utc(value)
    except OverflowError:  # `0001-01-01T00:00:00+01:00` is in year 0 in UTC
        raise ValueError("must be within years 1 to 9999 once converted to UTC") from None


_NUMBER = re.compile(r"\s*[-+]?[0-9.]+(e[-+]?[0-9]+)?\s*", re.IGNORECASE)


def _iso_8601(value: Any) -> Any:
    """An ISO 8601 text (or a datetime, from our own callers): pydantic would also read a
    number, or a text of one, as Unix seconds, and -1 was stored as 1969-12-31T23:59:59Z."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "-":
        return value  # a year and its dash, as every timestamp a client sends: no number
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        raise ValueError("must be an ISO 8601 date and time, like 2026-01-31T12:00:00Z")
    return value


Timestamp = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_utc)]
SpanRef = Annotated[str, StringConstraints(min_length=1, max_length=SPAN_REF)]


def _addressable(value: str) -> str:
    """A span's own id goes in a path (`/v5/spans/{id}`): one with `/`, or `.` or `..` (which
    clients resolve away), could be stored and never read or changed again."""
    if "/" in value or value in (".", ".."):
        raise ValueError("must not contain '/' nor be '.' or '..' (it goes in a URL path)")
    return value


SpanId = Annotated[SpanRef, AfterValidator(_addressable)]
ObsTraceId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
ObsSpanId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
Payload = dict[str, Any]


class SpanIn(BaseModel):
    """One span to write. `id` defaults to a new UUID; payloads default to `{}`."""

    model_config = ConfigDict(extra="ignore")

    name: str
    trace_id: SpanRef
    start_timestamp: Timestamp
    id: SpanId | None = None
    parent_id: SpanRef | None = None
    group_id: SpanRef | None = Field(default=None, description="At most 256 bytes")
    application_interaction_id: SpanRef | None = None
    application_variant_id: SpanRef | None = None
    end_timestamp: Timestamp | None = Field(default=None, description="Not before the start")
    input: Payload | None = None
    output: Payload | None = Field(
        default=None, description="`usage` here gives `input_tokens`/`output_tokens`"
    )
    expected: Payload | None = None
    metadata: Payload | None = None
    status: SpanStatus = "SUCCESS"
    type: SpanType = "STANDALONE"
    obs_trace_id: ObsTraceId | None = Field(default=None, description="32 lowercase hex digits")
    obs_span_id: ObsSpanId | None = Field(
        default=None, description="16 lowercase hex digits; needs `obs_trace_id`"
    )

    @field_validator("obs_span_id")
    @classmethod
    def _needs_obs_trace(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("obs_trace_id") is None:
            raise ValueError("needs obs_trace_id (the observability trace it belongs to)")
        return value

    def to_write(self) -> SpanWrite:
        return SpanWrite(
            id=self.id or str(uuid.uuid4()),
            trace_id=self.trace_id,
            name=self.name,
            start_timestamp=self.start_timestamp,
            end_timestamp=self.end_timestamp,
            parent_id=self.parent_id,
            group_id=self.group_id,
            application_interaction_id=self.application_interaction_id,
            application_variant_id=self.application_variant_id,
            input=self.input or {},
            output=self.output or {},
            expected=self.expected,
            metadata=self.metadata or {},
            status=self.status,
            type=self.type,
            obs_trace_id=self.obs_trace_id,
            obs_span_id=self.obs_span_id,
        )


class SpanBatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: Annotated[list[SpanIn], Field(max_length=MAX_BATCH)]


class SpanUpdate(BaseModel):
    """The fields given replace the stored ones; `null` leaves a field as it is."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    end_timestamp: Timestamp | None = None
    output: Payload | None = None
    metadata: Payload | None = None
    status: SpanStatus | None = None


class SpanPair(BaseModel):
    """One span by its full identity."""

    model_config = ConfigDict(extra="ignore")

    span_id: str
    trace_id: str


Ids = Annotated[list[str], Field(max_length=MAX_FILTER_IDS)]
Pairs = Annotated[list[SpanPair], Field(max_length=MAX_FILTER_IDS)]
Strings = Annotated[list[str], Field(max_length=MAX_FILTER_IDS)]
# Strict: a text of digits, or `true`, was read as a number of milliseconds.
DurationMs = Annotated[int, Strict(), Field(ge=0, le=MAX_DURATION_MS)]


class SpanSearch(BaseModel):
    """Every filter given must hold; lists match any of their values."""

    model_config = ConfigDict(extra="ignore")

    trace_ids: Ids | None = None
    span_ids: Ids | None = None
    parent_ids: Ids | None = Field(default=None, description="Direct children of these spans")
    excluded_trace_ids: Ids | None = None
    excluded_span_ids: Ids | None = None
    spans: Pairs | None = Field(default=None, description="Exact (trace_id, span_id) pairs")
    excluded_spans: Pairs | None = Field(
        default=None, description="Pairs to leave out; replaces `excluded_span_ids`"
    )
    names: Strings | None = None
    group_id: str | None = None
    parents_only: StrictBool | None = Field(default=None, description="Only spans without a parent")
    statuses: list[SpanStatus] | None = None
    types: list[SpanType] | None = None
    min_duration_ms: DurationMs | None = Field(
        default=None, description="Completed spans at least this long (inclusive)"
    )
    max_duration_ms: DurationMs | None = Field(
        default=None, description="Completed spans at most this long (inclusive)"
    )
    application_variant_ids: Ids | None = None
    assessment_types: list[AssessmentType] | None = Field(
        default=None, description="Spans with an assessment of one of these types"
    )
    obs_trace_ids: Annotated[list[ObsTraceId], Field(max_length=MAX_FILTER_IDS)] | None = None
    obs_span_ids: Annotated[list[ObsSpanId], Field(max_length=MAX_FILTER_IDS)] | None = None
    agentex_agent_ids: Strings | None = Field(
        default=None, description="`metadata.agentex_agent_id` (or `agentex_agent_ids`) is one"
    )
    agentex_agent_names: Strings | None = Field(
        default=None,
        description="`metadata.agentex_agent_name` (or `agentex_agent_names`) is one",
    )
    acp_types: Strings | None = Field(
        default=None, description="`metadata.acp_type` (or `acp_types`) is one"
    )
    extra_metadata: Payload | None = Field(
        default=None,
        description="Each key equals its value, or any element of an array value; keys ANDed",
    )
    search_texts: list[str] | None = Field(
        default=None,
        description='At most 10 terms of 2+ characters, all in the span\'s text; "…" is a '
        "phrase; a UUID-shaped term finds its trace",
    )
    # scale-gp-beta 0.1.0a29's forms.
    trace_id: str | None = Field(default=None, description="Deprecated: `trace_ids`")
    span_id: str | None = Field(default=None, description="Deprecated: `span_ids`")
    search_text: str | None = Field(default=None, description="Deprecated: `search_texts`")


class SpanOut(BaseModel):
    object: Literal["span"]
    id: str
    account_id: str
    name: str
    trace_id: str
    parent_id: str | None
    group_id: str | None
    application_interaction_id: str | None
    application_variant_id: str | None
    start_timestamp: str
    end_timestamp: str | None
    input: Payload
    output: Payload
    expected: Payload | None
    metadata: Payload
    status: SpanStatus
    type: SpanType
    input_tokens: int | None
    output_tokens: int | None
    obs_trace_id: str | None
    obs_span_id: str | None
    created_by_user_id: str
    created_by: Identity


class SpanList(BaseModel):
    """The spans a batch wrote, one per id."""

    object: Literal["list"]
    items: list[SpanOut]


class SpanPage(BaseModel):
    """A page of a search. `has_more`: more spans beyond it, in the direction of travel; the
    next page starts after the last span's id (`starting_after`)."""

    object: Literal["list"]
    items: list[SpanOut]
    has_more: bool
    limit: int


def span_json(span: StoredSpan) -> dict[str, Any]:
    """A span's body, for JSONBody; the stored JSON payloads are spliced in as they are."""
    return {
        "object": "span",
        "id": span.id,
        "account_id": span.account_id,
        "name": span.name,
        "trace_id": span.trace_id,
        "parent_id": span.parent_id,
        "group_id": span.group_id,
        "application_interaction_id": span.application_interaction_id,
        "application_variant_id": span.application_variant_id,
        # datetimes: JSONBody renders them (a batch's timestamps rarely repeat, so the cache
        # of format_ts would only miss).
        "start_timestamp": span.start_timestamp,
        "end_timestamp": span.end_timestamp,
        "input": orjson.Fragment(span.input),
        "output": orjson.Fragment(span.output),
        "expected": None if span.expected is None else orjson.Fragment(span.expected),
        "metadata": orjson.Fragment(span.metadata),
        "status": span.status,
        "type": span.type,
        "input_tokens": span.input_tokens,
        "output_tokens": span.output_tokens,
        "obs_trace_id": span.obs_trace_id,
        "obs_span_id": span.obs_span_id,
        "created_by_user_id": span.created_by_user_id,
        "created_by": identity_json(span.created_by_user_id),
    }


def span_list_json(spans: list[StoredSpan]) -> dict[str, Any]:
    return {"object": "list", "items": [span_json(span) for span in spans]}
