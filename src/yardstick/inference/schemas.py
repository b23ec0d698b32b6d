"""Bodies of the inference endpoints.

Only what the server reads is typed; every other key (temperature, tools, `extra_body` keys …)
is kept and passed through to the upstream model as it came.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt


class _PassThrough(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(
        description="`vendor/name` (e.g. openai/gpt-4o) or the name of a registered model"
    )
    stream: StrictBool | None = None

    def upstream_body(self) -> dict[str, Any]:
        """What goes upstream: everything sent but `model` and `stream` (set by the provider)."""
        return self.model_dump(exclude_unset=True, exclude={"model", "stream"})


# No message, or no prompt, is a request no vendor answers: a 422 here, not a vendor's refusal
# (or, from some, an answer with no choices, a 502) after a trip upstream.
class ChatCompletionCreate(_PassThrough):
    messages: list[dict[str, Any]] = Field(min_length=1, description="OpenAI chat messages")


class CompletionCreate(_PassThrough):
    prompt: str | Annotated[list[Any], Field(min_length=1)] = Field(
        description="A prompt, or a list of prompts or token ids"
    )


class ResponseCreate(_PassThrough):
    """OpenAI's Responses API body. The fields the clients name are checked here, strictly (a
    422 names the field: `"temperature": "0.5"` went upstream as 0.5, and `"store": "no"` as
    false); any other key goes upstream as it came."""

    model_config = ConfigDict(extra="allow", strict=True)

    input: str | Annotated[list[dict[str, Any]], Field(min_length=1)] = Field(
        description="A prompt, or OpenAI Responses input items"
    )
    include: list[str] | None = None
    instructions: str | None = None
    max_output_tokens: StrictInt | None = Field(default=None, ge=1)
    metadata: dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    previous_response_id: str | None = None
    reasoning: dict[str, Any] | None = None
    store: bool | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    text: dict[str, Any] | None = None
    tool_choice: str | dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    top_p: float | None = Field(default=None, ge=0, le=1)
    truncation: Literal["auto", "disabled"] | None = None


# A caller's own limits for one call. A call holds one of its vendor's slots, shared by every
# account, for up to its attempts times its timeout: unbounded, one request could hold a slot
# for ever. 100 attempts is YARDSTICK_MODEL_MAX_ATTEMPTS's top.
MAX_CALL_RETRIES = 99
MAX_CALL_TIMEOUT_SECONDS = 3600


class InferenceConfiguration(BaseModel):
    num_retries: StrictInt | None = Field(default=None, ge=0, le=MAX_CALL_RETRIES)
    timeout_seconds: StrictInt | None = Field(default=None, gt=0, le=MAX_CALL_TIMEOUT_SECONDS)


class InferenceCreate(BaseModel):
    model: str = Field(description="`vendor/name` or the name of a registered model")
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="The upstream call's body: with `messages` a chat completion, "
        "with `prompt` a completion",
    )
    inference_configuration: InferenceConfiguration | None = None


class _Upstream(BaseModel):
    """The upstream model's answer, passed on as it came (OpenAI's shape), with `object` ensured.

    Only the common keys are described: any other key the upstream sends is passed on too.
    """

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    created: int | None = None
    model: str | None = None
    choices: list[dict[str, Any]]
    usage: dict[str, Any] | None = None


class ChatCompletionOut(_Upstream):
    object: str = Field(description="`chat.completion`")


class CompletionOut(_Upstream):
    object: str = Field(description="`text_completion`")


class InferenceOut(BaseModel):
    response: Any = Field(description="The upstream's answer (a chat or text completion)")
    object: Literal["generic_inference"]


class ModelDefinition(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model_name: str
    model_type: Literal["generic", "completion", "chat_completion"]
    model_vendor: str
    model_availability: Literal["available", "unavailable"]


class ModelDefinitionList(BaseModel):
    object: Literal["list"] = "list"
    items: list[ModelDefinition]
    has_more: bool
    total: int
    limit: int


class ResponseOut(BaseModel):
    """A Responses API answer, passed on as it came, with `object` ensured."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    created_at: float | None = None
    model: str | None = None
    object: str = Field(description="`response`")
    output: list[dict[str, Any]]
    usage: dict[str, Any] | None = None
