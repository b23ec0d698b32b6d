"""Request-body plumbing: orjson parsing and a streaming size limit.

Bodies here can be large (100k dataset rows in one call), so JSON is parsed by orjson, which is
several times faster than the standard library and rejects NaN/Infinity, which JSON does not
allow and which could not be stored faithfully anyway.
"""

import json
import math
import re
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yardstick.kit.raw_response import send_json

# orjson turns integers outside 64 bits into floats, silently. A body with a run of 19+ digits
# (which is where that starts) is parsed by the standard library instead, which keeps them exact;
# such a body is then refused with a 422 naming where the number is, rather than changed or let
# through to fail when it is stored (every JSON column and stored text is written by orjson,
# which cannot write it). One check here covers every free-form field (metadata, tags, task
# configurations, rows …) of every JSON body.
_LONG_DIGITS = re.compile(rb"(?<![\d.])\d{19,}")
# The integers orjson writes: signed and unsigned 64-bit.
INT_RANGE = (-(2**63), 2**64 - 1)


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


def _finite_float(text: str) -> float:
    # What orjson refuses, the standard library reads as inf ("1e4000000000000000000").
    value = float(text)
    if not math.isfinite(value):
        raise json.JSONDecodeError(f"number {text} is out of range", text, 0)
    return value


class BodyProblem(HTTPException):
    """A 422 raised while FastAPI reads the body: FastAPI passes an HTTPException on as it is
    (any other exception there becomes a generic 400), and it renders as every 422 does."""

    def __init__(self, loc: list[str | int], msg: str) -> None:
        self.loc = ["body", *loc]
        self.msg = msg
        super().__init__(422, [{"loc": self.loc, "msg": msg, "type": "value_error"}])


class OutOfRange(BodyProblem):
    def __init__(self, loc: list[str | int]) -> None:
        super().__init__(
            loc, "integer outside the 64-bit range (-2**63 to 2**64-1) cannot be stored"
        )


# How deep a body's JSON may nest. orjson, which writes every stored value and every response,
# stops at 254 levels, and a response wraps a stored value in a few more (a list page puts a
# field's value 3 below the top, where the body had it 1 below): the rest is headroom.
MAX_DEPTH = 250
_WRITER_DEPTH = 254


def write_error(value: Any, depth: int) -> orjson.JSONEncodeError | None:
    """Why orjson could not write `value` with room left for it to sit deeper in what holds
    it (nested past `depth` levels, or a string with a lone surrogate); None if it can.

    Checked by writing it, wrapped to leave the headroom: 34 ms for 100,000 rows, where a walk
    in Python takes 250 ms."""
    wrapped = value
    for _ in range(_WRITER_DEPTH - depth):
        wrapped = [wrapped]
    try:
        orjson.dumps(wrapped)
    except orjson.JSONEncodeError as exc:
        return exc
    return None


def _check_writable(parsed: Any) -> None:
    """BodyProblem where the parsed body could not be written back: nested deeper than
    MAX_DEPTH, or a string with a lone surrogate."""
    exc = write_error(parsed, MAX_DEPTH)
    if exc is None:
        return
    if "Recursion limit" in str(exc):
        raise BodyProblem(
            _field_of(_first_too_deep(parsed)), f"JSON nested deeper than {MAX_DEPTH} levels"
        )
    raise BodyProblem(
        [], "a string holds a lone surrogate (\\ud800-\\udfff without its pair): not Unicode"
    )


def _field_of(path: list[str | int]) -> list[str | int]:
    """Where to point for a value too deep: its top-level field, and its row when the field
    is a list (`["data", 3]`); the full path would be hundreds of steps long."""
    if len(path) > 1 and isinstance(path[1], int):
        return path[:2]
    return path[:1]


