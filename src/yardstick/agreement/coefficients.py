"""Agreement between raters, pure: no database, no HTTP. Krippendorff's alpha is in
krippendorff.py; how values become intervals is bootstrap.py.

Each figure is a `Statistic` (features per distinct unit, a function of their sums), so its
bootstrap interval costs a matrix product per resample batch. Two raters' answers come in as
category codes (0..k-1, ordered for weighted kappa) or, for the differences, as numbers; each
function here takes the *distinct* units and the caller passes their counts to `estimate`.
The `*_estimate` functions do both steps for one figure.

The formulas are the textbook ones, written out with numpy instead of importing
scikit-learn's (3-4 s and ~70 MB of imports for a few lines of arithmetic, and one call per
resample): the tests check each against scikit-learn and against published worked examples.

- Cohen's kappa (Cohen 1960; weighted, Cohen 1968), two raters: 1 - sum(w * O) / sum(w * E),
  O the observed joint proportions, E the product of the two raters' marginals, w the
  disagreement weights (1 off the diagonal: unweighted; |i - j| linear; (i - j)^2 quadratic).
  Undefined when E puts no weight on disagreement: both raters gave every item one and the same
  category (chance agreement is then 1, and 0/0 is no number; accuracy is 1).
- Fleiss' kappa (Fleiss 1971), m raters per item, each item rated by the same number m:
  (P - Pe) / (1 - Pe), P the mean share of agreeing rater pairs per item, Pe the sum of the
  squared category shares. Undefined when every rating is one category.
- Accuracy (percentage agreement): the share of items whose two values are equal; `share`
  the same for any per-item test (every reviewer of an item giving one answer).
"""

from typing import Literal

import numpy as np
import numpy.typing as npt

from yardstick.agreement.bootstrap import (
    RESAMPLES,
    SEED,
    Estimate,
    FloatArray,
    IntArray,
    Statistic,
    distinct_rows,
    estimate,
)

Weights = Literal["linear", "quadratic"]

ONE_CATEGORY = (
    "both raters gave every item one and the same value: agreement expected by chance is "
    "complete, so kappa is 0/0 (accuracy is 1)"
)


def accuracy(a: FloatArray, b: FloatArray) -> Statistic:
    """The share of units whose two values are equal (exactly)."""
    return share(a == b)


def share(hits: npt.NDArray[np.bool_]) -> Statistic:
    """The share of units where `hits` holds (two values equal, every reviewer agreeing)."""
    features = np.column_stack([hits.astype(np.float64), np.ones(hits.size)])
    return Statistic(
        features, value=lambda s: _divide(s[..., 0], s[..., 1]), undefined=_never, min_units=1
    )


def mean_difference(a: FloatArray, b: FloatArray, *, absolute: bool = False) -> Statistic:
    """The mean of b - a (or of |b - a|) over the units."""
    difference = b - a
    features = np.column_stack([np.abs(difference) if absolute else difference, np.ones(a.size)])
    return Statistic(
        features, value=lambda s: _divide(s[..., 0], s[..., 1]), undefined=_never, min_units=1
    )


def disagreement_weights(categories: int, weights: Weights | None) -> FloatArray:
    """The (k, k) disagreement weights of Cohen's kappa, 0 on the diagonal."""
    codes = np.arange(categories, dtype=np.float64)
    steps: FloatArray = codes[:, np.newaxis] - codes[np.newaxis, :]
    if weights is None:
        return np.abs(np.sign(steps))
    if weights == "linear":
        return np.abs(steps)
    if weights == "quadratic":
        return steps**2
    raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")


def cohen_kappa(
    a: IntArray, b: IntArray, *, categories: int, weights: Weights | None = None
) -> Statistic:
    """Cohen's kappa of two raters' codes in 0..categories-1 (one unit per position).

    Features per unit: its disagreement weight w(a, b), then one-hot a, then one-hot b; so the
    sums are the total observed disagreement and each rater's marginal counts.
    """
    _check_codes(categories, a, b)
    w = disagreement_weights(categories, weights)
    eye = np.eye(categories)
    features = np.column_stack([w[a, b], eye[a], eye[b]])

    def value(sums: FloatArray) -> FloatArray:
        observed = sums[..., 0]
        first = sums[..., 1 : 1 + categories]
        second = sums[..., 1 + categories :]
        n = first.sum(axis=-1)
        # sum_ij w_ij r_i c_j / n: the disagreement expected from the marginals, in items
        expected = np.einsum("...i,ij,...j->...", first, w, second) / np.where(n > 0, n, 1)
        return 1 - _divide(observed, expected)

    def undefined(sums: FloatArray) -> str | None:
        return ONE_CATEGORY if not np.isfinite(value(sums[np.newaxis])[0]) else None

    return Statistic(features, value=value, undefined=undefined)


