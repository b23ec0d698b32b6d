"""Paired statistics for comparing two runs metric by metric, pure: no database, no HTTP.

Flow: the caller aligns each metric's values by item, leaving out items missing on either side,
calls `compare` once per metric, then `adjust` once over all the metrics of the comparison.
`compare` measures the effect (means, the mean paired difference and its bootstrap interval,
the minimum detectable difference, counts) and runs the metric's test, unadjusted: exact
McNemar for a binary metric, Wilcoxon signed-rank for a numeric one, and one exact McNemar per
category ("is the answer this category?") for a categorical one. `adjust` runs Holm over every
test of the comparison and fills in `p_adjusted` and `verdict`.

The bootstrap resamples pairs. For a mean, a resample matters only through how many times it
draws each difference, and those counts are drawn one of three ways, the exact ones first:
- at most 256 distinct differences (binary metrics, ratings, n <= 256): one multinomial draw
  per resample over the distinct values, which is exactly the distribution of index resampling;
- else, while n * resamples <= 2**22: index resampling, in chunks of at most 2**20 draws;
- else a stratified approximation. The sorted differences are cut into at most 191 strata: the
  32 most extreme on each side alone, the rest at 64 quantiles and 64 equal-width steps. Each
  resample draws its count per stratum exactly and, given that count, a stratum's sum as normal.
  On normal, Student t (1 and 2 df), lognormal, exponential, bimodal and single-outlier samples
  the strata held under 0.1 % of the variance within them, and the percentiles matched index
  resampling's within Monte Carlo noise. Index resampling costs about 10 ns a draw on a 2-core
  machine, 2 s for one metric at n = 100,000; this takes about 0.1 s.
`ci_method` names the stratified approximation when it ran.

Values can come near a double's maximum (~1.8e308), where a sum, a square or even one
difference passes its range. Such values are scaled down by a power of two (exact: only the
exponents change) so that the largest is under 2**256: sums and squares of any number of them
then stay well inside the range, and values down to 2**-254 beside them keep every digit.
The figures are scaled back at the end, so one passes the range (becomes ±inf, its sign still
the direction) only where the true figure does.

The tests' null distributions come from scipy.special, not scipy.stats: importing scipy.stats
costs a server ~45 MB and a second for three functions (the binomial test, the signed-rank test
and midranks), written out below and checked against scipy.stats in the tests. Importing this
module still loads numpy and scipy.special: import it where a comparison runs, not at server
start.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
Kind = Literal["binary", "numeric", "categorical"]
Verdict = Literal["improved", "regressed", "changed", "no_significant_difference"]

RESAMPLES = 2000
POWER = 0.8
TOP_CHANGES = 50
HISTOGRAM_BINS = 21  # odd: the middle bin holds the unchanged pairs

# How the bootstrap draws its resamples: see the module docstring.
_EXACT_MAX_VALUES = 256
_INDEX_MAX_DRAWS = 2**22
_CHUNK_DRAWS = 2**20  # 8 MB of indices at a time
_TAIL = 32
_QUANTILE_CUTS = 64
_WIDTH_CUTS = 64
# The signed-rank test's null distribution, as scipy.stats.wilcoxon picks it: enumerated over
# every sign pattern up to 13 changed pairs with tied magnitudes, exact (counted) up to 50 pairs
# without ties, the normal approximation with the tie correction otherwise.
_ENUMERATE_MAX = 13
_EXACT_MAX = 50
# Values past 2**_SCALED_EXPONENT are computed scaled down to it: see the module docstring.
_SCALED_EXPONENT = 256


@dataclass(frozen=True, kw_only=True)
class CategoryResult:
    """One category of a categorical metric, tested against all the others by exact McNemar."""

    label: str
    baseline_count: int
    candidate_count: int
    gained: int  # pairs whose answer moved into this category
    lost: int  # pairs whose answer moved out of it
    p_value: float
    p_adjusted: float | None = None


@dataclass(frozen=True, kw_only=True)
class PairedResult:
    """One metric compared over `n` aligned pairs: `compare` makes it, `adjust` finishes it.

    `delta` is the mean of candidate - baseline and [`ci_low`, `ci_high`] its (1 - alpha)
    interval. `mde` is the smallest true mean difference, in the metric's units, that a test at
    alpha would detect with 80 % power at this n and spread. `improved` and `regressed` count
    pairs by direction, so a decrease counts as improved when `higher_is_better` is False.
    `delta`, the interval and `mde` are ±inf where they pass a double's range. The verdict is
    "improved" or "regressed" when the adjusted p-value is below alpha, going by the sign of
    `delta`. It is "changed" when the change is significant but has no direction: always so for
    a categorical metric, for a numeric one whose mean difference is exactly 0, and for one
    whose mean moved against its ranks (`test_direction`, the sign of the signed-rank sum:
    twenty pairs up by 1 and one down by 30 rank up, and average down).

    A categorical metric has no means, `delta`, interval, `mde`, `improved` or `regressed`, so
    those are None: category codes have neither a mean nor a direction. Its `p_value` is the
    smallest of its categories' unadjusted p-values and its `p_adjusted` the smallest adjusted one.
    """

    kind: Kind
    n: int
    alpha: float
    higher_is_better: bool
    baseline_mean: float | None
    candidate_mean: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    ci_method: str | None
    test: str
    p_value: float
    mde: float | None
    improved: int | None
    regressed: int | None
    unchanged: int
    # The direction the test found: +1 candidate higher, -1 lower, 0 none (or categorical).
    test_direction: int = 0
    categories: tuple[CategoryResult, ...] = ()
    p_adjusted: float | None = None
    verdict: Verdict | None = None


@dataclass(frozen=True)
class TopChanges:
    improved: tuple[str, ...]
    regressed: tuple[str, ...]


def compare(
    baseline: FloatArray,
    candidate: FloatArray,
    *,
    kind: Kind,
    higher_is_better: bool = True,
    alpha: float = 0.05,
    seed: int = 0,
    resamples: int = RESAMPLES,
    labels: Sequence[str] | None = None,
) -> PairedResult:
    """One metric's paired values, aligned and without missing ones, compared; unadjusted.

    Binary values are 0 or 1. Categorical values are codes, indices into `labels`.
    """
    if baseline.ndim != 1 or baseline.shape != candidate.shape or baseline.size == 0:
        raise ValueError("baseline and candidate must be 1-D arrays of one non-zero length")
    if not 0 < alpha <= 0.5:
        raise ValueError(f"alpha must be in (0, 0.5], not {alpha}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    if kind == "categorical":
        if labels is None:
            raise ValueError("a categorical metric needs its labels")
        return _compare_categories(baseline, candidate, labels, alpha, higher_is_better)
    if kind == "binary":
        if not (np.isin(baseline, (0.0, 1.0)).all() and np.isin(candidate, (0.0, 1.0)).all()):
            raise ValueError("binary values must be 0 or 1")
        test = "exact McNemar"
    elif kind == "numeric":
        test = "Wilcoxon signed-rank"
    else:
        raise ValueError(f"unknown kind {kind!r}")
    shift = _shift(baseline, candidate)
    baseline, candidate = _scaled(baseline, shift), _scaled(candidate, shift)
    differences = candidate - baseline
    # The tests read the ranks of the differences: without the doubles' noise. The figures
    # read the differences themselves.
    ranked = _without_noise(differences)
    if kind == "binary":
        p_value = _mcnemar(lost=int((ranked < 0).sum()), gained=int((ranked > 0).sum()))
    else:
        p_value = _wilcoxon(ranked)
    delta = float(differences.mean())
    ci_low, ci_high, ci_method = _bootstrap(differences, delta, alpha, resamples, seed)
    mde = _mde(differences, alpha)
    gains = differences if higher_is_better else -differences
    return PairedResult(
        kind=kind,
        n=differences.size,
        alpha=alpha,
        higher_is_better=higher_is_better,
        baseline_mean=_unscaled(float(baseline.mean()), shift),
        candidate_mean=_unscaled(float(candidate.mean()), shift),
        delta=_unscaled(delta, shift),
        ci_low=_unscaled(ci_low, shift),
        ci_high=_unscaled(ci_high, shift),
        ci_method=ci_method,
        test=test,
        p_value=p_value,
        mde=None if mde is None else _unscaled(mde, shift),
        improved=int((gains > 0).sum()),
        regressed=int((gains < 0).sum()),
        unchanged=int((differences == 0).sum()),
        test_direction=_rank_direction(ranked),
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input's order.

    The i-th smallest p-value (counting from 0) is multiplied by m - i, made non-decreasing in
    that order and capped at 1. This controls the family-wise error rate under any dependence
    between the tests, including the overlapping per-category tests of one categorical metric.
    """
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def adjust(results: Sequence[PairedResult]) -> list[PairedResult]:
    """The results of one comparison, with Holm run over all their tests, and verdicts.

    There is one test per binary or numeric metric and one per category of a categorical metric.
    Each verdict compares with its own result's alpha.
    """
    adjusted = iter(holm([p for result in results for p in _test_p_values(result)]))
    finished = []
    for result in results:
        if result.kind == "categorical":
            category_ps = [next(adjusted) for _ in result.categories]
            categories = tuple(
                replace(category, p_adjusted=p)
                for category, p in zip(result.categories, category_ps, strict=True)
            )
            p_adjusted = min(category_ps)
        else:
            categories, p_adjusted = result.categories, next(adjusted)
        finished.append(
            replace(
                result,
                categories=categories,
                p_adjusted=p_adjusted,
                verdict=_verdict(result, p_adjusted),
            )
        )
    return finished


