"""The scorer service: metric cells micro-batched onto a pool of scorer processes.

Objects and flow: the engine runs every item of a chunk as a coroutine on one event loop, so
many metric cells ask for a score at about the same time. `ScorerService.score` queues the
request with a future and schedules one dispatch for the loop's next turn; the dispatch takes
everything queued so far and cuts it into batches, one per free slot (at most `max_batch`
each), and submits each batch to the executor (`worker.run_batch`). The slots are twice the
workers, so each worker has a batch running and one waiting. While all slots are busy, requests
keep queueing, and the next batches grow with the load: one request costs a single round trip;
a thousand are a handful of batches. Scoring is pure-Python CPU work (nltk, rouge_score) or
torch, so it never runs on the event loop.

The executor is a `ProcessPoolExecutor` with one process per core (YARDSTICK_SCORING_WORKERS),
started with `spawn` (the server process has threads) as the engine starts (`prewarm`, which
also has each process import the common scorers: a fresh server's first metric cell then does
not wait seconds for them), or else on the first metric cell; each process imports a scorer
module, and loads its data or model, on the first batch that needs it, once.
A `ThreadPoolExecutor` can be chosen (`executor="thread"`) to compare: it shares the GIL with the
event loop, so it scores on one core at most (see bench/metrics.py). When the embedding model is
a provider's (`remote`), cosine_similarity cells are batched the same way but embedded on the
loop through the provider layer, which is I/O. Which embedder runs is decided once, from the
settings (`choice`).

Failure modes: a cell the library cannot score comes back as a `Failure` and is raised as
`ScoringError` for that cell only. A scorer process that dies (killed, out of memory) breaks the
pool: the cells of the batches in flight fail with ScorerCrashed and the next request starts a
new pool. `close()` fails whatever is queued and shuts the pool down (`Worker.stop` calls
`close_scorer`, once the chunks have drained). A scorer process ignores SIGINT (Ctrl-C reaches
the whole process group; the server stops the pool) and exits by itself within a second if the
server dies (`kit.parent_watch`). A caller that is cancelled while waiting simply drops its result.
"""

import asyncio
import math
import os
import weakref
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context

from yardstick.config import Settings, get_settings
from yardstick.provider import ProviderError, Providers, ProvidersFileError, get_providers
from yardstick.scoring import choice, remote, worker
from yardstick.scoring.errors import Failure, ScoringError
from yardstick.scoring.metrics import ScoringOptions
from yardstick.scoring.worker import Outcome
from yardstick.span.calls import CallLog, recording
from yardstick.span.calls import current as current_calls

MAX_BATCH = 256
CLOSED = "the scorer service shut down before this cell was scored"


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class _Request:
    metric: str
    candidate: str
    reference: str
    future: "asyncio.Future[float]"
    calls: CallLog | None  # the cell's, when a run's cell asks: its trace gets the calls made


def _share_calls(batch: list[_Request], shared: CallLog) -> None:
    """Hand each cell of the batch, for its trace, the calls that carried its texts."""
    for request in batch:
        if request.calls is not None:
            request.calls.calls.extend(
                remote.cell_calls(shared.calls, request.candidate, request.reference)
            )


class ScorerService:
    def __init__(
        self,
        options: ScoringOptions,
        *,
        workers: int | None = None,
        executor: str = "process",
        max_batch: int = MAX_BATCH,
        providers: Providers | None = None,
    ) -> None:
        if executor not in ("process", "thread"):
            raise ValueError(f"executor must be 'process' or 'thread', not {executor!r}")
        self.options = options
        self.workers = workers or available_cpus()
        self.executor_kind = executor
        self.max_batch = max_batch
        self.slots = 2 * self.workers
        self.batches = 0  # submitted so far (for tests and the benchmark)
        self._queue: deque[_Request] = deque()
        # cosine_similarity through an embeddings endpoint: batched here, embedded on the loop.
        self._providers = providers
        self._remote_queue: deque[_Request] = deque()
        self._remote_tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._executor: Executor | None = None
        self._dispatch_scheduled = False
        self._closed = False

    async def score(self, metric: str, candidate: str, reference: str) -> float:
        """The metric's score of one (candidate, reference); raises ScoringError for this cell."""
        if self._closed:
            raise ScoringError("ScorerClosed", "the scorer service is shut down")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[float] = loop.create_future()
        remote_cell = metric == "cosine_similarity" and self.options.embedding_endpoint
        queue = self._remote_queue if remote_cell else self._queue
        queue.append(_Request(metric, candidate, reference, future, current_calls()))
        if not self._dispatch_scheduled:
            self._dispatch_scheduled = True
            loop.call_soon(self._dispatch)
        return await future

    def prewarm(self) -> None:
        """Start the pool now and have each process import the light scorers (bleu, rouge, f1;
        not meteor's WordNet nor cosine's model), without waiting for it; once. One process
        first, the others once it is ready: an import takes ~3 s of CPU, and a server starting
        beside several of them on 2 cores would have none ready for seconds longer."""
        if self._executor is not None:
            return
        executor = self._pool()

        def the_others(_: object) -> None:
            for _ in range(self.workers - 1):
                _submit_warm_up(executor)

        first = _submit_warm_up(executor)
        if first is not None:
            first.add_done_callback(the_others)

    def _pool(self) -> Executor:
        if self._executor is None:
            initargs = (self.options,)
            if self.executor_kind == "process":
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=get_context("spawn"),
                    initializer=worker.initialize_process,
                    initargs=initargs,
                )
            else:
                self._executor = ThreadPoolExecutor(
                    self.workers,
                    thread_name_prefix="scorer",
                    initializer=worker.initialize,
                    initargs=initargs,
                )
        return self._executor

    def live_processes(self) -> int:
        """Scorer processes alive now: 0 before the first metric cell, and with threads."""
        executor = self._executor
        if not isinstance(executor, ProcessPoolExecutor):
            return 0
        # Private, but the pool has no public count; read from the metrics thread, so a copy.
        processes = list((executor._processes or {}).values())
        return sum(1 for process in processes if process.is_alive())

    def _dispatch(self) -> None:
        self._dispatch_scheduled = False
        while self._remote_queue and not self._closed:
            remote_batch = [
                r for r in _take(self._remote_queue, self.max_batch) if not r.future.done()
            ]
            if remote_batch:
                self.batches += 1
                task = asyncio.ensure_future(self._embed_remotely(remote_batch))
                self._remote_tasks.add(task)
                task.add_done_callback(self._remote_tasks.discard)
        while self._queue and self._in_flight < self.slots and not self._closed:
            free = self.slots - self._in_flight
            size = min(self.max_batch, math.ceil(len(self._queue) / free))
            batch: list[_Request] = []
            while self._queue and len(batch) < size:
                request = self._queue.popleft()
                if not request.future.done():  # not cancelled while queued
                    batch.append(request)
            if not batch:
                continue
            executor = self._pool()
            try:
                submitted = executor.submit(
                    worker.run_batch, [(r.metric, r.candidate, r.reference) for r in batch]
                )
            except (BrokenProcessPool, RuntimeError) as exc:  # broken, or shut down meanwhile
                self._reset(executor)
                self._fail(batch, "ScorerCrashed", f"the scorer pool is unusable: {exc}")
                continue
            self._in_flight += 1
            self.batches += 1
            finished = partial(self._finished, batch, executor)
            asyncio.wrap_future(submitted).add_done_callback(finished)

    def _finished(
        self, batch: list[_Request], executor: Executor, done: "asyncio.Future[list[Outcome]]"
    ) -> None:
        self._in_flight -= 1
        if done.cancelled():
            self._fail(batch, "ScorerClosed", CLOSED)
        elif (exc := done.exception()) is not None:
            if isinstance(exc, BrokenProcessPool):
                self._reset(executor)
                self._fail(batch, "ScorerCrashed", "a scorer process died while scoring this cell")
            else:
                self._fail(batch, "MetricError", f"{type(exc).__name__}: {exc}")
        else:
            self._settle(batch, done.result())
        if self._queue and not self._dispatch_scheduled:
            self._dispatch()

    async def _embed_remotely(self, batch: list[_Request]) -> None:
        try:
            providers = self._providers or get_providers()
            assert self.options.embedding_model is not None  # embedding_endpoint says so
            route = providers.route(self.options.embedding_model)
            pairs = [(r.candidate, r.reference) for r in batch]
            # The batch's own log, not the cell's whose context this task copied; each cell's
            # trace then gets the calls that carried its texts.
            with recording() as shared:
                try:
                    outcomes = await remote.cosine_batch(providers, route, pairs)
                finally:
                    _share_calls(batch, shared)
        except ProviderError as exc:
            self._fail(batch, exc.type, exc.message)
            return
        except asyncio.CancelledError:
            self._fail(batch, "ScorerClosed", CLOSED)
            raise
        except Exception as exc:  # noqa: BLE001 - never leave a cell waiting
            self._fail(batch, "MetricError", f"{type(exc).__name__}: {exc}")
            return
        self._settle(batch, outcomes)

    @staticmethod
    def _settle(batch: list[_Request], outcomes: list[Outcome]) -> None:
        for request, outcome in zip(batch, outcomes):
            if request.future.done():
                continue
            if isinstance(outcome, Failure):
                request.future.set_exception(ScoringError(outcome.type, outcome.message))
            else:
                request.future.set_result(outcome)

    def _reset(self, executor: Executor) -> None:
        """Drop a broken pool; the next batch starts a new one."""
        if self._executor is executor:
            self._executor = None
            executor.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _fail(batch: list[_Request], type_: str, message: str) -> None:
        for request in batch:
            if not request.future.done():
                request.future.set_exception(ScoringError(type_, message))

    async def close(self) -> None:
        """Fail what is queued, let running batches finish, and stop the scorer processes."""
        self._closed = True
        queued = [*self._queue, *self._remote_queue]
        self._queue.clear()
        self._remote_queue.clear()
        self._fail(queued, "ScorerClosed", CLOSED)
        for task in list(self._remote_tasks):
            task.cancel()
        await asyncio.gather(*self._remote_tasks, return_exceptions=True)
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)


