"""`spans`: span ingest (SGP batches and OTLP) against the bare write path, then search.

Every span is made by one deterministic function of its number i: traces of 10 spans (a root
and 9 children), span and trace ids shaped as the 0.7.0 tracing library makes them (UUID 4,
random-looking), a name, start/end 1 ms apart per span, input and output JSON of ~250 B each
(an OpenAI-style message, a reply with `usage`) and metadata with 3 keys (`env`, `model`,
`session_id`: 20 spans a session). The text holds a word unique to the span (`ord-0000042-x`)
and one of 100 words held by 1 % of the spans each (`zk07w`).

(a) INGEST spans (default 40,000; BENCH_SPANS_INGEST) through `PUT /v5/spans/batch`, 50 per
    request (the 0.7.0 tracing library's batch), from CLIENTS threads each with its own httpx
    client (keep-alive, bodies serialized before the clock starts), against a server on a
    fresh database → spans/s, p50/p95 per request, server CPU per 1,000 spans.
    Then (SQLite) how long after the last request the server's text index and metadata index,
    which work behind the writes, have indexed every span, and the server CPU that took.
(b) INGEST other spans through `POST /v1/traces` as OTLP protobuf (`input.value`/`output.value`
    and the 3 metadata keys as attributes), 50 a request, the same clients, same server, once
    the indexes have caught up with (a); then the indexes' catch-up again.
(i) IN PROCESS (SQLite): (a) then (b) on a fresh server with YARDSTICK_SPAN_WRITE_PROCESS=false,
    whose writes run on a thread beside its event loop rather than in its write process
    (`yardstick.db.write_process`): what the write process is worth, in the same run.
(f) TWO SERVERS on one fresh database (`serve` and `serve --no-worker`), MANY_CLIENTS (8)
    threads split between them, OTLP as in (b): the processes take turns to write through the
    write gate's lock file (`yardstick.db.write_gate`); CPU is that of both.
(h) PROCESSES: `serve --processes 2` on a fresh database (two processes answering the API
    on one port, `yardstick.cli.api_processes`), MANY_CLIENTS (8) threads: (a)'s bodies, then
    (b)'s; CPU is that of the server's whole process tree. A machine with two cores runs
    Python on both.
(c) The machine's own figures, in this process, each on a fresh database: `prepare` alone (the
    CPU part of a write: JSON, redaction, token counts); `write_run_spans`
    of (a)'s spans, one transaction per 50 (the server's write path without HTTP, validation
    and the rules' lookups), right before (a) and again right after (b), which are compared
    with both together (the VMs these run on have changed speed by up to 3x within minutes),
    then on SQLite the text index and the metadata index of them behind (`text_index.drain`,
    `metadata_queue.drain`);
    the bare `INSERT INTO spans` executemany of the same rows, one transaction per 50 (no text
    index, no metadata index); on SQLite, the FTS5 inserts of their documents alone, one
    transaction per 50 (what indexing with the writes cost).
(g) SDK BATCH: (b)'s spans through `POST /v1/traces` in bodies of SDK_BATCH (512), the
    OpenTelemetry SDKs' export batch (an instrumented application's exporter sends that many
    once spans come faster than its schedule), the same clients, on a fresh server.
(e) SUSTAINED ingest: BENCH_SPANS_SUSTAINED spans (default 150,000) as in (a), on a fresh
    server. Past the indexes' backlog bound (PACING of yardstick.span.text_index and of
    yardstick.span.metadata_queue) they keep pace during the ingest instead of waiting for a
    quiet moment: their cost is in this rate.
(d) Search: BENCH_SPANS spans (default 1,000,000) go into another fresh database through
    `write_run_spans` in transactions of FILL_CHUNK, indexed by the server behind (so the FTS5
    text index and the metadata index are the app's own), then `POST /v5/spans/search` first
    pages (default limit 100), WARMUP untimed and SEARCHES different ones of each kind, each timed on the client →
    p50/p95: by `trace_ids`, by `extra_metadata` {session_id} (20 spans), by a rare text
    (1 span), by a 1 % text.
    Every answer is checked against the ids the generator implies, in order; the benchmark
    raises when one is wrong.
"""

