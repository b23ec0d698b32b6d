"""One vendor's HTTP client on one event loop: session, calls in flight, rate limit, retries.

Objects: a `VendorClient` owns a long-lived aiohttp `ClientSession` whose connector allows as
many connections as the vendor's concurrency, an `asyncio.Semaphore` of the same size (the cap on
calls in flight: a call holds a slot from its request until its body, or its whole stream, is
read) and an optional token bucket. asyncio primitives and aiohttp sessions belong to one event
loop, so `Providers` keeps one `VendorClient` per vendor per loop; the API and the engine share
the one loop of their process, so the cap holds for the process.

Flow of a call: take a slot → take a token → POST → read. A 2xx is parsed and returned. A 408,
409, 429 or 5xx, a timeout or a connection error gives the slot back, sleeps (`retry-after-ms` /
`retry-after` when the upstream sent one, else full-jitter backoff) and tries again, up to
`max_attempts` attempts, while the call is still wanted (`yardstick.provider.wanted`: a run
that stops ends its calls' waits); any other status is final at once. An upstream `x-should-retry`
header overrides the status rule either way. A stream is retried until its
first event: after that a failure is raised to the consumer, who has already seen output.
"""

import asyncio
import os
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from yardstick.kit.body import write_error
from yardstick.ops.metrics import model_call
from yardstick.provider.config import VendorConfig
from yardstick.provider.errors import (
    ConnectionFailed,
    ProviderError,
    RateLimited,
    Timeout,
    UpstreamError,
    UpstreamRejected,
    hidden,
    quoted,
)
from yardstick.provider.limits import TokenBucket, backoff_seconds, retry_after_seconds
from yardstick.provider.stream_end import ChoicesEnd, StreamEnd
from yardstick.provider.wanted import wait_to_retry
from yardstick.span.calls import CallTimer

RETRYABLE_STATUSES = frozenset({408, 409, 429})
# Long enough to keep a connection across the gaps of a busy run, shorter than most servers'.
_KEEPALIVE_SECONDS = 30.0


@dataclass
class CallResult:
    response: dict[str, Any]
    latency_ms: float  # of the attempt that succeeded
    attempts: int
    # The key sent, when it was the caller's or the account's (None: the server's own).
    key: str | None = field(default=None, repr=False)

    def hidden(self, text: str) -> str:
        """Text from this answer without the call's key nor the server's: for a message that
        quotes a malformed answer (an upstream may quote the key it was sent)."""
        return hidden(text, self.key)


@dataclass
class _Failure:
    error: ProviderError
    retryable: bool
    delay: float | None = None  # what the upstream asked for, if anything


