"""The summary's statistics against numpy, on cells written straight into the server's database
(as a finished run leaves them): percentiles at every kind of rank, ties, negative and integer
values, one-value aliases, labels beyond the top 50, and an alias no task has."""

import decimal
import math
import random
import statistics
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import httpx
import numpy as np
import pytest
from scipy import stats as scipy_stats
from sqlalchemy import Engine, create_engine, insert

from tests.fixtures.server import ACCOUNT_A, Server
from yardstick.models import TaskResult


@pytest.fixture
def database(server: Server) -> Iterator[Engine]:
    engine = create_engine(server.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def api(http: httpx.Client) -> httpx.Client:
    return http


def evaluation_with_cells(
    api: httpx.Client, database: Engine, items: int, cells: dict[str, list[dict[str, Any]]]
) -> str:
    """An evaluation of `items` rows and no tasks, then `cells[alias][i]` stored for item i."""
    evaluation_id: str = api.post(
        "/v5/evaluations", json={"name": "figures", "data": [{"i": i} for i in range(items)]}
    ).json()["id"]
    page = api.get(
        "/v5/evaluation-items", params={"evaluation_id": evaluation_id, "limit": items}
    ).json()
    item_ids = [item["id"] for item in page["items"]]
    # Every row with every column: an executemany takes its columns from the first row.
    empty = dict.fromkeys(
        (
            "value",
            "error_type",
            "error_message",
            "latency_ms",
            "prompt_tokens",
            "completion_tokens",
            "cost_usd",
        )
    )
    rows = [
        {
            "item_id": item_ids[i],
            "alias": alias,
            "evaluation_id": evaluation_id,
            "attempts": 1,
            **empty,
            **cell,
        }
        for alias, column in cells.items()
        for i, cell in enumerate(column)
    ]
    with database.begin() as connection:
        connection.execute(insert(TaskResult), rows)
    return evaluation_id


def summary(api: httpx.Client, evaluation_id: str) -> dict[str, Any]:
    response = api.get(f"/v5/evaluations/{evaluation_id}/summary")
    assert response.status_code == 200, response.text
    aliases: dict[str, Any] = response.json()["aliases"]
    return aliases


@pytest.mark.parametrize("n", [1, 2, 3, 10, 101, 250])
def test_numbers_match_numpy(api: httpx.Client, database: Engine, n: int) -> None:
    rnd = random.Random(n)
    values: list[float] = [
        rnd.choice([rnd.uniform(-5, 5), rnd.randint(-3, 3), 1e6 + rnd.random()]) for _ in range(n)
    ]
    latencies = [rnd.expovariate(1 / 300) for _ in range(n)]
    cells = [
        {
            "status": "completed",
            "value": v,
            "latency_ms": ms,
            "prompt_tokens": 2,
            "completion_tokens": 3,
            "cost_usd": 0.5,
        }
        for v, ms in zip(values, latencies, strict=True)
    ]
    evaluation_id = evaluation_with_cells(api, database, n, {"x": cells})

    found = summary(api, evaluation_id)["x"]

    numeric = found["numeric"]
    assert numeric["count"] == n
    assert numeric["mean"] == pytest.approx(statistics.fmean(values), rel=1e-9)
    assert numeric["min"] == min(values) and numeric["max"] == max(values)
    assert numeric["p50"] == pytest.approx(np.percentile(values, 50), rel=1e-12)
    assert numeric["p90"] == pytest.approx(np.percentile(values, 90), rel=1e-12)
    if n == 1:
        assert numeric["std"] is None and numeric["ci95"] is None
    else:
        std = statistics.stdev(values)
        assert numeric["std"] == pytest.approx(std, rel=1e-7)
        low, high = scipy_stats.t.interval(
            0.95, n - 1, loc=statistics.fmean(values), scale=std / n**0.5
        )
        assert numeric["ci95"] == pytest.approx([low, high], rel=1e-7)
    latency = found["latency_ms"]
    assert latency["count"] == n
    for p in (50, 90, 99):
        assert latency[f"p{p}"] == pytest.approx(np.percentile(latencies, p), rel=1e-12)
    assert found["usage"] == {
        "prompt_tokens": 2 * n,
        "completion_tokens": 3 * n,
        "total_tokens": 5 * n,
        "cost_usd": pytest.approx(0.5 * n),
    }
    # No task declares `x`: its cells are summed up all the same, with no task type.
    assert found["task_type"] is None
    assert found["cells"] == {
        "completed": n,
        "errored": 0,
        "pending": 0,
        "skipped": 0,
        "prefilled": 0,
    }


def exact_figures(values: list[float]) -> tuple[float, float]:
    """The mean and the sample standard deviation, each rounded once (inf past a double)."""
    xs = [Fraction(v) for v in values]
    mean = sum(xs, Fraction(0)) / len(xs)
    variance = sum(((x - mean) ** 2 for x in xs), Fraction(0)) / (len(xs) - 1)
    with decimal.localcontext(prec=40):
        root = (decimal.Decimal(variance.numerator) / variance.denominator).sqrt()
    return float(mean), float(root)


def exact_percentile(values: list[float], p: float) -> float:
    """Linear interpolation between the ranks, as numpy's, in exact arithmetic."""
    ordered = sorted(values)
    position = p * (len(values) - 1)
    lower = math.floor(position)
    if position == lower:
        return ordered[lower]
    a, b = Fraction(ordered[lower]), Fraction(ordered[lower + 1])
    return float(a + (b - a) * Fraction(position - lower))


CANCELLING_RNG = random.Random(7)
HARD_VALUES = {
    "values that cancel": [1e16, 1.0, 1.0, -1e16],
    "a double's ends": [-1.7e308, 1.7e308],
    "a width past a double": [-9e307, -9e307, 9e307, 9e307],
    "tenths": [0.1] * 10,
    "a large mean, a small spread": [1e9 + CANCELLING_RNG.gauss(0, 1e-3) for _ in range(2000)],
    "squares below a double": [1e-200, 2e-200, 3e-200],
    "an interval past a double": [1.7e308, 1.7e308, 1.0],
    # PostgreSQL refuses a product that underflows to 0 (a BLEU score of 3e-155 beside 1).
    "a tiny value beside 0 and 1": [0.0, 1e-200, 1.0],
    "a tiny value beside a huge one": [1e-200, 1e300],
    "the least subnormal beside 1": [5e-324, 1.0],
    "small spreads beside a huge value": [1e200, 1.0, 3.0],
}


@pytest.mark.parametrize("values", list(HARD_VALUES.values()), ids=list(HARD_VALUES))
def test_hard_numbers_give_their_exact_figures(
    api: httpx.Client, database: Engine, values: list[float]
) -> None:
    """Both databases computed these their own way (PostgreSQL's avg, stddev_samp and
    percentile_cont; SQLite's sums of x - min), differently, and overflowed or underflowed:
    each figure is now the exact one to a few units of the last digit, on both."""
    cells = [{"status": "completed", "value": v} for v in values]
    evaluation_id = evaluation_with_cells(api, database, len(values), {"x": cells})

    numeric = summary(api, evaluation_id)["x"]["numeric"]

    mean, std = exact_figures(values)
    assert numeric["mean"] == pytest.approx(mean, rel=1e-15, abs=0)
    assert numeric["p50"] == exact_percentile(values, 0.5)
    assert numeric["p90"] == pytest.approx(exact_percentile(values, 0.9), rel=1e-15)
    if not math.isfinite(std):
        assert numeric["std"] is None and numeric["ci95"] is None
        return
    assert numeric["std"] == pytest.approx(std, rel=1e-12, abs=0)
    half = float(scipy_stats.t.ppf(0.975, len(values) - 1)) * (std / math.sqrt(len(values)))
    if math.isfinite(mean + half) and math.isfinite(mean - half):
        assert numeric["ci95"] == pytest.approx([mean - half, mean + half], rel=1e-12, abs=0)
    else:  # an end past a double's range
        assert numeric["ci95"] is None


# Numbers SQLite 3.40 reads from their text a unit in the last place off (its conversion is
# not correctly rounded): a BLEU score, and a fraction.
MISREAD = [3.553288906177157e-296, 0.2755905511811024]


@pytest.mark.parametrize("value", MISREAD)
def test_min_max_and_percentiles_are_the_stored_numbers(
    api: httpx.Client, database: Engine, value: float
) -> None:
    """A summary of one cell said min = max = 3.5532889061771574e-296 on SQLite for a stored
    3.553288906177157e-296: the figures read the generated `value_number`."""
    cells = [{"status": "completed", "value": value}]
    evaluation_id = evaluation_with_cells(api, database, 1, {"x": cells})
    numeric = summary(api, evaluation_id)["x"]["numeric"]
    assert [numeric[figure] for figure in ("min", "max", "p50", "p90", "mean")] == [value] * 5
    pair = [value, value * 2]
    evaluation_id = evaluation_with_cells(
        api, database, 2, {"x": [{"status": "completed", "value": v} for v in pair]}
    )
    numeric = summary(api, evaluation_id)["x"]["numeric"]
    assert (numeric["min"], numeric["max"]) == (value, value * 2)


def test_labels_top_fifty_ties_and_other(api: httpx.Client, database: Engine) -> None:
    # 60 labels: "l00" 60 times, "l01" 59 times, … "l59" once; plus booleans, ties at 3.
    labels: list[Any] = [f"l{k:02d}" for k in range(60) for _ in range(60 - k)]
    labels += [True, True, True, False, False, False]
    rnd = random.Random(1)
    rnd.shuffle(labels)
    long_text = "x" * 200  # not a category: too long
    cells = [{"status": "completed", "value": v} for v in labels]
    cells += [
        {"status": "completed", "value": long_text},
        {"status": "completed", "value": {"a": 1}},
    ]
    cells += [{"status": "errored", "value": None, "error_type": "Boom", "error_message": "!"}] * 2
    evaluation_id = evaluation_with_cells(api, database, len(cells) + 3, {"y": cells})

    found = summary(api, evaluation_id)["y"]

    tally = found["categorical"]
    total = len(labels)
    counts = Counter(labels)
    assert (tally["count"], tally["distinct"]) == (total, 62)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], orjson_text(kv[0])))
    assert [(v["value"], v["count"]) for v in tally["values"]] == ordered[:50]
    assert tally["values"][0]["share"] == pytest.approx(60 / total)
    assert tally["other"]["count"] == sum(n for _, n in ordered[50:])
    assert tally["other"]["share"] == pytest.approx(tally["other"]["count"] / total)
    assert found["numeric"] is None
    assert found["cells"] == {
        "completed": total + 2,
        "errored": 2,
        "pending": 3,
        "skipped": 0,
        "prefilled": 0,
    }
    assert found["errors"] == {"Boom": 2}
    assert found["latency_ms"] is None


def orjson_text(value: Any) -> str:
    """A label's JSON text, the order ties break in (byte order)."""
    import orjson

    return orjson.dumps(value).decode()


def test_other_accounts_summary_is_404(server: Server, api: httpx.Client, database: Engine) -> None:
    evaluation_id = evaluation_with_cells(
        api, database, 1, {"z": [{"status": "completed", "value": 1}]}
    )
    assert ACCOUNT_A in server.keys
    for account, key in server.keys.items():
        if account == ACCOUNT_A:
            continue
        headers = {"x-api-key": key, "x-selected-account-id": account}
        response = httpx.get(
            f"{server.base_url}/v5/evaluations/{evaluation_id}/summary", headers=headers
        )
        assert response.status_code == 404
