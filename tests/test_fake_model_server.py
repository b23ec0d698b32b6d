"""The fake model server's own accounting, which the hang-up and concurrency tests read: a call
in flight at a reset still ends (at 80d6a1c and 72850e8 one stayed counted for good, and every
later test waiting for no call in flight failed)."""

import threading
import time

import httpx

from tests.fixtures.fake_model_server import FakeModels


def _hung_call(fake_models: FakeModels) -> threading.Thread:
    """A call that hangs until its client gives up, 1 s after it began."""
    fake_models.control(hang_next=1)

    def call() -> None:
        try:
            httpx.post(
                f"{fake_models.base_url}/chat/completions",
                json={"model": "fake-chat", "messages": []},
                timeout=1,
            )
        except httpx.ReadTimeout:
            pass

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 5
    while not fake_models.stats()["in_flight"]:
        assert time.monotonic() < deadline, "the call never reached the fake server"
        time.sleep(0.01)
    return thread


def _until_none_in_flight(fake_models: FakeModels) -> None:
    deadline = time.monotonic() + 5
    while fake_models.stats()["in_flight"]:
        assert time.monotonic() < deadline, "a call that ended is still counted in flight"
        time.sleep(0.02)


def test_a_call_in_flight_at_a_reset_still_ends(fake_models: FakeModels) -> None:
    thread = _hung_call(fake_models)
    fake_models.control(reset=True)  # the control itself: no wait for the call
    assert fake_models.stats()["in_flight"] == 1  # carried over

    thread.join()
    _until_none_in_flight(fake_models)


def test_a_reset_waits_for_the_calls_in_flight(fake_models: FakeModels) -> None:
    thread = _hung_call(fake_models)
    fake_models.reset()  # returns once the call has ended, its client gone after 1 s
    assert fake_models.stats() | {"per_model": {}, "per_path": {}} == {
        "total": 0,
        "in_flight": 0,
        "max_in_flight": 0,
        "per_model": {},
        "per_path": {},
    }
    thread.join()
