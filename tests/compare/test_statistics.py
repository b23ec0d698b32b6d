"""The paired statistics against hand-computed values, scipy called directly, and plain index
resampling for the bootstrap."""

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats as scipy_stats

from yardstick.compare.statistics import (
    FloatArray,
    Kind,
    PairedResult,
    adjust,
    compare,
    holm,
    top_changes,
)

Z_975 = 1.959963984540054  # z_{1 - 0.05/2}
Z_95 = 1.6448536269514722  # z_{1 - 0.10/2}
Z_80 = 0.8416212335729143  # z_{0.8}


def pairs(*counts: tuple[float, float, int]) -> tuple[FloatArray, FloatArray]:
    """Baseline and candidate arrays from (baseline value, candidate value, how many) triples."""
    baseline = [b for b, _, times in counts for _ in range(times)]
    candidate = [c for _, c, times in counts for _ in range(times)]
    return np.array(baseline, dtype=np.float64), np.array(candidate, dtype=np.float64)


def index_bootstrap(differences: FloatArray, alpha: float, seed: int) -> tuple[float, float]:
    """The textbook paired bootstrap: 2000 resamples of the pair indices, percentile interval."""
    rng = np.random.default_rng(seed)
    n = differences.size
    means = [differences[rng.integers(0, n, n)].mean() for _ in range(2000)]
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def only(results: list[PairedResult]) -> PairedResult:
    (result,) = results
    return result


# --- binary: exact McNemar -----------------------------------------------------------------


def test_mcnemar_hand_computed() -> None:
    """b = 8 regressions, c = 2 improvements: p = 2 * (1 + 10 + 45) / 2^10 = 0.109375. The
    concordant pairs change nothing."""
    baseline, candidate = pairs((1, 0, 8), (0, 1, 2), (1, 1, 30), (0, 0, 10))
    result = compare(baseline, candidate, kind="binary")
    assert result.test == "exact McNemar"
    assert result.p_value == pytest.approx(0.109375, abs=1e-12)
    assert (result.n, result.improved, result.regressed, result.unchanged) == (50, 2, 8, 40)
    assert result.baseline_mean == pytest.approx(38 / 50)
    assert result.candidate_mean == pytest.approx(32 / 50)
    assert result.delta == pytest.approx(-6 / 50)
    assert result.categories == ()
    assert (result.p_adjusted, result.verdict) == (None, None)


def test_mcnemar_matches_scipy_binomtest() -> None:
    baseline, candidate = pairs((1, 0, 13), (0, 1, 31), (1, 1, 100))
    result = compare(baseline, candidate, kind="binary")
    assert result.p_value == pytest.approx(scipy_stats.binomtest(13, 44, 0.5).pvalue, rel=1e-12)


def test_mcnemar_without_discordant_pairs_is_one() -> None:
    baseline, candidate = pairs((1, 1, 7), (0, 0, 3))
    result = compare(baseline, candidate, kind="binary")
    assert result.p_value == 1.0
    assert (result.ci_low, result.ci_high) == (0.0, 0.0)
    assert result.ci_method == "degenerate: all paired differences equal"


def test_binary_values_must_be_zero_or_one() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        compare(np.array([0.0, 2.0]), np.array([1.0, 1.0]), kind="binary")


# --- numeric: Wilcoxon signed-rank -----------------------------------------------------------


@pytest.mark.parametrize("n", [20, 50, 80, 500])
def test_wilcoxon_matches_scipy(n: int) -> None:
    """Continuous differences: exact up to 50 pairs, normal approximation above, as scipy picks."""
    rng = np.random.default_rng(n)
    baseline = rng.random(n)
    candidate = baseline + rng.normal(0.05, 0.2, n)
    expected = scipy_stats.wilcoxon(candidate - baseline).pvalue
    assert compare(baseline, candidate, kind="numeric").p_value == pytest.approx(expected, rel=1e-9)


def test_wilcoxon_drops_unchanged_pairs_like_scipy_wilcox() -> None:
    """Above 50 pairs scipy's zero_method="wilcox" on every difference and ours agree."""
    rng = np.random.default_rng(7)
    baseline = rng.random(120)
    candidate = baseline + np.where(rng.random(120) < 0.4, 0.0, rng.normal(0.03, 0.1, 120))
    differences = candidate - baseline
    assert (differences == 0).sum() > 30
    expected = scipy_stats.wilcoxon(differences, zero_method="wilcox").pvalue
    assert compare(baseline, candidate, kind="numeric").p_value == pytest.approx(expected, rel=1e-9)


