"""The fail fast count on its own: which errors count, and when a task stops."""

from yardstick.account_secret.vendor_keys import AccountKeyUnreadable
from yardstick.execution.fail_fast import FailFast, signature
from yardstick.task.context import TaskFailure
from yardstick.task.locator import LocatorError, UpstreamError

KEY = ("ev", 1, "answer")
REFUSED = ("UpstreamRejected", "Incorrect API key")


def test_the_nth_identical_fatal_failure_stops_the_task() -> None:
    counter = FailFast(3)
    assert counter.observe(KEY, REFUSED, ok=False) is None
    assert counter.observe(KEY, REFUSED, ok=False) is None
    reason = counter.observe(KEY, REFUSED, ok=False)
    assert reason == (
        "task 'answer' stopped after its first 3 cells all failed with UpstreamRejected: "
        "Incorrect API key"
    )
    assert counter.stopped(KEY) == reason
    assert counter.observe(KEY, REFUSED, ok=False) is None  # said once
    assert counter.stopped(("ev", 2, "answer")) is None  # a new run starts afresh


def test_a_success_or_a_different_error_first_means_the_task_is_not_dead() -> None:
    counter = FailFast(2)
    counter.observe(KEY, REFUSED, ok=False)
    counter.observe(KEY, None, ok=True)
    assert counter.observe(KEY, REFUSED, ok=False) is None
    assert counter.observe(KEY, REFUSED, ok=False) is None

    other = ("ev", 1, "judge")
    counter.observe(other, REFUSED, ok=False)
    counter.observe(other, ("ModelNotFound", "unknown model"), ok=False)
    assert counter.observe(other, REFUSED, ok=False) is None
    assert counter.stopped(other) is None


def test_zero_turns_it_off() -> None:
    counter = FailFast(0)
    assert all(counter.observe(KEY, REFUSED, ok=False) is None for _ in range(100))


def test_only_errors_every_item_would_hit_count() -> None:
    def failure(type_: str, status: int | None = None) -> TaskFailure:
        return TaskFailure(type_, "m", status_code=status)

    assert signature(failure("UpstreamRejected", 401)) == ("UpstreamRejected", "m")
    assert signature(failure("UpstreamRejected", 404)) is not None
    assert signature(failure("UpstreamRejected", 400)) is None  # about this item's request
    assert signature(failure("ModelNotFound")) is not None
    assert signature(failure("ConnectionFailed")) is not None
    assert signature(failure(AccountKeyUnreadable.type)) is not None  # every item alike
    assert signature(failure("RateLimited", 429)) is None
    assert signature(failure("Timeout")) is None
    assert signature(failure("InvalidJudgeAnswer")) is None
    assert signature(LocatorError("no field")) == ("ItemLocatorError", "no field")
    assert signature(UpstreamError("an earlier task failed")) is None
