"""Column values as the driver returns them (`yardstick.kit.driver_query`), made response values.

SQLite gives timestamps and JSON columns as their stored text; PostgreSQL (psycopg) gives
datetimes and parsed JSON. Each function takes either and answers what the ORM path would have
rendered: a timestamp as RFC 3339 UTC with `Z` (`kit.responses.format_ts`), a JSON column
spliced in as it is stored where it is text.
"""

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from yardstick.kit.responses import format_ts


def stamp(value: str | datetime | None) -> str | None:
    """A stored timestamp (naive UTC) as the API writes it."""
    if value is None:
        return None
    return _stamp(value)


@lru_cache(maxsize=4096)
def _stamp(value: str | datetime) -> str | None:
    # Cached: the rows of a page share a few timestamps (a batch writes one for all its items).
    return format_ts(moment(value))


def moment(value: str | datetime | None) -> datetime | None:
    """A stored timestamp (naive UTC) as the aware datetime the ORM reads."""
    if value is None:
        return None
    stored = datetime.fromisoformat(value) if isinstance(value, str) else value
    return stored.replace(tzinfo=UTC)


def json_fragment(value: str | Any) -> Any:
    """A JSON column's value for a response: its stored text spliced in, or the parsed value."""
    return orjson.Fragment(value) if isinstance(value, str) else value


def json_object(value: str | Any) -> Any:
    """A JSON column's parsed value (to read it, not only to pass it on)."""
    return orjson.loads(value) if isinstance(value, str) else value


def file_map(value: str | dict[str, str] | None) -> Any:
    """An item's `files` for a response: `{}` where it has none (stored NULL or JSON null)."""
    if value is None or value == "null":
        return {}
    return json_fragment(value)
