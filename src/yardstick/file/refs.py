"""Files attached to rows (`files`: {column: file id} per dataset or evaluation row).

A row's files are checked where they come in: each id must be a file of the account, and a
`files` list pairs with `data` one to one. Unknown ids are one query for the whole batch.
"""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.errors import Unprocessable
from yardstick.models import File


def check_file_maps(
    session: Session,
    *,
    account_id: str,
    files: Sequence[dict[str, str]] | None,
    rows: int,
    loc: list[str | int],
) -> list[dict[str, str] | None]:
    """One `{column: file id}` (or None) per row; a 422 naming the bad entry otherwise."""
    if files is None:
        return [None] * rows
    if len(files) != rows:
        raise Unprocessable(
            loc, f"must hold one entry per row of data: {len(files)} entries for {rows} rows"
        )
    check_file_ids(
        session,
        account_id=account_id,
        entries=[([*loc, i], entry) for i, entry in enumerate(files)],
    )
    return [dict(entry) or None for entry in files]


def check_file_ids(
    session: Session,
    *,
    account_id: str,
    entries: Sequence[tuple[list[str | int], dict[str, str]]],
) -> None:
    """Every id of every `(loc, {column: file id})` entry names a file of the account."""
    wanted = sorted({file_id for _, entry in entries for file_id in entry.values()})
    found: set[str] = set()
    for start in range(0, len(wanted), 500):  # under every driver's bound-parameter limit
        found.update(
            session.scalars(
                select(File.id).where(
                    File.account_id == account_id, File.id.in_(wanted[start : start + 500])
                )
            )
        )
    for loc, entry in entries:
        for column, file_id in entry.items():
            if file_id not in found:
                raise Unprocessable([*loc, column], f"file {file_id!r} not found")
