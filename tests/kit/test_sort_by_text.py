"""A list sorted by a text column (`sort_by=name`) is in code point order on SQLite and on
PostgreSQL whatever the database's collation, and its cursors page it the same way forwards
and backwards. An `en-US` database once put `_under` first and `alpha` before `Alpha`."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fixtures.databases import migrated_sessions
from yardstick.auth.service import Principal
from yardstick.dataset.service import dataset_service
from yardstick.db.session import SessionFactory
from yardstick.kit.pagination import PageParams, SortOrder
from yardstick.models import Dataset

ACCOUNT = "sorting"
NOW = datetime(2026, 12, 5, tzinfo=UTC)
OWNER = Principal(account_id=ACCOUNT, user_id="owner")
NAMES = ["beta", "école", "Alpha", "_under", "Zeta", "ecole", "alpha", "1 first", "ａ"]


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionFactory]:
    # en-US collates letters before case and skips punctuation at first: unlike code points.
    locale = "en-US" if request.param == "postgresql" else None
    with migrated_sessions(request.param, tmp_path, (ACCOUNT,), icu_locale=locale) as factory:
        with factory.write() as session, session.begin():
            session.add_all(
                Dataset(account_id=ACCOUNT, name=name, created_by_user_id="owner", updated_at=NOW)
                for name in NAMES
            )
        yield factory


def _names(sessions: SessionFactory, params: PageParams) -> tuple[list[str], bool]:
    with sessions.read() as session:
        page = dataset_service.list(
            session, OWNER, params=params, name=None, tags=[], include_archived=False
        )
        return [row[0].name for row in page.rows], page.has_more


def _walk(sessions: SessionFactory, order: SortOrder, *, backwards: bool) -> list[str]:
    """Every name, in pages of 2 sorted by name in `order`, walked from the first page or
    (backwards, with `ending_before`) from the last."""
    ids = {}
    with sessions.read() as session:
        for dataset in session.query(Dataset):
            ids[dataset.name] = dataset.id
    seen: list[list[str]] = []
    cursor: str | None = None
    while True:
        if backwards and cursor is None:  # the last page: the other order's first
            other: SortOrder = "desc" if order == "asc" else "asc"
            names, more = _names(sessions, PageParams(2, None, None, other, "name"))
            names.reverse()
        elif backwards:
            names, more = _names(sessions, PageParams(2, None, cursor, order, "name"))
        else:
            names, more = _names(sessions, PageParams(2, cursor, None, order, "name"))
        seen.insert(0, names) if backwards else seen.append(names)
        if not more:
            return [name for page in seen for name in page]
        cursor = ids[names[0] if backwards else names[-1]]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_text_sorts_in_code_point_order_and_pages_agree(
    sessions: SessionFactory, order: SortOrder
) -> None:
    expected = sorted(NAMES, reverse=order == "desc")  # 1 first, Alpha, Zeta, _under, alpha, …

    assert _walk(sessions, order, backwards=False) == expected
    assert _walk(sessions, order, backwards=True) == expected
