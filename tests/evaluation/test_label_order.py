"""Labels (`value_label`) in code point order on SQLite and on PostgreSQL whatever the
database's collation: the results table sorted by a label alias, and the summary's tally of
equally frequent labels. An `en-US` database once put `"_under"` first and `"alpha"` before
`"Alpha"` on that page."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from tests.fixtures.databases import migrated_sessions
from yardstick.db.session import SessionFactory
from yardstick.evaluation.summary_queries import label_tally
from yardstick.models import Evaluation, EvaluationItem, TaskResult
from yardstick.web.evaluation.repository import EvaluationPageRepository

ACCOUNT = "labels"
NOW = datetime(2026, 12, 5, tzinfo=UTC)
LABELS = ["beta", "école", "Alpha", "_under", "Zeta", "ecole", "alpha", "1 first", "ａ"]


@pytest.fixture(params=["sqlite", "postgresql"])
def evaluation(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[SessionFactory, str]]:
    # en-US collates letters before case and skips punctuation at first: unlike code points.
    locale = "en-US" if request.param == "postgresql" else None
    with migrated_sessions(request.param, tmp_path, (ACCOUNT,), icu_locale=locale) as factory:
        with factory.write() as session, session.begin():
            run = Evaluation(
                account_id=ACCOUNT,
                name="e",
                status="completed",
                created_by_user_id="u",
                updated_at=NOW,
            )
            session.add(run)
            session.flush()
            for label in LABELS:
                item = EvaluationItem(
                    account_id=ACCOUNT, evaluation_id=run.id, data="{}", created_at=NOW
                )
                session.add(item)
                session.flush()
                session.add(
                    TaskResult(
                        item_id=item.id,
                        alias="label",
                        evaluation_id=run.id,
                        status="completed",
                        value=label,
                    )
                )
        yield factory, run.id


@pytest.mark.parametrize("descending", [False, True])
def test_the_results_table_sorts_labels_by_code_point(
    evaluation: tuple[SessionFactory, str], descending: bool
) -> None:
    sessions, evaluation_id = evaluation
    seen: list[str] = []
    after = None
    with sessions.read() as session:
        while True:  # pages of 2, each from the last one's (value, item id)
            rows = EvaluationPageRepository().page_by_value(
                session,
                evaluation_id=evaluation_id,
                alias="label",
                column="label",
                descending=descending,
                where=[],
                after=after,
                limit=2,
            )
            if not rows:
                break
            seen += [orjson.loads(value) for _, value in rows]
            after = (rows[-1][1], rows[-1][0])

    assert seen == sorted(LABELS, reverse=descending)


def test_equally_frequent_labels_are_tallied_in_code_point_order(
    evaluation: tuple[SessionFactory, str],
) -> None:
    sessions, evaluation_id = evaluation
    with sessions.read() as session:
        tally = label_tally(session, evaluation_id, "label", top=len(LABELS))

    assert tally is not None
    assert [orjson.loads(entry.label) for entry in tally.top] == sorted(LABELS)
