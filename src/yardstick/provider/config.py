"""Which vendors are configured, and how: environment variables plus an optional TOML file.

`openai` comes from OPENAI_API_KEY / OPENAI_BASE_URL and `anthropic` from ANTHROPIC_API_KEY
(Anthropic's OpenAI-compatible endpoint). The providers file (YARDSTICK_PROVIDERS_FILE) maps any
vendor of the contract's enum, or a name of its own, to an OpenAI-compatible endpoint; its
fields override what the environment gave that vendor:

    [vendors.llmengine]
    base_url = "http://vllm.internal:8000/v1"
    api_key_env = "VLLM_KEY"        # or api_key = "..."
    concurrency = 64                # calls in flight (default YARDSTICK_MODEL_CONCURRENCY)
    rate_limit = 20                 # requests per second, token bucket (default: none)
    burst = 5                       # bucket size (default: max(1, rate_limit))
    timeout_seconds = 300           # per attempt (default YARDSTICK_MODEL_TIMEOUT_SECONDS)
    max_attempts = 3                # (default YARDSTICK_MODEL_MAX_ATTEMPTS)
    max_response_bytes = 67108864   # an answer's body, or one streamed event, at most (64 MiB)
    models = ["llama-3-8b"]         # listed as this vendor's models instead of asking /models
    headers = { "api-key" = "..." } # extra request headers
    guided_decoding = "vllm"        # constrained decoding for LLM judges: "openai" (structured
                                    # outputs), "vllm" (guided_choice/guided_json) or "none";
                                    # default "openai" for openai, "none" for every other vendor
    [vendors.llmengine.prices]      # USD per million tokens, by upstream model name; added to
    "llama-3-8b" = { input = 0.2, output = 0.2 }  # and overriding the built-in table
                                    # (yardstick.provider.prices)

A vendor is configured when it has a base URL; `openai` always has its default one, so it
counts as configured only once OPENAI_API_KEY (or OPENAI_BASE_URL) is set, and likewise
`anthropic` with ANTHROPIC_API_KEY.

The file may also name the embedding model of the `cosine_similarity` metric, a model of one of
its vendors served at that vendor's OpenAI-style `/embeddings` (see yardstick.scoring.choice):

    [embeddings]
    model = "llmengine/all-MiniLM-L12-v2"
"""

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from yardstick.config import Settings
from yardstick.kit.schemas import Vendor
from yardstick.provider.prices import BUILT_IN, Price

# The contract's vendors; the providers file may add names of its own.
VENDORS: tuple[str, ...] = get_args(Vendor)
OPENAI_BASE_URL = "https://api.openai.com/v1"
ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1"

_FIELDS = {
    "base_url",
    "api_key",
    "api_key_env",
    "concurrency",
    "rate_limit",
    "burst",
    "timeout_seconds",
    "max_attempts",
    "max_response_bytes",
    "models",
    "headers",
    "guided_decoding",
    "prices",
}

# How a vendor constrains a judge's reply (see yardstick.judge.decoding).
GuidedDecoding = Literal["openai", "vllm", "none"]
GUIDED_DECODING_MODES: tuple[GuidedDecoding, ...] = get_args(GuidedDecoding)

# What one answer (or one event of a stream) may hold: a vendor that sends more, by fault or by
# design, would otherwise fill the server's memory, every account's calls with it.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class ProvidersFileError(ValueError):
    """The providers file cannot be used; raised at startup so a typo never goes unnoticed."""


