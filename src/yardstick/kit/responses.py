"""JSON rendering: orjson, RFC 3339 UTC timestamps with `Z`."""

from datetime import datetime
from typing import Any

import orjson
from fastapi.responses import Response


def format_ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


class JSONBody(Response):
    """A JSON response rendered by orjson; `orjson.Fragment` values are spliced in as they are."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def deleted(resource_id: str, object_name: str) -> JSONBody:
    return JSONBody({"id": resource_id, "deleted": True, "object": object_name})
