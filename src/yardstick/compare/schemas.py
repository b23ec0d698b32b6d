"""`POST /v5/comparisons`: the request and the response (Yardstick's own route)."""

from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

Alias = Annotated[str, StringConstraints(min_length=1, max_length=256)]
EvaluationId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Kind = Literal["binary", "numeric", "categorical"]
Verdict = Literal["improved", "regressed", "changed", "no_significant_difference"]
WarningType = Literal[
    "different_dataset_versions",
    "different_task_configuration",
    "different_scorer_versions",
    "unpaired_items",
    "errored_cells",
    "no_data",
    "free_text",
    "mixed_types",
    "out_of_range",
    "unfinished_run",
    "unscored_pairs",
]


class ComparisonRequest(BaseModel):
    """Either two evaluations, or a group whose first member is the baseline of each other."""

    model_config = ConfigDict(extra="forbid")

    baseline_evaluation_id: EvaluationId | None = None
    candidate_evaluation_id: EvaluationId | None = None
    evaluation_group_id: EvaluationId | None = None
    aliases: Annotated[list[Alias], Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="The aliases to compare; default: every alias both have"
    )
    # Strict: "no" or 0 would otherwise read as false, and flip the verdict without a word.
    higher_is_better: dict[Alias, StrictBool] = Field(
        default_factory=dict, description="Per alias; default true"
    )
    alpha: float = Field(default=0.05, gt=0, le=0.5, description="Significance level, in (0, 0.5]")
    pair_by: Annotated[str, StringConstraints(min_length=1, max_length=256)] | None = Field(
        default=None,
        description="`dataset_item_id` or a data column that identifies a row on both sides",
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        pair = self.baseline_evaluation_id is not None or self.candidate_evaluation_id is not None
        if self.evaluation_group_id is not None and pair:
            raise ValueError(
                "give either evaluation_group_id or baseline_evaluation_id and "
                "candidate_evaluation_id, not both"
            )
        if self.evaluation_group_id is None and (
            self.baseline_evaluation_id is None or self.candidate_evaluation_id is None
        ):
            raise ValueError(
                "baseline_evaluation_id and candidate_evaluation_id are both required "
                "(or give evaluation_group_id)"
            )
        return self


class PairingOut(BaseModel):
    by: str = Field(description="`dataset_item_id`, `column:<name>` or `content_hash`")
    pairs: int
    baseline_only: int
    candidate_only: int


class ComparisonWarningOut(BaseModel):
    type: WarningType
    message: str


class CategoryTestOut(BaseModel):
    """One categorical value tested against the rest (exact McNemar)."""

    value: str
    baseline_share: float
    candidate_share: float
    gained: int = Field(description="Pairs that have this value only in the candidate")
    lost: int = Field(description="Pairs that have this value only in the baseline")
    p_value: float


class ConsistencyOut(BaseModel):
    repeats: int
    rows: int
    changed_share: float | None
    pass_all: float | None
    pass_rate: float | None


class HistogramOut(BaseModel):
    edges: list[float] = Field(description="Bin edges, one more than counts; bins are [a, b)")
    counts: list[int] = Field(description="Pairs per bin; the last bin includes its right edge")


class MetricComparisonOut(BaseModel):
    alias: str
    kind: Kind
    higher_is_better: bool
    n: int = Field(description="Pairs with a result on both sides")
    baseline_mean: float | None
    candidate_mean: float | None
    delta: float | None = Field(description="Mean paired difference, candidate − baseline")
    ci_low: float | None
    ci_high: float | None
    ci_method: str | None
    test: str | None
    p_value: float | None
    p_adjusted: float | None = Field(description="Holm over every test of the comparison")
    mde: float | None = Field(description="Smallest difference n pairs detect at 80 % power")
    verdict: Verdict
    improved: int
    regressed: int
    unchanged: int
    errored: dict[str, int] = Field(description="Errored cells of paired items, per side")
    most_regressed: list[str] = Field(description="Candidate item ids, largest change first")
    most_improved: list[str]
    flaky_in_baseline: list[str] = Field(
        default_factory=list,
        description="Of most_regressed: rows whose repeats already disagreed in the baseline",
    )
    categories: list[CategoryTestOut] | None = None
    histogram: HistogramOut | None = Field(
        default=None,
        description="Numeric metrics: the paired differences (candidate − baseline), binned",
    )
    consistency: dict[str, ConsistencyOut | None] | None = Field(
        default=None,
        description="With repeats: per side (`baseline`, `candidate`), how consistent the alias was",
    )


class ComparisonOut(BaseModel):
    object: Literal["comparison"]
    baseline_evaluation_id: str
    candidate_evaluation_id: str
    alpha: float
    pairing: PairingOut
    warnings: list[ComparisonWarningOut]
    metrics: list[MetricComparisonOut]


class GroupComparisonOut(BaseModel):
    object: Literal["comparison_list"]
    evaluation_group_id: str
    comparisons: list[ComparisonOut]
