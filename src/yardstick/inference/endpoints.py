from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import SessionFactory
from yardstick.errors import BadRequest, ErrorBody
from yardstick.inference.schemas import (
    ChatCompletionCreate,
    ChatCompletionOut,
    CompletionCreate,
    CompletionOut,
    InferenceCreate,
    InferenceOut,
    ModelDefinitionList,
    ResponseCreate,
    ResponseOut,
)
from yardstick.inference.service import inference_service
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.disconnect import unless_client_gone
from yardstick.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, SortOrder
from yardstick.kit.responses import JSONBody
from yardstick.provider import get_providers


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    # Read the providers file at startup: a broken one stops the server here. The sessions are
    # closed by the app's own lifespan (main.py), after the engine has stopped using them.
    get_providers()
    yield


router = APIRouter(prefix="/v5", tags=["inference"], route_class=OrjsonRoute, lifespan=_lifespan)

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown model, or its vendor is not configured"},
    # Not FastAPI's own 422 body alone: an upstream's 422 is passed on with its message as text.
    422: {
        "description": "A field of the body is invalid, or the upstream says so",
        "model": ErrorBody,
    },
    502: {"description": "The upstream failed on every attempt (x-should-retry: false)"},
    503: {"description": "The upstream rate-limited every attempt (x-should-retry: false)"},
}
_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
_STREAMED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The completion; with `stream: true`, server-sent events, each `data:` "
        "one chunk of it as JSON (an `{error}` object if the upstream fails mid-stream)",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **_ERRORS,
}


def _own_openai_key(
    x_openai_api_key: Annotated[
        str | None, Header(description="Your own OpenAI key for this call, for `openai/*` models")
    ] = None,
) -> str | None:
    """The caller's own key, sent upstream as it is: printable ASCII only, since HTTP carries
    any other byte as Latin-1, and a UTF-8 key went upstream garbled."""
    if x_openai_api_key is not None and not (
        x_openai_api_key and x_openai_api_key.isascii() and x_openai_api_key.isprintable()
    ):
        raise BadRequest("x-openai-api-key: an API key is printable ASCII, and not empty")
    return x_openai_api_key


OwnOpenAIKey = Annotated[str | None, Depends(_own_openai_key)]


def _sessions(request: Request) -> SessionFactory:
    sessions: SessionFactory = request.app.state.sessions
    return sessions


Sessions = Annotated[SessionFactory, Depends(_sessions)]


async def _answer(
    request: Request,
    streamed: bool,
    stream: Callable[[], Awaitable[AsyncIterator[bytes]]],
    call: Callable[[], Awaitable[dict[str, Any]]],
) -> Response:
    """The SSE stream or the JSON answer. Until the answer (a stream's first chunk), a client
    that hangs up cancels the upstream call."""
    if streamed:
        events = await unless_client_gone(request, stream())
        return StreamingResponse(events, media_type="text/event-stream", headers=_SSE_HEADERS)
    return JSONBody(await unless_client_gone(request, call()))


@router.post("/chat/completions", response_model=ChatCompletionOut, responses=_STREAMED)
async def create_chat_completion(
    request: Request,
    body: ChatCompletionCreate,
    principal: PrincipalDep,
    sessions: Sessions,
    key: OwnOpenAIKey,
) -> Any:
    """Chat completion from `vendor/name` or a registered model; `stream: true` answers with SSE."""
    model, upstream = body.model, body.upstream_body()
    return await _answer(
        request,
        bool(body.stream),
        lambda: inference_service.stream_chat_completion(
            sessions, principal, model=model, body=upstream, openai_api_key=key
        ),
        lambda: inference_service.chat_completion(
            sessions, principal, model=model, body=upstream, openai_api_key=key
        ),
    )


@router.get("/chat/completions/models", response_model=ModelDefinitionList)
async def list_chat_completion_models(
    principal: PrincipalDep,
    sessions: Sessions,
    limit: Annotated[
        int, Query(ge=1, description=f"Page size, at most {MAX_LIMIT}")
    ] = DEFAULT_LIMIT,
    starting_after: Annotated[str | None, Query(description="A `vendor/name` cursor")] = None,
    ending_before: Annotated[str | None, Query(description="A `vendor/name` cursor")] = None,
    sort_order: SortOrder = "asc",
    model_vendor: str | None = None,
) -> JSONBody:
    """Models of the configured vendors and the account's registered models, by vendor/name."""
    page = await inference_service.list_models(
        sessions,
        principal,
        vendor=model_vendor,
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        sort_order=sort_order,
    )
    return JSONBody(page)


@router.post("/completions", response_model=CompletionOut, responses=_STREAMED)
async def create_completion(
    request: Request, body: CompletionCreate, principal: PrincipalDep, sessions: Sessions
) -> Any:
    """Text completion from `vendor/name` or a registered model; `stream: true` answers with SSE."""
    model, upstream = body.model, body.upstream_body()
    return await _answer(
        request,
        bool(body.stream),
        lambda: inference_service.stream_completion(
            sessions, principal, model=model, body=upstream
        ),
        lambda: inference_service.completion(sessions, principal, model=model, body=upstream),
    )


@router.post(
    "/responses",
    response_model=ResponseOut,
    responses={
        400: {"description": "The model is not OpenAI's", "model": ErrorBody},
        **_STREAMED,
    },
)
async def create_response(
    request: Request,
    body: ResponseCreate,
    principal: PrincipalDep,
    sessions: Sessions,
    key: OwnOpenAIKey,
) -> Any:
    """OpenAI's Responses API, for `openai/*` models (any other vendor is a 400: use chat
    completions); `stream: true` answers with SSE, each `data:` one event as OpenAI sends it."""
    model, upstream = body.model, body.upstream_body()
    return await _answer(
        request,
        bool(body.stream),
        lambda: inference_service.stream_responses(
            sessions, principal, model=model, body=upstream, openai_api_key=key
        ),
        lambda: inference_service.responses(
            sessions, principal, model=model, body=upstream, openai_api_key=key
        ),
    )


@router.post("/inference", response_model=InferenceOut, responses=_ERRORS)
async def create_inference(
    request: Request, body: InferenceCreate, principal: PrincipalDep, sessions: Sessions
) -> JSONBody:
    """Generic inference: `args` with `messages` is a chat completion, with `prompt` a completion"""
    call = inference_service.inference(sessions, principal, body=body)
    return JSONBody(await unless_client_gone(request, call))
