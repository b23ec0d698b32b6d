"""SQLite's FTS5 index of span text (`spans_fts`), filled behind the writes, and what a text
search asks of it. PostgreSQL's GIN index follows its table by itself and needs none of this.

What is indexed: the document (yardstick.span.search_text) of every *completed* span, under the
span's row (`seq`), as trigrams. A write does not index: it puts the rows whose document is new
in the queue `span_text_queue`, and `drain` (the worker's `text_index_loop`) indexes them later,
thousands to a transaction. Indexing with the write cost ~150 µs a span (and most of the
commit's page writes) against ~60 µs for the span's own row: it was the largest part of a write.

The drain waits while this process is writing spans: until none has been queued here for
QUIET_SECONDS, unless more than MAX_BACKLOG rows queued here are waiting. An ingest burst or a
traced run then writes without the drain competing for SQLite's one write lock and the GIL, and
the index catches up in the next quiet second (`./dev bench spans`, 20,000 spans a path: 7,037
and 6,042 spans/s through the SGP and OTLP routes with the drain beside the writes, 8,580 and
8,270 with it waiting; it then needed 2.2 s instead of 0.8 after the last request). Past
MAX_BACKLOG it indexes a batch whenever the queue grows past it again, keeping pace.

A search stays exact meanwhile: its candidates are the index's matches, the queued rows and the
account's in-progress spans (which are never indexed: the tracing library writes each span at
its start and again at its end), and `LIKE` over the document decides every match. So a span
is found by its text from the moment it is committed, whether or not it is indexed yet.

An entry left behind (a span deleted by hand) can cost a candidate, never a wrong answer; an
entry missing would lose a match, and cannot happen: a row leaves the queue only in the
transaction that indexes it. A contentless FTS5 table deletes an entry by the document it
indexed, so a write that changes an indexed span's document removes the old entry itself
(it still has it); a span still in the queue has no entry to remove.

The application writes the index, not triggers: a trigger runs one FTS5 insert per row, which
measured ~2.5 times the cost of the same rows in one executemany.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import CompoundSelect, Connection, literal_column, select, table, union_all

from yardstick.db.session import SessionFactory
from yardstick.models import Span
from yardstick.span.driver import CHUNK, mark, select_in
from yardstick.span.search_text import document_text
from yardstick.span.stored import StoredSpan

log = logging.getLogger(__name__)
_FTS = table("spans_fts", literal_column("rowid"))
_QUEUE = table("span_text_queue", literal_column("seq"))
# Rows indexed per transaction: big enough that FTS5 writes few segments, small enough that
# the write lock is held for tens of milliseconds.
DRAIN_BATCH = 2000
# How soon the loop sees this process's own queued spans (a flag, no query), how often it looks
# at the queue for other processes' (one indexed read: ten a minute were a tenth of an idle
# server's CPU), and the pause between two batches of a backlog, so other writers get the
# database in between.
CHECK_SECONDS = 1.0
IDLE_SECONDS = 10.0
PAUSE_SECONDS = 0.01
# How long after this process last queued spans the drain starts, and the most rows queued here
# it lets wait meanwhile: a text search reads every queued row's text (LIKE), so this bounds what
# a search costs during a burst.
QUIET_SECONDS = 0.5
MAX_BACKLOG = 50_000
# Set when a write of this process queues spans: the loop drains at its next check.
_queued_here = threading.Event()


class _Queueing:
    """This process's spans waiting for the index, as its writes tell the loop: when one last
    queued rows, and about how many rows are waiting (writes here add, the drain takes away;
    another process's rows, which the drain also takes, make it an estimate)."""

    def __init__(self) -> None:
        self.last = 0.0
        self.backlog = 0

    def queued(self, rows: int) -> None:
        self.last = time.monotonic()
        self.backlog += rows

    def drained(self, rows: int) -> None:
        self.backlog = max(0, self.backlog - rows)

    def writing(self) -> bool:
        """Spans are being written here, and not so many wait that the drain must go on."""
        return time.monotonic() - self.last < QUIET_SECONDS and self.backlog < MAX_BACKLOG


_queueing = _Queueing()


@dataclass(frozen=True, slots=True)
class Indexed:
    """What the index holds of a stored span: its row, and its document if one is indexed."""

    seq: int
    document: str | None


def indexed(connection: Connection, account_id: str, ids: Collection[str]) -> dict[str, Indexed]:
    """What the index holds of the stored spans among `ids` (read before they are replaced).
    Only an indexed span's text is read: a queued or in-progress one has no entry."""
    in_index = (
        "end_timestamp IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM span_text_queue q WHERE q.seq = spans.seq)"
    )
    text = ", ".join(
        f"CASE WHEN {in_index} THEN {column} END"
        for column in ("name", "input", "output", "metadata")
    )
    rows = select_in(
        connection,
        f"SELECT id, seq, {text} FROM spans WHERE account_id = {{m}} AND id IN",
        account_id,
        ids,
    )
    out: dict[str, Indexed] = {}
    for span_id, seq, name, input_, output, metadata in rows:
        document = None if name is None else document_text(name, input_, output, metadata)
        out[span_id] = Indexed(seq, document)
    return out


def update(
    connection: Connection,
    spans: Sequence[StoredSpan],
    before: dict[str, Indexed],
    seqs: dict[str, int],
) -> None:
    """Queue the rows of `spans` (just written) whose document the index lacks; `before` is
    `indexed` of them, and `seqs` their rows. An indexed document that changed is removed."""
    removed: list[tuple[int, str]] = []
    queued: list[tuple[int]] = []
    for span in spans:
        old = before.get(span.id)
        if old is not None and old.document is not None:
            if span.completed and old.document == document_text(
                span.name, span.input, span.output, span.metadata
            ):
                continue
            removed.append((old.seq, old.document))
        if span.completed:
            queued.append((seqs[span.id],))
    remove(connection, removed)
    if queued:
        connection.exec_driver_sql("INSERT OR IGNORE INTO span_text_queue (seq) VALUES (?)", queued)
        # Set before the commit: a look that races it finds nothing, and these spans wait for
        # the next IDLE_SECONDS look (a search finds them meanwhile, from the queue).
        _queueing.queued(len(queued))
        _queued_here.set()


def remove(connection: Connection, documents: Sequence[tuple[int, str]]) -> None:
    """Take (row, document) entries out of the index. A contentless FTS5 table deletes by the
    document it indexed, so the caller must give it exactly."""
    if documents:
        connection.exec_driver_sql(
            "INSERT INTO spans_fts (spans_fts, rowid, document) VALUES ('delete', ?, ?)",
            list(documents),
        )


def forget(connection: Connection, seqs: Sequence[int]) -> None:
    """Take rows about to be deleted out of the index: their entries, or their places in the
    queue."""
    placeholder = mark(connection)
    for start in range(0, len(seqs), CHUNK):
        chunk = seqs[start : start + CHUNK]
        marks = ", ".join([placeholder] * len(chunk))
        rows = connection.exec_driver_sql(
            "SELECT seq, name, input, output, metadata FROM spans WHERE end_timestamp IS NOT NULL "
            f"AND seq IN ({marks}) AND seq NOT IN (SELECT seq FROM span_text_queue)",
            tuple(chunk),
        ).all()
        remove(connection, [(row[0], document_text(*row[1:])) for row in rows])
        connection.exec_driver_sql(
            f"DELETE FROM span_text_queue WHERE seq IN ({marks})", tuple(chunk)
        )


def drain(connection: Connection, limit: int = DRAIN_BATCH) -> int:
    """Index up to `limit` queued rows, oldest first, and take them out of the queue; how many
    were taken. A queued row whose span is gone, or not completed, is only taken out."""
    rows = connection.exec_driver_sql(
        "SELECT q.seq, s.end_timestamp IS NOT NULL, s.name, s.input, s.output, s.metadata "
        "FROM span_text_queue q LEFT JOIN spans s ON s.seq = q.seq ORDER BY q.seq LIMIT ?",
        (limit,),
    ).all()
    if not rows:
        return 0
    documents = [(row[0], document_text(*row[2:])) for row in rows if row[1]]
    if documents:
        connection.exec_driver_sql(
            "INSERT INTO spans_fts (rowid, document) VALUES (?, ?)", documents
        )
    connection.exec_driver_sql("DELETE FROM span_text_queue WHERE seq <= ?", (rows[-1][0],))
    return len(rows)


def _drain_once(sessions: SessionFactory) -> int:
    with sessions.write() as session, session.begin():
        return drain(session.connection(), DRAIN_BATCH)


def _queued(sessions: SessionFactory) -> bool:
    with sessions.read() as session:
        return (
            session.connection().exec_driver_sql("SELECT 1 FROM span_text_queue LIMIT 1").first()
            is not None
        )


async def text_index_loop(sessions: SessionFactory) -> None:
    """Index the queue as it fills (SQLite only): a batch at a time while there is a backlog;
    otherwise within CHECK_SECONDS of the writes here going quiet (see the module's docstring),
    and a look every IDLE_SECONDS for other processes' writes."""
    if sessions.engine.dialect.name != "sqlite":
        return
    looked = 0.0
    while True:
        if not _queueing.writing() and (
            _queued_here.is_set() or time.monotonic() - looked >= IDLE_SECONDS
        ):
            _queued_here.clear()
            looked = time.monotonic()
            try:
                if await asyncio.to_thread(_queued, sessions):
                    await _drain_backlog(sessions)
            except Exception:  # a database hiccup must not end the indexing for good
                log.exception("span text indexing failed; retrying")
        await asyncio.sleep(CHECK_SECONDS)


async def _drain_backlog(sessions: SessionFactory) -> None:
    """Batches until the queue is empty, or until it is back under MAX_BACKLOG while writes
    here go on; then the loop comes back once they are quiet."""
    while True:
        taken = await asyncio.to_thread(_drain_once, sessions)
        _queueing.drained(taken)
        if taken < DRAIN_BATCH:
            return
        if _queueing.writing():
            # Rows are left: the next quiet check drains them, even if no write follows.
            _queued_here.set()
            return
        await asyncio.sleep(PAUSE_SECONDS)


def query(texts: tuple[str, ...]) -> str | None:
    """An FTS5 query for the spans holding every trigram needed to contain all `texts`, or
    None when no term is long enough to have one. Trigrams every 3 characters (and the last
    one) cover a term: enough to narrow, with a third of the lookups."""
    grams: list[str] = []
    for text in texts:
        if len(text) < 3:
            continue
        starts = sorted({*range(0, len(text) - 2, 3), len(text) - 3})
        grams += [text[start : start + 3] for start in starts]
    if not grams:
        return None
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in dict.fromkeys(grams))


def candidates(account_id: str, fts_query: str) -> CompoundSelect[tuple[int]]:
    """The rows (`spans.seq`) that may hold the terms: the index's matches, the queued rows
    and every in-progress span of the account."""
    matches = select(_FTS.c.rowid).where(literal_column("spans_fts").op("MATCH")(fts_query))
    queued = select(_QUEUE.c.seq)
    in_progress = select(Span.seq).where(
        Span.account_id == account_id, Span.end_timestamp.is_(None)
    )
    return union_all(matches, queued, in_progress)
