"""The index of span metadata: one row per (top-level key, scalar value) of a span.

`extra_metadata` filters ask "does `metadata[key]` equal this value (or one of these)": a
lookup of (key, value) in `span_metadata_values`, the same on SQLite and PostgreSQL. A value
that is an array is indexed element by element, so `{"tags": ["a", "b"]}` is found by
`{"tags": "a"}`. Objects are not indexed (an object value matches nothing).

Keys and values are stored as text that keeps JSON's types apart (`"1"`, `1` and `true`
differ) and treats equal numbers alike (`1` and `1.0`). Text over `_MAX_CHARS` is stored as
its SHA-256, so long values still match exactly while every index entry stays small.
"""

import hashlib
from typing import Any

from yardstick.errors import Unprocessable
from yardstick.kit.body import INT_RANGE

# At most this many elements of one array value are indexed; the rest cannot be filtered on.
MAX_ARRAY_VALUES = 1000
_MAX_CHARS = 200


def _bounded(prefix: str, text: str) -> str:
    if len(text) <= _MAX_CHARS:
        return prefix + text
    return "h" + prefix + hashlib.sha256(text.encode()).hexdigest()


def encode_key(key: str) -> str:
    return _bounded("", key)


def encode_value(value: Any) -> str | None:
    """The stored text of a scalar JSON value; None for an object or array."""
    if value is None:
        return "z"
    if value is True or value is False:
        return "b" + ("true" if value else "false")
    if isinstance(value, int):
        return "n" + str(value)
    if isinstance(value, float):
        # 1.0 is 1, and -0.0 is 0: equal numbers, one text. Every integer a body may hold
        # (yardstick.kit.body.INT_RANGE) is written as one, so the float of one matches it.
        if value.is_integer() and INT_RANGE[0] <= value <= INT_RANGE[1]:
            return "n" + str(int(value))
        return "n" + repr(value)
    if isinstance(value, str):
        return _bounded("s", value)
    return None


def entries(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    """The (key, value) rows of a span's metadata."""
    out: list[tuple[str, str]] = []
    for key, value in metadata.items():
        if type(value) is str:  # most values: one row, without the array's set and sort
            out.append((encode_key(key), _bounded("s", value)))
            continue
        values = value[:MAX_ARRAY_VALUES] if isinstance(value, list) else (value,)
        encoded = {text for text in map(encode_value, values) if text is not None}
        stored_key = encode_key(key)
        out += [(stored_key, text) for text in sorted(encoded)]
    return out


def filter_values(key: str, wanted: Any, loc: list[str | int]) -> list[str]:
    """The stored texts a filter value matches: itself, or any element of an array; a 422
    naming the key when it is an object (or holds one)."""
    values = wanted if isinstance(wanted, list) else [wanted]
    out: list[str] = []
    for value in values:
        text = encode_value(value)
        if text is None:
            raise Unprocessable(
                [*loc, key], "must be a string, number, boolean, null or an array of those"
            )
        out.append(text)
    return sorted(set(out))