def test_wilcoxon_few_changed_pairs_use_the_exact_distribution() -> None:
    """40 pairs of which 20 changed, no ties: the exact null distribution of the 20."""
    rng = np.random.default_rng(3)
    changes = rng.permutation(np.arange(1, 21) * np.where(rng.random(20) < 0.7, 1.0, -1.0))
    differences = np.concatenate([changes, np.zeros(20)])
    exact = scipy_stats.wilcoxon(changes, method="exact").pvalue
    result = compare(np.zeros(40), differences, kind="numeric")
    assert result.p_value == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(
    "differences",
    [
        [0.0, 0.0, 1.0, -1.0, 2.0, 2.0, 3.0, 0.5],  # zeros and tied magnitudes
        [1.0, 1.0],
        [2.0, 2.0, -2.0, 1.0, 1.0, 3.0, 0.0, 0.0],
        [1.0] * 8,
    ],
)
def test_wilcoxon_ties_match_scipy_permutation_test(differences: list[float]) -> None:
    """Few pairs with ties: scipy's own permutation test, which we compute vectorised."""
    values = np.array(differences)
    expected = scipy_stats.wilcoxon(values, zero_method="wilcox").pvalue
    result = compare(np.zeros(values.size), values, kind="numeric")
    assert result.p_value == pytest.approx(expected, rel=1e-12)


def test_wilcoxon_ties_with_many_pairs_match_scipy() -> None:
    rng = np.random.default_rng(11)
    baseline = rng.integers(1, 6, 200).astype(np.float64)
    candidate = np.clip(baseline + rng.integers(-1, 3, 200), 1, 5).astype(np.float64)
    differences = candidate - baseline
    expected = scipy_stats.wilcoxon(differences, zero_method="wilcox").pvalue
    assert compare(baseline, candidate, kind="numeric").p_value == pytest.approx(expected, rel=1e-9)


def test_row_means_of_repeats_tie_as_their_exact_values_do() -> None:
    # A 0/1 alias run 3 times: row means 0, 1/3, 2/3, 1. As doubles, 2/3 - 1/3 and 1/3 - 0
    # differ in their last bit, and were ranked as two sizes instead of a tie (p 0.46 for 0.33).
    rng = np.random.default_rng(5)
    base_hits, cand_hits = rng.integers(0, 4, 60), rng.integers(0, 4, 60)
    baseline, candidate = base_hits / 3, cand_hits / 3
    exact = (cand_hits - base_hits).astype(np.float64) / 3  # every equal difference one double
    expected = scipy_stats.wilcoxon(exact, zero_method="wilcox").pvalue
    assert len(set(np.abs(candidate - baseline)) - {0.0}) > len(set(np.abs(exact)) - {0.0})

    result = compare(baseline, candidate, kind="numeric")

    assert result.p_value == pytest.approx(expected, rel=1e-9)
    assert result.unchanged == int((cand_hits == base_hits).sum())


