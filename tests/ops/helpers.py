"""Reading a server's /metrics and its JSON log lines."""

import json
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.fixtures.server import Server


def scrape(server: Server) -> list[Sample]:
    """Every sample of the server's /metrics, fetched without an API key."""
    response = httpx.get(f"{server.base_url}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return [
        sample
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sample `name` with exactly these labels, 0 when absent (a counter not yet used)."""
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) <= 1
    return found[0] if found else 0.0


def log_lines(server: Server) -> list[str]:
    return (server.data_dir / "server.log").read_text(errors="replace").splitlines()


def json_events(path: Path) -> list[dict[str, Any]]:
    """The structured lines of a log: those that are JSON objects (uvicorn's are text)."""
    events = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))  # a line that starts like JSON must be JSON
    return events
