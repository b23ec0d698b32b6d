"""The engine's queue pollers: awake while there is work, asleep when there is none.

DBOS dequeues with a thread per queue that polls the system database every
`polling_interval_sec` (two queries a poll, ~3 ms of CPU), and a manager thread that lists the
queues every second to start the threads of new ones. At the 0.1 s the engine needs to start a
run at once, an idle server spent 7.5 % of a core on that, and so did each of the ~15 servers
the test suite keeps up. Here those threads wait on a wake-up instead of a plain timer:

- within BUSY_SECONDS of a `wake()` a queue thread polls at the queue's own interval (0.1 s);
  a commit that enqueued chunks in this process, and the start and end of each chunk here,
  wake them, so a run starts without waiting for a poll and a finished chunk's slot is
  refilled straight away;
- `nudge()` makes them poll once, without the busy pace: `wake_watch` calls it when another
  process may have enqueued (PostgreSQL's NOTIFY, a write to the SQLite file);
- otherwise they poll every IDLE_POLL_SECONDS, a safety net for a missed signal;
- the manager lists the queues again at once when a queue is registered (`queues_changed`):
  the engine's queue is registered after DBOS launches, and the manager's next listing would
  otherwise come a second later, delaying a fresh server's first run by as much.

A stop (DBOS.destroy, which joins these threads for 10 s) is seen within STOP_CHECK_SECONDS
however long the sleep: the sleeps are cut into slices that check it, at no database cost.

DBOS starts the queue threads through the module function `queue_worker_thread`, and the
manager is `queue_thread` as imported by `dbos._dbos`; each takes the event that stops it
first; `install` wraps both so they wait here. `check_dbos` (engine.py) checks both are still
there with that signature.
"""

import threading
import time
from collections.abc import Callable

import dbos._dbos as dbos_main
import dbos._queue as dbos_queue
from dbos import DBOS
from dbos._queue import Queue
from sqlalchemy import event, text
from sqlalchemy.orm import Session

BUSY_SECONDS = 2.0
IDLE_POLL_SECONDS = 30.0
MANAGER_IDLE_SECONDS = 30.0
STOP_CHECK_SECONDS = 1.0
# PostgreSQL's channel for "chunks were enqueued": a NOTIFY is sent when its transaction commits.
CHANNEL = "yardstick_engine"

_condition = threading.Condition()
_generation = 0  # bumped by wake() and nudge(): a queue thread polls once per bump
_manager_generation = 0  # bumped by queues_changed(): the manager lists the queues again
_last_wake = 0.0


def wake() -> None:
    """Poll now, and keep polling at the queue's own pace for BUSY_SECONDS."""
    global _generation, _last_wake
    with _condition:
        _generation += 1
        _last_wake = time.monotonic()
        _condition.notify_all()


def nudge() -> None:
    """Poll once now: another process may have enqueued (a poll that finds work starts a chunk,
    whose start wakes the pollers for good)."""
    global _generation
    with _condition:
        _generation += 1
        _condition.notify_all()


def queues_changed() -> None:
    """A queue was registered: the manager lists the queues now, starting its thread."""
    global _manager_generation
    with _condition:
        _manager_generation += 1
        _condition.notify_all()


def wake_after_commit(session: Session) -> None:
    """Wake this process's pollers once `session`'s transaction commits (its chunks are then
    visible); on PostgreSQL, other processes' too, through a NOTIFY sent by that commit."""
    event.listen(session, "after_commit", lambda _: wake(), once=True)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


def _wait(stop: threading.Event, timeout: float, changed: Callable[[], bool]) -> bool:
    """Wait up to `timeout` or until `changed()`, in slices that check `stop`; True if stopped."""
    deadline = time.monotonic() + timeout
    with _condition:
        while not stop.is_set() and not changed():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            _condition.wait(min(left, STOP_CHECK_SECONDS))
    return stop.is_set()


class _Sleep:
    """What DBOS's queue thread takes for its stop event: `wait` returns on a wake-up or a
    nudge, or at the timeout (lengthened while idle), saying whether DBOS stopped meanwhile.
    DBOS's own internal queue (`engine=False`; Yardstick enqueues nothing there) only sleeps
    the idle poll: the wake-ups are about the engine's chunks.

    A wake-up counts from the moment the previous `wait` returned, not from the next call: one
    that comes while the thread polls (after its query read the queue, before it sleeps again)
    makes the next `wait` return at once, where reading the generation on entry would miss it
    and sleep a whole idle interval."""

    def __init__(self, stop: threading.Event, *, engine: bool = True) -> None:
        self._stop = stop
        self._engine = engine
        with _condition:
            self._seen = _generation

    def is_set(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        with _condition:
            idle = time.monotonic() - _last_wake > BUSY_SECONDS
            seen = self._seen
        if timeout is None or idle or not self._engine:
            timeout = max(timeout or 0.0, IDLE_POLL_SECONDS)
        if not self._engine:
            return _wait(self._stop, timeout, lambda: False)
        stopped = _wait(self._stop, timeout, lambda: _generation != seen)
        with _condition:
            self._seen = _generation
        return stopped


class _ManagerSleep(_Sleep):
    """The same for DBOS's queue manager: it lists the queues when one is registered, and
    otherwise every MANAGER_IDLE_SECONDS (its own check restarts a queue thread that died).
    A queue registered while it lists (after its listing read the registry) is listed at once
    after, as a wake-up is for the queue threads."""

    def __init__(self, stop: threading.Event) -> None:
        super().__init__(stop)
        with _condition:
            self._seen = _manager_generation

    def wait(self, timeout: float | None = None) -> bool:
        seen = self._seen
        stopped = _wait(
            self._stop,
            max(timeout or 0.0, MANAGER_IDLE_SECONDS),
            lambda: _manager_generation != seen,
        )
        with _condition:
            self._seen = _manager_generation
        return stopped


def install(engine_queue: str) -> None:
    """Make DBOS's queue threads and their manager (started from now on) sleep here, the
    thread of `engine_queue` following the wake-ups; idempotent."""
    original = dbos_queue.queue_worker_thread
    if not getattr(original, "__wrapped_by_yardstick__", False):

        def queue_worker_thread(stop_event: threading.Event, dbos: DBOS, queue: Queue) -> None:
            sleep = _Sleep(stop_event, engine=queue.name == engine_queue)
            original(sleep, dbos, queue)  # type: ignore[arg-type]

        queue_worker_thread.__wrapped_by_yardstick__ = True  # type: ignore[attr-defined]
        dbos_queue.queue_worker_thread = queue_worker_thread

    manager = dbos_main.queue_thread  # type: ignore[attr-defined]
    if not getattr(manager, "__wrapped_by_yardstick__", False):

        def queue_thread(stop_event: threading.Event, dbos: DBOS) -> None:
            manager(_ManagerSleep(stop_event), dbos)  # type: ignore[arg-type]

        queue_thread.__wrapped_by_yardstick__ = True  # type: ignore[attr-defined]
        dbos_main.queue_thread = queue_thread  # type: ignore[attr-defined]