def top_changes(
    item_ids: Sequence[str],
    baseline: FloatArray,
    candidate: FloatArray,
    *,
    higher_is_better: bool = True,
    limit: int = TOP_CHANGES,
) -> TopChanges:
    """The ids of the items that improved most and regressed most, up to `limit` each.

    Largest change first, ties by ascending id so the lists do not depend on the input's order.
    """
    if not len(item_ids) == baseline.size == candidate.size:
        raise ValueError("item_ids, baseline and candidate must have one length")
    shift = _shift(baseline, candidate)  # so that huge changes still rank by size, not tie at inf
    baseline, candidate = _scaled(baseline, shift), _scaled(candidate, shift)
    gains = candidate - baseline if higher_is_better else baseline - candidate
    return TopChanges(
        improved=_largest(item_ids, gains, limit),
        regressed=_largest(item_ids, -gains, limit),
    )


def _compare_categories(
    baseline: FloatArray,
    candidate: FloatArray,
    labels: Sequence[str],
    alpha: float,
    higher_is_better: bool,
) -> PairedResult:
    codes = np.arange(len(labels))
    if not (np.isin(baseline, codes).all() and np.isin(candidate, codes).all()):
        raise ValueError("categorical values must be codes indexing labels")
    before, after = baseline.astype(np.intp), candidate.astype(np.intp)
    changed = before != after
    baseline_counts = np.bincount(before, minlength=codes.size)
    candidate_counts = np.bincount(after, minlength=codes.size)
    lost = np.bincount(before[changed], minlength=codes.size)
    gained = np.bincount(after[changed], minlength=codes.size)
    # Only categories that occur: one that never does is no test, and would only weaken Holm.
    categories = tuple(
        CategoryResult(
            label=labels[code],
            baseline_count=int(baseline_counts[code]),
            candidate_count=int(candidate_counts[code]),
            gained=int(gained[code]),
            lost=int(lost[code]),
            p_value=_mcnemar(lost=int(lost[code]), gained=int(gained[code])),
        )
        for code in np.flatnonzero(baseline_counts + candidate_counts).tolist()
    )
    return PairedResult(
        kind="categorical",
        n=before.size,
        alpha=alpha,
        higher_is_better=higher_is_better,
        baseline_mean=None,
        candidate_mean=None,
        delta=None,
        ci_low=None,
        ci_high=None,
        ci_method=None,
        test="exact McNemar per category",
        p_value=min(category.p_value for category in categories),
        mde=None,
        improved=None,
        regressed=None,
        unchanged=int((~changed).sum()),
        categories=categories,
    )


