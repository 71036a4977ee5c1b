"""The FastAPI app factory: settings, database, job runner and every router.

Nothing happens at import time: :func:`create_app` builds the app and its lifespan takes the
process's engine for the database (migrating it to the newest schema), starts the job runner,
and at shutdown stops the runner and the webhook senders and gives the engine back.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from api.auth import KEY_CACHE_STATE, KeyCache
from api.docs import install_docs
from api.errors import install_error_handlers
from api.middleware.headers import SecurityHeaders
from api.middleware.limits import RequestLimits
from api.middleware.shedding import install_shedding
from api.routers import ROUTER_MODULES
from api.services.alerting import shutdown_alerting
from api.settings import Settings
from features.store.engine import hold_engine, release_engine
from features.store.migrations import upgrade
from features.store.records_store import Store
from features.store.service_store import ServiceStore

logger = logging.getLogger(__name__)

DESCRIPTION = """Seatwise: records, interval histories, forecasts, staffing, rosters, routing
and alerts of a contact centre.

Send `Authorization: Bearer <key>` (made by `seatwise keys create --role ROLE`). Every operation
lists the roles it admits in `x-roles`. Long work (training, backtests, rosters) returns a job:
poll `GET /v1/jobs/{id}` for state, percent and the result link."""


def migrate_database(engine: Engine) -> None:
    """Bring the database behind `engine` to the newest Alembic revision."""
    upgrade(engine)


def ensure_schema(app: FastAPI) -> None:
    """Migrate the database once it answers (it may have been down at start-up) and fail the
    jobs that a stopped service left queued or running."""
    if app.state.migrated:
        return
    migrate_database(app.state.engine)
    app.state.migrated = True
    app.state.jobs.recover()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Seatwise HTTP API.

    Parameters
    ----------
    settings:
        Service settings; read from ``SEATWISE_*`` environment variables when None.

    Returns
    -------
    fastapi.FastAPI
        The app; its lifespan migrates the database and runs the job pool.
    """
    chosen = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from api.services.jobs import JobRunner

        engine = hold_engine(chosen.database_url)
        app.state.engine = engine
        app.state.service_store = ServiceStore(engine)
        app.state.store = Store(chosen.database_url)
        app.state.migrated = False
        runner = JobRunner(chosen, app.state.service_store)
        app.state.jobs = runner
        runner.start()
        try:
            ensure_schema(app)
        except DBAPIError as exc:
            logger.warning("database not reachable at start-up (%s); serving 503s", exc.orig)
        try:
            yield
        finally:
            runner.shutdown()
            shutdown_alerting(app)
            release_engine(chosen.database_url)

    app = FastAPI(
        title="Seatwise",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "health", "description": "Liveness and readiness"},
            {"name": "records", "description": "Contacts, agent states, agents"},
            {"name": "history", "description": "Interval histories and KPI drill-down"},
            {"name": "forecasts", "description": "Training jobs and stored forecasts"},
            {"name": "models", "description": "Backtests and the model registry"},
            {"name": "staffing", "description": "Erlang staffing requirements"},
            {"name": "rosters", "description": "Roster solving, publishing, schedules"},
            {"name": "simulations", "description": "Replaying real contacts on a roster"},
            {"name": "jobs", "description": "Background job state and progress"},
            {"name": "capacity", "description": "Long-range capacity plans and hiring"},
        ],
    )
    app.state.settings = chosen
    setattr(app.state, KEY_CACHE_STATE, KeyCache())
    install_error_handlers(app)
    # The last added runs first: security headers on every answer (503s included), then
    # shedding before any body is read, then the request limits.
    app.add_middleware(RequestLimits, max_body_bytes=chosen.max_body_bytes)
    install_shedding(app, chosen)
    app.add_middleware(SecurityHeaders)
    install_docs(app)
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"api.routers.{name}")
        app.include_router(module.router)
    return app
