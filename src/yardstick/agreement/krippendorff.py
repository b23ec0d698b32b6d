"""Krippendorff's alpha (nominal, ordinal, interval), missing ratings allowed; pure numpy.

alpha = 1 - D_o / D_e (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011): D_o
is the disagreement observed within units, D_e the disagreement expected between any two
pairable values. Only units with at least two values are pairable; a unit u with m_u values
contributes each ordered pair of its values with weight 1 / (m_u - 1) to the coincidences o_ck.
With n_c the pairable values equal to c and n their total:

    alpha = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck

where the distance d is, by level of measurement:
- nominal: 1 when c != k. Then sum o d = sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1): one number
  per unit, plus the counts per value;
- interval: (c - k)^2. Then sum o d = sum_u 2 m_u SS_u / (m_u - 1), SS_u the unit's sum of
  squares about its mean, and sum n n d = 2 (n S2 - S1^2) from the pairable values' sum S1
  and sum of squares S2: four numbers per unit, whatever the number of distinct values;
- ordinal: (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, which is (R_c - R_k)^2 for the midranks R
  of the pairable values; it depends on every n_g, so each unit carries its whole coincidence
  matrix (up to ORDINAL_MAX_VALUES distinct values).

All three are sums over units, so the bootstrap (bootstrap.py) resamples units. Not the
`krippendorff` package: it builds a (units, values, values) array, which for numbers with
thousands of distinct values does not fit in memory, and it is GPL-licensed. The tests check
every level against it on random data with missing values, and against the paper's examples.
Values are shifted by their mean first, so S2 and S1^2 do not cancel for large values.
"""

from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt

from yardstick.agreement.bootstrap import (
    RESAMPLES,
    SEED,
    Estimate,
    FloatArray,
    Statistic,
    distinct_rows,
    estimate,
)

BoolArray = npt.NDArray[np.bool_]
Level = Literal["nominal", "ordinal", "interval"]
ORDINAL_MAX_VALUES = 20

_ONE_VALUE = (
    "every pairable value is the same: no disagreement is expected by chance, so alpha is 0/0"
)


def alpha(data: FloatArray, level: Level) -> Statistic:
    """Krippendorff's alpha of (units, coders) data, NaN where a coder gave no value.

    Units with fewer than two values carry zero features: they take part in resampling (a
    resample may hold fewer pairable units) but not in the coefficient. Column 0 of every
    level's features marks the pairable units: alpha needs two of them.
    """
    if data.ndim != 2:
        raise ValueError("data must be a (units, coders) array")
    if np.isinf(data).any():
        raise ValueError("values must be finite (NaN marks a missing one)")
    present = ~np.isnan(data)
    m = present.sum(axis=1).astype(np.float64)
    pairable = m >= 2
    if level == "interval":
        return _interval(data, present, m, pairable)
    if level not in ("nominal", "ordinal"):
        raise ValueError(f"level must be 'nominal', 'ordinal' or 'interval', not {level!r}")
    values, codes = np.unique(data[present], return_inverse=True)
    if level == "ordinal" and values.size > ORDINAL_MAX_VALUES:
        raise ValueError(
            f"ordinal alpha takes at most {ORDINAL_MAX_VALUES} distinct values, not {values.size}"
        )
    counts = np.zeros((data.shape[0], values.size))
    np.add.at(counts, (np.nonzero(present)[0], codes.ravel()), 1.0)
    counts[~pairable] = 0
    if level == "nominal":
        return _nominal(counts, m, pairable)
    return _ordinal(counts, m, pairable)


def alpha_estimate(
    data: FloatArray, level: Level, *, resamples: int = RESAMPLES, seed: int = SEED
) -> Estimate:
    """Krippendorff's alpha of (units, coders) data with its bootstrap interval over units."""
    rows, counts = distinct_rows(np.asarray(data, dtype=np.float64))
    return estimate([alpha(rows, level)], counts, resamples=resamples, seed=seed)[0][0]


