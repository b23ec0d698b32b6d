"""Structured logs: one line per event on stderr, JSON (the default) or text.

A JSON line is `{"ts", "level", "event", "worker", ...fields}`, e.g.
`{"ts":"2026-12-02T10:15:03.123Z","level":"info","event":"run.started","worker":"local",
"evaluation_id":"…","account_id":"acct-a","run":1,"items":3,"chunks":1,"tasks":["bleu"]}`.
Records that Yardstick modules log the plain way (`log.warning("… %s", x)`) come out as event
`log` with their `logger`, `message` and, when there is one, the traceback in `exc`.

The handler sits on the `yardstick` logger, not on the root: uvicorn configures its own loggers
(its access log keeps its format, as `--access-log` decides) and DBOS its own, and a root
handler would reformat or duplicate their lines.

Secrets: callers log ids, counts and reasons, never request bodies or keys. As a second line of
defence every line is scrubbed of the key values this process knows (the initial API key, the
vendors' keys), which an exception message could otherwise carry.
"""

import logging
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any, Literal

import orjson

LOGGER = "yardstick"
LogFormat = Literal["json", "text"]
# The attribute a structured record carries its fields in (see `log_event`).
_FIELDS = "yardstick_fields"
# Shorter values are not scrubbed: replacing every "abc" in a line would garble it, and no key
# is that short.
_MIN_SECRET_LENGTH = 8
_REDACTED = "[redacted]"

_events = logging.getLogger(f"{LOGGER}.events")
_secrets: frozenset[str] = frozenset()
_secrets_lock = threading.Lock()


def log_event(event: str, level: int = logging.INFO, /, **fields: Any) -> None:
    """Log one structured event: a dotted name (`run.started`) and JSON-able fields."""
    _events.log(level, event, extra={_FIELDS: fields})


def register_secrets(values: Iterable[str | None]) -> None:
    """Values no log line may contain (they are replaced by `[redacted]`)."""
    global _secrets
    new = {value for value in values if value and len(value) >= _MIN_SECRET_LENGTH}
    if new - _secrets:
        with _secrets_lock:
            _secrets = _secrets | new


def scrub(line: str) -> str:
    for secret in _secrets:
        if secret in line:
            line = line.replace(secret, _REDACTED)
    return line


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class _Formatter(logging.Formatter):
    def __init__(self, worker: str) -> None:
        super().__init__()
        self.worker = worker

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The line's fields in order: ts, level, event, worker, then the event's own."""
        line: dict[str, Any] = {"ts": _timestamp(record), "level": record.levelname.lower()}
        extra: dict[str, Any] | None = getattr(record, _FIELDS, None)
        if extra is None:
            line.update(
                event="log", worker=self.worker, logger=record.name, message=record.getMessage()
            )
        else:
            line.update(event=record.msg, worker=self.worker)
            for key, value in extra.items():
                line.setdefault(key, value)  # an event's fields never replace ts, level, event
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return line


class JsonFormatter(_Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(orjson.dumps(self.fields(record), default=str).decode())


class TextFormatter(_Formatter):
    """`ts level event key=value …`, values quoted as JSON when they hold spaces or quotes."""

    def format(self, record: logging.LogRecord) -> str:
        line = self.fields(record)
        head = f"{line.pop('ts')} {line.pop('level'):<7} {line.pop('event')}"
        exc = line.pop("exc", None)
        parts = [head, *(f"{key}={_text_value(value)}" for key, value in line.items())]
        text = " ".join(parts) + (f"\n{exc}" if exc else "")
        return scrub(text)


def _text_value(value: Any) -> str:
    if isinstance(value, str) and value and not any(c in value for c in ' "=\n'):
        return value
    return orjson.dumps(value, default=str).decode()


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring again replaces its formatter instead of adding a handler."""


def configure_logging(
    *, log_format: LogFormat, worker: str, secrets: Iterable[str | None] = ()
) -> None:
    """Send the `yardstick` loggers' records, INFO and up, to stderr in `log_format`
    (idempotent: `serve` and `worker` call it at start)."""
    register_secrets(secrets)
    logger = logging.getLogger(LOGGER)
    handler = next((h for h in logger.handlers if isinstance(h, _Handler)), None)
    if handler is None:
        handler = _Handler(sys.stderr)
        logger.addHandler(handler)
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    handler.setFormatter(formatter(worker))
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the root's handlers, if any, would print every line twice
