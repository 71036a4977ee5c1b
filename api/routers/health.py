"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.app import ensure_schema
from api.deps import ServiceStoreDep, public_route
from api.schemas.common import ErrorPublic

router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    """Probe answer."""

    status: Literal["ok"] = "ok"


@router.get("/healthz", **public_route())
def read_liveness() -> HealthPublic:
    """The process is up (no dependency is checked)."""
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
