from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.session import SessionFactory
from yardstick.errors import AppError
from yardstick.evaluation.service import evaluation_service
from yardstick.export import formats
from yardstick.export.formats import FileFormat
from yardstick.export.repository import CellText, export_repository
from yardstick.export.rows import Source

# Items per read: one page is what the server holds at a time (rows rendered and encoded).
PAGE_SIZE = 1000


class NoObjectStore(AppError):
    """`signed_url` needs object storage, which Yardstick does not have: final, not retryable."""

    status_code = 501
    headers = {"x-should-retry": "false"}


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
    ) -> Export:
        """Check the evaluation now (404 before any byte is sent); read its items later, page by
        page, as the response is sent."""
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
            return self.lines(sessions, source)

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
        sessions: SessionFactory, source: Source, *, page_size: int = PAGE_SIZE
    ) -> Iterator[list[str]]:
        """The evaluation's items as JSON text, each as GET renders it, in keyset pages.

        Each page gets its own short read session: no transaction stays open for the length of
        a download (on SQLite that would hold back WAL checkpoints), and a page's rows are gone
        before the next is read.
        """
        after: str | None = None
        while True:
            with sessions.read() as session:
                items = export_repository.items_page(
                    session, evaluation_id=source.id, after=after, limit=page_size
                )
                if not items:
                    return
                cells = export_repository.cells_between(
                    session, first=items[0][0], last=items[-1][0]
                )
            by_item: dict[str, list[CellText]] = defaultdict(list)
            for cell in cells:
                by_item[cell[0]].append(cell)
            yield [source.line(item, by_item.get(item[0], ())) for item in items]
            if len(items) < page_size:
                return
            after = items[-1][0]


export_service = ExportService()