def upstream_message(raw: bytes) -> str:
    """The message of an upstream error body (OpenAI's `{"error": {"message"}}` and kin)."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return quoted(raw.decode("utf-8", "replace").strip(), 1000) or "(empty body)"
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            for key in ("message", "detail", "error"):
                if isinstance(error.get(key), str):
                    return quoted(error[key], 1000)
        if isinstance(error, str):
            return quoted(error, 1000)
        if "detail" in body:
            return quoted(orjson.dumps(body["detail"]).decode(), 1000)
    return quoted(raw.decode("utf-8", "replace"), 1000)


class VendorClient:
    def __init__(self, config: VendorConfig) -> None:
        self.config = config
        self.semaphore = asyncio.Semaphore(config.concurrency)
        self.limiter = TokenBucket(config.rate_limit, config.burst) if config.rate_limit else None
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.config.concurrency, keepalive_timeout=_KEEPALIVE_SECONDS
            )
            self._session = aiohttp.ClientSession(
                connector=connector, headers=self.config.request_headers()
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        async with self.semaphore:
            if self.limiter is not None:
                await self.limiter.acquire()
            yield

    def _name(self, body: dict[str, Any] | None = None) -> str:
        """Who failed, for error messages: the vendor and the model asked for. Never the
        endpoint: these messages reach every tenant (task errors, 502 bodies) and the log, and a
        base URL can hold credentials, an internal host and a path."""
        model = body.get("model") if body else None
        vendor = f"vendor {self.config.name!r}"
        return f"{vendor} (model {model!r})" if isinstance(model, str) else vendor

    def _status_failure(
        self, who: str, status: int, headers: Any, raw: bytes, attempt: int
    ) -> _Failure:
        message = f"{who} returned {status}: {upstream_message(raw)}"
        delay = retry_after_seconds(headers)
        retryable = status in RETRYABLE_STATUSES or status >= 500
        # An upstream that says whether to retry (OpenAI, or another Yardstick) knows best.
        should_retry = headers.get("x-should-retry")
        if should_retry in ("true", "false"):
            retryable = should_retry == "true"
        if status == 429:
            error: ProviderError = RateLimited(message, status_code=status, attempts=attempt)
        elif status in RETRYABLE_STATUSES or status >= 500:
            error = UpstreamError(message, status_code=status, attempts=attempt)
        else:
            error = UpstreamRejected(message, status_code=status, attempts=attempt)
        return _Failure(error, retryable, delay)

    def _transport_failure(
        self, who: str, exc: BaseException, attempt: int, timeout: float
    ) -> _Failure:
        if isinstance(exc, TimeoutError):
            message = f"{who} did not answer within {timeout:g} s"
            return _Failure(Timeout(message, attempts=attempt), True)
        message = f"cannot reach {who}: {type(exc).__name__}{_reason(exc)}"
        return _Failure(ConnectionFailed(message, attempts=attempt), True)

    async def _pause(self, failure: _Failure, attempt: int, max_attempts: int) -> None:
        """Raise the failure when it is final, else sleep before the next attempt."""
        if not failure.retryable or attempt >= max_attempts:
            raise failure.error
        delay = failure.delay if failure.delay is not None else backoff_seconds(attempt)
        await wait_to_retry(delay, attempt)

    async def post_json(
        self,
        path: str,
        body: dict[str, Any],
        *,
        timeout: float,
        max_attempts: int,
        api_key: str | None = None,
    ) -> CallResult:
        """POST with retries; `api_key` replaces the vendor's key for this one call. Counted
        once (not per attempt) in `yardstick_model_calls_total`, by how it ended, and recorded
        for the trace of the run cell making it, if any (`span.calls`)."""
        timer = CallTimer()
        try:
            result = await self._post_json(
                path, body, timeout=timeout, max_attempts=max_attempts, api_key=api_key
            )
        except ProviderError as exc:
            model_call(self.config.name, exc.type)
            exc.hide_keys(api_key)  # before the run's trace keeps the message
            timer.record(
                vendor=self.config.name,
                path=path,
                request=body,
                attempts=exc.attempts,
                error=(exc.type, exc.message),
            )
            raise
        model_call(self.config.name, "ok")
        timer.record(
            vendor=self.config.name,
            path=path,
            request=body,
            attempts=result.attempts,
            latency_ms=result.latency_ms,
            response=result.response,
        )
        return result

    async def _post_json(
        self,
        path: str,
        body: dict[str, Any],
        *,
        timeout: float,
        max_attempts: int,
        api_key: str | None,
    ) -> CallResult:
        payload = orjson.dumps(body)
        headers = _auth(api_key)
        url = self.config.url(path)
        who = self._name(body)
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._slot():
                    started = time.perf_counter()
                    async with self.session().post(
                        url, data=payload, timeout=client_timeout, headers=headers
                    ) as resp:
                        raw = await self._body(resp, who, attempt)
                        latency_ms = (time.perf_counter() - started) * 1000
                        if resp.status < 300:
                            parsed = self._parse(who, raw, attempt)
                            return CallResult(parsed, latency_ms, attempt, api_key)
                        failure = self._status_failure(who, resp.status, resp.headers, raw, attempt)
            except (TimeoutError, aiohttp.ClientError) as exc:
                failure = self._transport_failure(who, exc, attempt, timeout)
            await self._pause(failure, attempt, max_attempts)

    async def _body(self, resp: aiohttp.ClientResponse, who: str, attempt: int) -> bytes:
        """The answer's body, refused as soon as it passes the vendor's `max_response_bytes`
        (by its Content-Length, or as it arrives): nothing past the cap is held in memory."""
        limit = self.config.max_response_bytes
        if resp.content_length is not None and resp.content_length > limit:
            raise self._too_large(who, attempt)
        pieces: list[bytes] = []
        size = 0
        async for piece in resp.content.iter_any():
            size += len(piece)
            if size > limit:
                raise self._too_large(who, attempt)
            pieces.append(piece)
        return b"".join(pieces)

    def _too_large(self, who: str, attempt: int) -> UpstreamError:
        # Not retried: the same request would bring the same answer.
        limit = self.config.max_response_bytes
        return UpstreamError(
            f"{who} sent more than {limit} bytes in one answer or event "
            f"(the vendor's max_response_bytes)",
            attempts=attempt,
        )

    def _parse(self, who: str, raw: bytes, attempt: int) -> dict[str, Any]:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise UpstreamError(
                f"{who} answered with something other than a JSON object: "
                f"{quoted(raw.decode('utf-8', 'replace'), 200)!r}",
                attempts=attempt,
            )
        # Only an answer long enough to nest that deep at all (a bracket and its closing one
        # a level).
        if len(raw) > 2 * ANSWER_DEPTH and write_error(parsed, ANSWER_DEPTH) is not None:
            raise UpstreamError(
                f"{who} answered with JSON nested deeper than {ANSWER_DEPTH} levels",
                attempts=attempt,
            )
        return parsed

    async def stream_events(
        self,
        path: str,
        body: dict[str, Any],
        *,
        timeout: float,
        max_attempts: int,
        api_key: str | None = None,
        end: Callable[[], StreamEnd] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """The JSON events of an SSE response, without OpenAI's `[DONE]` sentinel. Counted in
        `yardstick_model_calls_total` when it ends or fails (not when the consumer stops).
        `end` makes each attempt's watch for the stream's end (default: chat's and text
        completions', see `stream_end`)."""
        events = self._stream_events(
            path,
            body,
            timeout=timeout,
            max_attempts=max_attempts,
            api_key=api_key,
            end=end or (lambda: ChoicesEnd(body)),
        )
        # aclosing: a consumer that stops early closes the upstream response (and its slot)
        # at once, as it did before this wrapper, not when the inner generator is collected.
        async with aclosing(events):
            try:
                async for event in events:
                    yield event
            except ProviderError as exc:
                model_call(self.config.name, exc.type)
                raise
        model_call(self.config.name, "ok")

    async def _stream_events(
        self,
        path: str,
        body: dict[str, Any],
        *,
        timeout: float,
        max_attempts: int,
        api_key: str | None,
        end: Callable[[], StreamEnd],
    ) -> AsyncGenerator[dict[str, Any], None]:
        payload = orjson.dumps(body)
        headers = _auth(api_key)
        url = self.config.url(path)
        who = self._name(body)
        # A stream may run for long: bound the connect and each wait for data, not the total.
        client_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        attempt = 0
        while True:
            attempt += 1
            try:
                async with (
                    self._slot(),
                    self.session().post(
                        url, data=payload, timeout=client_timeout, headers=headers
                    ) as resp,
                ):
                    if resp.status >= 300:
                        raw = await self._body(resp, who, attempt)
                        failure = self._status_failure(who, resp.status, resp.headers, raw, attempt)
                    else:
                        started = False
                        try:
                            events = self._events(who, resp, attempt, timeout, end())
                            async for event in events:
                                started = True
                                yield event
                            return
                        except _StreamBroke as broke:
                            # Before its first event a stream is retried like any call: the
                            # consumer has seen nothing yet.
                            if started:
                                raise broke.failure.error from broke.__cause__
                            failure = broke.failure
            except (TimeoutError, aiohttp.ClientError) as exc:
                failure = self._transport_failure(who, exc, attempt, timeout)
            await self._pause(failure, attempt, max_attempts)

    async def _events(
        self, who: str, resp: aiohttp.ClientResponse, attempt: int, timeout: float, end: StreamEnd
    ) -> AsyncIterator[dict[str, Any]]:
        """The stream's events up to its end, as `end` tells it. A stream that stops before
        that was cut short (or never began): an UpstreamError, where the consumer would
        otherwise take a truncated answer for a whole one. A broken connection or a silent
        upstream is a `_StreamBroke` (the caller retries it before the first event)."""
        if resp.content_type == "application/json":
            # The upstream ignored `stream` or failed with 200: a JSON answer, not events.
            raw = await self._body(resp, who, attempt)
            raise UpstreamError(
                f"{who} answered a streamed request with JSON, not events: {upstream_message(raw)}",
                attempts=attempt,
            )
        data = _EventData()
        try:
            async with aclosing(self._lines(who, resp, attempt)) as lines:
                async for line in lines:
                    for event in self._line(who, line, data, attempt):
                        if event is None:  # `[DONE]`
                            if end.done():
                                return
                            raise self._cut_short(who, end, attempt)
                        last = end.see(event)
                        yield event
                        if last:
                            return
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _StreamBroke(self._transport_failure(who, exc, attempt, timeout)) from exc
        if not end.finished:
            raise self._cut_short(who, end, attempt)

    async def _lines(
        self, who: str, resp: aiohttp.ClientResponse, attempt: int
    ) -> AsyncGenerator[bytes, None]:
        """The body's lines, then a blank one (which ends an event left open).

        Lines are split here rather than by `readline`, which refuses lines over 128 KiB.
        Only each new chunk is split, and a line's pieces are joined once it is whole:
        re-splitting the growing buffer was quadratic in a long line (a 32 MiB event held the
        event loop, and so every other request of the process, for seconds)."""
        pending: list[bytes] = []  # the pieces of the line not yet ended
        pending_size = 0
        limit = self.config.max_response_bytes
        async for chunk in resp.content.iter_any():
            *lines, rest = chunk.split(b"\n")
            if lines:
                lines[0] = b"".join([*pending, lines[0]])
                pending.clear()
                pending_size = 0
            pending.append(rest)
            pending_size += len(rest)
            for line in lines:
                yield line
            if pending_size > limit:  # one line without end, past the cap
                raise self._too_large(who, attempt)
        yield b"".join(pending)
        yield b""

    @staticmethod
    def _cut_short(who: str, end: StreamEnd, attempt: int) -> UpstreamError:
        return UpstreamError(
            f"{who} ended its stream before it finished ({end.missing})", attempts=attempt
        )

    def _line(
        self, who: str, line: bytes, data: "_EventData", attempt: int
    ) -> list[dict[str, Any] | None]:
        """Feed one SSE line; a blank line ends an event (None stands for `[DONE]`)."""
        line = line.rstrip(b"\r")
        if line.startswith(b"data:"):
            piece = line[5:].lstrip(b" ")
            data.lines.append(piece)
            data.size += len(piece) + 1
            if data.size > self.config.max_response_bytes:
                raise self._too_large(who, attempt)  # one event of many lines, past the cap
            return []
        if line or not data.lines:  # comments (`: ping`), `event:`/`id:` fields, blank lines
            return []
        payload = b"\n".join(data.lines)
        data.lines.clear()
        data.size = 0
        return [self._event(who, payload, attempt)]

    def _event(self, who: str, data: bytes, attempt: int) -> dict[str, Any] | None:
        if data == b"[DONE]":
            return None
        event = self._parse(who, data, attempt)
        if "error" in event and "choices" not in event:
            raise UpstreamError(
                f"{who} failed mid-stream: {upstream_message(data)}", attempts=attempt
            )
        return event

    async def get_json(self, path: str, *, timeout: float) -> dict[str, Any]:
        """One GET, not retried (used for listings, which tolerate failures)."""
        who = self._name()
        try:
            async with (
                self._slot(),
                self.session().get(
                    self.config.url(path), timeout=aiohttp.ClientTimeout(total=timeout)
                ) as resp,
            ):
                raw = await self._body(resp, who, 1)
                if resp.status >= 300:
                    raise self._status_failure(who, resp.status, resp.headers, raw, 1).error
                return self._parse(who, raw, 1)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise self._transport_failure(who, exc, 1, timeout).error from exc


# How deep an upstream answer may nest. orjson reads 1,024 levels but writes only 254, and an
# answer is written again: passed on by the proxy, or stored a few levels down with its run's
# calls (yardstick.span.run_trace_queue), where one too deep failed the whole group commit.
ANSWER_DEPTH = 240


@dataclass(slots=True)
class _EventData:
    """The `data:` lines of the event being read, and their size with a newline each: kept as
    they come, since summing the lines again at each one was quadratic in an event of many."""

    lines: list[bytes] = field(default_factory=list)
    size: int = 0


class _StreamBroke(Exception):
    """A stream's connection broke or fell silent; `failure` says how, for a retry."""

    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.error.message)
        self.failure = failure


def _auth(api_key: str | None) -> dict[str, str] | None:
    """Per-call headers that override the session's `authorization` (a caller's own key)."""
    return {"authorization": f"Bearer {api_key}"} if api_key else None


def _reason(exc: BaseException) -> str:
    """What went wrong on the wire, without the address aiohttp and asyncio put in their
    messages: the operating system's wording of the error number."""
    os_error = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
    number = getattr(os_error, "errno", None)
    return f" ({os.strerror(number)})" if isinstance(number, int) else ""