def _nominal(counts: FloatArray, m: FloatArray, pairable: BoolArray) -> Statistic:
    within = np.zeros(m.size)
    p = pairable
    within[p] = (m[p] ** 2 - (counts[p] ** 2).sum(axis=1)) / (m[p] - 1)
    features = np.column_stack([pairable, within, counts]).astype(np.float64)

    def value(sums: FloatArray) -> FloatArray:
        totals = sums[..., 2:]
        n = totals.sum(axis=-1)
        expected = n**2 - (totals**2).sum(axis=-1)
        return _alpha(sums[..., 0], sums[..., 1], expected, n)

    return _statistic(features, value)


def _ordinal(counts: FloatArray, m: FloatArray, pairable: BoolArray) -> Statistic:
    k = counts.shape[1]
    coincidences = np.zeros((m.size, k, k))
    p = pairable
    outer = counts[p, :, np.newaxis] * counts[p, np.newaxis, :]
    outer[:, np.arange(k), np.arange(k)] -= counts[p]
    coincidences[p] = outer / (m[p] - 1)[:, np.newaxis, np.newaxis]
    features = np.column_stack([pairable, coincidences.reshape(m.size, k * k)]).astype(np.float64)

    def value(sums: FloatArray) -> FloatArray:
        o = sums[..., 1:].reshape(*sums.shape[:-1], k, k)
        totals = o.sum(axis=-1)  # a pairable value c is in row c of its unit's coincidences
        n = totals.sum(axis=-1)
        ranks = np.cumsum(totals, axis=-1) - totals / 2
        distance = (ranks[..., :, np.newaxis] - ranks[..., np.newaxis, :]) ** 2
        observed = (o * distance).sum(axis=(-2, -1))
        outer = totals[..., :, np.newaxis] * totals[..., np.newaxis, :]
        expected = (outer * distance).sum(axis=(-2, -1))
        return _alpha(sums[..., 0], observed, expected, n)

    return _statistic(features, value)


def _interval(
    data: FloatArray, present: BoolArray, m: FloatArray, pairable: BoolArray
) -> Statistic:
    used = present & pairable[:, np.newaxis]
    # Alpha does not change with the values' scale, and squares of values past ~1e154 overflow
    # (then read as "every value the same"): the values are divided by the largest first.
    top = float(np.abs(data[used]).max()) if used.any() else 0.0
    scaled = data / top if top > 0 else data
    shift = scaled[used].mean() if used.any() else 0.0
    values = np.where(used, scaled - shift, 0.0)
    taken = np.where(pairable, m, 0.0)
    s1 = values.sum(axis=1)
    s2 = (values**2).sum(axis=1)
    within = np.zeros(m.size)
    p = pairable
    unit_means = s1[p] / m[p]
    deviations = np.where(used[p], values[p] - unit_means[:, np.newaxis], 0.0)
    within[p] = 2 * m[p] * (deviations**2).sum(axis=1) / (m[p] - 1)
    features = np.column_stack([pairable, within, taken, s1, s2]).astype(np.float64)

    def value(sums: FloatArray) -> FloatArray:
        n, total, squares = sums[..., 2], sums[..., 3], sums[..., 4]
        expected = 2 * (n * squares - total**2)
        # Where every value is equal, rounding can leave a speck instead of 0: relative to the
        # size of the terms, anything under 1e-12 is that speck.
        expected = np.where(expected > 1e-12 * n * squares, expected, 0.0)
        return _alpha(sums[..., 0], sums[..., 1], expected, n)

    return _statistic(features, value)


def _alpha(
    pairable: FloatArray, observed: FloatArray, expected: FloatArray, n: FloatArray
) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(
            (pairable >= 2) & (expected > 0), 1 - (n - 1) * observed / expected, np.nan
        )
    return out


def _statistic(features: FloatArray, value: Callable[[FloatArray], FloatArray]) -> Statistic:
    def undefined(sums: FloatArray) -> str | None:
        if sums[0] < 2:
            return "fewer than 2 items have two or more values"
        return _ONE_VALUE if not np.isfinite(value(sums[np.newaxis])[0]) else None

    return Statistic(features, value=value, undefined=undefined)
