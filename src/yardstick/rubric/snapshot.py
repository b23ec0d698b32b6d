"""A rubric as an agent judge uses it: its criteria at one version, fixed when a task names it.

Criteria change on their own (each update is a new criterion version, the rubric's version
stays), so "rubric version N" alone would not fix what a judge is shown while N is the latest.
A task therefore stores the criteria themselves (`rubric_criteria` in its configuration) when it
is created or changed, and every run of it, retries included, scores against exactly those.

No database here: the task layer and the judge read this, the rubric service builds it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# The configuration key holding the pinned criteria; set by the server, never by the client.
RUBRIC_CRITERIA = "rubric_criteria"


@dataclass(frozen=True)
class CriterionSnapshot:
    id: str
    version: int
    title: str
    annotations: dict[str, Any] | None
    weight: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "annotations": self.annotations,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class RubricSnapshot:
    rubric_id: str
    version: int
    criteria: tuple[CriterionSnapshot, ...]

    def criteria_json(self) -> list[dict[str, Any]]:
        return [criterion.to_json() for criterion in self.criteria]


@dataclass(frozen=True)
class RubricRefusal:
    """Why a task cannot use the rubric it names, and which of its two fields is at fault."""

    field: Literal["rubric_id", "rubric_version"]
    message: str


class BadSnapshot(ValueError):
    """A stored configuration whose pinned criteria cannot be read."""


def _criterion(entry: Any) -> CriterionSnapshot:
    if not isinstance(entry, Mapping):
        raise BadSnapshot("a pinned criterion is not an object")
    id_, version, title = entry.get("id"), entry.get("version"), entry.get("title")
    weight, annotations = entry.get("weight"), entry.get("annotations")
    if not (
        isinstance(id_, str)
        and isinstance(version, int)
        and isinstance(title, str)
        and isinstance(weight, int | float)
        and not isinstance(weight, bool)
        and (annotations is None or isinstance(annotations, dict))
    ):
        raise BadSnapshot(f"pinned criterion {entry!r} is malformed")
    return CriterionSnapshot(id_, version, title, annotations, float(weight))


def snapshot_of(config: Mapping[str, Any]) -> RubricSnapshot | None:
    """The rubric a stored agent configuration pinned, or None when it names no rubric."""
    rubric_id = config.get("rubric_id")
    if rubric_id is None:
        return None
    version, criteria = config.get("rubric_version"), config.get(RUBRIC_CRITERIA)
    if not isinstance(rubric_id, str) or not isinstance(version, int):
        raise BadSnapshot("rubric_id and rubric_version must be pinned together")
    if not isinstance(criteria, list) or not criteria:
        raise BadSnapshot(f"the rubric's criteria were not pinned ({RUBRIC_CRITERIA})")
    return RubricSnapshot(rubric_id, version, tuple(_criterion(entry) for entry in criteria))
