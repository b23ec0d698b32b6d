"""PATCH semantics shared by resources (CONTRACT §1.3)."""

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from yardstick.db.types import utcnow


def apply_update(entity: Any, body: BaseModel, *, keep_on_null: Iterable[str] = ("name", "tags")) -> bool:
    """Set the fields the client sent; `null` for a non-nullable field means "leave as is".

    Returns whether anything changed (and then stamps `updated_at`).
    """
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    for field in keep_on_null:
        if field in changes and changes[field] is None:
            del changes[field]
    for field, value in changes.items():
        setattr(entity, field, value)
    if changes:
        entity.updated_at = utcnow()
    return bool(changes)
