"""Statistics, pure: no database, no HTTP. Summaries call these on figures SQL computed.

Percentiles interpolate linearly between the two nearest ranks, as PostgreSQL's
`percentile_cont` and numpy's default do, so both dialects report the same numbers.
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
    if not at.fraction:
        return lower_value
    return lower_value + (upper_value - lower_value) * at.fraction


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
    """The t-based 95 % confidence interval of a mean; None below two values."""
    if n < 2:
        return None
    half = t_quantile(0.975, n - 1) * std / math.sqrt(n)
    return (mean - half, mean + half)
