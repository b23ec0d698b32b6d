"""What a scorer hands back for a cell it could not score (picklable: it crosses processes)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """A cell's scoring error: `type` and `message` become `task_errors[alias]`."""

    type: str
    message: str


class ScoringError(Exception):
    """Raised to the caller of `ScorerService.score` for a cell that has no score."""

    def __init__(self, type_: str, message: str) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message


class ResourceMissing(Exception):
    """A metric's data or model is not installed here (WordNet, the embedding model)."""