def histogram(
    baseline: FloatArray, candidate: FloatArray, *, bins: int = HISTOGRAM_BINS
) -> tuple[list[float], list[int]]:
    """The paired differences, candidate - baseline, in `bins` equal bins over a range symmetric
    around 0, so an unchanged pair falls in the middle bin and both sides of zero are drawn to
    one scale. Edges past a double's range are ±inf."""
    shift = _shift(baseline, candidate)
    differences = _scaled(candidate, shift) - _scaled(baseline, shift)
    reach = float(np.abs(differences).max()) if differences.size else 0.0
    edges = np.linspace(-reach, reach, bins + 1) if reach > 0 else np.array([-0.5, 0.5])
    counts, _ = np.histogram(differences, bins=edges)
    return [_unscaled(edge, shift) for edge in edges.tolist()], counts.tolist()


def exponent_shift(values: FloatArray) -> int:
    """The power of two to divide `values` by so that the largest is under 2**256; 0 when it
    already is (see the module docstring)."""
    largest = float(np.abs(values).max()) if values.size else 0.0
    return max(0, math.frexp(largest)[1] - _SCALED_EXPONENT)


def _shift(baseline: FloatArray, candidate: FloatArray) -> int:
    return max(exponent_shift(baseline), exponent_shift(candidate))


def _scaled(values: FloatArray, shift: int) -> FloatArray:
    scaled: FloatArray = np.ldexp(values, -shift)
    return scaled


