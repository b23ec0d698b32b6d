"""SQLite's FTS5 index of span text (`spans_fts`): kept in step by every write, and what a text
search asks of it. PostgreSQL's GIN index follows its table by itself and needs none of this.

What is indexed: the document (yardstick.span.search_text) of every *completed* span, under the
span's row (`seq`), as trigrams. In-progress spans are left out: the tracing library writes
each span twice, at its start and at its end, and indexing the first write would mean
indexing, removing and indexing again. A search reads the account's in-progress spans
directly instead (the partial index `ix_spans_in_progress`); there are few of them.

The index only narrows: `LIKE` over the document decides every match. An entry left behind
(a span deleted by hand) can cost a candidate, never a wrong answer; an entry missing would
lose a match, so every write that completes a span, or changes a completed span's text,
updates the index in its own transaction.

The application writes the index, not triggers: a trigger runs one FTS5 insert per row, which
measured ~2.5 times the cost of the same rows in one executemany.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import CompoundSelect, Connection, literal_column, select, table, union_all

from yardstick.models import Span
from yardstick.span.driver import select_in
from yardstick.span.search_text import document_text
from yardstick.span.stored import StoredSpan

_FTS = table("spans_fts", literal_column("rowid"))


@dataclass(frozen=True, slots=True)
class Indexed:
    """What the index holds of a stored span: its row, and its document if it is indexed."""

    seq: int
    document: str | None


def indexed(connection: Connection, account_id: str, ids: Collection[str]) -> dict[str, Indexed]:
    """What the index holds of the stored spans among `ids` (read before they are replaced)."""
    rows = select_in(
        connection,
        "SELECT id, seq, end_timestamp IS NOT NULL, name, input, output, metadata FROM spans "
        "WHERE account_id = {m} AND id IN",
        account_id,
        ids,
    )
    out: dict[str, Indexed] = {}
    for span_id, seq, completed, name, input_, output, metadata in rows:
        document = document_text(name, input_, output, metadata) if completed else None
        out[span_id] = Indexed(seq, document)
    return out


def update(
    connection: Connection,
    spans: Sequence[StoredSpan],
    before: dict[str, Indexed],
    seqs: dict[str, int],
) -> None:
    """Bring the index in step with `spans`, just written; `before` is `indexed` of them, and
    `seqs` their rows."""
    removed: list[tuple[int, str]] = []
    added: dict[str, str] = {}
    for span in spans:
        old = before.get(span.id)
        new = (
            document_text(span.name, span.input, span.output, span.metadata)
            if span.completed
            else None
        )
        old_document = old.document if old is not None else None
        if new == old_document:
            continue
        if old is not None and old_document is not None:
            removed.append((old.seq, old_document))
        if new is not None:
            added[span.id] = new
    remove(connection, removed)
    if not added:
        return
    connection.exec_driver_sql(
        "INSERT INTO spans_fts (rowid, document) VALUES (?, ?)",
        [(seqs[span_id], document) for span_id, document in added.items()],
    )


def remove(connection: Connection, documents: Sequence[tuple[int, str]]) -> None:
    """Take (row, document) entries out of the index. A contentless FTS5 table deletes by the
    document it indexed, so the caller must give it exactly."""
    if documents:
        connection.exec_driver_sql(
            "INSERT INTO spans_fts (spans_fts, rowid, document) VALUES ('delete', ?, ?)",
            list(documents),
        )


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
    """The rows (`spans.seq`) that may hold the terms: the index's matches and every
    in-progress span of the account."""
    matches = select(_FTS.c.rowid).where(literal_column("spans_fts").op("MATCH")(fts_query))
    in_progress = select(Span.seq).where(
        Span.account_id == account_id, Span.end_timestamp.is_(None)
    )
    return union_all(matches, in_progress)