import hashlib
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx
import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from sqlalchemy import Connection, Engine, text

from bench.backend import Backend
from bench.machine import OtherLoad, own_seconds
from bench.registry import benchmark
from bench.report import percentile, table
from bench.server import ACCOUNT, Server
from yardstick.db.engine import WRITE_OPTION, create_db_engine
from yardstick.span import metadata_queue, text_index
from yardstick.span.driver import mark, timestamp_param
from yardstick.span.records import SpanWrite
from yardstick.span.repository import _rows, _write_sql
from yardstick.span.run_trace_queue import write_run_spans
from yardstick.span.search_text import document_text
from yardstick.span.stored import prepare

SPANS = int(os.environ.get("BENCH_SPANS", "1000000"))
INGEST = int(os.environ.get("BENCH_SPANS_INGEST", "40000"))  # spans per ingest path
# Spans of (e): well past the indexes' backlog bound, so they index during the ingest.
SUSTAINED = int(os.environ.get("BENCH_SPANS_SUSTAINED", "150000"))
BATCH = 50
# The OpenTelemetry SDKs' export batch (OTEL_BSP_MAX_EXPORT_BATCH_SIZE's default): what an
# instrumented application sends once spans come faster than its export schedule, as in (g).
SDK_BATCH = 512
CLIENTS = 4
MANY_CLIENTS = 8
PROCESSES = 2  # (h)
FILL_CHUNK = 5_000
SEARCHES = 30
WARMUP = 3
PAGE = 100  # the search's default limit
TRACE = 10  # spans a trace
SESSION = 20  # spans a session_id value
WORDS = 100  # the 1 % words

TARGET_SPANS_PER_S = 10_000
TARGET_SEARCH_P50_MS = 20.0

BASE = datetime(2026, 11, 1, tzinfo=UTC)
_TEXT = (
    "summarize the quarterly report and list the three largest risks the board raised about "
    "supplier delays customer churn pricing pressure and the migration of the billing system"
)
VOCABULARY = _TEXT.split()


# --- the spans --------------------------------------------------------------------------------


def _uuid4_shaped(name: str) -> str:
    """A UUID version 4 as the tracing library makes its ids (`uuid.uuid4()`), but the same in
    every run: random-looking, so each one lands at its own place in the id indexes. Ids that
    count up (this benchmark's before 2026-12-05 17:40) are each written beside the last: in
    process that write cost ~62 µs a span against ~96 for these."""
    return str(uuid.UUID(bytes=hashlib.md5(name.encode()).digest(), version=4))


def span_id(i: int) -> str:
    return _uuid4_shaped(f"span {i}")


def trace_id(i: int) -> str:
    return _uuid4_shaped(f"trace {i // TRACE}")


def rare_word(i: int) -> str:
    return f"ord-{i:07d}-x"  # fixed width: no span's word is a substring of another's


def common_word(k: int) -> str:
    return f"zk{k:02d}w"


def session(i: int) -> str:
    return f"s{i // SESSION}"


def _sentence(i: int, words: int) -> str:
    return " ".join(VOCABULARY[(i * 7 + j * 3) % len(VOCABULARY)] for j in range(words))


def fields(i: int) -> dict[str, Any]:
    """Span i's fields (as SpanWrite takes them)."""
    start = BASE + timedelta(milliseconds=i)
    root = i - i % TRACE
    return {
        "id": span_id(i),
        "trace_id": trace_id(i),
        "parent_id": None if i == root else span_id(root),
        "name": ("agent.run", "llm.completion", "retrieval", "tool.call")[
            0 if i == root else i % 3 + 1
        ],
        "start_timestamp": start,
        "end_timestamp": start + timedelta(microseconds=800),
        "input": {
            "messages": [
                {"role": "system", "content": "You are a careful analyst."},
                {
                    "role": "user",
                    "content": f"{_sentence(i, 22)} ticket {rare_word(i)} tag "
                    f"{common_word(i % WORDS)}",
                },
            ]
        },
        "output": {
            "content": _sentence(i + 1, 30),
            "finish_reason": "stop",
            "usage": {"prompt_tokens": 40 + i % 50, "completion_tokens": 60 + i % 70},
        },
        "metadata": {
            "env": ("prod", "staging")[i % 2],
            "model": ("gpt-4o-mini", "claude-sonnet")[i % 2],
            "session_id": session(i),
        },
        "type": "CUSTOM",
    }


