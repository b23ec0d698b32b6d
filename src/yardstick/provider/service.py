"""Routing a `model` string to a vendor, and the calls the engine and the endpoints make.

Routing (`Providers.route`): a registered model wins when the caller found one (the caller does
the lookup, see `wants_registered`): an `llmengine` model goes to the `llmengine` vendor with
upstream model `vendor_configuration.model`, a `launch` model to the `launch` vendor under its
registered name. Otherwise `vendor/name` goes to `vendor` with upstream model `name` (which may
itself hold slashes: `llmengine/meta-llama/Llama-3-8B`). Routing does no I/O, so the engine can
check every task's model when an evaluation is created.

All vendors speak the OpenAI HTTP API: chat completions at `/chat/completions`, completions at
`/completions`, the model list at `/models`, all under the vendor's base URL.
"""

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from yardstick.config import Settings, get_settings
from yardstick.ops.logs import register_secrets
from yardstick.provider import embeddings, prices
from yardstick.provider.account_keys import account_key
from yardstick.provider.client import CallResult, VendorClient
from yardstick.provider.config import (
    VENDORS,
    ProvidersFileError,
    VendorConfig,
    hint,
    load_embedding_model,
    load_vendor_configs,
)
from yardstick.provider.embeddings import EmbeddingsResult
from yardstick.provider.errors import (
    InvalidRequest,
    ModelNotFound,
    ModelNotReady,
    ProviderError,
    ProviderNotConfigured,
)
from yardstick.provider.prices import Price
from yardstick.provider.stream_end import ResponseEnd, StreamEnd

log = logging.getLogger(__name__)

# Vendors whose models are registered through /v5/models rather than named upstream.
REGISTRY_VENDORS = ("llmengine", "launch")
# A vendor's /models answer is reused this long; a failure is remembered for less.
MODELS_CACHE_SECONDS = 60.0
MODELS_FAILURE_CACHE_SECONDS = 10.0
MODELS_TIMEOUT_SECONDS = 10.0


class RegisteredModel(Protocol):
    """What routing reads of a registered model (an `InferenceModel` row)."""

    @property
    def name(self) -> str: ...
    @property
    def model_vendor(self) -> str: ...
    @property
    def vendor_configuration(self) -> dict[str, Any]: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class ModelRoute:
    model: str  # as the caller wrote it
    vendor: str
    upstream_model: str  # the `model` sent upstream
    registered: bool = False
    # The account the call is made for: its own key for the vendor, when it keeps one, is sent
    # instead of the server's (see `account_keys`). None for calls of the server's own.
    account_id: str | None = None


def wants_registered(model: str) -> bool:
    """Whether the caller should look `model` up in the registry before routing it.

    True for a bare name and for `llmengine/…` or `launch/…`, where a registered model of that
    name (`resolve_registered_model` accepts `vendor/name`) takes precedence over the vendor's
    upstream model of the same name.
    """
    return "/" not in model or model.partition("/")[0] in REGISTRY_VENDORS