@pytest.mark.parametrize("m", [1, 2, 3, 5, 12, 13, 14, 25, 49, 50, 51, 64, 300])
@pytest.mark.parametrize("ties", [False, True])
def test_signed_rank_test_matches_scipy_at_every_size(m: int, ties: bool) -> None:
    """Our null distributions (enumerated, counted, normal) against scipy.stats.wilcoxon's choice,
    on both sides of each switch-over, with and without tied magnitudes."""
    rng = np.random.default_rng(m * 2 + ties)
    # scipy enumerates all 2**m sign patterns for tied magnitudes up to 13 pairs (seconds each),
    # so those sizes check one draw.
    for _ in range(1 if ties and m >= 12 else 5):
        magnitudes = rng.integers(1, max(2, m // 3), m) if ties else rng.permutation(m) + 1.0
        differences = magnitudes * rng.choice([-1.0, 1.0], m, p=[0.35, 0.65])
        expected = scipy_stats.wilcoxon(differences).pvalue
        result = compare(np.zeros(m), differences.astype(np.float64), kind="numeric")
        assert result.p_value == pytest.approx(expected, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("n", [1, 2, 7, 30, 31, 200, 5000])
def test_mcnemar_matches_scipy_binomtest_at_every_split(n: int) -> None:
    for gained in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        baseline, candidate = pairs((1, 0, n - gained), (0, 1, gained), (1, 1, 3))
        result = compare(baseline, candidate, kind="binary")
        expected = scipy_stats.binomtest(gained, n, 0.5).pvalue
        assert result.p_value == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_all_equal_pairs() -> None:
    values = np.array([0.3, 0.7, 0.7, 0.1, 0.9])
    result = compare(values, values.copy(), kind="numeric")
    assert result.p_value == 1.0
    assert (result.delta, result.ci_low, result.ci_high) == (0.0, 0.0, 0.0)
    assert result.ci_method == "degenerate: all paired differences equal"
    assert result.mde is None
    assert (result.improved, result.regressed, result.unchanged) == (0, 0, 5)
    assert only(adjust([result])).verdict == "no_significant_difference"


def test_all_differences_equal_but_not_zero() -> None:
    """Ten pairs all up by 1: the interval collapses onto 1, and the signed-rank test is exact:
    only all ten signs positive or all negative are as extreme."""
    baseline = np.arange(10) / 8  # eighths: adding 1 and subtracting again is exact
    result = compare(baseline, baseline + 1.0, kind="numeric")
    assert result.ci_low == result.ci_high == result.delta
    assert result.delta == pytest.approx(1.0)
    assert result.ci_method == "degenerate: all paired differences equal"
    assert result.p_value == pytest.approx(2 / 2**10, rel=1e-12)
    assert result.mde is None


@pytest.mark.parametrize("kind", ["binary", "numeric"])
def test_a_single_pair(kind: Kind) -> None:
    result = compare(np.array([0.0]), np.array([1.0]), kind=kind)
    assert result.n == 1
    assert result.p_value == 1.0
    assert (result.delta, result.ci_low, result.ci_high) == (1.0, 1.0, 1.0)
    assert result.ci_method == "degenerate: all paired differences equal"
    assert result.mde is None
    assert (result.improved, result.regressed, result.unchanged) == (1, 0, 0)


def test_two_pairs() -> None:
    """Differences 0 and 1: resampled means are 0, 1/2 or 1 with chances 1/4, 1/2, 1/4, so the
    95 % percentile interval is [0, 1]; the one changed pair cannot be significant."""
    result = compare(np.array([0.5, 0.5]), np.array([0.5, 1.5]), kind="numeric")
    assert result.delta == pytest.approx(0.5)
    assert (result.ci_low, result.ci_high) == (0.0, 1.0)
    assert result.p_value == 1.0
    assert result.mde == pytest.approx((Z_975 + Z_80) * math.sqrt(0.5) / math.sqrt(2))


def test_a_significant_change_with_zero_mean_is_changed() -> None:
    """Thirty small gains and one loss as large as all of them: the ranks say up, the mean says
    nothing, so the verdict names no direction."""
    differences = np.concatenate([np.ones(30), [-30.0]])
    result = compare(np.zeros(31), differences, kind="numeric")
    assert result.delta == 0.0
    assert result.p_value < 1e-4
    assert only(adjust([result])).verdict == "changed"


# --- categorical ---------------------------------------------------------------------------


def test_categorical_three_values() -> None:
    """A->B x6, C->B x2, B->C x1 and 19 unchanged. A lost 6, gained 0: p = 2 / 2^6. B gained 8,
    lost 1: p = 2 * (1 + 9) / 2^9. C gained 1, lost 2: p = 1. D never occurs and is no test."""
    a, b, c = 0, 1, 2
    baseline, candidate = pairs((a, b, 6), (c, b, 2), (b, c, 1), (a, a, 10), (c, c, 5), (b, b, 4))
    result = compare(baseline, candidate, kind="categorical", labels=["A", "B", "C", "D"])
    assert result.test == "exact McNemar per category"
    assert [
        (x.label, x.baseline_count, x.candidate_count, x.gained, x.lost) for x in result.categories
    ] == [("A", 16, 10, 0, 6), ("B", 5, 12, 8, 1), ("C", 7, 6, 1, 2)]
    assert [x.p_value for x in result.categories] == pytest.approx([0.03125, 0.0390625, 1.0])
    assert result.p_value == pytest.approx(0.03125)
    assert (result.n, result.unchanged) == (28, 19)
    assert (result.improved, result.regressed, result.delta, result.mde) == (None, None, None, None)

    # Holm over the three: 3 * 0.03125, then max(that, 2 * 0.0390625), then 1.
    adjusted = only(adjust([result]))
    assert [x.p_adjusted for x in adjusted.categories] == pytest.approx([0.09375, 0.09375, 1.0])
    assert adjusted.p_adjusted == pytest.approx(0.09375)
    assert adjusted.verdict == "no_significant_difference"
    looser = compare(baseline, candidate, kind="categorical", labels=["A", "B", "C"], alpha=0.1)
    assert only(adjust([looser])).verdict == "changed"


def test_categorical_needs_labels_that_cover_the_codes() -> None:
    with pytest.raises(ValueError, match="labels"):
        compare(np.array([0.0]), np.array([1.0]), kind="categorical")
    with pytest.raises(ValueError, match="codes"):
        compare(np.array([0.0]), np.array([2.0]), kind="categorical", labels=["x", "y"])


# --- Holm and adjust -----------------------------------------------------------------------


def test_holm_hand_computed() -> None:
    """Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> 0.06
    (monotone); reported in the input's order."""
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_keeps_order() -> None:
    assert holm([0.3, 0.5]) == pytest.approx([0.6, 0.6])
    assert holm([0.6, 0.7, 0.2]) == pytest.approx([1.0, 1.0, 0.6])
    assert holm([0.04]) == [0.04]
    assert holm([]) == []


def test_adjust_runs_holm_over_every_test_of_the_comparison() -> None:
    binary = compare(*pairs((1, 0, 8), (0, 1, 2), (1, 1, 5)), kind="binary")
    strong = compare(*pairs((0, 1, 12), (1, 1, 5)), kind="binary")
    a, b = 0, 1
    categorical = compare(
        *pairs((a, b, 9), (a, a, 3), (b, b, 3)), kind="categorical", labels=["a", "b"]
    )
    family = [binary.p_value, strong.p_value] + [x.p_value for x in categorical.categories]
    expected = holm(family)
    finished = adjust([binary, strong, categorical])
    assert [r.p_adjusted for r in finished[:2]] == expected[:2]
    assert [x.p_adjusted for x in finished[2].categories] == expected[2:]
    assert finished[2].p_adjusted == min(expected[2:])
    assert [r.verdict for r in finished] == ["no_significant_difference", "improved", "changed"]
    assert finished[0].p_value == binary.p_value  # the unadjusted value stays


def test_higher_is_better_false_flips_verdict_and_counts() -> None:
    """Twenty items drop from 1 to 0 and two rise: a regression for a score, an improvement for
    an error rate."""
    baseline, candidate = pairs((1, 0, 20), (0, 1, 2), (0, 0, 10))
    score = only(adjust([compare(baseline, candidate, kind="binary")]))
    errors = only(adjust([compare(baseline, candidate, kind="binary", higher_is_better=False)]))
    assert (score.improved, score.regressed, score.verdict) == (2, 20, "regressed")
    assert (errors.improved, errors.regressed, errors.verdict) == (20, 2, "improved")
    assert score.delta == errors.delta == pytest.approx(-18 / 32)
    assert score.p_value == errors.p_value


def test_a_mean_that_moved_against_the_ranks_is_changed_not_a_direction() -> None:
    """Twenty pairs up by 1, one down by 30: the signed-rank test finds the candidate higher
    (p ~ 1e-4), the mean difference is negative. "regressed" would contradict twenty of the
    twenty-one pairs, and "improved" the mean: the verdict says only that it changed."""
    baseline = np.zeros(21)
    candidate = np.array([1.0] * 20 + [-30.0])
    result = only(adjust([compare(baseline, candidate, kind="numeric")]))
    assert result.delta == pytest.approx(-10 / 21) and result.test_direction == 1
    assert result.p_adjusted is not None and result.p_adjusted < 0.05
    assert result.verdict == "changed"
    # Where the two agree, the direction stands.
    agreeing = only(adjust([compare(baseline, np.array([1.0] * 20 + [30.0]), kind="numeric")]))
    assert (agreeing.test_direction, agreeing.verdict) == (1, "improved")


def test_adjustment_can_remove_significance() -> None:
    """p = 2 * 11 / 2^10 = 0.0215 alone is significant at 0.05; Holm over three such tests makes
    it 0.0645."""
    result = compare(*pairs((0, 1, 9), (1, 0, 1)), kind="binary", alpha=0.05)
    assert result.p_value == pytest.approx(0.021484375)
    assert only(adjust([result])).verdict == "improved"
    three = adjust([result, result, result])
    assert [r.p_adjusted for r in three] == pytest.approx([3 * 0.021484375] * 3)
    assert [r.verdict for r in three] == ["no_significant_difference"] * 3


# --- bootstrap -----------------------------------------------------------------------------


def numeric_sample(n: int, seed: int) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    baseline = rng.random(n)
    return baseline, baseline + rng.lognormal(0.0, 1.0, n) - 1.5


def rated_sample() -> tuple[FloatArray, FloatArray]:
    """3000 pairs whose differences take 200 values: few enough to draw counts per value, and
    fine-grained enough that two seeds give different intervals."""
    rng = np.random.default_rng(6)
    steps = rng.normal(0.1, 1.0, 200)
    return np.zeros(3000), steps[rng.integers(0, 200, 3000)]


SAMPLES: dict[str, Callable[[], tuple[FloatArray, FloatArray]]] = {
    "counts per value": rated_sample,
    "index resampling": lambda: numeric_sample(800, 1),
    "stratified": lambda: numeric_sample(5000, 2),
}


@pytest.mark.parametrize("sample", SAMPLES)
def test_bootstrap_is_reproducible_and_contains_delta(sample: str) -> None:
    baseline, candidate = SAMPLES[sample]()
    first = compare(baseline, candidate, kind="numeric", seed=42)
    again = compare(baseline, candidate, kind="numeric", seed=42)
    other = compare(baseline, candidate, kind="numeric", seed=43)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    assert first.ci_low is not None and first.ci_high is not None and first.delta is not None
    assert first.ci_low < first.delta < first.ci_high
    assert first.ci_method is not None and first.ci_method.startswith(
        "paired bootstrap percentile, 2000 resamples, seed 42"
    )
    assert ("stratified" in first.ci_method) == (sample == "stratified")


def test_bootstrap_chooses_by_distinct_values_and_size() -> None:
    few = compare(*pairs((1, 2, 4000), (3, 1, 4000), (2, 2, 100)), kind="numeric", seed=0)
    assert few.ci_method == "paired bootstrap percentile, 2000 resamples, seed 0"
    small = compare(*numeric_sample(2000, 3), kind="numeric")
    assert small.ci_method == "paired bootstrap percentile, 2000 resamples, seed 0"
    large = compare(*numeric_sample(2200, 3), kind="numeric")
    assert large.ci_method is not None and "stratified" in large.ci_method


def outlier_sample() -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(5)
    differences = np.append(rng.normal(0.0, 1.0, 4999), 100.0)
    return np.zeros(5000), differences


@pytest.mark.parametrize(
    "sample",
    [
        lambda: pairs((1, 0, 30), (0, 1, 50), (1, 1, 120)),
        rated_sample,
        lambda: numeric_sample(800, 1),
        lambda: numeric_sample(5000, 2),
        outlier_sample,
    ],
    ids=["binary", "ratings", "index resampling", "stratified skewed", "stratified outlier"],
)
def test_bootstrap_matches_index_resampling(
    sample: Callable[[], tuple[FloatArray, FloatArray]],
) -> None:
    """Every way of drawing resamples against the textbook one: the interval ends agree within
    a fifth of a standard error (Monte Carlo noise is about a tenth)."""
    baseline, candidate = sample()
    differences = candidate - baseline
    result = compare(baseline, candidate, kind="numeric", seed=1)
    low, high = index_bootstrap(differences, 0.05, seed=2)
    se = differences.std() / math.sqrt(differences.size)
    assert result.ci_low == pytest.approx(low, abs=0.2 * se)
    assert result.ci_high == pytest.approx(high, abs=0.2 * se)


def test_interval_contains_the_true_difference() -> None:
    """A true difference of 0.1, n = 400: the interval covers it and excludes 0."""
    rng = np.random.default_rng(2024)
    baseline = rng.random(400)
    candidate = baseline + 0.1 + rng.normal(0.0, 0.3, 400)
    result = compare(baseline, candidate, kind="numeric")
    assert result.ci_low is not None and result.ci_high is not None
    assert 0 < result.ci_low < 0.1 < result.ci_high


def test_interval_coverage() -> None:
    """Over 200 samples the 90 % interval covers the true difference about 90 % of the time."""
    rng = np.random.default_rng(99)
    covered = 0
    for seed in range(200):
        baseline = rng.random(100)
        candidate = baseline + 0.1 + rng.normal(0.0, 0.3, 100)
        result = compare(baseline, candidate, kind="numeric", alpha=0.1, seed=seed, resamples=500)
        assert result.ci_low is not None and result.ci_high is not None
        covered += result.ci_low <= 0.1 <= result.ci_high
    assert 0.84 <= covered / 200 <= 0.95


def test_alpha_widens_the_interval() -> None:
    baseline, candidate = numeric_sample(800, 4)
    wide = compare(baseline, candidate, kind="numeric", alpha=0.01)
    narrow = compare(baseline, candidate, kind="numeric", alpha=0.2)
    assert wide.ci_low is not None and wide.ci_high is not None
    assert narrow.ci_low is not None and narrow.ci_high is not None
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high


# --- minimum detectable difference ---------------------------------------------------------


def test_mde_hand_computed() -> None:
    """Differences 1, 2, 3, 4: sd = sqrt(5/3); (z_0.975 + z_0.8) * sd / sqrt(4)."""
    baseline = np.zeros(4)
    candidate = np.array([1.0, 2.0, 3.0, 4.0])
    sd = math.sqrt(5 / 3)
    result = compare(baseline, candidate, kind="numeric")
    assert result.mde == pytest.approx((Z_975 + Z_80) * sd / 2, rel=1e-9)
    assert result.mde == pytest.approx(1.808415, abs=1e-6)
    looser = compare(baseline, candidate, kind="numeric", alpha=0.1)
    assert looser.mde == pytest.approx((Z_95 + Z_80) * sd / 2, rel=1e-9)


# --- top changes ---------------------------------------------------------------------------


def test_top_changes_order_limit_and_ties() -> None:
    """Items 0-59 gain and 60-119 lose, two by two by the same amount: 0.1 for the first two of
    each half up to 3.0 for the last two. 57 and 118 are unchanged, so in neither list. Ids are
    zero-padded, so id order is numeric order."""
    ids = [f"item-{i:03d}" for i in range(120)]
    steps = np.array([(i // 2 + 1) / 10 for i in range(60)])
    changes = np.concatenate([steps, -steps])
    changes[[57, 118]] = 0.0
    baseline = np.full(120, 0.5)
    candidate = baseline + changes
    shuffled = np.random.default_rng(0).permutation(120)

    top = top_changes([ids[i] for i in shuffled], baseline[shuffled], candidate[shuffled])
    assert top.improved[:4] == ("item-058", "item-059", "item-056", "item-054")
    assert top.regressed[:4] == ("item-119", "item-116", "item-117", "item-114")
    # 49 items gained 0.6 or more; of the two that gained 0.5, the smaller id makes the 50th.
    assert len(top.improved) == len(top.regressed) == 50
    assert set(top.improved) == {f"item-{i:03d}" for i in [*range(10, 57), 58, 59, 8]}
    assert top.improved[-1] == "item-008"
    assert "item-057" not in top.improved and "item-118" not in top.regressed

    errors = top_changes(ids, baseline, candidate, higher_is_better=False, limit=3)
    assert errors.improved == ("item-119", "item-116", "item-117")
    assert errors.regressed == ("item-058", "item-059", "item-056")


def test_top_changes_with_few_changes() -> None:
    top = top_changes(["b", "a", "c"], np.array([0.0, 0.0, 1.0]), np.array([1.0, 1.0, 1.0]))
    assert (top.improved, top.regressed) == (("a", "b"), ())


# --- kind inference ------------------------------------------------------------------------


# --- input checks --------------------------------------------------------------------------


def test_inputs_are_checked() -> None:
    one, two = np.array([1.0]), np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="length"):
        compare(one, two, kind="numeric")
    with pytest.raises(ValueError, match="length"):
        compare(np.array([]), np.array([]), kind="numeric")
    with pytest.raises(ValueError, match="alpha"):
        compare(two, two, kind="numeric", alpha=0.6)
    with pytest.raises(ValueError, match="alpha"):
        compare(two, two, kind="numeric", alpha=0.0)
    with pytest.raises(ValueError, match="resamples"):
        compare(two, two + 1, kind="numeric", resamples=0)
    with pytest.raises(ValueError, match="kind"):
        compare(two, two, kind="ordinal")  # type: ignore[arg-type]
