"""What the cells hold: values near a double's maximum, booleans beside 0/1 numbers, a cell of
another type, and ids written as integral floats. Each evaluation's alias `s` is prefilled
from its rows' `v`, so a test writes the values themselves."""

import math
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np
import pytest
from scale_gp_beta import SGPClient

from tests.agreement.helpers import contributor_task
from tests.dataset.factories import unique
from yardstick.compare.cells import Labels, SideValues
from yardstick.compare.schemas import ComparisonOut
from yardstick.compare.statistics import compare, histogram, top_changes

HUGE = 1.7e308  # twice it passes a double's range (~1.8e308)


@pytest.fixture
def question(client: SGPClient) -> str:
    """One question for both sides: a different one would be a different task configuration."""
    return client.questions.create(name=unique("q"), prompt="?", question_type="free_text").id


def prefilled(
    client: SGPClient, question: str, values: Sequence[Any], ids: Sequence[Any] | None = None
) -> str:
    """An evaluation whose alias `s` holds `values`, row i having the id `ids[i]` (default i)."""
    task: Any = contributor_task("s", question, "v")
    rows = [{"id": i if ids is None else ids[i], "v": v} for i, v in enumerate(values)]
    return client.evaluations.create(name=unique("v"), data=rows, tasks=[task]).id


def compared(http: httpx.Client, baseline: str, candidate: str) -> dict[str, Any]:
    response = http.post(
        "/v5/comparisons",
        json={
            "baseline_evaluation_id": baseline,
            "candidate_evaluation_id": candidate,
            "pair_by": "id",
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def warnings(body: dict[str, Any]) -> list[str]:
    return [warning["type"] for warning in body["warnings"]]


def test_huge_values_keep_their_figures_or_say_which_pass_a_doubles_range(
    client: SGPClient, http: httpx.Client, question: str
) -> None:
    baseline = prefilled(client, question, [HUGE] * 3 + [1.0])
    candidate = prefilled(client, question, [-HUGE] * 3 + [2.0])
    body = compared(http, baseline, candidate)
    ComparisonOut.model_validate(body)  # what the CLI reads
    (metric,) = body["metrics"]
    # The means are within range: computed scaled down, they do not overflow on the way.
    assert metric["baseline_mean"] == (3 * (HUGE / 4) + 0.25)
    assert metric["candidate_mean"] == -(3 * (HUGE / 4)) + 0.5
    # The mean difference, about -2.55e308, is not a double, nor is the interval's low end or
    # the MDE, nor the histogram's outer edges: null, and said so. The high end is one.
    assert metric["delta"] is metric["ci_low"] is metric["mde"] is metric["histogram"] is None
    assert metric["ci_high"] == pytest.approx(-HUGE / 2)
    assert body["warnings"] == [
        {
            "type": "out_of_range",
            "message": "'s' has values so large that its delta, ci_low, mde, histogram pass a "
            "double's range (±1.8e308): they are null; its test and counts stand",
        }
    ]
    assert (metric["n"], metric["improved"], metric["regressed"]) == (4, 1, 3)
    assert (metric["p_value"], metric["verdict"]) == (0.25, "no_significant_difference")
    assert len(metric["most_regressed"]) == 3

    # Huge values whose differences are within range keep every figure.
    baseline = prefilled(client, question, [HUGE, HUGE / 2, 1.0])
    candidate = prefilled(client, question, [HUGE / 2, HUGE, 2.0])
    metric = compared(http, baseline, candidate)["metrics"][0]
    assert metric["delta"] == (HUGE / 2 - HUGE / 2 + 1.0) / 3
    assert all(math.isfinite(edge) for edge in metric["histogram"]["edges"])
    assert metric["mde"] is not None and math.isfinite(metric["mde"])


def test_huge_values_are_computed_scaled_and_scaled_back() -> None:
    baseline = np.array([HUGE, HUGE, HUGE, 1.0])
    candidate = np.array([-HUGE, -HUGE, -HUGE, 2.0])
    result = compare(baseline, candidate, kind="numeric")
    assert result.delta == result.ci_low == -math.inf  # the direction survives the overflow
    assert result.baseline_mean == 3 * (HUGE / 4) + 0.25
    edges, counts = histogram(baseline, candidate)
    assert (edges[0], edges[-1], sum(counts)) == (-math.inf, math.inf, 4)
    # Scaled, the huge differences rank by size instead of tying at inf.
    top = top_changes(["a", "b"], np.array([HUGE, 1e308]), np.array([-HUGE, -1e308]))
    assert top.regressed == ("a", "b")
    top = top_changes(["a", "b"], np.array([1e308, HUGE]), np.array([-1e308, -HUGE]))
    assert top.regressed == ("b", "a")


def test_repeats_near_a_doubles_maximum_average_without_overflow() -> None:
    side = SideValues(1, Labels())
    side.add_numbers(np.zeros(2, dtype=np.intp), np.array([HUGE, HUGE]))
    assert side.numbers().tolist() == [HUGE]


def test_booleans_compare_with_numbers_that_are_0_or_1(
    client: SGPClient, http: httpx.Client, question: str
) -> None:
    baseline = prefilled(client, question, [True, False, True, True])
    candidate = prefilled(client, question, [1, 0, 0, 0])
    body = compared(http, baseline, candidate)
    (metric,) = body["metrics"]
    assert (metric["kind"], metric["n"]) == ("binary", 4)
    assert (metric["baseline_mean"], metric["candidate_mean"]) == (0.75, 0.25)
    assert (metric["improved"], metric["regressed"], metric["unchanged"]) == (0, 2, 2)
    assert warnings(body) == []


def test_a_cell_of_another_type_is_left_out_and_counted(
    client: SGPClient, http: httpx.Client, question: str
) -> None:
    baseline = prefilled(client, question, [True, 0.5, 0.7, "n/a", 0.2])
    candidate = prefilled(client, question, [0.1, 0.6, 0.9, 0.4, 0.3])
    body = compared(http, baseline, candidate)
    (metric,) = body["metrics"]
    assert (metric["kind"], metric["n"]) == ("numeric", 3)
    assert body["warnings"] == [
        {
            "type": "mixed_types",
            "message": "'s' has 2 pairs with a result on both sides where one is of another "
            "type than the alias's (a boolean or a string beside numbers): those pairs are left "
            "out of its test",
        }
    ]
    # Booleans beside numbers other than 0 and 1 are of another type too; with no pair left,
    # the alias has no data and both say so.
    body = compared(
        http, prefilled(client, question, [True, False]), prefilled(client, question, [0.5, 0.25])
    )
    assert body["metrics"][0]["n"] == 0
    assert warnings(body) == ["mixed_types", "no_data"]
    # Without numbers, booleans and strings are all labels: nothing is left out.
    body = compared(
        http,
        prefilled(client, question, [True, "maybe", False]),
        prefilled(client, question, [True, True, "maybe"]),
    )
    assert (body["metrics"][0]["kind"], body["metrics"][0]["n"]) == ("categorical", 3)
    assert warnings(body) == []


def test_ids_written_as_integral_floats_pair_with_integers(
    client: SGPClient, http: httpx.Client, question: str
) -> None:
    baseline = prefilled(client, question, [0.5, 0.25, 0.75], ids=[1, 2, 3])
    candidate = prefilled(client, question, [0.5, 0.5, 1.0], ids=[1.0, 2.0, 3.5])
    body = compared(http, baseline, candidate)
    assert body["pairing"] == {
        "by": "column:id",
        "pairs": 2,
        "baseline_only": 1,
        "candidate_only": 1,
    }
    assert body["metrics"][0]["delta"] == 0.125
