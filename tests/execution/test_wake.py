"""The queue pollers' sleep (yardstick.execution.wake): it ends at a wake-up or a nudge, is
lengthened while idle, ends soon after DBOS stops however long it is, and wraps DBOS's queue
threads and their manager once."""

import threading
import time
from types import SimpleNamespace

import dbos._dbos as dbos_main
import dbos._queue as dbos_queue
import pytest

from yardstick.execution import wake


@pytest.fixture
def idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wake, "_last_wake", 0.0)  # no wake-up for ages
    monkeypatch.setattr(wake, "IDLE_POLL_SECONDS", 0.6)
    monkeypatch.setattr(wake, "MANAGER_IDLE_SECONDS", 0.6)
    monkeypatch.setattr(wake, "STOP_CHECK_SECONDS", 0.2)


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


def test_a_nudge_ends_an_idle_poll_without_making_it_busy(idle: None) -> None:
    sleep = wake._Sleep(threading.Event())
    threading.Timer(0.1, wake.nudge).start()
    stopped, took = timed_wait(sleep, 0.05)
    assert not stopped and took < 0.5
    stopped, took = timed_wait(sleep, 0.05)  # still idle: the long sleep again
    assert not stopped and took >= 0.55


def test_dbos_internal_queue_sleeps_through_wake_ups(idle: None) -> None:
    sleep = wake._Sleep(threading.Event(), engine=False)
    threading.Timer(0.1, wake.wake).start()
    stopped, took = timed_wait(sleep, 0.05)
    assert not stopped and took >= 0.55


def test_a_stop_ends_a_long_sleep_within_a_slice(
    idle: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wake, "IDLE_POLL_SECONDS", 30.0)
    stop = threading.Event()
    sleep = wake._Sleep(stop)
    threading.Timer(0.1, stop.set).start()  # what DBOS.destroy does: no wake-up with it
    stopped, took = timed_wait(sleep, 5)
    assert stopped and took < 1 and sleep.is_set()


def test_the_manager_lists_again_when_a_queue_is_registered(idle: None) -> None:
    sleep = wake._ManagerSleep(threading.Event())
    threading.Timer(0.1, wake.wake).start()  # a chunk's wake-up is not the manager's business
    stopped, took = timed_wait(sleep, 1.0)
    assert not stopped and took >= 0.55
    threading.Timer(0.1, wake.queues_changed).start()
    stopped, took = timed_wait(sleep, 1.0)
    assert not stopped and took < 0.5


def test_a_queue_registered_while_the_manager_lists_is_listed_at_once(idle: None) -> None:
    # The manager returned from its sleep and lists the queues; the engine's queue registers
    # before it sleeps again (a fresh server's first run waited 30 s when this was missed).
    sleep = wake._ManagerSleep(threading.Event())
    wake.queues_changed()
    stopped, took = timed_wait(sleep, 1.0)
    assert not stopped and took < 0.3
    stopped, took = timed_wait(sleep, 1.0)  # nothing new since: the idle sleep
    assert not stopped and took >= 0.55


def test_a_wake_up_while_the_queue_thread_polls_makes_it_poll_again_at_once(
    idle: None,
) -> None:
    sleep = wake._Sleep(threading.Event())
    wake.nudge()  # came while the thread's query ran, after it read the queue
    stopped, took = timed_wait(sleep, 0.05)
    assert not stopped and took < 0.3
    stopped, took = timed_wait(sleep, 0.05)
    assert not stopped and took >= 0.55


def test_install_wraps_the_queue_thread_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def original(stop_event: threading.Event, dbos: object, queue: object) -> None:
        seen.append(stop_event)

    monkeypatch.setattr(dbos_queue, "queue_worker_thread", original)
    wake.install("engine")
    wake.install("engine")
    stop = threading.Event()
    dbos_queue.queue_worker_thread(stop, None, SimpleNamespace(name="engine"))  # type: ignore[arg-type]
    dbos_queue.queue_worker_thread(stop, None, SimpleNamespace(name="internal"))  # type: ignore[arg-type]
    engine, internal = seen
    assert isinstance(engine, wake._Sleep) and not engine.is_set()
    assert engine._engine and not internal._engine  # type: ignore[attr-defined]
    stop.set()
    assert engine.is_set()


def test_install_wraps_the_queue_manager_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def original(stop_event: threading.Event, dbos: object) -> None:
        seen.append(stop_event)

    monkeypatch.setattr(dbos_main, "queue_thread", original)
    wake.install("engine")
    wake.install("engine")
    dbos_main.queue_thread(threading.Event(), None)  # type: ignore[arg-type]
    (given,) = seen
    assert isinstance(given, wake._ManagerSleep)