class Providers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.vendors: dict[str, VendorConfig] = load_vendor_configs(settings)
        # The providers file's `[embeddings] model`: cosine_similarity's endpoint unless
        # YARDSTICK_EMBEDDING_MODEL says otherwise (see yardstick.scoring.choice). A model that
        # does not route stops the start, as any other mistake of the file does.
        self.embedding_model = load_embedding_model(settings)
        if self.embedding_model is not None:
            try:
                self._route(self.embedding_model, None)
            except ProviderError as exc:
                raise ProvidersFileError(
                    f"providers file, [embeddings] model {self.embedding_model!r}: {exc.message}"
                ) from exc
        # Keys from the providers file too: should an error message ever carry one into a log
        # line, it is redacted there (see yardstick.ops.logs).
        register_secrets(vendor.api_key for vendor in self.vendors.values())
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, VendorClient]
        ] = weakref.WeakKeyDictionary()
        self._models: dict[str, tuple[float, list[str]]] = {}

    # Routing ------------------------------------------------------------------------------------

    def route(
        self,
        model: str,
        registered: RegisteredModel | None = None,
        *,
        account_id: str | None = None,
    ) -> ModelRoute:
        """`account_id`: whose call it will be, so the account's own vendor key is used."""
        route = self._route(model, registered)
        return route if account_id is None else replace(route, account_id=account_id)

    def _route(self, model: str, registered: RegisteredModel | None) -> ModelRoute:
        if registered is not None:
            return self._registered_route(model, registered)
        vendor, slash, name = model.partition("/")
        if not slash:
            raise ModelNotFound(model)
        if not vendor or not name:
            raise ModelNotFound(model, f"invalid model {model!r}: expected vendor/name")
        if vendor not in self.vendors:
            if vendor not in VENDORS:
                raise ModelNotFound(
                    model,
                    f"unknown vendor {vendor!r} in model {model!r}: use one of "
                    f"{', '.join(VENDORS)}, or declare it in the providers file",
                )
            raise ProviderNotConfigured(vendor, hint(vendor))
        self._check_listed(model, vendor, name)
        return ModelRoute(model=model, vendor=vendor, upstream_model=name)

    def _check_listed(self, model: str, vendor: str, upstream: str) -> None:
        """The operator said which models this vendor serves: any other is refused, by its
        `vendor/name` and through a registered model alike (one named after an unlisted model,
        or pointing an llmengine name at one, spent the operator's key on it)."""
        listed = self.vendors[vendor].models
        if listed is not None and upstream not in listed:
            raise ModelNotFound(
                model,
                f"vendor {vendor!r} serves only the models the providers file lists for it "
                f"({', '.join(listed) or 'none'}), not {upstream!r}",
            )

    def _registered_route(self, model: str, registered: RegisteredModel) -> ModelRoute:
        vendor = registered.model_vendor
        if vendor == "llmengine":
            upstream = registered.vendor_configuration.get("model")
            if not isinstance(upstream, str) or not upstream:
                raise ModelNotFound(
                    model, f"registered model {model!r} has no vendor_configuration.model"
                )
        else:
            upstream = registered.name
        if registered.status != "ready":
            raise ModelNotReady(model)
        if vendor not in self.vendors:
            raise ProviderNotConfigured(vendor, hint(vendor))
        self._check_listed(model, vendor, upstream)
        return ModelRoute(model=model, vendor=vendor, upstream_model=upstream, registered=True)

    def check(self, model: str, registered: RegisteredModel | None = None) -> None:
        """Raise what `route` would; no I/O (the engine calls it when an evaluation is created)."""
        self.route(model, registered)

    def price(self, route: ModelRoute) -> Price | None:
        """USD per million tokens of the route's upstream model, or None when not priced."""
        return prices.lookup(self.vendors[route.vendor].prices, route.upstream_model)

    # Calls --------------------------------------------------------------------------------------

    def client(self, vendor: str) -> VendorClient:
        """The vendor's client on the running event loop, made on first use."""
        loop = asyncio.get_running_loop()
        clients = self._clients.setdefault(loop, {})
        client = clients.get(vendor)
        if client is None:
            client = clients[vendor] = VendorClient(self.vendors[vendor])
        return client

    def _limits(
        self, route: ModelRoute, timeout: float | None, max_attempts: int | None
    ) -> tuple[VendorClient, float, int]:
        client = self.client(route.vendor)
        config = client.config
        return (
            client,
            timeout if timeout is not None else config.timeout_seconds,
            max(1, max_attempts if max_attempts is not None else config.max_attempts),
        )

    async def _post(
        self,
        path: str,
        route: ModelRoute,
        body: dict[str, Any],
        timeout: float | None,
        max_attempts: int | None,
        api_key: str | None,
    ) -> CallResult:
        """One unstreamed call, with the caller's, else the account's, else the vendor's key
        (which `post_json` keeps out of a failure's message itself)."""
        client, timeout_s, attempts = self._limits(route, timeout, max_attempts)
        key = api_key or await account_key(route.account_id, route.vendor)
        return await client.post_json(
            path,
            _body(body, route, stream=False),
            timeout=timeout_s,
            max_attempts=attempts,
            api_key=key,
        )

    def _stream(
        self,
        path: str,
        route: ModelRoute,
        body: dict[str, Any],
        timeout: float | None,
        max_attempts: int | None,
        api_key: str | None,
        end: Callable[[], StreamEnd] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        client, timeout_s, attempts = self._limits(route, timeout, max_attempts)
        return _keyed_stream(
            client,
            route,
            path,
            _body(body, route, stream=True),
            timeout=timeout_s,
            max_attempts=attempts,
            api_key=api_key,
            end=end,
        )

    async def chat_completion(
        self,
        route: ModelRoute,
        body: dict[str, Any],
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
        api_key: str | None = None,
    ) -> CallResult:
        """`api_key`, when given, is used for this call instead of the account's or the
        vendor's key."""
        return await self._post("/chat/completions", route, body, timeout, max_attempts, api_key)

    async def embeddings(
        self,
        route: ModelRoute,
        texts: list[str],
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
    ) -> EmbeddingsResult:
        client, timeout_s, attempts = self._limits(route, timeout, max_attempts)
        with _redacted(None):
            return await embeddings.request(
                client, route.upstream_model, texts, timeout=timeout_s, max_attempts=attempts
            )

    async def completion(
        self,
        route: ModelRoute,
        body: dict[str, Any],
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
    ) -> CallResult:
        return await self._post("/completions", route, body, timeout, max_attempts, None)

    def stream_chat_completion(
        self,
        route: ModelRoute,
        body: dict[str, Any],
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
        api_key: str | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        return self._stream("/chat/completions", route, body, timeout, max_attempts, api_key)

    async def responses(
        self, route: ModelRoute, body: dict[str, Any], *, api_key: str | None = None
    ) -> CallResult:
        """One call of OpenAI's Responses API (`/responses`), for OpenAI's vendor."""
        return await self._post("/responses", route, body, None, None, api_key)

    def stream_responses(
        self, route: ModelRoute, body: dict[str, Any], *, api_key: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """The events of a streamed Responses API call: they end with no `[DONE]`."""
        return self._stream("/responses", route, body, None, None, api_key, ResponseEnd)

    def stream_completion(
        self,
        route: ModelRoute,
        body: dict[str, Any],
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        return self._stream("/completions", route, body, timeout, max_attempts, None)

    async def inference(
        self,
        route: ModelRoute,
        args: dict[str, Any],
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
    ) -> CallResult:
        """Generic inference, OpenAI-compatible: `messages` → chat, `prompt` → completion."""
        for key in ("messages", "prompt"):
            if args.get(key) == []:  # no vendor answers it (see inference.schemas)
                raise InvalidRequest(f"`{key}` must not be empty")
        if "messages" in args:
            return await self.chat_completion(
                route, args, timeout=timeout, max_attempts=max_attempts
            )
        if "prompt" in args:
            return await self.completion(route, args, timeout=timeout, max_attempts=max_attempts)
        raise InvalidRequest(
            f"args for {route.model!r} must hold `messages` (a chat completion) "
            "or `prompt` (a completion)"
        )

    # Listing ------------------------------------------------------------------------------------

    async def list_models(self, vendor: str) -> list[str]:
        """The vendor's model names: its `models` setting, else its `/models`, cached briefly.

        A failing vendor lists nothing (and is asked again after a short pause): one vendor
        that is down must not break the listing of the others.
        """
        config = self.vendors[vendor]
        if config.models is not None:
            return list(config.models)
        now = time.monotonic()
        cached = self._models.get(vendor)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            body = await self.client(vendor).get_json("/models", timeout=MODELS_TIMEOUT_SECONDS)
            names = _model_names(body)
            self._models[vendor] = (now + MODELS_CACHE_SECONDS, names)
        except ProviderError as exc:
            log.warning("listing models of %s failed: %s", vendor, exc.message)
            names = []
            self._models[vendor] = (now + MODELS_FAILURE_CACHE_SECONDS, names)
        return names

    # Lifecycle ----------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the running loop's HTTP sessions (at shutdown)."""
        clients = self._clients.pop(asyncio.get_running_loop(), {})
        await asyncio.gather(*(client.close() for client in clients.values()))


def _model_names(body: dict[str, Any]) -> list[str]:
    """The ids of a `/models` answer (`{"data": [{"id": ...}]}`). It is the vendor's own JSON:
    anything of another shape names no model, rather than failing the whole listing."""
    data = body.get("data")
    entries = data if isinstance(data, list) else []
    return sorted(
        {
            entry["id"]
            for entry in entries
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        }
    )


def _body(body: dict[str, Any], route: ModelRoute, *, stream: bool) -> dict[str, Any]:
    out = {**body, "model": route.upstream_model}
    if stream:
        out["stream"] = True
    else:
        out.pop("stream", None)
        out.pop("stream_options", None)  # only valid with stream; some servers reject it alone
    return out


async def _keyed_stream(
    client: VendorClient,
    route: ModelRoute,
    path: str,
    body: dict[str, Any],
    *,
    timeout: float,
    max_attempts: int,
    api_key: str | None = None,
    end: Callable[[], StreamEnd] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """A stream sent with the caller's, else the account's, else the vendor's key (the key is
    looked up when the stream is first read, as the request is only sent then)."""
    key = api_key or await account_key(route.account_id, route.vendor)
    with _redacted(key):
        events = client.stream_events(
            path, body, timeout=timeout, max_attempts=max_attempts, api_key=key, end=end
        )
        # Closed with this generator, so an abandoned stream gives its slot back at once.
        # (`stream_events` is an async generator, which has `aclose`; its annotation does not say.)
        async with aclosing(events):  # type: ignore[type-var]
            async for event in events:
                yield event


@contextmanager
def _redacted(key: str | None) -> Iterator[None]:
    """The call's failure without its key (`ProviderError.hide_keys`)."""
    try:
        yield
    except ProviderError as exc:
        exc.hide_keys(key)
        raise


_providers: Providers | None = None


def get_providers() -> Providers:
    """The process-wide `Providers`, built from `get_settings()` on first use."""
    global _providers
    if _providers is None:
        _providers = Providers(get_settings())
    return _providers


def reset_providers() -> None:
    """Forget the singleton (tests); the next `get_providers()` reads the settings again."""
    global _providers
    _providers = None


async def close_providers() -> None:
    """Close the singleton's sessions on the running loop, if it was ever built."""
    if _providers is not None:
        await _providers.aclose()
