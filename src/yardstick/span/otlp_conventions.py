"""What the semantic conventions of LLM spans say about a span: its input, output, token
counts and type, read from its OpenTelemetry attributes.

Three vocabularies are read: OpenTelemetry's GenAI conventions (`gen_ai.*`), OpenLLMetry's
(`gen_ai.prompt.N.*`, `traceloop.*`, `llm.request.type`) and OpenInference's
(`openinference.span.kind`, `input.value`, `llm.input_messages.N.message.*` …). Each step is a
dict lookup or one prefix test per attribute: ingest must keep up with many spans a second.
"""

from collections.abc import Mapping
from typing import Any

from yardstick.kit.body import BodyProblem, parse_json
from yardstick.span.records import SpanType
from yardstick.span.stored import MAX_TOKEN_COUNT

# OpenInference's span kind, GenAI's operation, OpenLLMetry's kind and request type, by
# precedence; a span none of them names is a TRACER at the root of its trace, else STANDALONE.
_OPENINFERENCE_KIND = "openinference.span.kind"
_TYPES: tuple[tuple[str, dict[str, SpanType]], ...] = (
    (
        _OPENINFERENCE_KIND,
        {
            "LLM": "COMPLETION",
            "CHAIN": "CUSTOM",
            "RETRIEVER": "KB_RETRIEVAL",
            "RERANKER": "RERANKING",
            "EMBEDDING": "CUSTOM",
            "TOOL": "CODE_EXECUTION",
            "AGENT": "AGENT_WORKFLOW",
            "GUARDRAIL": "GUARDRAIL",
            "EVALUATOR": "EVALUATION",
            "PROMPT": "PROMPT_ENGINEERING",
        },
    ),
    (
        "gen_ai.operation.name",
        {
            "chat": "COMPLETION",
            "text_completion": "COMPLETION",
            "generate_content": "COMPLETION",
            "embeddings": "CUSTOM",
            "execute_tool": "CODE_EXECUTION",
            "invoke_agent": "AGENT_WORKFLOW",
            "create_agent": "AGENT_WORKFLOW",
        },
    ),
    ("traceloop.span.kind", {"agent": "AGENT_WORKFLOW", "tool": "CODE_EXECUTION"}),
    (
        "llm.request.type",
        {"chat": "COMPLETION", "completion": "COMPLETION", "rerank": "RERANKING"},
    ),
)
_INPUT_TOKENS = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
)
_OUTPUT_TOKENS = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
)
# Indexed messages, one attribute per field (OpenLLMetry's `gen_ai.prompt.0.role`, OpenInference's
# `llm.input_messages.0.message.role`): the two words before the index → (side, the prefix of
# the field's name).
_INDEXED = {
    "gen_ai.prompt": ("input", ""),
    "gen_ai.completion": ("output", ""),
    "llm.input_messages": ("input", "message."),
    "llm.output_messages": ("output", "message."),
}
_INDEXED_PREFIXES = tuple(prefix + "." for prefix in _INDEXED)
# The longest index read as a message's place: an int64's digits.
_MAX_INDEX_DIGITS = 18
# Whole values: attribute → (side, key), the first of a side's key winning. JSON text is parsed;
# for OpenInference's values, when the `.mime_type` attribute beside them says it is JSON.
_VALUES = {
    "gen_ai.input.messages": ("input", "messages"),
    "gen_ai.system_instructions": ("input", "system_instructions"),
    "gen_ai.output.messages": ("output", "messages"),
    "input.value": ("input", "value"),
    "output.value": ("output", "value"),
    "traceloop.entity.input": ("input", "value"),
    "traceloop.entity.output": ("output", "value"),
}
_MIME_TYPES = {"input.value": "input.mime_type", "output.value": "output.mime_type"}
# Every attribute read here: a span with none of them (most spans of an app) costs one set
# intersection.
_KNOWN = frozenset(
    [*_VALUES, *_MIME_TYPES.values(), *_INPUT_TOKENS, *_OUTPUT_TOKENS, *(k for k, _ in _TYPES)]
)


class Conventions:
    """What the conventions say of one span. The attributes moved into `input`/`output`
    (messages, values) leave `attributes`; the rest, token counts included, stay there."""

    __slots__ = ("input", "input_tokens", "output", "output_tokens", "type")

    def __init__(self, attributes: dict[str, Any], *, is_root: bool) -> None:
        self.input: dict[str, Any] = {}
        self.output: dict[str, Any] = {}
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.type: SpanType = "TRACER" if is_root else "STANDALONE"
        indexed = [key for key in attributes if key.startswith(_INDEXED_PREFIXES)]
        if indexed:
            self._move_messages(attributes, indexed)
        known = _KNOWN.intersection(attributes)
        if known:
            self._read(attributes, known)

    def _move_messages(self, attributes: dict[str, Any], keys: list[str]) -> None:
        by_index: dict[str, dict[int, dict[str, Any]]] = {"input": {}, "output": {}}
        for key in keys:
            words = key.split(".", 3)  # ["gen_ai", "prompt", "0", "role"]
            if len(words) < 4 or not words[2].isdecimal() or len(words[2]) > _MAX_INDEX_DIGITS:
                # Not a message's field (`gen_ai.prompt.template`), or an index no list of
                # messages reaches (and past 4,300 digits `int` refuses): stays an attribute.
                continue
            side, inner = _INDEXED[words[0] + "." + words[1]]
            message = by_index[side].setdefault(int(words[2]), {})
            message[words[3].removeprefix(inner)] = attributes.pop(key)
        for side, target in (("input", self.input), ("output", self.output)):
            if by_index[side]:
                target["messages"] = [by_index[side][i] for i in sorted(by_index[side])]

    def _read(self, attributes: dict[str, Any], known: frozenset[str]) -> None:
        for key, (side, name) in _VALUES.items():
            if key in known:
                value = attributes.pop(key)
                mime_key = _MIME_TYPES.get(key)
                is_json = mime_key is None or attributes.pop(mime_key, None) == "application/json"
                if isinstance(value, str) and is_json:
                    value = _parsed(value)
                (self.input if side == "input" else self.output).setdefault(name, value)
        self.input_tokens = _first_count(attributes, known, _INPUT_TOKENS)
        self.output_tokens = _first_count(attributes, known, _OUTPUT_TOKENS)
        for key, types in _TYPES:
            named = attributes.get(key) if key in known else None
            if isinstance(named, str):
                found = types.get(named.upper() if key == _OPENINFERENCE_KIND else named)
                if found is not None:
                    self.type = found
                    return


def _parsed(text: str) -> Any:
    """JSON text as the value it spells, read as every request body is (integers beyond 64 bits
    kept exact, or refused); text that is not JSON, or that a body could not hold (nested too
    deep, a NUL, an integer out of range), stays text."""
    try:
        return parse_json(text.encode())
    except (ValueError, BodyProblem):
        return text


def _first_count(
    attributes: Mapping[str, Any], known: frozenset[str], keys: tuple[str, ...]
) -> int | None:
    """The first of `keys` that holds a count: an integer from 0 to MAX_TOKEN_COUNT, or its text."""
    for key in keys:
        if key not in known:
            continue
        value = attributes[key]
        # (Text of 20 digits or more is over the maximum, and int() refuses thousands.)
        as_text = isinstance(value, str) and value.isdecimal() and len(value) < 20
        if as_text or (isinstance(value, float) and value.is_integer()):
            value = int(value)
        if type(value) is int and 0 <= value <= MAX_TOKEN_COUNT:
            return value
    return None
