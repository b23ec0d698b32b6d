"""Settings that would overflow a timer, a timedelta or a limit, or start a process per unit
of a huge count, are refused when they are read."""

import pytest
from pydantic import ValidationError

from yardstick.config import MAX_SECONDS, MIN_RATE_PER_SECOND, Settings


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


@pytest.mark.parametrize(
    "name", ["span_retention_days", "span_sweep_seconds", "model_timeout_seconds"]
)
def test_nan_is_no_number(name: str) -> None:
    # It was refused for being past the top, which misled.
    with pytest.raises(ValidationError, match="finite number"):
        Settings(**{name: "nan"})


@pytest.mark.parametrize(
    ("name", "top"),
    [
        ("worker_concurrency", 1_000),
        ("model_concurrency", 10_000),
        ("model_max_attempts", 100),
        ("scoring_workers", 256),
        ("sandbox_memory_mb", 1_048_576),
        ("rate_limit_per_second", 1_000_000),
        ("rate_limit_burst", 1_000_000_000),
    ],
)
def test_counts_have_a_top(name: str, top: int) -> None:
    """A count past its top would start a process per unit, or overflow a limit, later."""
    assert getattr(Settings(**{name: top}), name) == top
    with pytest.raises(ValidationError, match=name):
        Settings(**{name: top + 1})


def test_a_rate_limit_is_none_or_at_least_one_request_in_1000_seconds() -> None:
    assert Settings(rate_limit_per_second=0).rate_limit_per_second == 0
    assert Settings(rate_limit_per_second=MIN_RATE_PER_SECOND).rate_limit_per_second == 0.001
    for rate in (5e-324, 0.0009, float("inf"), float("nan")):
        with pytest.raises(ValidationError, match="rate_limit_per_second"):
            Settings(rate_limit_per_second=rate)


@pytest.mark.parametrize("account_id", ["", " team", "équipe", "x" * 129])
def test_the_init_account_is_one_a_request_can_select(account_id: str) -> None:
    key = "k" * 32
    with pytest.raises(ValidationError, match="init_account_id"):
        Settings(init_account_id=account_id, init_api_key=key)
    assert Settings(init_account_id="team-1", init_api_key=key).init_account_id == "team-1"


@pytest.mark.parametrize(
    "key", ["k" * 48 + "\n", "  " + "k" * 48 + "  ", "é" * 40, "k" * 40 + "\x01"]
)
def test_the_init_key_is_one_a_header_can_carry(key: str) -> None:
    """An env file's trailing newline made a key that started fine and never matched: the gate
    trims the header and refuses control characters."""
    with pytest.raises(ValidationError, match="init_api_key"):
        Settings(init_account_id="team-1", init_api_key=key)
    assert Settings(init_account_id="team-1", init_api_key="k" * 48).init_api_key == "k" * 48