def writes(start: int, count: int) -> list[SpanWrite]:
    return [SpanWrite(**fields(i)) for i in range(start, start + count)]


def sgp_bodies(count: int) -> list[bytes]:
    """PUT /v5/spans/batch bodies of BATCH spans each, timestamps as ISO text."""
    items = []
    for i in range(count):
        item = fields(i)
        item["start_timestamp"] = item["start_timestamp"].isoformat()
        item["end_timestamp"] = item["end_timestamp"].isoformat()
        items.append(item)
    return [orjson.dumps({"items": items[s : s + BATCH]}) for s in range(0, count, BATCH)]


def _attribute(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def otlp_bodies(count: int, batch: int = BATCH) -> list[bytes]:
    """POST /v1/traces protobuf bodies of `batch` spans each (one resource, one scope)."""
    bodies = []
    for s in range(0, count, batch):
        request = ExportTraceServiceRequest()
        resource_spans = request.resource_spans.add()
        resource_spans.resource.attributes.append(_attribute("service.name", "bench"))
        scope_spans = resource_spans.scope_spans.add()
        scope_spans.scope.name = "bench.spans"
        for i in range(s, min(s + batch, count)):
            f = fields(i)
            root = i - i % TRACE
            start_ns = int(BASE.timestamp()) * 10**9 + i * 10**6  # BASE + i ms, as in (a)
            scope_spans.spans.append(
                Span(
                    trace_id=(i // TRACE + 1).to_bytes(16, "big"),
                    span_id=(i + 1).to_bytes(8, "big"),
                    parent_span_id=b"" if i == root else (root + 1).to_bytes(8, "big"),
                    name=f["name"],
                    kind=Span.SPAN_KIND_INTERNAL,
                    start_time_unix_nano=start_ns,
                    end_time_unix_nano=start_ns + 800_000,
                    attributes=[
                        _attribute("input.value", orjson.dumps(f["input"]).decode()),
                        _attribute("output.value", orjson.dumps(f["output"]).decode()),
                        *(_attribute(key, value) for key, value in f["metadata"].items()),
                    ],
                )
            )
        bodies.append(request.SerializeToString())
    return bodies


# --- ingest -----------------------------------------------------------------------------------


class Ingest(NamedTuple):
    seconds: float
    request_ms: list[float]
    server_cpu: float


def ingest(
    server: Server,
    method: str,
    path: str,
    bodies: list[bytes],
    ctype: str,
    clients: int = CLIENTS,
    also: Sequence[Server] = (),
) -> Ingest:
    """Send every body from `clients` threads (body k by thread k % clients), thread k to
    server k % n of `server` and `also`; raises on an error. The CPU counted is that of each
    server's process tree (`Server.cpu_seconds`)."""
    headers = {**server.headers, "content-type": ctype}
    servers = [server, *also]
    request_ms: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []

    def cpu() -> float:
        return sum(each.cpu_seconds() for each in servers)

    def client(k: int) -> None:
        base_url = servers[k % len(servers)].base_url
        with httpx.Client(base_url=base_url, headers=headers, timeout=120) as http:
            for body in bodies[k::clients]:
                t0 = time.perf_counter()
                response = http.request(method, path, content=body)
                request_ms[k].append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code} {response.text[:500]}")
                    return

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    cpu_before, started = cpu(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(errors[0])
    return Ingest(seconds, [ms for per in request_ms for ms in per], cpu() - cpu_before)


def all_listening(server: Server, processes: int, timeout: float = 60) -> None:
    """Until each of a `serve --processes` server's processes has said it is up: the first is
    when `Server` returns, the others start then and take seconds to import."""
    deadline = time.monotonic() + timeout
    while server.log_path.read_text().count("Application startup complete") < processes:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{processes} API processes did not all start")
        time.sleep(0.1)


def queued(engine: Engine) -> int:
    """Spans waiting for SQLite's text index or metadata index (PostgreSQL's follow their
    tables: none)."""
    if engine.dialect.name != "sqlite":
        return 0
    with engine.connect() as conn:
        return sum(
            int(conn.execute(text(f"SELECT count(*) FROM {queue}")).scalar_one())
            for queue in ("span_text_queue", "span_metadata_queue")
        )


def caught_up(engine: Engine) -> float:
    """Seconds until the server's indexes have indexed every queued span."""
    started = time.perf_counter()
    while queued(engine):
        time.sleep(0.05)
    return time.perf_counter() - started


class Behind(NamedTuple):
    seconds: float
    server_cpu: float


def behind(server: Server, engine: Engine) -> Behind:
    """How long after an ingest's last request the indexes had indexed it all, and the
    server's CPU for that."""
    cpu = server.cpu_seconds()
    seconds = caught_up(engine)
    return Behind(seconds, server.cpu_seconds() - cpu)


def drain_all(engine: Engine, drain: Callable[[Connection], int], batch: int) -> float:
    """Seconds for `drain` (an index's) to empty its queue, `batch` a transaction."""
    started = time.perf_counter()
    while True:
        with writing(engine).begin() as conn:
            if drain(conn) < batch:
                return time.perf_counter() - started


def count_spans(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM spans")).scalar_one())


def fresh(backend: Backend, label: str) -> Engine:
    """A fresh database migrated, with the bench account, by a server started and stopped."""
    database = backend.new_database(label)
    with Server(database, backend.tmp):
        pass
    return create_db_engine(database)


def writing(engine: Engine) -> Engine:
    """The engine as the server's write sessions use it: on SQLite every transaction starts
    with BEGIN IMMEDIATE, so a write waits for the server's own writers instead of failing."""
    return engine.execution_options(**{WRITE_OPTION: True})


def bare_write(engine: Engine, spans: Sequence[SpanWrite], chunk: int) -> float:
    """Seconds for `write_run_spans` of `spans`, one transaction per `chunk`."""
    started = time.perf_counter()
    for s in range(0, len(spans), chunk):
        with writing(engine).begin() as conn:
            write_run_spans(conn, ACCOUNT, spans[s : s + chunk])
    return time.perf_counter() - started


def raw_insert(engine: Engine, spans: Sequence[SpanWrite]) -> tuple[float, float | None]:
    """Seconds for the bare `INSERT INTO spans` executemany of the prepared rows, BATCH a
    transaction (the table and its own indexes only); then, on SQLite, for the FTS5 inserts
    of their documents alone, BATCH a transaction (what the text index adds)."""
    prepared = [prepare(span, account_id=ACCOUNT, user_id="bench") for span in spans]
    with writing(engine).connect() as conn:
        at = timestamp_param(conn)
        starts = [at(p.span.start_timestamp) for p in prepared]
        rows = _rows(prepared, starts, datetime.now(UTC), conn)
        sql = _write_sql(mark(conn), False)
        conn.rollback()
        started = time.perf_counter()
        for s in range(0, len(rows), BATCH):
            with conn.begin():
                conn.exec_driver_sql(sql, rows[s : s + BATCH])
        insert_s = time.perf_counter() - started
        if conn.dialect.name != "sqlite":
            return insert_s, None
        seqs = dict(conn.exec_driver_sql("SELECT id, seq FROM spans").all())
        conn.rollback()
        documents = [
            (
                seqs[p.span.id],
                document_text(p.span.name, p.span.input, p.span.output, p.span.metadata),
            )
            for p in prepared
        ]
        started = time.perf_counter()
        for s in range(0, len(documents), BATCH):
            with conn.begin():
                conn.exec_driver_sql(
                    "INSERT INTO spans_fts (rowid, document) VALUES (?, ?)",
                    documents[s : s + BATCH],
                )
        return insert_s, time.perf_counter() - started


# --- search -----------------------------------------------------------------------------------


def fill(engine: Engine, kind: str) -> float:
    """SPANS spans through the app's write path in big transactions; seconds."""
    started = time.perf_counter()
    for s in range(0, SPANS, FILL_CHUNK):
        with writing(engine).begin() as conn:
            write_run_spans(conn, ACCOUNT, writes(s, min(FILL_CHUNK, SPANS - s)))
    if kind == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))  # what autovacuum does soon after a bulk load
    return time.perf_counter() - started


def newest(indexes: Sequence[int]) -> list[str]:
    """The first page's ids of these spans: newest first (start = BASE + i ms)."""
    return [span_id(i) for i in sorted(indexes, reverse=True)[:PAGE]]


class Kind(NamedTuple):
    label: str
    targets: int  # how many different searches of this kind there are
    body: Callable[[int], dict[str, Any]]  # the body of search t < targets
    expected: Callable[[int], list[str]]  # its first page's ids, in order


def kinds() -> list[Kind]:
    return [
        Kind(
            f"trace_ids ({TRACE} spans)",
            SPANS // TRACE,
            lambda t: {"trace_ids": [trace_id(t * TRACE)]},
            lambda t: newest(range(t * TRACE, (t + 1) * TRACE)),
        ),
        Kind(
            f"extra_metadata session_id ({SESSION} spans)",
            SPANS // SESSION,
            lambda t: {"extra_metadata": {"session_id": session(t * SESSION)}},
            lambda t: newest(range(t * SESSION, (t + 1) * SESSION)),
        ),
        Kind(
            "search_texts rare term (1 span)",
            SPANS,
            lambda t: {"search_texts": [rare_word(t)]},
            lambda t: [span_id(t)],
        ),
        Kind(
            f"search_texts 1 % term ({SPANS // WORDS:,} spans)",
            WORDS,
            lambda t: {"search_texts": [common_word(t)]},
            lambda t: newest(range(t, SPANS, WORDS)),
        ),
    ]


def searches(http: httpx.Client, kind: Kind) -> list[float]:
    """WARMUP untimed then SEARCHES timed first pages; every answer checked."""
    ms = []
    for k in range(WARMUP + SEARCHES):
        # Targets spread over the whole table, so no search is answered from a warm corner.
        t = (k * 7919 + 13) % kind.targets
        body = orjson.dumps(kind.body(t))
        t0 = time.perf_counter()
        response = http.post("/v5/spans/search", content=body)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"search {kind.label}: {response.status_code} {response.text[:500]}")
        got = [item["id"] for item in orjson.loads(response.content)["items"]]
        if got != kind.expected(t):
            raise RuntimeError(f"wrong answer to {kind.body(t)}: {got[:5]}… ({len(got)} ids)")
        if k >= WARMUP:
            ms.append(elapsed)
    return ms


