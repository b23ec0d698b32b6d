"""A finished run's page figures, computed by the worker before anyone asks for them.

The evaluation page reads its summary, histograms and totals from the kept figures
(evaluation/kept.py). Computed on the first view of a finished 1,000,000-item run they took
~25 s on a loaded machine, so the worker computes them as soon as the run completes: then the
first view is a primary-key read. One daemon thread per worker process does it, so warming
never takes more than one core and never holds up the process's exit (a figure cut short is
simply not kept); a failure is logged, and the page computes the figure itself. It starts
DELAY_SECONDS after the run completes: a client polling for the end reads the evaluation in
those first moments, and would wait for the warming's share of the GIL.

Only runs of `YARDSTICK_UI_WARM_MIN_CELLS` cells or more are warmed (10,000 by default): a
smaller run's figures take a few milliseconds on its first view, while warming them cost every
small run ~8 ms of a client's next run when runs follow one another (`./dev bench first`: a
10-item run p50 100 → 92 ms without it).
"""

import logging
import queue
import threading
import time

from yardstick.db.session import SessionFactory
from yardstick.models import Evaluation
from yardstick.web.evaluation.repository import evaluation_page_repository
from yardstick.web.evaluation.service import evaluation_page_service

log = logging.getLogger(__name__)

DELAY_SECONDS = 0.5


def worth_warming(evaluation: Evaluation, min_cells: int) -> bool:
    """Whether the run is big enough that its first view would wait for its figures."""
    return evaluation.item_count * len(evaluation.tasks) >= min_cells


class Warmer:
    def __init__(self, sessions: SessionFactory, *, min_cells: int) -> None:
        self._sessions = sessions
        self._min_cells = min_cells
        # (evaluation id, when to start), or None to stop.
        self._queue: queue.SimpleQueue[tuple[str, float] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def run_finished(self, evaluation_id: str) -> None:
        """Queue the evaluation's figures (returns at once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="warm-figures", daemon=True)
            self._thread.start()
        self._queue.put((evaluation_id, time.monotonic() + DELAY_SECONDS))

    def _loop(self) -> None:
        while (queued := self._queue.get()) is not None:
            evaluation_id, due = queued
            time.sleep(max(0.0, due - time.monotonic()))
            self._warm(evaluation_id)

    def _warm(self, evaluation_id: str) -> None:
        try:
            with self._sessions.read() as session:
                evaluation = session.get(Evaluation, evaluation_id)
                if evaluation is None or evaluation.status == "running":
                    return  # gone, or running again: its figures would be stale at once
                if not worth_warming(evaluation, self._min_cells):
                    return
                evaluation_page_service.cards(session, evaluation)
                evaluation_page_repository.totals(session, [evaluation])
        except Exception:  # a cache left cold must never fail the worker
            log.exception("computing the page figures of evaluation %s failed", evaluation_id)

    def close(self) -> None:
        """Stop after the figure being computed, if any (without waiting for it)."""
        self._queue.put(None)
