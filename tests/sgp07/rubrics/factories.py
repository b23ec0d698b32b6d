"""Helpers of the 0.7.0 rubric tests."""

from scale_gp_beta.types import RubricResponse
from scale_gp_beta.types.rubrics import RubricCriteriaResponse


def full_criteria(rubric: RubricResponse) -> list[RubricCriteriaResponse]:
    """The rubric's criteria, which a create or retrieve answers in full."""
    criteria = rubric.criteria or []
    assert all(isinstance(c, RubricCriteriaResponse) for c in criteria)
    return [c for c in criteria if isinstance(c, RubricCriteriaResponse)]


def criterion_ids(rubric: RubricResponse) -> list[str]:
    return [criterion.id for criterion in full_criteria(rubric)]
