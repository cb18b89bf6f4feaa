"""create_app(): wires routers, middleware and error handlers. No logic lives here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from opennrm import migrate, worker
from opennrm.api import actionplan as actionplan_api
from opennrm.api import admin as admin_api
from opennrm.api import audit as audit_api
from opennrm.api import auth as auth_api
from opennrm.api import consultations as consultations_api
from opennrm.api import errors as api_errors
from opennrm.api import exports as exports_api
from opennrm.api import investigations as investigations_api
from opennrm.api import linkage as linkage_api
from opennrm.api import network as network_api
from opennrm.api import notifications as notifications_api
from opennrm.api import referrals as referrals_api
from opennrm.api import registry as registry_api
from opennrm.api import screening as screening_api
from opennrm.api import signals as signals_api
from opennrm.api import statistics as statistics_api
from opennrm.api import training as training_api
from opennrm.context import AppContext
from opennrm.middleware import BodySizeLimit, SecurityHeaders
from opennrm.policy.rowsecurity import ActorBoxMiddleware
from opennrm.settings import Settings, get_settings

API_DESCRIPTION = """The JSON API of OpenNRM. Authenticate with `Authorization: Bearer <token>`
(a personal token, or one from `POST /api/v1/auth/token`). Errors are
`{"error": {"code", "message"}}`; a record the caller may not see is a 404."""


def create_app(settings: Settings | None = None, ctx: AppContext | None = None) -> FastAPI:
    """Build the application. Refuses (raises `SchemaNotCurrent`) on an unmigrated or
    newer-schema database, with the command to run in the message."""
    settings = settings or get_settings()
    ctx = ctx or AppContext.build(settings)
    migrate.ensure_current(ctx.db.engine)

    app = FastAPI(
        title="OpenNRM",
        version=_version(),
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=_background_jobs(ctx),
    )
    app.state.ctx = ctx
    api_errors.install(app)
    app.add_middleware(SecurityHeaders, production=settings.is_production)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ActorBoxMiddleware)  # outermost of ours: the whole request has a box

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, Any]:
        return {"status": "ok"}

    for router in (
        auth_api.router,
        signals_api.router,
        audit_api.router,
        admin_api.router,
        notifications_api.router,
        referrals_api.router,
        screening_api.router,
        registry_api.router,
        investigations_api.router,
        consultations_api.router,
        linkage_api.router,
        network_api.router,
        statistics_api.router,
        exports_api.router,
        actionplan_api.router,
        training_api.router,
    ):
        app.include_router(router)

    from opennrm.web import pages  # imported late: the pages are optional for the API

    app.include_router(pages.router)
    pages.install(app)
    static = Path(__file__).parent / "web" / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    return app


def _background_jobs(ctx: AppContext) -> Any:
    """Lifespan: the background runner lives as long as the app (ADR 0009)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = worker.start_background(ctx)
        app.state.worker = runner
        try:
            yield
        finally:
            worker.stop_background(runner)

    return lifespan


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("opennrm")
    except PackageNotFoundError:
        return "0"
