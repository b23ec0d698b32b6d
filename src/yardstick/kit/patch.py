"""PATCH semantics shared by resources."""

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from yardstick.db.types import utcnow
from yardstick.errors import Unprocessable


def apply_update(
    entity: Any,
    body: BaseModel,
    *,
    keep_on_null: Iterable[str] = ("name", "tags"),
    exclude: set[str] | None = None,
) -> bool:
    """Set the fields the client sent; `null` for a non-nullable field means "leave as is".

    Returns whether anything changed (and then stamps `updated_at`).
    """
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude=exclude)
    for field in keep_on_null:
        if field in changes and changes[field] is None:
            del changes[field]
    for field, value in changes.items():
        setattr(entity, field, value)
    if changes:
        entity.updated_at = utcnow()
    return bool(changes)


def wants_restore(body: BaseModel) -> bool:
    """Whether a PATCH body is the `{"restore": true}` form; that form takes no other field."""
    sent = body.model_fields_set
    if "restore" not in sent:
        return False
    if getattr(body, "restore") is not True:  # noqa: B009  (any PATCH model with `restore`)
        raise Unprocessable(["body", "restore"], "must be true (or leave it out)")
    others = sorted(sent - {"restore"})
    if others:
        raise Unprocessable(
            ["body", "restore"],
            f"restore cannot be combined with other fields ({', '.join(others)})",
        )
    return True


def restore(entity: Any) -> None:
    """Un-archive a soft-deleted entity; restoring a live one changes nothing."""
    if entity.archived_at is not None:
        entity.archived_at = None
        entity.updated_at = utcnow()


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, a `null` value removes its key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged
