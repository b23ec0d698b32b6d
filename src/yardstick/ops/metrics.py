"""Prometheus metrics of this process, in one registry served at `GET /metrics` (`endpoints`).

Every process counts its own: the API process (`serve`) at `/metrics` on its HTTP port, and a
`yardstick worker` on `YARDSTICK_METRICS_PORT` when set. prometheus_client's multiprocess mode
was not used: it shares counters only between processes of one machine (through files in one
directory, wiped at every start), while Yardstick's workers may run on several machines, and
Prometheus sums per-process counters across targets just as well (`sum by (status)`).

What is counted where (each hot path does one dict lookup and an increment):

- `yardstick_http_requests_total{route,method,status}` and
  `yardstick_http_request_duration_seconds{route,method}`: `HttpMetrics`, a pure ASGI
  middleware. `route` is the matched route's template (`/v5/evaluations/{evaluation_id}`),
  `unmatched` when none matched, so the series stay bounded whatever paths clients send.
- `yardstick_cells_total{status}`: the engine's cell writer, once per committed batch
  (`cells_committed`), so cells dropped because their run stopped are not counted.
- `yardstick_model_calls_total{vendor,outcome}`: the provider layer, once per call after its
  retries; `outcome` is `ok` or the error type (`RateLimited`, `Timeout`, `UpstreamError`, …).
- `yardstick_queue_depth{state}`: chunks `enqueued` (waiting) and `pending` (running) on the
  engine's queue, read from DBOS's workflow table when scraped (at most once a second; one
  count over a partial index of in-flight workflows). It is the same for every process
  sharing a database: aggregate it with `max`, not `sum`.
- `yardstick_scorer_pool_size`: scorer processes alive in this process's pool, when scraped.
"""

import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yardstick.kit.head import HEAD_REQUEST
from yardstick.models.task_result import CellRow

REGISTRY = CollectorRegistry()
# CPU seconds, resident memory and open files of the process: free, and what one looks at first.
ProcessCollector(registry=REGISTRY)

HTTP_REQUESTS = Counter(
    "yardstick_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "yardstick_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response body",
    ["route", "method"],
    # From a cached read (~1 ms) to a 100k-row create or a streamed export (tens of seconds).
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
CELLS = Counter(
    "yardstick_cells",
    "Cells (one task on one item) committed by the engine, by status",
    ["status"],
    registry=REGISTRY,
)
MODEL_CALLS = Counter(
    "yardstick_model_calls",
    "Model calls (after retries), by vendor and outcome: ok or the error type",
    ["vendor", "outcome"],
    registry=REGISTRY,
)
SCORER_POOL_SIZE = Gauge(
    "yardstick_scorer_pool_size",
    "Scorer processes alive in this process's pool (started with the engine, or on the first "
    "metric cell when not prewarmed)",
    registry=REGISTRY,
)

# The text exposition format every Prometheus version reads (our names need no escaping).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    """Counts and times every HTTP request; pure ASGI (a BaseHTTPMiddleware would cost a task
    and a memory stream per request, and break streaming bodies' back-pressure).

    It must sit inside `StripTrailingSlash`, which copies the scope: the router writes the
    matched route into the scope it is given, and this middleware reads it from the same one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # (route, method, status) → the two labelled children: `labels()` takes a lock and
        # checks its arguments, a dict lookup does not.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before it responds

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or _template(scope)
        if scope.get(HEAD_REQUEST, False):
            method = "HEAD"  # answered as a GET (yardstick.kit.head)
        else:
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                HTTP_REQUESTS.labels(route, method, str(status)),
                HTTP_DURATION.labels(route, method),
            )
        children[0].inc()
        children[1].observe(seconds)


def _template(scope: Scope) -> str:
    """The route a request answered before routing (a 401, 403, 413 or 429 of the auth gate or
    the body limit) was for, found as the router would; UNMATCHED when none is."""
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        if route.matches(scope)[0] is not Match.FULL:
            continue
        # An included router (FastAPI's tree of them) matches for one of its own routes.
        contexts = getattr(route, "effective_route_contexts", None)
        for context in contexts() if contexts is not None else ():
            inner = getattr(context, "starlette_route", None) or context
            if inner.matches(scope)[0] is Match.FULL:
                return str(inner.path)
        return str(getattr(route, "path", None) or UNMATCHED)
    return UNMATCHED


def cells_committed(rows: Iterable[CellRow]) -> None:
    """Count a committed batch of cell rows: one increment per status present."""
    counts: dict[str, int] = {}
    for row in rows:
        status = row["status"]
        counts[status] = counts.get(status, 0) + 1
    for status, count in counts.items():
        CELLS.labels(status).inc(count)


def model_call(vendor: str, outcome: str) -> None:
    """Count one model call: `outcome` is "ok" or the ProviderError type it ended with."""
    child = _model_calls.get((vendor, outcome))
    if child is None:
        child = _model_calls[(vendor, outcome)] = MODEL_CALLS.labels(vendor, outcome)
    child.inc()


# The labelled counters by (vendor, outcome): `labels()` takes a lock and builds its key on
# every call, once per model call; there are only ever a few of these.
_model_calls: dict[tuple[str, str], Counter] = {}


class _QueueDepth(Collector):
    """`yardstick_queue_depth{state}`, read from the database at scrape time by `reader`
    (bound at start, see `watch_queue`) and reused for a second, so that several scrapers, or
    one scraping often, cost one query a second at most."""

    NAME = "yardstick_queue_depth"
    HELP = "Chunks on the engine's queue: enqueued (waiting) or pending (running)"
    STATES = ("enqueued", "pending")
    TTL_SECONDS = 1.0

    def __init__(self) -> None:
        self.reader: Callable[[], dict[str, int]] | None = None
        self._cached: tuple[float, dict[str, int]] | None = None

    def describe(self) -> Iterable[Metric]:
        # Without describe(), registering would call collect(), so query the database at import.
        return [GaugeMetricFamily(self.NAME, self.HELP, labels=["state"])]

    def collect(self) -> Iterable[Metric]:
        counts = self._counts()
        if counts is None:  # not bound, or the database failed: no sample rather than a false 0
            return []
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["state"])
        for state in self.STATES:
            family.add_metric([state], counts.get(state, 0))
        return [family]

    def _counts(self) -> dict[str, int] | None:
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self.TTL_SECONDS:
            return self._cached[1]
        if self.reader is None:
            return None
        try:
            counts = self.reader()
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database hiccuped
            return None
        self._cached = (now, counts)
        return counts


_queue_depth = _QueueDepth()
REGISTRY.register(_queue_depth)


def watch_queue(reader: Callable[[], dict[str, int]]) -> None:
    """Where `yardstick_queue_depth` reads its counts ({"enqueued": n, "pending": n})."""
    _queue_depth.reader = reader


def watch_scorer_pool(live_processes: Callable[[], int]) -> None:
    """Where `yardstick_scorer_pool_size` reads the live scorer processes."""
    SCORER_POOL_SIZE.set_function(live_processes)


class MetricsPortUnavailable(Exception):
    """The worker's metrics port cannot be listened on (taken, or not allowed)."""


def start_metrics_server(port: int) -> Callable[[], None]:
    """Serve this registry on `port` (all interfaces) from a thread, for `yardstick worker`,
    which has no HTTP app; returns the function that stops it."""
    try:
        server, thread = start_http_server(port, registry=REGISTRY)
    except OSError as exc:
        raise MetricsPortUnavailable(
            f"cannot listen on port {port}: {exc.strerror or exc}"
        ) from exc

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)

    return stop


def exposition() -> bytes:
    """Every metric of this process in the text exposition format (runs the scrape-time reads:
    call it off the event loop)."""
    return generate_latest(REGISTRY)
