"""SQLite's FTS5 index of span text (`spans_fts`), filled behind the writes, and what a text
search asks of it. PostgreSQL's GIN index follows its table by itself and needs none of this.

What is indexed: the document (yardstick.span.search_text) of every *completed* span, under the
span's row (`seq`), as trigrams. A write does not index: it puts the rows whose document is new
in the queue `span_text_queue`, and `drain` (the worker's `text_index_loop`) indexes them later,
thousands to a transaction. Indexing with the write cost ~150 µs a span (and most of the
commit's page writes) against ~60 µs for the span's own row: it was the largest part of a write.

The drain waits while this process is writing spans (yardstick.span.backlog, paced by
PACING). An ingest burst then writes without the drain competing for SQLite's one write lock
and the GIL, and the index catches up in the next quiet second (`./dev bench spans`, 20,000
spans a path: 7,037 and 6,042 spans/s through the SGP and OTLP routes with the drain beside the
writes, 8,580 and 8,270 with it waiting; it then needed 2.2 s instead of 0.8 after the last
request).

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

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import CompoundSelect, Connection, literal_column, select, table, union_all

from yardstick.db.session import SessionFactory
from yardstick.models import Span
from yardstick.span.backlog import Backlog, Pacing, holds_rows, in_a_transaction
from yardstick.span.driver import CHUNK, mark, select_in
from yardstick.span.search_text import document_text, forms
from yardstick.span.stored import StoredSpan

_FTS = table("spans_fts", literal_column("rowid"))
_QUEUE = table("span_text_queue", literal_column("seq"))
# Rows indexed per transaction: big enough that FTS5 writes few segments, small enough that
# the write lock is held for tens of milliseconds.
DRAIN_BATCH = 2000
# A text search reads every queued row's text (LIKE), so the backlog bound is also a bound on
# what a search costs during a burst.
PACING = Pacing(quiet_seconds=0.5, max_backlog=50_000, batch=DRAIN_BATCH)


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
    queued: list[int] = []
    for span in spans:
        old = before.get(span.id)
        if old is not None and old.document is not None:
            if span.completed and old.document == document_text(
                span.name, span.input, span.output, span.metadata
            ):
                continue
            removed.append((old.seq, old.document))
        if span.completed:
            queued.append(seqs[span.id])
    remove(connection, removed)
    if queued:
        # One statement, not a row at a time (see yardstick.span.repository's inserts).
        connection.exec_driver_sql(
            "INSERT OR IGNORE INTO span_text_queue (seq) SELECT value FROM json_each(?)",
            (orjson.dumps(queued).decode(),),
        )
        # A search finds them meanwhile, from the queue.
        BACKLOG.queued(len(queued))


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


BACKLOG = Backlog(
    "span text indexing",
    PACING,
    pending=holds_rows("span_text_queue"),
    take=in_a_transaction(drain),
)


async def text_index_loop(sessions: SessionFactory) -> None:
    """Index the queue as it fills (SQLite only), behind this process's writes (see
    `yardstick.span.backlog`)."""
    if sessions.engine.dialect.name != "sqlite":
        return
    await BACKLOG.loop(sessions)


def query(texts: tuple[str, ...]) -> str | None:
    """An FTS5 query for the spans holding the trigrams needed to contain all `texts`, each in
    one of its forms (`search_text.forms`), or None when no term can narrow (one of its forms
    is too short to have a trigram). Trigrams every 3 characters (and the last one) cover a
    form: enough to narrow, with a third of the lookups."""
    clauses: list[str] = []
    for text in texts:
        alternatives = [_grams(form) for form in forms(text)]
        if not all(alternatives):
            continue
        if len(alternatives) == 1:
            clauses.append(alternatives[0])
        else:
            clauses.append("(" + " OR ".join(f"({grams})" for grams in alternatives) + ")")
    return " AND ".join(clauses) or None


def _grams(text: str) -> str:
    """The FTS5 query holding `text`'s trigrams (empty when it has none)."""
    if len(text) < 3:
        return ""
    starts = sorted({*range(0, len(text) - 2, 3), len(text) - 3})
    grams = dict.fromkeys(text[start : start + 3] for start in starts)
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


def candidates(account_id: str, fts_query: str) -> CompoundSelect[tuple[int]]:
    """The rows (`spans.seq`) that may hold the terms: the index's matches, the queued rows
    and every in-progress span of the account."""
    matches = select(_FTS.c.rowid).where(literal_column("spans_fts").op("MATCH")(fts_query))
    queued = select(_QUEUE.c.seq)
    in_progress = select(Span.seq).where(
        Span.account_id == account_id, Span.end_timestamp.is_(None)
    )
    return union_all(matches, queued, in_progress)
