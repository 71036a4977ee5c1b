"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.app import ensure_schema
from api.deps import ServiceStoreDep, public_route
from api.schemas.common import ErrorPublic
from api.schemas.health import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/healthz", **public_route())
async def read_liveness() -> HealthPublic:
    """The process is up (no dependency is checked); answered on the event loop, never
    waiting for a worker thread, so it stays fast under any load."""
    return HealthPublic()


@router.get(
    "/readyz",
    **public_route({503: {"model": ErrorPublic, "description": "Database unreachable"}}),
)
def read_readiness(request: Request, store: ServiceStoreDep) -> HealthPublic:
    """The database answers (503 with Retry-After when it does not)."""
    store.ping()
    ensure_schema(request.app)
    return HealthPublic()