@dataclass(frozen=True)
class VendorConfig:
    name: str
    base_url: str
    api_key: str | None
    concurrency: int
    timeout_seconds: float
    max_attempts: int
    max_response_bytes: int = MAX_RESPONSE_BYTES
    rate_limit: float | None = None
    burst: float | None = None
    models: tuple[str, ...] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    guided_decoding: GuidedDecoding = "none"
    # USD per million tokens by upstream model name: the built-in table with the file's entries.
    prices: dict[str, Price] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def request_headers(self) -> dict[str, str]:
        headers = {"content-type": "application/json", "accept": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        return {**headers, **self.headers}


def hint(vendor: str) -> str:
    """What the operator sets to configure `vendor` (shown to API callers: names no paths)."""
    where = "the providers file (YARDSTICK_PROVIDERS_FILE)"
    if vendor == "openai":
        return (
            "set OPENAI_API_KEY (and OPENAI_BASE_URL for another server), "
            f"or add [vendors.openai] to {where}"
        )
    if vendor == "anthropic":
        return f"set ANTHROPIC_API_KEY, or add [vendors.anthropic] to {where}"
    return f"add [vendors.{vendor}] with a base_url to {where}"


def _from_env(settings: Settings) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    if settings.openai_api_key or settings.openai_base_url:
        raw["openai"] = {
            "base_url": settings.openai_base_url or OPENAI_BASE_URL,
            "api_key": settings.openai_api_key,
        }
    if settings.anthropic_api_key:
        raw["anthropic"] = {"base_url": ANTHROPIC_BASE_URL, "api_key": settings.anthropic_api_key}
    return raw


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProvidersFileError(f"cannot read providers file {str(path)!r}: {exc}") from exc
    unknown = sorted(document.keys() - {"vendors", "embeddings"})
    if unknown:
        raise ProvidersFileError(
            f"providers file {str(path)!r}: expected only [vendors.NAME] tables and an "
            f"[embeddings] table, found {unknown}"
        )
    return document


def _from_file(path: Path) -> dict[str, dict[str, Any]]:
    vendors = _read(path).get("vendors", {})
    if not isinstance(vendors, dict):
        raise ProvidersFileError(
            f"providers file {str(path)!r}: vendors must be [vendors.NAME] tables"
        )
    out: dict[str, dict[str, Any]] = {}
    for name, table in vendors.items():
        where = f"providers file {str(path)!r}, [vendors.{name}]"
        if not isinstance(table, dict):
            raise ProvidersFileError(f"{where}: must be a table")
        extra = sorted(table.keys() - _FIELDS)
        if extra:
            raise ProvidersFileError(f"{where}: unknown keys {extra}; known: {sorted(_FIELDS)}")
        if "/" in name or not name:
            raise ProvidersFileError(f"{where}: a vendor name cannot contain '/'")
        entry = dict(table)
        if "api_key_env" in entry:
            variable = entry.pop("api_key_env")
            if variable not in os.environ:
                raise ProvidersFileError(
                    f"{where}: api_key_env names {variable!r}, which is not set"
                )
            entry.setdefault("api_key", os.environ[variable])
        out[name] = entry
    return out


def _number(value: Any, where: str, key: str, *, integer: bool) -> Any:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        raise ProvidersFileError(
            f"{where}: {key} must be a positive {'integer' if integer else 'number'}"
        )
    return value


def _prices(name: str, value: Any, where: str) -> dict[str, Price]:
    prices = dict(BUILT_IN.get(name, {}))
    if value is None:
        return prices
    if not isinstance(value, dict):
        raise ProvidersFileError(f"{where}: prices must be a table of model = {{ input, output }}")
    for model, price in value.items():
        if not isinstance(price, dict) or price.keys() != {"input", "output"}:
            raise ProvidersFileError(
                f"{where}: prices.{model} must be {{ input = USD, output = USD }} per million tokens"
            )
        amounts = [price["input"], price["output"]]
        if any(isinstance(a, bool) or not isinstance(a, int | float) or a < 0 for a in amounts):
            raise ProvidersFileError(
                f"{where}: prices.{model}: input and output must be numbers >= 0"
            )
        prices[model] = Price(float(amounts[0]), float(amounts[1]))
    return prices


def _build(name: str, entry: dict[str, Any], settings: Settings) -> VendorConfig:
    where = f"vendor {name!r}"
    base_url = entry.get("base_url")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ProvidersFileError(f"{where}: base_url must be an http(s) URL, got {base_url!r}")
    api_key = entry.get("api_key")
    if api_key is not None and not isinstance(api_key, str):
        raise ProvidersFileError(f"{where}: api_key must be a string")
    models = entry.get("models")
    if models is not None and not (
        isinstance(models, list) and all(isinstance(m, str) for m in models)
    ):
        raise ProvidersFileError(f"{where}: models must be a list of strings")
    headers = entry.get("headers", {})
    if not (isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())):
        raise ProvidersFileError(f"{where}: headers must be a table of strings")
    rate = entry.get("rate_limit")
    burst = entry.get("burst")
    guided = entry.get("guided_decoding", "openai" if name == "openai" else "none")
    if guided not in GUIDED_DECODING_MODES:
        raise ProvidersFileError(
            f"{where}: guided_decoding must be one of {', '.join(GUIDED_DECODING_MODES)}, "
            f"got {guided!r}"
        )
    return VendorConfig(
        name=name,
        base_url=base_url,
        api_key=api_key or None,
        concurrency=_number(
            entry.get("concurrency", settings.model_concurrency), where, "concurrency", integer=True
        ),
        timeout_seconds=float(
            _number(
                entry.get("timeout_seconds", settings.model_timeout_seconds),
                where,
                "timeout_seconds",
                integer=False,
            )
        ),
        max_attempts=_number(
            entry.get("max_attempts", settings.model_max_attempts),
            where,
            "max_attempts",
            integer=True,
        ),
        max_response_bytes=_number(
            entry.get("max_response_bytes", MAX_RESPONSE_BYTES),
            where,
            "max_response_bytes",
            integer=True,
        ),
        rate_limit=None
        if rate is None
        else float(_number(rate, where, "rate_limit", integer=False)),
        burst=None if burst is None else float(_number(burst, where, "burst", integer=False)),
        models=None if models is None else tuple(models),
        headers={k.lower(): v for k, v in headers.items()},
        guided_decoding=guided,
        prices=_prices(name, entry.get("prices"), where),
    )


