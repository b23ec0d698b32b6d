import httpx

from tests.fixtures.server import Server


def test_health_needs_no_auth(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_and_docs_are_served(server: Server) -> None:
    spec = httpx.get(f"{server.base_url}/openapi.json", timeout=60).json()
    assert "/v5/datasets" in spec["paths"]
    assert httpx.get(f"{server.base_url}/docs").status_code == 200
