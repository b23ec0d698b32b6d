import logging
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from yardstick.kit.responses import JSONBody

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])
PROBE_TIMEOUT_MS = 2000


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database is down or not migrated"}},
)
def health(request: Request) -> JSONBody:
    """200 once the database is reachable and migrated to this code's schema; no auth."""
    try:
        with request.app.state.sessions.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # A probe waits for a lock or a slow server at most this long: probes stuck
                # behind one (a migration, a long transaction) held the threads and pool
                # connections every other request needs.
                connection.execute(text(f"SET LOCAL lock_timeout = {PROBE_TIMEOUT_MS}"))
                connection.execute(text(f"SET LOCAL statement_timeout = {PROBE_TIMEOUT_MS}"))
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready", never a crash
        # The probe needs no key: the driver's message (the database's host, port, name and
        # user) goes to the log, the caller gets its kind only.
        log.warning("health: the database cannot be reached: %s", exc)
        detail = f"the database cannot be reached ({type(exc).__name__}); the log says why"
        return JSONBody({"status": "unavailable", "detail": detail}, status_code=503)
    if revision != request.app.state.schema_head:
        return JSONBody(
            {"status": "unavailable", "detail": "database not migrated"}, status_code=503
        )
    return JSONBody({"status": "ok"})
