"""The bootstrap intervals: each resample's figure is the reference library's figure on that
resample, the three ways of drawing agree, and the same data and seed give the same interval."""

import time
import warnings

import krippendorff as reference
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from yardstick.agreement import bootstrap, coefficients
from yardstick.agreement.bootstrap import distinct_rows, estimate
from yardstick.agreement.coefficients import cohen_kappa_estimate
from yardstick.agreement.krippendorff import alpha, alpha_estimate


def correlated_codes(n: int, seed: int, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, k, n)
    b = np.where(rng.random(n) < 0.7, a, rng.integers(0, k, n))
    return a, b


def correlated_numbers(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h = rng.normal(size=n)
    return np.column_stack([h, h + rng.normal(size=n) * 0.5])


def resamples(n: int, count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(count, n))


def test_each_resampled_kappa_is_scikit_learns_kappa_of_that_resample() -> None:
    # Small and lopsided, so some resamples hold one category only (kappa undefined: NaN).
    a = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 2])
    b = np.array([0, 0, 0, 0, 0, 1, 0, 1, 0, 2])
    for weights in (None, "quadratic"):
        statistic = coefficients.cohen_kappa(a, b, categories=3, weights=weights)  # type: ignore[arg-type]
        for drawn in resamples(a.size, 100, seed=1):
            sums = np.bincount(drawn, minlength=a.size) @ statistic.features
            found = statistic.value(sums[np.newaxis])[0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # scikit-learn warns where kappa is 0/0
                expected = cohen_kappa_score(a[drawn], b[drawn], weights=weights)
            if np.isnan(expected):
                assert np.isnan(found)
            else:
                assert found == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_each_resampled_alpha_is_the_packages_alpha_of_that_resample(level: str) -> None:
    rng = np.random.default_rng(2)
    data = np.clip(rng.integers(1, 5, (15, 1)) + rng.integers(-1, 2, (15, 3)), 1, 5).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    statistic = alpha(data, level)  # type: ignore[arg-type]
    for drawn in resamples(15, 100, seed=3):
        sums = np.bincount(drawn, minlength=15) @ statistic.features
        found = statistic.value(sums[np.newaxis])[0]
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore")
            expected = reference.alpha(data[drawn].T, level_of_measurement=level)
        if np.isnan(expected):
            assert np.isnan(found)
        else:
            assert found == pytest.approx(expected, abs=1e-9)


def test_the_interval_is_reproducible_and_holds_the_estimate() -> None:
    a, b = correlated_codes(500, seed=4)
    first = cohen_kappa_estimate(a, b, categories=3)
    again = cohen_kappa_estimate(a, b, categories=3)
    assert first == again
    assert first.ci95 is not None and first.value is not None
    assert first.ci95[0] < first.value < first.ci95[1]
    other_seed = cohen_kappa_estimate(a, b, categories=3, seed=1)
    assert other_seed.value == first.value and other_seed.ci95 != first.ci95
    # The units' order does not matter: distinct units are grouped in sorted order.
    order = np.random.default_rng(5).permutation(a.size)
    assert cohen_kappa_estimate(a[order], b[order], categories=3) == first


def test_the_three_ways_of_drawing_give_the_same_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    data = correlated_numbers(3000, seed=6)
    data = np.round(data * 2) / 2  # few enough distinct pairs for the exact draw
    rows, counts = distinct_rows(data)
    assert rows.shape[0] <= bootstrap.EXACT_MAX_ROWS

    def interval() -> tuple[tuple[float, float] | None, str]:
        (found,), method = estimate([alpha(rows, "interval")], counts)
        return found.ci95, method.draws

    exact, how = interval()
    assert how.startswith("drawn exactly")
    monkeypatch.setattr(bootstrap, "EXACT_MAX_ROWS", 0)
    by_index, how = interval()
    assert how == "drawn by index"
    monkeypatch.setattr(bootstrap, "INDEX_MAX_DRAWS", 0)
    normal, how = interval()
    assert how.startswith("drawn as a normal")
    assert exact is not None and by_index is not None and normal is not None
    # Monte Carlo error of a 2.5 % quantile over 1,000 resamples: a few thousandths here.
    assert by_index == pytest.approx(exact, abs=0.006)
    assert normal == pytest.approx(exact, abs=0.006)


def test_distinct_rows_groups_missing_values_and_counts_units() -> None:
    data = np.array([[1.0, np.nan], [1.0, np.nan], [2.0, 3.0], [1.0, 2.0], [2.0, 3.0]])
    rows, counts = distinct_rows(data)
    assert np.array_equal(rows, np.array([[1.0, 2.0], [1.0, np.nan], [2.0, 3.0]]), equal_nan=True)
    assert counts.tolist() == [1, 2, 2]
    three = np.column_stack([data, data[:, 0]])
    assert distinct_rows(three)[1].tolist() == [1, 2, 2]


def test_ten_thousand_items_take_well_under_a_few_seconds() -> None:
    numbers = correlated_numbers(10_000, seed=8)
    a, b = correlated_codes(10_000, seed=8)
    started = time.perf_counter()
    interval_alpha = alpha_estimate(numbers, "interval")
    kappa = cohen_kappa_estimate(a, b, categories=3)
    elapsed = time.perf_counter() - started
    assert interval_alpha.ci95 is not None and kappa.ci95 is not None
    # ~0.4 s on a free 2-core machine; the bound only catches a slow path taken by mistake.
    assert elapsed < 10
