"""A span as stored: what a `SpanWrite` becomes, and what reads give back.

Preparing a write is where every writer's span gets the same treatment: payloads serialized
to JSON text once (responses splice that text back in), credentials redacted (in the name
too), token counts taken from `output.usage` when the writer gave none, and the metadata its
index is drawn from (redacted as stored).
"""

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import orjson

from yardstick.span.records import SpanWrite
from yardstick.span.redaction import redact_all

# The keys of `output.usage` a token count is read from, in order: OpenAI's, then Anthropic's
# and the Responses API's.
_INPUT_KEYS = ("prompt_tokens", "input_tokens")
_OUTPUT_KEYS = ("completion_tokens", "output_tokens")


@dataclass(slots=True)
class StoredSpan:
    """A span row's values; the JSON payloads as their stored text."""

    account_id: str
    id: str
    trace_id: str
    parent_id: str | None
    group_id: str | None
    name: str
    application_interaction_id: str | None
    application_variant_id: str | None
    start_timestamp: datetime
    end_timestamp: datetime | None
    input: str
    output: str
    expected: str | None
    metadata: str
    status: str
    type: str
    input_tokens: int | None
    output_tokens: int | None
    obs_trace_id: str | None
    obs_span_id: str | None
    created_by_user_id: str

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its fields in order (yardstick.db.write_process sends spans both ways):
        # a slots dataclass's default, a dict of its slots, cost twice the time.
        return (StoredSpan, _stored_fields(self))

    @property
    def completed(self) -> bool:
        return self.end_timestamp is not None

    @property
    def duration_us(self) -> int | None:
        if self.end_timestamp is None:
            return None
        delta = self.end_timestamp - self.start_timestamp
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_stored_fields = attrgetter(*(field.name for field in fields(StoredSpan)))


@dataclass(slots=True)
class PreparedSpan:
    """A span ready to store: its row, and its metadata as the index holds it (what is stored,
    a redacted value too, never the credential)."""

    span: StoredSpan
    indexed_metadata: dict[str, Any]

    def __reduce__(self) -> tuple[Any, ...]:
        return (PreparedSpan, (self.span, self.indexed_metadata))  # as StoredSpan's


# A token count must fit the BIGINT column it is stored in; a larger one is no count at all.
MAX_TOKEN_COUNT = 2**63 - 1


def _count(usage: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = usage.get(key)
        if type(value) is int and 0 <= value <= MAX_TOKEN_COUNT:
            return value
    return None


def token_counts(output: dict[str, Any]) -> tuple[int | None, int | None]:
    """(input, output) tokens reported in `output.usage`, None where it reports none."""
    usage = output.get("usage")
    if not isinstance(usage, dict):
        return None, None
    return _count(usage, _INPUT_KEYS), _count(usage, _OUTPUT_KEYS)


def utc(value: datetime) -> datetime:
    """The timestamp in UTC (one without a zone is UTC already), as it is stored."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def prepare(write: SpanWrite, *, account_id: str, user_id: str) -> PreparedSpan:
    derived_in, derived_out = token_counts(write.output)
    payloads = (write.input, write.output, write.metadata, write.expected or {})
    raw = tuple(orjson.dumps(payload).decode() for payload in payloads)
    # A name is free text, where a credential may stand as well as in a payload.
    name, input_, output, metadata, expected = redact_all((write.name, *raw))
    indexed = write.metadata if metadata is raw[2] else orjson.loads(metadata)
    span = StoredSpan(
        account_id=account_id,
        id=write.id,
        trace_id=write.trace_id,
        parent_id=write.parent_id,
        group_id=write.group_id,
        name=name,
        application_interaction_id=write.application_interaction_id,
        application_variant_id=write.application_variant_id,
        start_timestamp=utc(write.start_timestamp),
        end_timestamp=None if write.end_timestamp is None else utc(write.end_timestamp),
        input=input_,
        output=output,
        expected=None if write.expected is None else expected,
        metadata=metadata,
        status=write.status,
        type=write.type,
        input_tokens=write.input_tokens if write.input_tokens is not None else derived_in,
        output_tokens=write.output_tokens if write.output_tokens is not None else derived_out,
        obs_trace_id=write.obs_trace_id,
        obs_span_id=write.obs_span_id,
        created_by_user_id=user_id,
    )
    return PreparedSpan(span, indexed)
