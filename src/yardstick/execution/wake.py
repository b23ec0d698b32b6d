"""The engine's queue poller: awake while there is work, asleep when there is none.

DBOS dequeues with a thread per queue that polls the system database every
`polling_interval_sec` (two queries a poll). At the 0.1 s the engine needs to start a run at
once, an idle server spent 7.5 % of a core on it, and so did each of the ~15 servers the test
suite keeps up. Here those threads wait on a wake-up instead of a plain timer:

- within BUSY_SECONDS of a wake-up they poll at the queue's own interval (0.1 s);
- otherwise every IDLE_POLL_SECONDS, which is how soon a chunk enqueued by *another* process
  (a separate `yardstick worker`, or a server enqueuing for a worker elsewhere) is seen;
- a commit that enqueued chunks in this process, and the start and end of each chunk here,
  wake them at once, so a run starts without waiting for a poll, and a finished chunk's slot
  is refilled straight away.

DBOS starts its queue threads through the module function `queue_worker_thread`, whose first
argument is the event that stops them; `install` wraps that function so the thread waits here.
`check_dbos` (engine.py) checks the function is still there with that signature.
"""

import threading
import time

import dbos._queue as dbos_queue
from dbos import DBOS
from dbos._queue import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

BUSY_SECONDS = 2.0
IDLE_POLL_SECONDS = 1.0

_condition = threading.Condition()
_generation = 0
_last_wake = 0.0


def wake() -> None:
    """Poll now, and keep polling at the queue's own pace for BUSY_SECONDS."""
    global _generation, _last_wake
    with _condition:
        _generation += 1
        _last_wake = time.monotonic()
        _condition.notify_all()


def wake_after_commit(session: Session) -> None:
    """Wake the poller once `session`'s transaction commits (its chunks are then visible)."""
    event.listen(session, "after_commit", lambda _: wake(), once=True)


class _Sleep:
    """What DBOS's queue thread takes for its stop event: `wait` returns on a wake-up or on
    the timeout (lengthened while idle), saying whether DBOS stopped meanwhile. A stop is
    seen at the latest one idle poll later: DBOS.destroy joins these threads for 10 s."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def is_set(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        with _condition:
            idle = time.monotonic() - _last_wake > BUSY_SECONDS
            if timeout is not None and idle:
                timeout = max(timeout, IDLE_POLL_SECONDS)
            seen = _generation
            _condition.wait_for(lambda: _generation != seen or self._stop.is_set(), timeout)
        return self._stop.is_set()


def install() -> None:
    """Make DBOS's queue threads (started from now on) sleep here; idempotent."""
    original = dbos_queue.queue_worker_thread
    if getattr(original, "__wrapped_by_yardstick__", False):
        return

    def queue_worker_thread(stop_event: threading.Event, dbos: DBOS, queue: Queue) -> None:
        original(_Sleep(stop_event), dbos, queue)  # type: ignore[arg-type]

    queue_worker_thread.__wrapped_by_yardstick__ = True  # type: ignore[attr-defined]
    dbos_queue.queue_worker_thread = queue_worker_thread
