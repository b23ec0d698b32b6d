"""Routes of SGP's API that Yardstick does not serve answer 501, final, after authentication."""

import httpx
import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import APIStatusError

from tests.fixtures.server import Server


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.vector_stores.list(),
        lambda c: c.agent_configs.list(),
        lambda c: c.build.retrieve("b1"),
        lambda c: c.deploy.list(),
        lambda c: c.files.import_from_cloud(files=[]),
    ],
)
def test_unsupported_resources_are_final_501s(client: SGPClient, call: object) -> None:
    with pytest.raises(APIStatusError) as caught:
        call(client.with_options(max_retries=3))  # type: ignore[operator]

    assert caught.value.status_code == 501
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert "not supported by Yardstick" in str(caught.value.body)


def test_they_still_require_a_key(server: Server) -> None:
    response = httpx.post(f"{server.base_url}/v5/vector-stores/x/query", json={})

    assert response.status_code == 401
