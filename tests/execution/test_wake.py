"""The queue poller's sleep (yardstick.execution.wake): it ends at a wake-up, is lengthened
while idle, ends when DBOS stops, and wraps DBOS's queue thread once."""

import threading
import time

import dbos._queue as dbos_queue
import pytest

from yardstick.execution import wake


@pytest.fixture
def idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wake, "_last_wake", 0.0)  # no wake-up for ages
    monkeypatch.setattr(wake, "IDLE_POLL_SECONDS", 0.6)


def timed_wait(sleep: "wake._Sleep", timeout: float) -> tuple[bool, float]:
    started = time.monotonic()
    stopped = sleep.wait(timeout)
    return stopped, time.monotonic() - started


def test_an_idle_poll_waits_longer_and_a_wake_up_ends_it(idle: None) -> None:
    sleep = wake._Sleep(threading.Event())
    stopped, took = timed_wait(sleep, 0.05)
    assert not stopped and took >= 0.55  # the queue's 0.05 s, lengthened while idle
    threading.Timer(0.1, wake.wake).start()
    stopped, took = timed_wait(sleep, 5)
    assert not stopped and took < 2
    # Just woken: busy, so the queue's own interval again.
    stopped, took = timed_wait(sleep, 0.05)
    assert not stopped and took < 0.5


def test_a_stop_ends_the_sleep(idle: None) -> None:
    stop = threading.Event()
    sleep = wake._Sleep(stop)

    def stop_and_wake() -> None:  # what DBOS.destroy does, then a wake-up
        stop.set()
        wake.wake()

    threading.Timer(0.1, stop_and_wake).start()
    stopped, took = timed_wait(sleep, 5)
    assert stopped and took < 2 and sleep.is_set()


def test_install_wraps_the_queue_thread_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def original(stop_event: threading.Event, dbos: object, queue: object) -> None:
        seen.append(stop_event)

    monkeypatch.setattr(dbos_queue, "queue_worker_thread", original)
    wake.install()
    wake.install()
    stop = threading.Event()
    dbos_queue.queue_worker_thread(stop, None, None)  # type: ignore[arg-type]
    (given,) = seen
    assert isinstance(given, wake._Sleep) and not given.is_set()
    stop.set()
    assert given.is_set()
