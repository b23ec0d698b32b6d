"""`GET /metrics`: this process's Prometheus metrics; no auth, like `/health`, so a scraper
needs no API key (the figures are counts and timings, never ids or data)."""

from fastapi import APIRouter
from fastapi.responses import Response

from yardstick.ops.metrics import CONTENT_TYPE, exposition

router = APIRouter(tags=["operations"])


# A plain `def`: FastAPI runs it on its thread pool, so the scrape-time database read (the
# queue depth) never blocks the event loop.
@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics() -> Response:
    """Prometheus text exposition format (see the README's Operations section)."""
    return Response(exposition(), media_type=CONTENT_TYPE)
