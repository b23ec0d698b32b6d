"""An evaluation page whose numbers span more than a double holds (high - low is inf), over
plain HTTP: the table's heat classes and the cards' histogram are placed on halves, never a
500 (a NaN heat class; PostgreSQL's overflow error, SQLite's NULL bin)."""

import re
import uuid

import pytest

from tests.agreement.helpers import contributor_task
from tests.fixtures.server import Server
from tests.web.conftest import api, web_client

BAR = re.compile(r'<rect class="chart-bar"[^>]*><title>([^<]*): (\d+)</title>')
HEAT = re.compile(r'<td class="(heat-\d)">')


def prefilled(server: Server, values: list[float]) -> str:
    """An evaluation whose alias `s` holds `values` (prefilled from its rows, in row order)."""
    with api(server) as http:
        question = http.post(
            "/v5/questions",
            json={"name": f"n-{uuid.uuid4().hex}", "prompt": "n?", "question_type": "number"},
        ).json()
        task = contributor_task("s", question["id"], "v")
        created = http.post(
            "/v5/evaluations",
            json={"name": "range", "data": [{"v": v} for v in values], "tasks": [task]},
        )
        assert created.status_code == 200, created.text
        evaluation_id: str = created.json()["id"]
        return evaluation_id


@pytest.mark.parametrize(
    ("values", "lows"),
    [
        ([-1.7e308, 1.7e308], 1),
        ([-9e307, -9e307, 9e307, 9e307], 2),
        ([-1.0, -1.0, 1.0, 1.0], 2),
        # Its position's product underflowed, which PostgreSQL refused (a 500).
        ([0.0, 1e-200, 1e300], 2),
    ],
    ids=["a double's ends", "a width past a double", "small", "a tiny value beside a huge one"],
)
def test_numbers_wider_than_a_double_are_placed(
    engine_server: Server, values: list[float], lows: int
) -> None:
    """`lows`: how many of `values` (the first ones) are in the first bin and the coolest class,
    the others being in the last and the hottest."""
    evaluation_id = prefilled(engine_server, values)
    with web_client(engine_server) as client:
        page = client.get(f"/evaluations/{evaluation_id}")
        assert page.status_code == 200, page.text
        # The lowest values are in the coolest class, the highest in the hottest.
        assert HEAT.findall(page.text) == ["heat-0"] * lows + ["heat-4"] * (len(values) - lows)
        cards = client.get(f"/evaluations/{evaluation_id}/cards")
        assert cards.status_code == 200, cards.text
        bars = BAR.findall(cards.text)
        bins = [int(count) for _, count in bars]
        assert bins == [lows] + [0] * (len(bins) - 2) + [len(values) - lows]
        # Each bar's range reads as numbers, from the lowest value to the highest.
        assert all("nan" not in span and "inf" not in span for span, _ in bars), bars
        assert bars[0][0].startswith(("-1.7", "-9", "-1", "0")), bars[0]
