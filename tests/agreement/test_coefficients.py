"""Cohen's and Fleiss' kappa, accuracy and the confusion matrix: against values worked out by
hand and published ones, and against scikit-learn on random data (the reference the numpy
formulas replace on the server)."""

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from yardstick.agreement import coefficients
from yardstick.agreement.coefficients import (
    accuracy_estimate,
    cohen_kappa_estimate,
    fleiss_kappa_estimate,
)

# Fleiss (1971)'s statistic on the worked example of Wikipedia's "Fleiss' kappa": 10 subjects,
# 14 raters each, 5 categories; there P = 0.378, Pe = 0.213 and kappa = 0.210.
FLEISS_EXAMPLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ],
    dtype=np.float64,
)


def two_raters(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes (1 yes, 0 no) of two raters from the four cells of their 2x2 table."""
    a = np.array([1] * yes_yes + [1] * yes_no + [0] * no_yes + [0] * no_no)
    b = np.array([1] * yes_yes + [0] * yes_no + [1] * no_yes + [0] * no_no)
    return a, b


def test_cohen_kappa_of_a_two_by_two_table_worked_out_by_hand() -> None:
    # 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15.
    a, b = two_raters(20, 5, 10, 15)
    observed = (20 + 15) / 50  # 0.7
    # A says yes 25 times of 50, B 30 times: chance agreement 0.5 * 0.6 + 0.5 * 0.4.
    chance = 0.5 * 0.6 + 0.5 * 0.4  # 0.5
    by_hand = (observed - chance) / (1 - chance)
    assert by_hand == pytest.approx(0.4)
    found = cohen_kappa_estimate(a, b, categories=2)
    assert found.value == pytest.approx(by_hand, abs=1e-12)
    assert found.reason is None and found.ci95 is not None
    assert found.value == pytest.approx(cohen_kappa_score(a, b))
    assert accuracy_estimate(a.astype(float), b.astype(float)).value == pytest.approx(observed)


def test_krippendorffs_binary_example_read_as_cohens_kappa() -> None:
    # Krippendorff (2011), section A: two observers, ten units, values 0/1.
    a = np.array([0, 1, 0, 0, 0, 0, 0, 0, 1, 0])
    b = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
    # Matches 6 of 10; A says 1 twice, B four times: chance 0.2 * 0.4 + 0.8 * 0.6 = 0.56.
    by_hand = (0.6 - 0.56) / (1 - 0.56)
    assert cohen_kappa_estimate(a, b, categories=2).value == pytest.approx(by_hand)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cohen_kappa_matches_scikit_learn(weights: str | None, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 7))
    n = int(rng.integers(5, 400))
    a = rng.integers(0, k, n)
    # The second rater mostly near the first: a realistic, positive kappa.
    b = np.clip(a + rng.integers(-1, 2, n) * (rng.random(n) < 0.4), 0, k - 1)
    found = cohen_kappa_estimate(a, b, categories=k, weights=weights)  # type: ignore[arg-type]
    expected = cohen_kappa_score(a, b, weights=weights, labels=list(range(k)))
    assert found.value == pytest.approx(expected, abs=1e-12)


def test_confusion_matrix_matches_scikit_learn() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    found = coefficients.confusion_matrix(a, b, categories=5)
    expected = sklearn_confusion_matrix(a, b, labels=list(range(5)))
    assert found.tolist() == expected.tolist()
    assert found.sum() == 300 and found[4].sum() == 0  # an unused category is a row of zeros


def test_fleiss_kappa_of_the_published_example() -> None:
    found = fleiss_kappa_estimate(FLEISS_EXAMPLE)
    assert found.value == pytest.approx(0.210, abs=5e-4)
    # The intermediate figures, as published: mean agreement and chance agreement.
    m = 14
    agreeing = ((FLEISS_EXAMPLE**2).sum(axis=1) - m) / (m * (m - 1))
    shares = FLEISS_EXAMPLE.sum(axis=0) / FLEISS_EXAMPLE.sum()
    assert agreeing.mean() == pytest.approx(0.378, abs=5e-4)
    assert (shares**2).sum() == pytest.approx(0.213, abs=5e-4)
    assert found.ci95 is not None and found.ci95[0] <= found.value <= found.ci95[1]


def test_fleiss_kappa_of_two_raters_is_scotts_pi() -> None:
    # With two raters Fleiss' kappa is Scott's pi: chance from the pooled marginals.
    a, b = two_raters(20, 5, 10, 15)
    yes = a + b  # raters who said yes, of two
    counts = np.column_stack([2 - yes, yes]).astype(np.float64)
    pooled_yes = (25 + 30) / 100
    chance = pooled_yes**2 + (1 - pooled_yes) ** 2
    scott = (0.7 - chance) / (1 - chance)
    assert fleiss_kappa_estimate(counts).value == pytest.approx(scott)


def test_fleiss_kappa_refuses_units_with_different_numbers_of_raters() -> None:
    with pytest.raises(ValueError, match="same number of raters"):
        coefficients.fleiss_kappa(np.array([[2.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="at least 2 raters"):
        coefficients.fleiss_kappa(np.array([[1.0, 0.0], [0.0, 1.0]]))


def test_degenerate_inputs_give_null_with_a_reason_never_nan() -> None:
    empty = np.zeros(0, dtype=np.intp)
    for found in (
        cohen_kappa_estimate(empty, empty, categories=2),
        accuracy_estimate(empty.astype(float), empty.astype(float)),
    ):
        assert found.value is None and found.ci95 is None and found.reason

    one = np.array([1])
    assert cohen_kappa_estimate(one, one, categories=2).reason == "fewer than 2 items"
    # One item still has an accuracy, but no interval.
    single = accuracy_estimate(one.astype(float), one.astype(float))
    assert (single.value, single.ci95) == (1.0, None)

    # Every item one and the same value on both sides: kappa is 0/0.
    same = np.zeros(20, dtype=np.intp)
    found = cohen_kappa_estimate(same, same, categories=3, weights="quadratic")
    assert found.value is None and "0/0" in (found.reason or "")
    assert accuracy_estimate(same.astype(float), same.astype(float)).value == 1.0
    ratings = np.tile([0.0, 5.0], (8, 1))
    assert fleiss_kappa_estimate(ratings).value is None

    # Each rater used one value, but not the same one: kappa is defined, and 0.
    assert cohen_kappa_estimate(same, same + 1, categories=2).value == 0.0

    # Perfect agreement over two categories: 1, and so is every resample that defines it.
    a = np.array([0, 1] * 10)
    perfect = cohen_kappa_estimate(a, a, categories=2)
    assert perfect.value == 1.0 and perfect.ci95 == (1.0, 1.0)


def test_every_figure_is_finite_or_null() -> None:
    rng = np.random.default_rng(5)
    for _ in range(50):
        n = int(rng.integers(0, 6))
        a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
        for found in (
            cohen_kappa_estimate(a, b, categories=2),
            accuracy_estimate(a.astype(float), b.astype(float)),
        ):
            assert found.value is None or math.isfinite(found.value)
            assert found.ci95 is None or all(map(math.isfinite, found.ci95))
            assert (found.value is None) == (found.reason is not None)