def _unscaled(value: float, shift: int) -> float:
    """`value` * 2**shift, ±inf past a double's range."""
    with np.errstate(over="ignore"):
        return float(np.ldexp(value, shift))


def _mcnemar(*, lost: int, gained: int) -> float:
    """Exact McNemar: the two-sided binomial test of the discordant pairs against a fair coin.

    With p = 1/2 the distribution is symmetric, so both tails together are twice the smaller.
    """
    n = lost + gained
    if n == 0:
        return 1.0
    return float(min(1.0, 2 * special.bdtr(min(lost, gained), n, 0.5)))


# Bits of a difference's mantissa that the rank test reads (`_without_noise`): ~12 digits.
_BITS = 40


def _without_noise(differences: FloatArray) -> FloatArray:
    """The differences as the rank test should see them: each rounded to _BITS bits of its
    own mantissa, in the same order and with the same signs, zeros kept. Row means over
    repeats are sums over counts, so 2/3 - 1/3 and 1/3 - 0 differed in their last bit, and
    were ranked as two sizes instead of a tie (p 0.46 where it is 0.33)."""
    mantissas, exponents = np.frexp(differences)
    rounded: FloatArray = np.ldexp(np.round(np.ldexp(mantissas, _BITS)), exponents - _BITS)
    return rounded


def _wilcoxon(differences: FloatArray) -> float:
    # Unchanged pairs are dropped (zero_method "wilcox", not "zsplit"), as McNemar drops the
    # concordant ones: they say nothing about direction, so binary and numeric metrics are tested
    # on the same footing. Dropping them also allows the exact null distribution for up to 50
    # changed pairs without ties, which zeros would rule out.
    changed = differences[differences != 0]
    m = changed.size
    if m == 0:
        return 1.0
    ranks, tie_sizes = _midranks(np.abs(changed))
    positive = float(ranks[changed > 0].sum())
    if tie_sizes.size:
        if m <= _ENUMERATE_MAX:
            return _enumerated_p(ranks, positive)
    elif m <= _EXACT_MAX:
        return _exact_p(m, positive)
    mean = m * (m + 1) / 4
    variance = m * (m + 1) * (2 * m + 1) / 24 - float((tie_sizes**3 - tie_sizes).sum()) / 48
    z = (positive - mean) / math.sqrt(variance)
    return float(min(1.0, 2 * special.ndtr(-abs(z))))


def _rank_direction(differences: FloatArray) -> int:
    """The sign of the signed-rank sum, W+ - W-, of the changed pairs: the direction Wilcoxon's
    test (and McNemar's, whose ranks are all equal) found."""
    changed = differences[differences != 0]
    if changed.size == 0:
        return 0
    ranks, _ = _midranks(np.abs(changed))
    balance = float(ranks[changed > 0].sum() - ranks[changed < 0].sum())
    return 0 if balance == 0 else (1 if balance > 0 else -1)


