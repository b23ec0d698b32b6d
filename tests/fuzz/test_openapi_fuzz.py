"""Property-based fuzzing of every operation in /openapi.json (schemathesis), on both databases.

Hypothesis generates bodies, paths and query strings from each operation's published schema,
fixed and bounded (`derandomize`, `MAX_EXAMPLES` each), and sends them with a valid key to a
real server. No request may get a server error (the only 5xx allowed is a 501 the operation
declares: a feature Yardstick does not have), and every response must match the schema the
description publishes for its status.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import response_schema_conformance

from tests.conftest import BACKENDS, require_backend
from tests.fixtures.server import ACCOUNT_A, Server, run_server

MAX_EXAMPLES = 10


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    backend: str = request.param
    require_backend(backend)
    # Model calls go nowhere (a closed port): the inference routes answer 502, never hang.
    yield from run_server(
        backend,
        tmp_path_factory.mktemp(f"fuzz-{backend}"),
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
        OPENAI_API_KEY="unused",
        YARDSTICK_MODEL_MAX_ATTEMPTS="1",
    )


def fuzz(operation: Any, headers: dict[str, str]) -> Any:
    """A Hypothesis test of one operation: MAX_EXAMPLES generated requests, derandomized."""
    declared = operation.definition.raw.get("responses", {})

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        response = case.call(headers=headers, timeout=30)
        allowed_5xx = response.status_code == 501 and "501" in declared
        assert response.status_code < 500 or allowed_5xx, (
            f"{response.status_code} {response.text[:300]}"
        )
        case.validate_response(response, checks=[response_schema_conformance])

    return call


def test_no_input_is_a_server_error_or_off_the_schema(fuzz_server: Server) -> None:
    # One Hypothesis run per operation, inside this test (schemathesis's own pytest plugin
    # does not run under this pytest); every finding is collected, then reported together.
    schema = schemathesis.openapi.from_url(f"{fuzz_server.base_url}/openapi.json")
    headers = {"x-api-key": fuzz_server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    findings: list[str] = []
    for operation in operations:
        try:
            fuzz(operation, headers)()
        except Exception as exc:  # noqa: BLE001 - each operation's finding is reported below
            findings.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}")
    assert not findings, "\n\n".join(findings)
