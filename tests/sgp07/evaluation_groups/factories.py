"""Factory functions for the 0.7.0 evaluation group tests."""

from typing import Any

from scale_gp_beta import SGPClient
from scale_gp_beta.types import Evaluation, EvaluationGroup

from tests.sgp07.helpers import unique


def make_evaluation(client: SGPClient, **fields: Any) -> Evaluation:
    """An evaluation of two rows and no tasks (completed at once, no engine needed)."""
    body = {"name": unique("ev"), "data": [{"input": "a", "n": 1}, {"input": "b"}], **fields}
    return client.evaluations.create(evaluation=body)  # type: ignore[arg-type]


def member_ids(group: EvaluationGroup) -> list[str]:
    assert group.members is not None
    return [member.evaluation_id for member in group.members]


def row_identifiers(group: EvaluationGroup) -> dict[str, str]:
    assert group.row_identifiers is not None
    return {row.evaluation_id: row.column_name for row in group.row_identifiers}