def options_from(settings: Settings, workers: int, providers: Providers) -> ScoringOptions:
    embedder = choice.choose(
        settings.embedding_model, providers.embedding_model, set(providers.vendors)
    )
    return ScoringOptions(
        wordnet_dir=str(settings.wordnet_dir) if settings.wordnet_dir else None,
        embedding_model=embedder.model,
        # Every process runs torch on its share of the cores, so together they use them all once.
        torch_threads=max(1, available_cpus() // workers),
        embedding_endpoint=embedder.endpoint,
        embedding_chosen_by=embedder.chosen_by,
    )


def cosine_problem() -> str | None:
    """Why cosine_similarity cannot score on this server (no embedder, the extra missing for a
    local model, an endpoint's vendor not configured), or None; an evaluation create refuses a
    cosine_similarity task with it."""
    providers = get_providers()
    options = options_from(get_settings(), 1, providers)
    model = options.embedding_model
    if model is None:
        return choice.NO_EMBEDDER
    if not options.embedding_endpoint:
        return choice.local_problem(model)
    try:
        providers.check(model)
    except ProviderError as exc:
        return f"cosine_similarity's embedding model {model!r} ({options.embedding_chosen_by}): {exc.message}"
    return None


# One cell of each light scorer: scoring it imports its module and builds its tokenizers.
PREWARM_BATCH = [(metric, "warm up", "warm up") for metric in ("bleu", "rouge1", "f1")]


def _submit_warm_up(executor: Executor) -> "Future[list[Outcome]] | None":
    try:
        return executor.submit(worker.run_batch, PREWARM_BATCH)
    except (BrokenProcessPool, RuntimeError):  # shut down or broken meanwhile: nothing to warm
        return None


def _take(queue: "deque[_Request]", count: int) -> list[_Request]:
    return [queue.popleft() for _ in range(min(count, len(queue)))]


_services: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ScorerService]" = (
    weakref.WeakKeyDictionary()
)


_early: ScorerService | None = None


def _new_service() -> ScorerService:
    settings = get_settings()
    workers = settings.scoring_workers or available_cpus()
    return ScorerService(options_from(settings, workers, get_providers()), workers=workers)


def prestart_scorer() -> None:
    """Start the scorer processes before the rest of the server starts (`serve` and `worker`
    call this first): they import their libraries on the other core while the server imports
    its own, so the pool is warm about when the server answers. The engine's event loop adopts
    this service (`get_scorer`). A providers file that cannot be read is left for the first
    metric cell to report, as without the early start."""
    global _early
    if _early is not None:
        return
    try:
        _early = _new_service()
    except ProvidersFileError:
        return
    _early.prewarm()


def get_scorer() -> ScorerService:
    """This event loop's scorer service: the one started early, else one from the settings
    (made on first use)."""
    global _early
    loop = asyncio.get_running_loop()
    service = _services.get(loop)
    if service is None:
        service, _early = (_early or _new_service()), None
        _services[loop] = service
    return service


def live_scorer_processes() -> int:
    """Scorer processes alive in this process, over every event loop's service (the
    `yardstick_scorer_pool_size` gauge; called from the thread that serves a scrape)."""
    for _ in range(3):
        try:
            services = list(_services.values())
        except RuntimeError:  # a loop's service added or collected during the copy
            continue
        return sum(service.live_processes() for service in services)
    return 0


async def close_scorer() -> None:
    """Shut this event loop's scorer service down, if it was started."""
    service = _services.pop(asyncio.get_running_loop(), None)
    if service is not None:
        await service.close()
