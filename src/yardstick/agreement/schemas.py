"""`GET /v5/evaluations/{id}/agreement`: the response (Yardstick's own route), for OpenAPI."""

from typing import Any, Literal

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
