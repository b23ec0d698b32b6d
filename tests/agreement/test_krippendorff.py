"""Krippendorff's alpha: the examples of Krippendorff's "Computing Krippendorff's
Alpha-Reliability" (2011), and the `krippendorff` package on random data with missing values
(it is the reference here; the server cannot use it: see yardstick/agreement/krippendorff.py)."""

import krippendorff as reference
import numpy as np
import pytest

from yardstick.agreement.krippendorff import ORDINAL_MAX_VALUES, alpha, alpha_estimate

nan = np.nan
# Section C: four observers, twelve units, values 1-5, missing values. As published:
# nominal 0.743, ordinal 0.815, interval 0.849.
EXAMPLE_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
).T  # (units, coders)
# Section A: two observers, ten units, binary: alpha 0.095.
EXAMPLE_A = np.array(
    [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]], dtype=np.float64
).T


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_the_papers_example_with_missing_values(level: str, published: float) -> None:
    found = alpha_estimate(EXAMPLE_C, level)  # type: ignore[arg-type]
    assert found.value == pytest.approx(published, abs=5e-4)
    assert found.value == pytest.approx(
        reference.alpha(EXAMPLE_C.T, level_of_measurement=level), abs=1e-12
    )
    assert found.ci95 is not None and found.ci95[0] <= found.value <= found.ci95[1]


def test_the_papers_binary_example_by_hand() -> None:
    # 20 pairable values: 14 zeros, 6 ones; 4 of 10 units disagree, each giving two
    # disagreeing ordered pairs. alpha = 1 - (n - 1) * 8 / (2 * 14 * 6).
    by_hand = 1 - 19 * 8 / (2 * 14 * 6)
    assert by_hand == pytest.approx(0.095, abs=5e-4)
    assert alpha_estimate(EXAMPLE_A, "nominal").value == pytest.approx(by_hand)


def test_two_raters_nominal_alpha_is_scotts_pi_with_the_small_sample_correction() -> None:
    # alpha = 1 - (2N - 1) / (2N) * (1 - pi) for two raters and no missing values.
    a = np.array([1] * 25 + [0] * 25)
    b = np.array([1] * 20 + [0] * 5 + [1] * 10 + [0] * 15)
    chance = 0.55**2 + 0.45**2
    pi = (0.7 - chance) / (1 - chance)
    found = alpha_estimate(np.column_stack([a, b]).astype(np.float64), "nominal")
    assert found.value == pytest.approx(1 - 99 / 100 * (1 - pi))


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("seed", range(6))
def test_matches_the_krippendorff_package_with_missing_values(level: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    units, coders = int(rng.integers(3, 60)), int(rng.integers(2, 6))
    truth = rng.integers(1, 6, units)
    data = np.clip(truth[:, np.newaxis] + rng.integers(-1, 2, (units, coders)), 1, 5)
    data = data.astype(np.float64)
    data[rng.random(data.shape) < 0.25] = nan  # some units end with fewer than two values
    expected = reference.alpha(data.T, level_of_measurement=level)
    found = alpha_estimate(data, level)  # type: ignore[arg-type]
    if np.isnan(expected):
        assert found.value is None and found.reason
    else:
        assert found.value == pytest.approx(expected, abs=1e-9)


def test_interval_alpha_of_large_values_does_not_cancel() -> None:
    rng = np.random.default_rng(7)
    h = rng.normal(size=200)
    data = np.column_stack([h, h + rng.normal(size=200) * 0.3])
    shifted = alpha_estimate(data + 1e9, "interval").value
    assert shifted == pytest.approx(alpha_estimate(data, "interval").value, abs=1e-6)


@pytest.mark.parametrize("scale", [1e-300, 1e200, 1e307])
def test_interval_alpha_does_not_change_with_the_scale(scale: float) -> None:
    # At 1e200 the squares overflowed, and alpha was null "as every value is the same".
    data = np.array([[1.0, 1.0], [2.0, 2.5], [3.0, 3.0]])
    expected = alpha_estimate(data, "interval").value
    assert expected == pytest.approx(0.950495, abs=1e-6)  # the `krippendorff` package's
    assert alpha_estimate(data * scale, "interval").value == pytest.approx(expected, rel=1e-9)


def test_undefined_cases_are_null_with_a_reason() -> None:
    # Every value the same: no expected disagreement.
    same = np.full((10, 3), 4.0)
    for level in ("nominal", "ordinal", "interval"):
        found = alpha_estimate(same, level)  # type: ignore[arg-type]
        assert found.value is None and "0/0" in (found.reason or "")
    # One unit with two values, the others with one: nothing to pair across units.
    sparse = np.array([[1.0, 2.0], [3.0, nan], [nan, 4.0]])
    found = alpha_estimate(sparse, "interval")
    assert found.value is None and "two or more values" in (found.reason or "")
    assert alpha_estimate(np.zeros((0, 2)), "nominal").reason == "fewer than 2 items"


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        alpha(np.array([[1.0, np.inf]]), "interval")
    with pytest.raises(ValueError, match="level"):
        alpha(np.array([[1.0, 2.0]]), "ratio")  # type: ignore[arg-type]
    many = np.arange(2 * (ORDINAL_MAX_VALUES + 1), dtype=np.float64).reshape(-1, 2)
    with pytest.raises(ValueError, match="ordinal"):
        alpha(many, "ordinal")
