"""Free-text search over spans: the searched document, its terms, and their SQL.

A span's **document** is its name and the JSON text of its input, output and metadata, one per
line, each cut to its first characters (`NAME_CHARS`, `FIELD_CHARS`): the cut bounds what one
write costs to index, however large an LLM's output. A term matches when it is a substring of
the document, ignoring the case of ASCII letters (PostgreSQL folds other letters too, per its
locale; SQLite does not). The payloads are JSON text, so a term is also looked for as JSON
writes it inside a string (`forms`): `say "hi"` is found in an input holding that text, where
the document reads `say \\"hi\\"`.

Both dialects decide a match the same way, over the same text, so they find the same spans:
- SQLite: `LIKE` over the document decides; the FTS5 table `spans_fts` (trigram tokens) only
  narrows the candidates (`yardstick.span.text_index`). Terms under 3 characters have no
  trigram: they are decided by `LIKE` alone, over every span the other filters leave.
- PostgreSQL: `LIKE` over the lower-cased document, with a `pg_trgm` GIN index on the same
  expression.
The SQL here must stay identical to the migration's index (`2026-12-01-1600_spans.py`), or
PostgreSQL stops using it; `document_text` must give what `document` computes, or SQLite's
index narrows to the wrong candidates.

Terms (0.7.0 `search_texts`, a29 `search_text`): at most `MAX_TERMS`, each of 2 to
`MAX_TERM_CHARS` characters; all must match. `"…"` marks a phrase, matched as it is (`\\"`
and `\\\\` inside are a quote and a backslash); an unterminated quote is matched literally. A
bare UUID-shaped term matches spans of that trace instead, and those spans are added to the
text matches.
"""

from dataclasses import dataclass
from typing import Any

import orjson
import re2
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, literal_column, or_
from sqlalchemy.sql.elements import ColumnClause

from yardstick.errors import Unprocessable
from yardstick.models import Span

NAME_CHARS = 1000
FIELD_CHARS = 4000
MAX_TERMS = 10
MIN_TERM_CHARS = 2
# SQLite refuses a LIKE pattern over 50,000 bytes: a term this long stays under it, escaped and
# in any script, and is as long as a whole payload's part of the document.
MAX_TERM_CHARS = FIELD_CHARS
_UUID = re2.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


@dataclass(frozen=True, slots=True)
class Terms:
    """What a search's text asks: every one of `texts` in the document, or a trace in `traces`."""

    texts: tuple[str, ...]
    traces: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.texts or self.traces)


def _phrase(term: str) -> str | None:
    """The text of a well-formed `"…"` phrase, or None when `term` is not one."""
    if len(term) < 2 or term[0] != '"' or term[-1] != '"':
        return None
    out: list[str] = []
    inner, i = term[1:-1], 0
    while i < len(inner):
        char = inner[i]
        if char == "\\" and i + 1 < len(inner) and inner[i + 1] in '"\\':
            out.append(inner[i + 1])
            i += 2
            continue
        if char in '"\\':
            return None  # a stray quote or backslash: the term is taken literally
        out.append(char)
        i += 1
    return "".join(out)


def parse_terms(terms: list[str], field: str) -> Terms:
    """The terms of `search_texts` (or a29's one `search_text`), or a 422 naming the bad one."""
    if len(terms) > MAX_TERMS:
        raise Unprocessable(["body", field], f"at most {MAX_TERMS} search terms")
    texts: list[str] = []
    traces: list[str] = []
    for index, raw in enumerate(terms):
        loc: list[str | int] = ["body", field] if field == "search_text" else ["body", field, index]
        stripped = raw.strip()
        phrase = _phrase(stripped)
        text = phrase if phrase is not None else stripped
        if len(text.strip()) < MIN_TERM_CHARS:
            raise Unprocessable(loc, f"a search term needs at least {MIN_TERM_CHARS} characters")
        if len(text) > MAX_TERM_CHARS:
            raise Unprocessable(loc, f"a search term is at most {MAX_TERM_CHARS:,} characters")
        if phrase is None and _UUID.match(text):
            traces.append(text)
        else:
            texts.append(text)
    return Terms(tuple(texts), tuple(traces))


def document_text(name: str, input_: str, output: str, metadata: str) -> str:
    """A span's document from its stored text, as `document` computes it in SQL."""
    fields = (input_[:FIELD_CHARS], output[:FIELD_CHARS], metadata[:FIELD_CHARS])
    return "\n".join((name[:NAME_CHARS], *fields))


def _document_parts(dialect: str) -> list[ColumnElement[str]]:
    cut = func.left if dialect == "postgresql" else _substr
    newline = func.chr if dialect == "postgresql" else func.char
    parts: list[ColumnElement[str]] = [cut(Span.name, literal_column(str(NAME_CHARS)))]
    for column in (Span.input, Span.output, Span.metadata_):
        parts += [newline(literal_column("10")), cut(column, literal_column(str(FIELD_CHARS)))]
    return parts


def _substr(column: SQLColumnExpression[str], length: ColumnClause[Any]) -> ColumnElement[str]:
    return func.substr(column, literal_column("1"), length)


def document(dialect: str) -> ColumnElement[str]:
    """The searched text of a span, as the dialect's index has it (constants inline: a bound
    parameter would make PostgreSQL's expression differ from its index's)."""
    parts = _document_parts(dialect)
    expression = parts[0]
    for part in parts[1:]:
        expression = expression.concat(part)
    return expression


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards (and the escape character) escaped by a backslash."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def forms(text: str) -> tuple[str, ...]:
    """What a term is looked for as: itself (the name is plain text), and, when it differs, as
    JSON writes it inside a string (the payloads are JSON text: a quote is `\\"` there, a
    backslash `\\\\`, a newline `\\n`)."""
    escaped = orjson.dumps(text).decode()[1:-1]
    return (text,) if escaped == text else (text, escaped)


def contains(dialect: str, text: str) -> ColumnElement[bool]:
    """The document holds `text` in one of its `forms` (ASCII case ignored): the condition
    that decides a match."""
    return or_(*(_holds(dialect, form) for form in forms(text)))


def _holds(dialect: str, text: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # lower() on both sides, not ILIKE: the same match, at ~60 % of ILIKE's cost per row;
        # `\` is PostgreSQL's default escape.
        return func.lower(document(dialect)).like(func.lower(like_pattern(text)))
    return document(dialect).like(like_pattern(text), escape="\\")


def condition(dialect: str, terms: Terms) -> ColumnElement[bool]:
    """Every text term in the document, or (added to those) a span of a UUID-shaped term's trace."""
    parts: list[ColumnElement[bool]] = []
    if terms.texts:
        parts.append(and_(*(contains(dialect, text) for text in terms.texts)))
    if terms.traces:
        # A UUID is the same in either case: a trace stored in one is found by the other.
        traces = {case for trace in terms.traces for case in (trace, trace.lower(), trace.upper())}
        parts.append(Span.trace_id.in_(sorted(traces)))
    return or_(*parts)
