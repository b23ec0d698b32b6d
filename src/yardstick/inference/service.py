"""Rules of the inference endpoints: route the model, call the provider, map its failures to HTTP.

The request path holds no database connection during a model call: a registered model is looked
up (in a worker thread, in its own short session) before the call, and only when the model
string can name one (`wants_registered`).

Failures map to statuses the official client handles well: an unknown or
unconfigured model is a 404; an upstream 4xx keeps its status (400, 404, 413, 422; any other 4xx
becomes 400, and 401/403 — our credentials, not the caller's — a 502); retries exhausted are a
502 (503 for rate limits) with `x-should-retry: false`, since the provider layer has already
retried and the client must not multiply the attempts.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, cast

import orjson
from starlette.concurrency import run_in_threadpool

from yardstick.auth.service import Principal
from yardstick.db.session import SessionFactory
from yardstick.errors import AppError, Unprocessable
from yardstick.inference.schemas import InferenceCreate
from yardstick.inference_model.repository import inference_model_repository
from yardstick.inference_model.service import resolve_registered_model
from yardstick.kit.pagination import MAX_LIMIT, SortOrder
from yardstick.models import InferenceModel
from yardstick.provider import (
    CallResult,
    InvalidRequest,
    ModelNotFound,
    ModelNotReady,
    ModelRoute,
    ProviderError,
    ProviderNotConfigured,
    RateLimited,
    UpstreamRejected,
    get_providers,
    wants_registered,
)
from yardstick.provider.errors import quoted

_PASSED_THROUGH = frozenset({400, 404, 413, 422})


class ModelCallFailed(AppError):
    """A provider failure, with the status it maps to (see the module docstring)."""

    def __init__(self, status_code: int, detail: str, *, final: bool = False) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.headers = {"x-should-retry": "false"} if final else {}


def http_error(exc: ProviderError, *, own_key: bool = False) -> AppError:
    """The HTTP error for a provider failure; `own_key`: the call used the caller's own key
    (`x-openai-api-key`), so a refusal of it is the caller's to fix, not Yardstick's."""
    if own_key and isinstance(exc, UpstreamRejected) and exc.status_code in (401, 403):
        return ModelCallFailed(
            400, f"x-openai-api-key: the upstream refused this key: {exc.message}", final=True
        )
    if isinstance(exc, ModelNotFound | ProviderNotConfigured):
        return ModelCallFailed(404, exc.message)
    if isinstance(exc, ModelNotReady):
        return ModelCallFailed(400, exc.message)
    if isinstance(exc, InvalidRequest):
        return Unprocessable(["body", "args"], exc.message)
    if isinstance(exc, UpstreamRejected) and exc.status_code in (401, 403):
        return ModelCallFailed(
            502, f"the upstream refused Yardstick's credentials: {exc.message}", final=True
        )
    if isinstance(exc, UpstreamRejected):
        status = exc.status_code if exc.status_code in _PASSED_THROUGH else 400
        return ModelCallFailed(status or 400, exc.message)
    attempts = f" (gave up after {exc.attempts} attempts)" if exc.attempts > 1 else ""
    status = 503 if isinstance(exc, RateLimited) else 502
    return ModelCallFailed(status, f"{exc.type}: {exc.message}{attempts}", final=True)


def _own_key(route: ModelRoute, openai_api_key: str | None) -> str | None:
    """The caller's own OpenAI key (`x-openai-api-key`) applies to OpenAI models only. It is
    passed to that one upstream call and never stored or logged."""
    return openai_api_key if route.vendor == "openai" else None


def _sse(event: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(event) + b"\n\n"


class InferenceService:
    async def route(self, sessions: SessionFactory, principal: Principal, model: str) -> ModelRoute:
        providers = get_providers()
        registered = None
        if wants_registered(model):
            registered = await run_in_threadpool(
                self._registered, sessions, principal.account_id, model
            )
        try:
            return providers.route(model, registered, account_id=principal.account_id)
        except ProviderError as exc:
            raise http_error(exc) from exc

    @staticmethod
    def _registered(sessions: SessionFactory, account_id: str, model: str) -> Any:
        with sessions.read() as session:
            return resolve_registered_model(session, account_id, model)

    async def chat_completion(
        self,
        sessions: SessionFactory,
        principal: Principal,
        *,
        model: str,
        body: dict[str, Any],
        openai_api_key: str | None = None,
    ) -> dict[str, Any]:
        route = await self.route(sessions, principal, model)
        key = _own_key(route, openai_api_key)
        call = get_providers().chat_completion(route, body, api_key=key)
        return await self._call(call, "chat.completion", "message", own_key=key is not None)

    async def completion(
        self, sessions: SessionFactory, principal: Principal, *, model: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        route = await self.route(sessions, principal, model)
        return await self._call(get_providers().completion(route, body), "text_completion", "text")

    @staticmethod
    async def _call(
        call: Awaitable[CallResult], object_name: str, holds: str, *, own_key: bool = False
    ) -> dict[str, Any]:
        """The upstream's JSON with `object` ensured; provider errors become HTTP errors, and so
        does an answer whose `choices` are not a list of objects each holding `holds` (the
        `message` of a chat completion, the `text` of a completion): the clients parse the
        answer by that shape, so it is not passed on as one."""
        try:
            result = await call
        except ProviderError as exc:
            raise http_error(exc, own_key=own_key) from exc
        choices = result.response.get("choices")
        if not (
            isinstance(choices, list)
            and choices
            and all(isinstance(choice, dict) and holds in choice for choice in choices)
        ):
            shown = result.hidden(quoted(orjson.dumps(result.response).decode(), 200))
            raise ModelCallFailed(
                502, f"InvalidResponse: the upstream's answer has no {object_name} choices: {shown}"
            )
        result.response.setdefault("object", object_name)
        return result.response

    async def stream_chat_completion(
        self,
        sessions: SessionFactory,
        principal: Principal,
        *,
        model: str,
        body: dict[str, Any],
        openai_api_key: str | None = None,
    ) -> AsyncIterator[bytes]:
        route = await self.route(sessions, principal, model)
        key = _own_key(route, openai_api_key)
        chunks = get_providers().stream_chat_completion(route, body, api_key=key)
        return await self._sse_stream(chunks, "chat.completion.chunk", own_key=key is not None)

    async def _openai_route(
        self, sessions: SessionFactory, principal: Principal, model: str
    ) -> ModelRoute:
        route = await self.route(sessions, principal, model)
        if route.vendor != "openai":
            raise ModelCallFailed(
                400,
                f"the Responses API is served for OpenAI models only; {model!r} is a model of "
                f"vendor {route.vendor!r}: use POST /v5/chat/completions for it",
                final=True,
            )
        return route

    async def responses(
        self,
        sessions: SessionFactory,
        principal: Principal,
        *,
        model: str,
        body: dict[str, Any],
        openai_api_key: str | None = None,
    ) -> dict[str, Any]:
        """The upstream's response object, `object` ensured; one without an `output` list is
        a 502 (the client parses the answer by it)."""
        route = await self._openai_route(sessions, principal, model)
        try:
            result = await get_providers().responses(route, body, api_key=openai_api_key)
        except ProviderError as exc:
            raise http_error(exc, own_key=openai_api_key is not None) from exc
        if not isinstance(result.response.get("output"), list):
            shown = result.hidden(quoted(orjson.dumps(result.response).decode(), 200))
            raise ModelCallFailed(
                502, f"InvalidResponse: the upstream's answer has no output list: {shown}"
            )
        result.response.setdefault("object", "response")
        return result.response

    async def stream_responses(
        self,
        sessions: SessionFactory,
        principal: Principal,
        *,
        model: str,
        body: dict[str, Any],
        openai_api_key: str | None = None,
    ) -> AsyncIterator[bytes]:
        route = await self._openai_route(sessions, principal, model)
        events = get_providers().stream_responses(route, body, api_key=openai_api_key)
        return await self._sse_stream(events, None, own_key=openai_api_key is not None)

    async def stream_completion(
        self, sessions: SessionFactory, principal: Principal, *, model: str, body: dict[str, Any]
    ) -> AsyncIterator[bytes]:
        route = await self.route(sessions, principal, model)
        chunks = get_providers().stream_completion(route, body)
        return await self._sse_stream(chunks, "text_completion")

    async def _sse_stream(
        self,
        chunks: AsyncIterator[dict[str, Any]],
        object_name: str | None,
        *,
        own_key: bool = False,
    ) -> AsyncIterator[bytes]:
        """The SSE body of a stream: no `[DONE]`, no `event:` lines (a Responses API event
        names itself in its `type`); a failure is one error event. `object_name`, when given,
        is each chunk's `object` unless the upstream set one.

        The first chunk is awaited here, so a failure before any output is a plain HTTP error.
        """
        try:
            first: dict[str, Any] | None = await anext(chunks)
        except StopAsyncIteration:
            first = None
        except ProviderError as exc:
            raise http_error(exc, own_key=own_key) from exc

        def named(chunk: dict[str, Any]) -> dict[str, Any]:
            if object_name is not None:
                chunk.setdefault("object", object_name)
            return chunk

        if first is None:  # `[DONE]` and nothing before it
            raise ModelCallFailed(
                502, "UpstreamError: the upstream's stream ended with no event", final=True
            )

        async def events() -> AsyncIterator[bytes]:
            try:
                yield _sse(named(first))
                async for chunk in chunks:
                    yield _sse(named(chunk))
            except ProviderError as exc:
                yield _sse({"error": {"message": exc.message, "type": exc.type}})
            finally:
                await chunks.aclose()  # type: ignore[attr-defined]

        return events()

    async def inference(
        self, sessions: SessionFactory, principal: Principal, *, body: InferenceCreate
    ) -> dict[str, Any]:
        route = await self.route(sessions, principal, body.model)
        settings = body.inference_configuration
        timeout = settings.timeout_seconds if settings else None
        attempts = (
            settings.num_retries + 1 if settings and settings.num_retries is not None else None
        )
        try:
            result = await get_providers().inference(
                route, body.args, timeout=timeout, max_attempts=attempts
            )
        except ProviderError as exc:
            raise http_error(exc) from exc
        return {"response": result.response, "object": "generic_inference"}

    async def list_models(
        self,
        sessions: SessionFactory,
        principal: Principal,
        *,
        vendor: str | None,
        limit: int,
        starting_after: str | None,
        ending_before: str | None,
        sort_order: SortOrder,
    ) -> dict[str, Any]:
        """The configured vendors' models and the account's registered models, by `vendor/name`.

        The list is assembled from live upstream answers, so a cursor is a position in the
        order (`vendor/name`), not a row that must still exist.
        """
        providers = get_providers()
        vendors = [name for name in providers.vendors if vendor is None or name == vendor]
        listed = await asyncio.gather(*(providers.list_models(name) for name in vendors))
        entries: dict[str, dict[str, str]] = {}
        for name, models in zip(vendors, listed, strict=True):
            for model in models:
                entries[f"{name}/{model}"] = {
                    "model_name": model,
                    "model_type": "chat_completion",
                    "model_vendor": name,
                    "model_availability": "available",  # the vendor listed it just now
                }
        for row in await run_in_threadpool(self._registered_rows, sessions, principal, vendor):
            entries[f"{row['model_vendor']}/{row['model_name']}"] = row

        keys = sorted(entries, reverse=sort_order == "desc")

        def after(key: str, cursor: str) -> bool:
            """Whether `key` comes after `cursor` in the requested order."""
            return key > cursor if sort_order == "asc" else key < cursor

        if starting_after is not None:
            keys = [k for k in keys if after(k, starting_after)]
        limit = min(limit, MAX_LIMIT)
        if ending_before is not None:
            keys = [k for k in keys if after(ending_before, k)]
            page, has_more = keys[-limit:], len(keys) > limit
        else:
            page, has_more = keys[:limit], len(keys) > limit
        return {
            "object": "list",
            "items": [entries[k] for k in page],
            "has_more": has_more,
            "total": len(entries),
            "limit": limit,
        }

    @staticmethod
    def _registered_rows(
        sessions: SessionFactory, principal: Principal, vendor: str | None
    ) -> list[dict[str, str]]:
        stmt = inference_model_repository.list_stmt(
            account_id=principal.account_id, vendor=vendor, name=None
        )
        with sessions.read() as session:
            models = cast(list[InferenceModel], session.scalars(stmt).all())
        return [
            {
                "model_name": m.name,
                "model_type": m.model_type,
                "model_vendor": m.model_vendor,
                "model_availability": "available" if m.status == "ready" else "unavailable",
            }
            for m in models
        ]


inference_service = InferenceService()
