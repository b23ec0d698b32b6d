"""LLM inference: `model` string → vendor → one rate-limited, retrying HTTP client per vendor.

The engine and the inference endpoints share this layer; see `service` for routing and `client`
for limits and retries.
"""

from yardstick.provider.client import CallResult
from yardstick.provider.config import ProvidersFileError, VendorConfig
from yardstick.provider.errors import (
    ConnectionFailed,
    InvalidRequest,
    ModelNotFound,
    ModelNotReady,
    ProviderError,
    ProviderNotConfigured,
    RateLimited,
    Timeout,
    UpstreamError,
    UpstreamRejected,
)
from yardstick.provider.service import (
    ModelRoute,
    Providers,
    RegisteredModel,
    close_providers,
    get_providers,
    reset_providers,
    wants_registered,
)

__all__ = [
    "CallResult",
    "ConnectionFailed",
    "InvalidRequest",
    "ModelNotFound",
    "ModelNotReady",
    "ModelRoute",
    "ProviderError",
    "ProviderNotConfigured",
    "Providers",
    "ProvidersFileError",
    "RateLimited",
    "RegisteredModel",
    "Timeout",
    "UpstreamError",
    "UpstreamRejected",
    "VendorConfig",
    "close_providers",
    "get_providers",
    "reset_providers",
    "wants_registered",
]
