"""`GET /v5/evaluations/{id}/agreement`: the responses (Yardstick's own route), for OpenAPI.

Two shapes, told apart by `object`: `evaluation_agreement` (a judge against a human, asked
with `human` and `judge`) and `evaluation_reviewer_agreement` (the reviewers of every
contributor alias, asked with neither).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["categorical", "numeric"]
WarningType = Literal[
    "no_data",
    "one_sided",
    "errored_cells",
    "not_comparable",
    "mixed_kinds",
    "many_values",
    "repeats",
    "single_answers",
    "replaced_answers",
]


class EstimateOut(BaseModel):
    value: float | None = Field(description="Null when the data define none; `reason` says why")
    ci95: list[float] | None = Field(
        description="95 % percentile bootstrap interval over the items; null below 2 items"
    )
    reason: str | None


class ConfusionMatrixOut(BaseModel):
    labels: list[Any] = Field(description="The values, booleans, then numbers, then strings")
    counts: list[list[int]] = Field(
        description="counts[i][j]: items the human rated labels[i] and the judge labels[j]"
    )


class DisagreementOut(BaseModel):
    item_id: str
    human: Any
    judge: Any


class DisagreementsOut(BaseModel):
    total: int = Field(description="Compared items whose two values differ")
    items: list[DisagreementOut] = Field(
        description="The first 100: in row order, or for numbers largest difference first"
    )


class AgreementWarningOut(BaseModel):
    type: WarningType
    message: str


class AnswerOut(BaseModel):
    reviewer: str = Field(description="The reviewer's user id")
    value: Any = Field(description="The answer as given")


class ReviewerDisagreementOut(BaseModel):
    item_id: str
    answers: list[AnswerOut] = Field(description="The compared answers, by reviewer id")


class ReviewerDisagreementsOut(BaseModel):
    total: int = Field(description="Compared items whose reviewers did not all answer alike")
    items: list[ReviewerDisagreementOut] = Field(
        description="The first 100: in row order, or for numbers widest spread first"
    )


class AnswersPerItemOut(BaseModel):
    min: int
    max: int


class ReviewerAgreementOut(BaseModel):
    alias: str
    kind: Kind | None = Field(description="Null when no item has two comparable answers")
    answers: int = Field(description="Answers counted: one per reviewer and item")
    answered_items: int = Field(description="Items with at least one answer")
    n: int = Field(description="Items compared: two or more comparable answers")
    reviewers: int = Field(description="Distinct reviewers of the compared items")
    answers_per_item: AnswersPerItemOut | None
    primary: str | None = Field(description="The key of the headline coefficient")
    unanimous: EstimateOut | None = Field(
        description="Share of compared items whose reviewers all gave the same answer"
    )
    coefficients: dict[str, EstimateOut] | None = Field(
        description="categorical: cohen_kappa, fleiss_kappa, krippendorff_alpha_nominal; "
        "numeric: krippendorff_alpha_interval, and on a rating scale "
        "krippendorff_alpha_ordinal and cohen_kappa_quadratic"
    )
    disagreements: ReviewerDisagreementsOut
    ci_method: str | None
    warnings: list[AgreementWarningOut]


class AgreementOut(BaseModel):
    object: Literal["evaluation_agreement"]
    evaluation_id: str
    human: str
    judge: str
    kind: Kind | None = Field(description="Null when no item has comparable values from both")
    items: int = Field(description="The evaluation's items")
    human_results: int = Field(description="Items with a completed or prefilled human result")
    judge_results: int
    n: int = Field(description="Items compared: both have a number, or both a short label")
    primary: str | None = Field(description="The key of the headline coefficient")
    accuracy: EstimateOut | None = Field(description="Share of items with equal values")
    coefficients: dict[str, EstimateOut] | None = Field(
        description="categorical: cohen_kappa, krippendorff_alpha_nominal; numeric: "
        "krippendorff_alpha_interval, and cohen_kappa_quadratic on a rating scale"
    )
    differences: dict[str, EstimateOut] | None = Field(
        description="numeric: `mean` (judge − human) and `mean_absolute`"
    )
    confusion_matrix: ConfusionMatrixOut | None
    disagreements: DisagreementsOut
    ci_method: str | None
    warnings: list[AgreementWarningOut]
    reviewers: dict[str, ReviewerAgreementOut] = Field(
        description="The human alias's reviewers when it is a contributor alias, else empty"
    )


class ReviewerAgreementsOut(BaseModel):
    object: Literal["evaluation_reviewer_agreement"]
    evaluation_id: str
    items: int = Field(description="The evaluation's items")
    reviewers: dict[str, ReviewerAgreementOut] = Field(
        description="Every contributor alias, in task order"
    )


AnyAgreementOut = Annotated[AgreementOut | ReviewerAgreementsOut, Field(discriminator="object")]
