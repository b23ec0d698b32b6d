"""Statistics, pure: no database, no HTTP. Summaries call these on figures SQL computed.

Percentiles interpolate linearly between the two nearest ranks, as numpy's default and
PostgreSQL's `percentile_cont` do; both dialects read the two values and interpolate here, so
they report the same numbers (percentile_cont rounds its own way, and overflows near a
double's ends).
"""

import math
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Ranks:
    """Where percentile `p` of `n` sorted values lies: between 0-based ranks `lower` and
    `lower + 1` (the same rank when `fraction` is 0), `fraction` of the way up."""

    lower: int
    fraction: float

    @property
    def upper(self) -> int:
        return self.lower + (1 if self.fraction else 0)


def ranks(n: int, p: float) -> Ranks:
    position = p * (n - 1)
    lower = math.floor(position)
    return Ranks(lower, position - lower)


def interpolate(at: Ranks, lower_value: float, upper_value: float) -> float:
    """numpy's linear interpolation (from the nearer end, exact at both), on halves when the
    two values are of both signs near a double's ends (their difference is then inf)."""
    if not at.fraction or lower_value == upper_value:
        return lower_value
    width = upper_value - lower_value
    if math.isinf(width):
        # Halving such values is exact; the doubled result may round past `upper_value`.
        doubled = 2 * interpolate(at, lower_value / 2, upper_value / 2)
        return min(max(doubled, lower_value), upper_value)
    if at.fraction < 0.5:
        return lower_value + width * at.fraction
    return upper_value - width * (1 - at.fraction)


def sample_variance(n: int, shifted_sum: float, shifted_squares: float) -> float:
    """Variance (n - 1 denominator) from sums of `x - s` and `(x - s)^2` for a shift `s`.

    With `s` near the mean (the median is within one standard deviation of it) the two sums
    do not cancel, unlike the textbook sum-of-squares formula on raw values.
    """
    return max(0.0, (shifted_squares - shifted_sum * shifted_sum / n) / (n - 1))


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: int) -> float:
    """Student's t quantile. scipy.special only (the light part of scipy), imported on use."""
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


def mean_ci95(n: int, mean: float, std: float) -> tuple[float, float] | None:
    """The t-based 95 % confidence interval of a mean; None below two values, or when an end
    is past a double's range."""
    if n < 2:
        return None
    # The standard error first: t · std can pass a double's range when the half-width does not.
    half = t_quantile(0.975, n - 1) * (std / math.sqrt(n))
    low, high = mean - half, mean + half
    return (low, high) if math.isfinite(low) and math.isfinite(high) else None
