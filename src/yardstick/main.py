"""The application factory."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from alembic.script import ScriptDirectory
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from yardstick.api import ROUTERS
from yardstick.auth.gate import AuthGate
from yardstick.auth.rate_limit import key_limiter
from yardstick.config import Settings, get_settings
from yardstick.db.checkpointer import start_checkpointer
from yardstick.db.engine import create_db_engine
from yardstick.db.group_commit import GroupCommit
from yardstick.db.migrate import alembic_config
from yardstick.db.session import SessionFactory
from yardstick.errors import install_error_handlers
from yardstick.execution.worker import Worker
from yardstick.execution.worker_sessions import application_name
from yardstick.kit.body import BodyLimitMiddleware
from yardstick.kit.head import HeadAsGet
from yardstick.kit.idempotency import IdempotentCreates
from yardstick.kit.openapi import install_openapi
from yardstick.kit.request_guard import RequestGuard
from yardstick.kit.routing import skip_unreachable_routers
from yardstick.kit.security_headers import SecurityHeaders
from yardstick.ops.metrics import HttpMetrics
from yardstick.ops.process import instrument
from yardstick.plain_pages import PlainPages
from yardstick.provider import close_providers
from yardstick.sandbox.pool import close_sandbox
from yardstick.span import route_writes
from yardstick.web.mount import install_web


class StripTrailingSlash:
    """Serve `/v5/x/` as `/v5/x` directly: a redirect would drop a POST body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/")}
        await self.app(scope, receive, send)


def _lifespan(worker: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        checkpointer = start_checkpointer(app.state.sessions.engine)
        settings = app.state.settings
        if settings.span_write_process:
            await app.state.group_commit.start_process(
                log_format=settings.log_format,
                worker=settings.worker_id,
                preload=(route_writes.__name__,),
            )
        engine_worker = Worker(app.state.settings, app.state.sessions) if worker else None
        if engine_worker is not None:
            await engine_worker.start()
        try:
            yield
        finally:
            if engine_worker is not None:
                await engine_worker.stop()
            await app.state.group_commit.close()
            if checkpointer is not None:
                await asyncio.to_thread(checkpointer.close)
            await close_providers()
            await close_sandbox()  # the dry-run route's, when no engine runs here

    return lifespan


def create_app(settings: Settings | None = None, *, worker: bool = False) -> FastAPI:
    """The API; with `worker`, this process also runs the evaluation engine."""
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=_lifespan(worker),
        title="Yardstick",
        summary="Self-hostable LLM evaluation platform, wire-compatible with the SGP v5 API",
        version="0.1.0",
        redirect_slashes=False,
        docs_url=None,  # served by the UI from vendored files, so it works offline (web/mount.py)
        redoc_url=None,  # ReDoc would load its script and fonts from a CDN: blank offline
    )
    app.state.settings = settings
    # A worker's connections carry its name: a take-over of its chunks ends them.
    name = application_name(settings.worker_id) if worker else None
    app.state.sessions = SessionFactory(
        create_db_engine(settings.database_url, application_name=name)
    )
    app.state.group_commit = GroupCommit(app.state.sessions)
    # One bucket per key for the API and the web pages alike.
    app.state.key_limiter = key_limiter(settings)
    instrument(settings, app.state.sessions.engine)
    app.state.schema_head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    install_error_handlers(app)
    # Innermost: it answers the plain item pages with the principal the gate resolved.
    app.add_middleware(PlainPages, sessions=app.state.sessions)
    # Inside the body limit and the auth gate: it reads the principal the gate resolved.
    app.add_middleware(IdempotentCreates, sessions=app.state.sessions)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits={"/v5/files": settings.upload_body_bytes},
    )
    # Before routing, inside auth (a request without a key is a 401 whatever its path holds):
    # no NUL reaches the database.
    app.add_middleware(RequestGuard)
    # Outside the body limit: a request without a valid key is refused before its body is read.
    app.add_middleware(
        AuthGate, sessions=app.state.sessions, settings=settings, limiter=app.state.key_limiter
    )
    # Inside StripTrailingSlash, which copies the scope: it reads the route from its own.
    app.add_middleware(HttpMetrics)
    app.add_middleware(StripTrailingSlash)
    app.add_middleware(SecurityHeaders)  # 4xx errors and 413s included
    app.add_middleware(HeadAsGet)  # outermost: every layer inside sees the GET
    for router in ROUTERS:
        app.include_router(router)
    install_web(app)  # after the API's routes: the UI never shadows one
    skip_unreachable_routers(app)
    install_openapi(app)
    return app