def confusion_matrix(a: IntArray, b: IntArray, *, categories: int) -> IntArray:
    """(k, k) counts: row i, column j holds the units rated i by `a` and j by `b`."""
    _check_codes(categories, a, b)
    cells = np.bincount(a * categories + b, minlength=categories * categories)
    return cells.reshape(categories, categories).astype(np.intp)


def fleiss_kappa(ratings: FloatArray) -> Statistic:
    """Fleiss' kappa of (units, categories) counts: how many raters put unit i in category j.

    Every unit must have the same number m >= 2 of raters. Features per unit: P_i, the share
    of its m (m - 1) ordered rater pairs that agree, then its counts, then 1 (for the number of
    units); p_j = sum_i n_ij / (N m), Pe = sum_j p_j^2, kappa = (mean P_i - Pe) / (1 - Pe).
    """
    if ratings.ndim != 2 or ratings.shape[1] < 1:
        raise ValueError("ratings must be a (units, categories) array of counts")
    raters = ratings.sum(axis=1)
    if ratings.shape[0] and not (raters == raters[0]).all():
        raise ValueError("Fleiss' kappa needs the same number of raters for every unit")
    m = float(raters[0]) if ratings.shape[0] else 2.0
    if m < 2:
        raise ValueError("Fleiss' kappa needs at least 2 raters per unit")
    agreeing = ((ratings**2).sum(axis=1) - m) / (m * (m - 1))
    features = np.column_stack([agreeing, ratings, np.ones(ratings.shape[0])])

    def value(sums: FloatArray) -> FloatArray:
        units = sums[..., -1]
        observed = _divide(sums[..., 0], units)
        shares = sums[..., 1:-1] / (np.where(units > 0, units, 1) * m)[..., np.newaxis]
        chance = (shares**2).sum(axis=-1)
        return _divide(observed - chance, 1 - chance)

    def undefined(sums: FloatArray) -> str | None:
        if np.isfinite(value(sums[np.newaxis])[0]):
            return None
        return "every rating is one and the same category: kappa is 0/0"

    return Statistic(features, value=value, undefined=undefined)


def cohen_kappa_estimate(
    a: IntArray,
    b: IntArray,
    *,
    categories: int,
    weights: Weights | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Estimate:
    """Cohen's kappa of two raters' codes with its bootstrap interval over units."""
    pairs, counts = distinct_rows(np.column_stack([a, b]).astype(np.float64))
    codes = pairs.astype(np.intp)
    statistic = cohen_kappa(codes[:, 0], codes[:, 1], categories=categories, weights=weights)
    return estimate([statistic], counts, resamples=resamples, seed=seed)[0][0]


def accuracy_estimate(
    a: FloatArray, b: FloatArray, *, resamples: int = RESAMPLES, seed: int = SEED
) -> Estimate:
    """The share of units on which two raters agree exactly, with its interval."""
    pairs, counts = distinct_rows(np.column_stack([a, b]).astype(np.float64))
    statistic = accuracy(pairs[:, 0], pairs[:, 1])
    return estimate([statistic], counts, resamples=resamples, seed=seed)[0][0]


def fleiss_kappa_estimate(
    ratings: FloatArray, *, resamples: int = RESAMPLES, seed: int = SEED
) -> Estimate:
    """Fleiss' kappa of (units, categories) counts with its bootstrap interval over units."""
    rows, counts = distinct_rows(np.asarray(ratings, dtype=np.float64))
    return estimate([fleiss_kappa(rows)], counts, resamples=resamples, seed=seed)[0][0]


def _check_codes(categories: int, *codes: IntArray) -> None:
    if categories < 1:
        raise ValueError("there must be at least one category")
    for found in codes:
        if found.size and (found.min() < 0 or found.max() >= categories):
            raise ValueError(f"codes must lie in 0..{categories - 1}")


def _divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """numerator / denominator, NaN where the denominator is 0 (quietly: it means undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(denominator != 0, numerator / denominator, np.nan)
    return out


def _never(_: FloatArray) -> str | None:
    return None
