"""Settings that would overflow a timer or a timedelta are refused when they are read."""

import pytest
from pydantic import ValidationError

from yardstick.config import MAX_SECONDS, Settings


@pytest.mark.parametrize(
    "name",
    [
        "heartbeat_seconds",
        "worker_dead_after_seconds",
        "annotation_lock_seconds",
        "span_sweep_seconds",
        "model_timeout_seconds",
        "db_retry_seconds",
    ],
)
def test_durations_are_at_most_a_year(name: str) -> None:
    assert getattr(Settings(**{name: MAX_SECONDS}), name) == MAX_SECONDS
    with pytest.raises(ValidationError):
        Settings(**{name: MAX_SECONDS + 1})
    with pytest.raises(ValidationError):
        Settings(**{name: float("inf")})
