"""What a model call can fail with.

Every failure is a `ProviderError` with a short `type` (it becomes a cell's error type and the
`type` of a stream's error event), a `message`, and `status_code`: the upstream HTTP status when
the upstream answered, else None. These are not `AppError`s: the same failure is a 404 or a 502
on the inference endpoints but a per-item error in an evaluation, so each caller maps them
(`yardstick.inference.service` does it for HTTP).
"""

import re

from yardstick.ops.logs import scrub

# Shorter keys are not hidden in messages: replacing every "abc" would garble them.
_MIN_HIDDEN_LENGTH = 8
# A word's characters, as far as a cut is concerned: what a credential can be made of.
_WORD_END = re.compile(r"[^\s\"'`<>(){}\[\],;]+\Z")


def hidden(text: str, key: str | None) -> str:
    """An upstream's text without `key` (the call's own, when it was not the server's) nor any
    of the server's keys (`scrub`)."""
    if key and len(key) >= _MIN_HIDDEN_LENGTH and key in text:
        text = text.replace(key, "[redacted]")
    return scrub(text)


def quoted(text: str, limit: int) -> str:
    """An upstream's text, cut to at most `limit` characters for a message, never inside a
    word: a credential the upstream quoted across the cut would leave its first characters,
    which no redaction recognises (`hide_keys` matches whole keys)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if _WORD_END.match(text[limit]):
        head = _WORD_END.sub("", head)
    return f"{head}…"


class ProviderError(Exception):
    type = "ProviderError"

    def __init__(self, message: str, *, status_code: int | None = None, attempts: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        # Upstream calls made before giving up (0 when none was made: routing errors).
        self.attempts = attempts

    def hide_keys(self, key: str | None) -> None:
        """Keep the call's key (the caller's, the account's or the server's own for the
        vendor) out of the message: an upstream may quote the key it refused, and the message
        reaches responses, cell errors and the spans of runs, which another account's users
        may read. The server's keys (the environment's and the providers file's, registered
        when the vendors were read) are sent when neither of the others is."""
        message = hidden(self.message, key)
        if message != self.message:
            self.message = message
            self.args = (message,)


class ModelNotFound(ProviderError):
    """The model string names no vendor and no registered model."""

    type = "ModelNotFound"

    def __init__(self, model: str, reason: str | None = None) -> None:
        super().__init__(
            reason
            or f"unknown model {model!r}: use vendor/name (e.g. openai/gpt-4o) "
            "or the name of a model registered through /v5/models"
        )
        self.model = model


class ProviderNotConfigured(ProviderError):
    type = "ProviderNotConfigured"

    def __init__(self, vendor: str, hint: str) -> None:
        super().__init__(f"vendor {vendor!r} is not configured: {hint}")
        self.vendor = vendor


class ModelNotReady(ProviderError):
    """A registered model that is still `deploying`."""

    type = "ModelNotReady"

    def __init__(self, model: str) -> None:
        super().__init__(f"model {model!r} is deploying; call it once its status is ready")


class InvalidRequest(ProviderError):
    """The call cannot be made from what was given (e.g. inference args without messages/prompt)."""

    type = "InvalidRequest"


class UpstreamRejected(ProviderError):
    """A 4xx the upstream will give again for the same request, so it is never retried."""

    type = "UpstreamRejected"


class UpstreamError(ProviderError):
    """A 5xx (or 408/409) that outlived every attempt, or a response that is not what we expect."""

    type = "UpstreamError"


class RateLimited(ProviderError):
    """429 on every attempt."""

    type = "RateLimited"


class Timeout(ProviderError):
    type = "Timeout"


class ConnectionFailed(ProviderError):
    type = "ConnectionFailed"