def _first_too_deep(value: Any) -> list[str | int]:
    """The path of the first value (depth first) below MAX_DEPTH levels; a failure's cost."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if len(path) >= MAX_DEPTH:
            return list(path)
        if type(node) is dict:
            stack.extend((child, (*path, key)) for key, child in reversed(node.items()))
        elif type(node) is list:
            stack.extend((node[i], (*path, i)) for i in reversed(range(len(node))))
    return []


def _check_integers(value: Any) -> None:
    """OutOfRange at the first integer (depth first, in document order) beyond 64 bits."""
    low, high = INT_RANGE
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if type(node) is int:
            if not low <= node <= high:
                raise OutOfRange(list(path))
        elif type(node) is dict:
            stack.extend((child, (*path, key)) for key, child in reversed(node.items()))
        elif type(node) is list:
            stack.extend((node[i], (*path, i)) for i in reversed(range(len(node))))


# Every digit as "0": a body holds 19 digits in a row exactly when its translation holds 19 zeros,
# a test ~40x cheaper than the regex's scan (0.5 ms vs 20 ms for a 1 MB body), which
# then runs only on the rare body that passes it.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_ZEROS = b"0" * 19


def _check_no_nul(parsed: Any) -> None:
    """BodyProblem at the first string or key holding U+0000: PostgreSQL cannot store one in
    text or JSON, so it is refused on every database alike."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(parsed, ())]
    while stack:
        node, path = stack.pop()
        if type(node) is str and "\x00" in node:
            raise BodyProblem(list(path), "the NUL character (\\u0000) is not allowed in text")
        if type(node) is dict:
            for key, child in reversed(node.items()):
                if "\x00" in key:
                    raise BodyProblem(
                        [*path, key], "the NUL character (\\u0000) is not allowed in a key"
                    )
                stack.append((child, (*path, key)))
        elif type(node) is list:
            stack.extend((node[i], (*path, i)) for i in reversed(range(len(node))))


# How a parse error's message starts (a web form says "the answer" instead).
NOT_JSON = "the body is not valid JSON: "


def parse_json(body: bytes) -> Any:
    """The body's JSON, refused (BodyProblem) where it is not JSON or could not be stored
    exactly as sent."""
    try:
        return _parsed(body)
    except json.JSONDecodeError as exc:  # orjson's too
        # FastAPI's own answer put the offset where a field goes (`["body", 9]`) and the
        # reason out of sight: "JSON decode error".
        where = f" (line {exc.lineno}, column {exc.colno})" if exc.pos else ""
        raise BodyProblem([], f"{NOT_JSON}{exc.msg}{where}") from None


def _exact_int(text: str) -> int:
    # Past 40 digits an integer is out of range whatever it is: any one stands for it, and
    # _check_integers names where it is. int() refuses past 4,300 digits, a generic 400.
    return int(text) if len(text) <= 40 else INT_RANGE[1] + 1


def _standard_json(body: bytes) -> Any:
    """The body as the standard library reads it, refused where orjson would refuse it: a
    byte-order mark (which `json.loads` of bytes skips), text that is not UTF-8, nesting past
    what its recursion allows (a generic 400 before)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise json.JSONDecodeError("str is not valid UTF-8", "", 0) from None
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("BOM is not supported", text, 0)
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_exact_int,
        )
    except RecursionError:
        raise BodyProblem([], f"JSON nested deeper than {MAX_DEPTH} levels") from None


def _parsed(body: bytes) -> Any:
    if _ZEROS in body.translate(_DIGITS_AS_ZERO) and _LONG_DIGITS.search(body):
        parsed = _standard_json(body)
        _check_integers(parsed)
        # orjson refuses lone surrogates as it reads; the standard library lets "\\ud800" through.
        _check_writable(parsed)
    else:
        parsed = orjson.loads(body)
        # Only a body long enough to nest that deep at all (an opening bracket and its closing
        # one a level). Counting the brackets instead cost more than the write it would spare
        # (0.6 vs 0.3 ms for a 1 MB body).
        if len(body) > 2 * MAX_DEPTH:
            _check_writable(parsed)
    # Only a body that spells the escape can hold the character.
    if b"\\u0000" in body:
        _check_no_nul(parsed)
    return parsed


def check_storable(value: Any) -> None:
    """BodyProblem where a value built outside a JSON body (a web form's fields) could not be
    stored as the API stores a body's: an integer past 64 bits, nesting past MAX_DEPTH, a lone
    surrogate, a NUL."""
    _check_integers(value)
    _check_writable(value)
    _check_no_nul(value)


class _OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class OrjsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return route_handler


class _TooLarge(HTTPException):
    """An HTTPException so FastAPI's body reader re-raises it instead of calling it a parse error."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body is larger than {max_bytes} bytes")


class BodyLimitMiddleware:
    """413 for any body over `max_bytes`, by header when declared, else while it streams in.

    `path_limits` gives single paths their own limit: the file upload route streams its body
    to disk and enforces the file size itself, so it may be allowed more (or less) than JSON.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope.get("path", ""), self.max_bytes)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                await self._reject(send, max_bytes)
                return

        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise _TooLarge(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send, max_bytes)

    async def _reject(self, send: Send, max_bytes: int) -> None:
        await send_json(send, 413, {"detail": f"request body is larger than {max_bytes} bytes"})