def load_vendor_configs(settings: Settings) -> dict[str, VendorConfig]:
    """Every configured vendor by name; raises ProvidersFileError for an unusable file."""
    raw = _from_env(settings)
    if settings.providers_file is not None:
        for name, entry in _from_file(settings.providers_file).items():
            defaults: dict[str, Any] = {}
            if name == "openai":
                defaults = {"base_url": OPENAI_BASE_URL, "api_key": settings.openai_api_key}
            elif name == "anthropic":
                defaults = {"base_url": ANTHROPIC_BASE_URL, "api_key": settings.anthropic_api_key}
            raw[name] = {**defaults, **raw.get(name, {}), **entry}
    return {name: _build(name, entry, settings) for name, entry in raw.items()}


def load_embedding_model(settings: Settings) -> str | None:
    """The providers file's `[embeddings] model` (`vendor/name`), or None; the caller checks that
    it routes to a configured vendor."""
    if settings.providers_file is None:
        return None
    path = settings.providers_file
    table = _read(path).get("embeddings")
    if table is None:
        return None
    where = f"providers file {str(path)!r}, [embeddings]"
    if not isinstance(table, dict) or sorted(table) != ["model"]:
        raise ProvidersFileError(f'{where}: must hold only model = "vendor/name"')
    model = table["model"]
    vendor, slash, name = model.partition("/") if isinstance(model, str) else ("", "", "")
    if not (vendor and slash and name):
        raise ProvidersFileError(
            f"{where}: model must be vendor/name, a model of one of the file's vendors served at "
            f"its /embeddings (a local model is set with YARDSTICK_EMBEDDING_MODEL), got {model!r}"
        )
    return str(model)