def _midranks(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Ranks from 1, ties sharing their mean rank; and the size of each group of ties (> 1)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    starts = np.flatnonzero(first)
    sizes = np.diff(starts, append=values.size)
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(starts + (sizes + 1) / 2, sizes)
    return ranks, sizes[sizes > 1].astype(np.float64)


def _enumerated_p(ranks: FloatArray, positive: float) -> float:
    """The two-sided signed-rank p-value over all 2^m sign patterns, with midranks for ties.

    Midranks are multiples of 1/2, so the sums compare exactly.
    """
    m = ranks.size
    signs = (np.arange(2**m)[:, np.newaxis] >> np.arange(m)) & 1
    positive_sums = signs @ ranks
    tail = min(float(np.mean(positive_sums <= positive)), float(np.mean(positive_sums >= positive)))
    return min(1.0, 2 * tail)


def _exact_p(m: int, positive: float) -> float:
    """The two-sided signed-rank p-value without ties: the sum of positive ranks 1..m counted
    over all 2^m sign patterns, one rank at a time."""
    counts = np.zeros(m * (m + 1) // 2 + 1)
    counts[0] = 1.0
    for rank in range(1, m + 1):
        counts[rank:] = counts[rank:] + counts[:-rank].copy()
    cumulative = np.cumsum(counts) / 2.0**m
    observed = int(positive)
    low = cumulative[observed]
    high = 1.0 - (cumulative[observed - 1] if observed > 0 else 0.0)
    return float(min(1.0, 2 * min(low, high)))


def _bootstrap(
    differences: FloatArray, delta: float, alpha: float, resamples: int, seed: int
) -> tuple[float, float, str]:
    """The percentile interval of the mean paired difference, and how it was computed."""
    if _all_equal(differences):
        return delta, delta, "degenerate: all paired differences equal"
    rng = np.random.default_rng(seed)
    method = f"paired bootstrap percentile, {resamples} resamples, seed {seed}"
    n = differences.size
    values, counts = np.unique(differences, return_counts=True)
    if values.size <= _EXACT_MAX_VALUES:
        means = rng.multinomial(n, counts / n, size=resamples) @ values / n
    elif n * resamples <= _INDEX_MAX_DRAWS:
        means = _resample_indices(differences, resamples, rng)
    else:
        means, strata = _resample_strata(np.sort(differences), resamples, rng)
        method += f", stratified: {strata} strata, normal within each"
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high), method


def _resample_indices(
    differences: FloatArray, resamples: int, rng: np.random.Generator
) -> FloatArray:
    n = differences.size
    rows = max(1, _CHUNK_DRAWS // n)
    means = np.empty(resamples)
    for start in range(0, resamples, rows):
        stop = min(start + rows, resamples)
        means[start:stop] = differences[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return means


def _resample_strata(
    ordered: FloatArray, resamples: int, rng: np.random.Generator
) -> tuple[FloatArray, int]:
    """Resampled means by the stratified approximation, and the number of strata.

    Quantile cuts keep strata narrow where the differences are dense and equal-width cuts where
    they are sparse; the most extreme values stand alone, where one value can move the mean.
    """
    n = ordered.size
    inner = ordered[_TAIL : n - _TAIL]
    quantile_cuts = np.linspace(0, inner.size, _QUANTILE_CUTS, endpoint=False).astype(np.intp)
    width_cuts = np.searchsorted(
        inner, np.linspace(inner[0], inner[-1], _WIDTH_CUTS, endpoint=False)
    )
    starts = np.unique(
        np.concatenate(
            [np.arange(_TAIL), _TAIL + quantile_cuts, _TAIL + width_cuts, np.arange(n - _TAIL, n)]
        )
    )
    sizes = np.diff(starts, append=n)
    means = np.add.reduceat(ordered, starts) / sizes
    variances = np.add.reduceat((ordered - np.repeat(means, sizes)) ** 2, starts) / sizes
    drawn = rng.multinomial(n, sizes / n, size=resamples)
    sums = drawn @ means + np.sqrt(drawn @ variances) * rng.standard_normal(resamples)
    return sums / n, starts.size


def _mde(differences: FloatArray, alpha: float) -> float | None:
    """The smallest true mean difference a two-sided test at `alpha` detects with `POWER`.

    Normal approximation with the observed spread of the differences: (z_{1-alpha/2} + z_power)
    * sd / sqrt(n). None below two pairs (no spread to measure) or when every difference is equal
    (zero spread would claim any change is detectable).
    """
    if differences.size < 2 or _all_equal(differences):
        return None
    z = special.ndtri(1 - alpha / 2) + special.ndtri(POWER)
    return float(z * differences.std(ddof=1) / math.sqrt(differences.size))


def _all_equal(values: FloatArray) -> bool:
    # Compared exactly, not by a computed spread: the mean of equal floats can be off by an ulp.
    return bool((values == values[0]).all())


def _test_p_values(result: PairedResult) -> list[float]:
    if result.kind == "categorical":
        return [category.p_value for category in result.categories]
    return [result.p_value]


def _verdict(result: PairedResult, p_adjusted: float) -> Verdict:
    if p_adjusted >= result.alpha:
        return "no_significant_difference"
    if result.delta is None or result.delta == 0:
        return "changed"
    if result.test_direction != 0 and (result.test_direction > 0) != (result.delta > 0):
        return "changed"  # significant, but the mean and the ranks point opposite ways
    return "improved" if (result.delta > 0) == result.higher_is_better else "regressed"


def _largest(item_ids: Sequence[str], sizes: FloatArray, limit: int) -> tuple[str, ...]:
    """The ids of the `limit` largest positive sizes, largest first, ties by ascending id.

    Only the sizes at or above the limit-th largest are sorted (ties at the cut included), so
    a large comparison never turns all its ids into an array to pick 50.
    """
    chosen = np.flatnonzero(sizes > 0)
    if chosen.size > limit:
        cut = np.partition(sizes[chosen], chosen.size - limit)[chosen.size - limit]
        chosen = chosen[sizes[chosen] >= cut]
    ranked = sorted(chosen.tolist(), key=lambda index: (-sizes[index], item_ids[index]))
    return tuple(item_ids[index] for index in ranked[:limit])