# --- the benchmark ----------------------------------------------------------------------------


@benchmark("spans")
def run(backend: Backend) -> None:
    other = OtherLoad()
    sgp, otlp = sgp_bodies(INGEST), otlp_bodies(INGEST)
    spans = writes(0, INGEST)
    bare_before, bare_after = fresh(backend, "bare-before"), fresh(backend, "bare-after")
    database = backend.new_database("ingest")
    with Server(database, backend.tmp) as server:
        print(f"server pid {server.pid} on {backend.kind}, log {server.log_path}", flush=True)
        engine = create_db_engine(database)
        # The machine's own write path right before (a) and right after (b): see (c).
        with other.measure(server.cpu_seconds):
            bare_s = [bare_write(bare_before, spans, BATCH)]
        client_cpu = own_seconds()
        with other.measure(server.cpu_seconds):
            put = ingest(server, "PUT", "/v5/spans/batch", sgp, "application/json")
        put_client = own_seconds() - client_cpu
        put_behind = behind(server, engine)
        with other.measure(server.cpu_seconds):
            traces = ingest(server, "POST", "/v1/traces", otlp, "application/x-protobuf")
        traces_behind = behind(server, engine)
        with other.measure(server.cpu_seconds):
            bare_s.append(bare_write(bare_after, spans, BATCH))
    stored = count_spans(engine)
    engine.dispose()
    if stored != 2 * INGEST:
        raise RuntimeError(f"{stored:,} spans stored after ingest, expected {2 * INGEST:,}")

    here_put = here_otlp = None
    if backend.kind == "sqlite":
        database = backend.new_database("in-process")
        env = {"YARDSTICK_SPAN_WRITE_PROCESS": "false"}
        with Server(database, backend.tmp / "in-process", env=env) as server:
            engine = create_db_engine(database)
            with other.measure(server.cpu_seconds):
                here_put = ingest(server, "PUT", "/v5/spans/batch", sgp, "application/json")
            caught_up(engine)  # as between (a) and (b)
            with other.measure(server.cpu_seconds):
                here_otlp = ingest(server, "POST", "/v1/traces", otlp, "application/x-protobuf")
            caught_up(engine)
        stored = count_spans(engine)
        engine.dispose()
        if stored != 2 * INGEST:
            raise RuntimeError(f"{stored:,} spans stored in process, expected {2 * INGEST:,}")

    database = backend.new_database("two")
    with Server(database, backend.tmp) as first:
        # Every process on one database shares its master key (the README's Configuration).
        secret = (backend.tmp / "data" / "secret.key").read_text().strip()
        second = Server(
            database,
            backend.tmp / "second",
            env={"YARDSTICK_SECRET_KEY": secret},
            args=["--no-worker"],
        )
        # One account and key: the key a server starts with is the one its account keeps.
        second.api_key, second.headers = first.api_key, first.headers
        with second:
            engine = create_db_engine(database)
            with other.measure(lambda: first.cpu_seconds() + second.cpu_seconds()):
                two = ingest(
                    first,
                    "POST",
                    "/v1/traces",
                    otlp,
                    "application/x-protobuf",
                    MANY_CLIENTS,
                    [second],
                )
            caught_up(engine)
    stored = count_spans(engine)
    engine.dispose()
    if stored != INGEST:
        raise RuntimeError(f"{stored:,} spans stored by two servers, expected {INGEST:,}")

    database, bodies = backend.new_database("sdk-batch"), otlp_bodies(INGEST, SDK_BATCH)
    with Server(database, backend.tmp) as server, other.measure(server.cpu_seconds):
        sdk = ingest(server, "POST", "/v1/traces", bodies, "application/x-protobuf")

    database = backend.new_database("processes")
    # A directory of its own: all_listening reads this server's log alone.
    work_dir = backend.tmp / "processes"
    with Server(database, work_dir, args=["--processes", str(PROCESSES)]) as server:
        all_listening(server, PROCESSES)
        engine = create_db_engine(database)
        with other.measure(server.cpu_seconds):
            many_put = ingest(
                server, "PUT", "/v5/spans/batch", sgp, "application/json", MANY_CLIENTS
            )
        caught_up(engine)  # as between (a) and (b)
        with other.measure(server.cpu_seconds):
            many_otlp = ingest(
                server, "POST", "/v1/traces", otlp, "application/x-protobuf", MANY_CLIENTS
            )
        caught_up(engine)
    stored = count_spans(engine)
    engine.dispose()
    if stored != 2 * INGEST:
        raise RuntimeError(f"{stored:,} spans stored through {PROCESSES} processes")

    database, bodies = backend.new_database("sustained"), sgp_bodies(SUSTAINED)
    with Server(database, backend.tmp) as server, other.measure(server.cpu_seconds):
        sustained = ingest(server, "PUT", "/v5/spans/batch", bodies, "application/json")
    del bodies

    raw_engine = fresh(backend, "raw")
    try:
        with other.measure():
            started = time.perf_counter()
            for span in spans:
                prepare(span, account_id=ACCOUNT, user_id="bench")
            prepare_s = time.perf_counter() - started
            sqlite = backend.kind == "sqlite"
            drain_s = (
                drain_all(bare_after, text_index.drain, text_index.DRAIN_BATCH) if sqlite else None
            )
            metadata_s = (
                drain_all(bare_after, metadata_queue.drain, metadata_queue.DRAIN_BATCH)
                if sqlite
                else None
            )
            raw_s, fts_s = raw_insert(raw_engine, spans)
    finally:
        for each in (bare_before, bare_after, raw_engine):
            each.dispose()

    database = backend.new_database("search")
    with Server(database, backend.tmp) as server:
        engine = create_db_engine(database)
        try:
            with other.measure():
                fill_s = fill(engine, backend.kind)
                fill_s += caught_up(engine)
            if count_spans(engine) != SPANS:
                raise RuntimeError("the fill stored the wrong number of spans")
        finally:
            engine.dispose()
        print(f"set-up: {SPANS:,} spans written in {fill_s:.1f} s", flush=True)
        headers = {**server.headers, "content-type": "application/json"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as http:
            cpu = server.cpu_seconds()
            with other.measure(server.cpu_seconds):
                search_ms = {kind.label: searches(http, kind) for kind in kinds()}
            search_cpu = (server.cpu_seconds() - cpu) / (len(search_ms) * (WARMUP + SEARCHES))

    targets = backend.kind == "sqlite"

    def verdict(ok: bool) -> str:
        return ("yes" if ok else "NO") if targets else "n/a"

    def rate(count: int, seconds: float) -> str:
        return f"{count / seconds:,.0f}"

    def p50_p95(ms: list[float]) -> str:
        return f"{percentile(ms, 50):.1f} / {percentile(ms, 95):.1f}"

    def target_row(label: str, per_s: float) -> tuple[str, ...]:
        """A spans/s figure beside the ingest target."""
        ok = verdict(per_s >= TARGET_SPANS_PER_S)
        return (label, f"{per_s:,.0f}", f">= {TARGET_SPANS_PER_S:,}", ok)

    rows: list[tuple[str, ...]] = []
    paths = (
        ("(a) PUT /v5/spans/batch", put, put_behind),
        ("(b) POST /v1/traces", traces, traces_behind),
    )
    write_path = 2 * INGEST / sum(bare_s)  # (c) on both sides of (a) and (b), together
    for label, result, index in paths:
        per_s = INGEST / result.seconds
        rows += [
            target_row(f"{label}, spans/s", per_s),
            (f"{label} / (c) write_run_spans around it", f"{per_s / write_path:.0%}"),
            (f"{label}: request p50 / p95 ms", p50_p95(result.request_ms), "", ""),
            (f"{label}: server CPU per 1,000 spans, ms", f"{result.server_cpu * 1e6 / INGEST:.0f}"),
            (f"{label}: indexes caught up, s after the last request", f"{index.seconds:.1f}"),
            (
                f"{label}: server CPU for them per 1,000 spans, ms",
                f"{index.server_cpu * 1e6 / INGEST:.0f}",
            ),
        ]
    for label, here in (
        ("(i) PUT /v5/spans/batch, writes in the server's process", here_put),
        ("(i) POST /v1/traces, writes in the server's process", here_otlp),
    ):
        if here is not None:
            rows.append(
                (
                    f"{label}: spans/s; CPU per 1,000, ms",
                    f"{INGEST / here.seconds:,.0f}; {here.server_cpu * 1e6 / INGEST:.0f}",
                )
            )
    two_label = f"(f) POST /v1/traces, two servers on one database, {MANY_CLIENTS} clients"
    rows.append(
        (
            f"{two_label}: spans/s; CPU per 1,000, ms",
            f"{INGEST / two.seconds:,.0f}; {two.server_cpu * 1e6 / INGEST:.0f}",
        )
    )
    for label, result in (
        (
            f"(h) PUT /v5/spans/batch, serve --processes {PROCESSES}, {MANY_CLIENTS} clients",
            many_put,
        ),
        (f"(h) POST /v1/traces, serve --processes {PROCESSES}, {MANY_CLIENTS} clients", many_otlp),
    ):
        rows += [
            target_row(f"{label}, spans/s", INGEST / result.seconds),
            (f"{label}: request p50 / p95 ms", p50_p95(result.request_ms), "", ""),
            (f"{label}: CPU per 1,000 spans, ms", f"{result.server_cpu * 1e6 / INGEST:.0f}"),
        ]
    rows += [
        target_row(
            f"(g) POST /v1/traces, {SDK_BATCH} a request (the OpenTelemetry SDKs' batch), spans/s",
            INGEST / sdk.seconds,
        ),
        ("(g) request p50 / p95 ms", p50_p95(sdk.request_ms), "", ""),
        ("(g) server CPU per 1,000 spans, ms", f"{sdk.server_cpu * 1e6 / INGEST:.0f}"),
    ]
    fts = "n/a" if fts_s is None else rate(INGEST, fts_s)
    drain = "n/a" if drain_s is None else rate(INGEST, drain_s)
    metadata_drain = "n/a" if metadata_s is None else rate(INGEST, metadata_s)
    batch = text_index.DRAIN_BATCH
    rows += [
        (
            f"(e) sustained: PUT /v5/spans/batch, {SUSTAINED:,} spans, spans/s",
            rate(SUSTAINED, sustained.seconds),
        ),
        (
            "(e) sustained: server CPU per 1,000 spans, ms",
            f"{sustained.server_cpu * 1e6 / SUSTAINED:.0f}",
        ),
        ("(a) client CPU per 1,000 spans, ms", f"{put_client * 1e6 / INGEST:.0f}"),
        ("(c) prepare alone (JSON, redaction, token counts), spans/s", rate(INGEST, prepare_s)),
        (
            f"(c) write_run_spans, {BATCH} a transaction, spans/s: before (a) / after (b)",
            f"{rate(INGEST, bare_s[0])} / {rate(INGEST, bare_s[1])}",
        ),
        (f"(c) text index of them behind, {batch:,} a transaction, spans/s", drain),
        (
            (
                f"(c) metadata index of them behind, {metadata_queue.DRAIN_BATCH:,} a "
                "transaction, spans/s"
            ),
            metadata_drain,
        ),
        (f"(c) bare INSERT INTO spans, {BATCH} a transaction, spans/s", rate(INGEST, raw_s)),
        (f"(c) FTS5 insert of the same documents alone, {BATCH} a transaction, spans/s", fts),
        (
            f"(d) fill: write_run_spans, {FILL_CHUNK:,} a transaction, and indexed, spans/s",
            rate(SPANS, fill_s),
        ),
    ]
    for label, ms in search_ms.items():
        ok = verdict(percentile(ms, 50) <= TARGET_SEARCH_P50_MS)
        target = f"p50 <= {TARGET_SEARCH_P50_MS:g}"
        rows.append((f"(d) search {label}: p50 / p95 ms", p50_p95(ms), target, ok))
    rows.append(("(d) server CPU per search, ms", f"{search_cpu * 1000:.1f}"))
    mean_ms = statistics.mean(put.request_ms)
    print(
        f"ingest: {INGEST:,} spans a path, {BATCH} a request, {CLIENTS} client threads "
        f"(mean request {mean_ms:.0f} ms); search over {SPANS:,} spans, {SEARCHES} first pages "
        f"of {PAGE} a kind, all answers checked; database: {backend.kind}"
    )
    rows = [(*row, "", "")[:4] for row in rows]  # figures without a target
    print(table(("figure", "value", "target" + ("" if targets else " (SQLite only)"), "met"), rows))
    note = " (PostgreSQL's own processes among them)" if backend.kind == "postgresql" else ""
    print(
        f"other processes{note} kept {other.cores:.2f} of {os.cpu_count()} CPUs busy during the "
        "timed phases"
    )
