from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.session import SessionFactory
from yardstick.errors import AppError
from yardstick.evaluation.service import evaluation_service
from yardstick.export import formats
from yardstick.export.formats import FileFormat
from yardstick.export.repository import ITEM_ID, PageQuery
from yardstick.export.rows import Source

# Items per read: one page is what the server holds at a time (rows rendered and encoded).
PAGE_SIZE = 1000


class NoObjectStore(AppError):
    """`signed_url` needs object storage, which Yardstick does not have: final, not retryable."""

    status_code = 501
    headers: Mapping[str, str] = {"x-should-retry": "false"}


@dataclass(frozen=True)
class Export:
    """A file being exported: its name and type, and its bytes as they are produced."""

    filename: str
    media_type: str
    chunks: Iterator[bytes]


class ExportService:
    def export(
        self,
        session: Session,
        principal: Principal,
        evaluation_id: str,
        *,
        sessions: SessionFactory,
        file_format: FileFormat,
        include_archived: bool,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> Export:
        """Check the evaluation now (404 before any byte is sent); read its items later, page by
        page, as the response is sent. `where`: only the items meeting these conditions (on
        `EvaluationItem`; the web UI exports what its filters select)."""
        evaluation = evaluation_service.get(
            session, principal, evaluation_id, include_archived=include_archived
        )
        source = Source(
            evaluation.id,
            list(evaluation.tasks),
            evaluation.created_by_user_id,
            evaluation.archived_at,
        )

        def lines() -> Iterator[list[str]]:
            return self.lines(sessions, source, where=where)

        return Export(
            filename=f"evaluation-{evaluation.id}.{file_format}",
            media_type=formats.MEDIA_TYPES[file_format],
            chunks=formats.encode(file_format, lines, source.aliases),
        )

    def check_method(self, export_method: str) -> None:
        if export_method == "signed_url":
            raise NoObjectStore(
                "export_method 'signed_url' needs object storage, which Yardstick does not have; "
                "use 'direct' (or GET /v5/evaluations/{id}/export for a streamed file)"
            )

    @staticmethod
    def lines(
        sessions: SessionFactory,
        source: Source,
        *,
        page_size: int = PAGE_SIZE,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> Iterator[list[str]]:
        """The evaluation's items as JSON text, each as GET renders it, in keyset pages.

        Each page gets its own short read session: no transaction stays open for the length of
        a download (on SQLite that would hold back WAL checkpoints), and a page's rows are gone
        before the next is read.
        """
        query = PageQuery(sessions.engine.dialect, source.aliases, where)
        after = ""  # every id sorts after it
        while True:
            lines: list[str] = []
            with sessions.read() as session:
                for row in query.rows(
                    session, evaluation_id=source.id, after=after, limit=page_size
                ):
                    lines.append(source.line(row))
            if not lines:
                return
            yield lines
            if len(lines) < page_size:
                return
            after = row[ITEM_ID]


export_service = ExportService()
