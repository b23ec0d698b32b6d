"""The one shape every writer of spans hands to the span service.

The SGP span routes, OTLP ingest (`POST /v1/traces`) and the engine's traces of runs all
produce `SpanWrite`s, and `yardstick.span.service` stores them by one path: validation of the
write rules, token counts, redaction and the completed-over-in-progress upsert live there once.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# Who `created_by` names on spans written by the engine or without a principal.
SYSTEM_USER_ID = "yardstick"

SpanStatus = Literal["SUCCESS", "ERROR", "CANCELED"]
SpanType = Literal[
    "TEXT_INPUT",
    "TEXT_OUTPUT",
    "COMPLETION_INPUT",
    "COMPLETION",
    "KB_RETRIEVAL",
    "KB_INPUT",
    "RERANKING",
    "EXTERNAL_ENDPOINT",
    "PROMPT_ENGINEERING",
    "DOCUMENT_INPUT",
    "MAP_REDUCE",
    "DOCUMENT_SEARCH",
    "DOCUMENT_PROMPT",
    "CUSTOM",
    "CODE_EXECUTION",
    "DATA_MANIPULATION",
    "EVALUATION",
    "FILE_RETRIEVAL",
    "KB_ADD_CHUNK",
    "KB_MANAGEMENT",
    "GUARDRAIL",
    "OUTPUT_GUARDRAIL",
    "TRACER",
    "AGENT_TRACER",
    "AGENT_WORKFLOW",
    "STANDALONE",
]


@dataclass(slots=True)
class SpanWrite:
    """One span to insert or upsert. Timestamps are timezone-aware.

    `input_tokens`/`output_tokens` are given by writers that know them (OTLP's GenAI
    attributes, the engine's usage); when None the service derives them from `output.usage`.
    """

    id: str
    trace_id: str
    name: str
    start_timestamp: datetime
    end_timestamp: datetime | None = None
    parent_id: str | None = None
    group_id: str | None = None
    application_interaction_id: str | None = None
    application_variant_id: str | None = None
    input: dict[str, Any] = field(default_factory=dict)
    output: dict[str, Any] = field(default_factory=dict)
    expected: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    status: SpanStatus = "SUCCESS"
    type: SpanType = "STANDALONE"
    obs_trace_id: str | None = None
    obs_span_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
