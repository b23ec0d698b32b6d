"""Embeddings through a vendor: `POST /embeddings` in OpenAI's shape, on the vendor's client.

The call takes the same slot, rate-limit token and retries as a chat completion (see `client`);
the answer must hold one vector per input, which are returned in input order.
"""

from dataclasses import dataclass
from typing import Any

from yardstick.provider.client import VendorClient
from yardstick.provider.errors import UpstreamError


@dataclass
class EmbeddingsResult:
    vectors: list[list[float]]
    latency_ms: float
    attempts: int
    usage: dict[str, Any] | None


async def request(
    client: VendorClient,
    upstream_model: str,
    texts: list[str],
    *,
    timeout: float,
    max_attempts: int,
) -> EmbeddingsResult:
    result = await client.post_json(
        "/embeddings",
        {"model": upstream_model, "input": texts},
        timeout=timeout,
        max_attempts=max_attempts,
    )
    data = result.response.get("data")
    rows: dict[int, list[float]] = {}
    if isinstance(data, list):
        for position, row in enumerate(data):
            if isinstance(row, dict) and isinstance(row.get("embedding"), list):
                index = row.get("index", position)
                if isinstance(index, int):
                    rows[index] = row["embedding"]
    if sorted(rows) != list(range(len(texts))):
        raise UpstreamError(
            f"{client.config.name} answered {len(rows)} embeddings for {len(texts)} inputs",
            attempts=result.attempts,
        )
    usage = result.response.get("usage")
    return EmbeddingsResult(
        [rows[i] for i in range(len(texts))],
        result.latency_ms,
        result.attempts,
        usage if isinstance(usage, dict) else None,
    )
