"""GET /v5/evaluations/{id}."""

import pytest
from scale_gp_beta import NotFoundError, SGPClient

from tests.evaluation.helpers import make_evaluation


def test_retrieve_returns_what_create_returned(client: SGPClient) -> None:
    evaluation = make_evaluation(client)

    retrieved = client.evaluations.retrieve(evaluation.id)

    assert retrieved.tasks is None
    assert retrieved.model_dump(exclude={"tasks"}) == evaluation.model_dump(exclude={"tasks"})


@pytest.mark.parametrize("evaluation_id", ["00000000-0000-7000-8000-000000000000", "not-an-id"])
def test_unknown_id_is_404(client: SGPClient, evaluation_id: str) -> None:
    with pytest.raises(NotFoundError):
        client.evaluations.retrieve(evaluation_id)
    with pytest.raises(NotFoundError):
        client.evaluations.retrieve(evaluation_id, include_archived=True)
