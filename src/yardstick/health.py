from fastapi import APIRouter, Request
from sqlalchemy import text

from yardstick.kit.responses import JSONBody

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> JSONBody:
    """200 once the database is reachable and migrated to this code's schema; no auth."""
    try:
        with request.app.state.sessions.engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready", never a crash
        return JSONBody({"status": "unavailable", "detail": str(exc)[:200]}, status_code=503)
    if revision != request.app.state.schema_head:
        return JSONBody(
            {"status": "unavailable", "detail": "database not migrated"}, status_code=503
        )
    return JSONBody({"status": "ok"})
