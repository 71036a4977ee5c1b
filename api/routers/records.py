"""Records in: contacts and agent states (JSON array or CSV body), agents (JSON array)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import StoreDep, roles_route
from api.params import valid_timezone
from api.roles import Resource
from api.schemas.common import INVALID
from api.schemas.records import (
    AgentCreate,
    AgentStateCreate,
    ContactCreate,
    IngestPublic,
    body_of,
)
from api.services.alerting import on_contacts_ingested
from api.services.routing_cache import invalidate_routing_cache
from features.errors import FieldError, InvalidInput
from features.ingest import read_csv_body
from features.records.validation import validate_contacts

router = APIRouter(prefix="/v1", tags=["records"])


def _body_error(rule: str, value: Any = None) -> InvalidInput:
    return InvalidInput(
        "unreadable body", [FieldError(row=None, field="body", rule=rule, value=value)]
    )


async def read_rows(request: Request, allow_csv: bool) -> pd.DataFrame | list[dict[str, Any]]:
    """The request body as rows: a frame from CSV text, or the objects of a JSON array."""
    body = await request.body()
    media = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if allow_csv and media == "text/csv":
        return read_csv_body(body)
    if media not in ("application/json", ""):
        accepted = "application/json or text/csv" if allow_csv else "application/json"
        raise _body_error(f"content type must be {accepted}", media)
    try:
        rows = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _body_error(f"not valid JSON: {exc}") from exc
    if not isinstance(rows, list):
        raise _body_error("must be a JSON array of objects", type(rows).__name__)
    broken = [
        FieldError(row=i, field="row", rule="must be a JSON object", value=str(row)[:80])
        for i, row in enumerate(rows)
        if not isinstance(row, dict)
    ]
    if broken:
        raise InvalidInput("rows are not objects", broken)
    return rows


def _frame(rows: pd.DataFrame | list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows
    return pd.DataFrame(rows, columns=None if rows else columns)


@router.post(
    "/contacts",
    **roles_route(
        Resource.RECORDS_WRITE, responses=INVALID, openapi_extra=body_of(ContactCreate, csv=True)
    ),
)
async def create_contacts(
    request: Request, store: StoreDep, timezone: str | None = None
) -> IngestPublic:
    """Store a batch of contacts, all or nothing; re-sent ``contact_id``\\ s are no-ops.

    ``timezone`` names the site's zone for naive timestamps (rejected without it).
    """
    zone = None if timezone is None else valid_timezone(timezone)
    frame = _frame(await read_rows(request, allow_csv=True), list(ContactCreate.model_fields))
    clean = await run_in_threadpool(validate_contacts, frame, timezone=zone)
    report = await run_in_threadpool(store.ingest_contacts, clean, validated=True)
    await run_in_threadpool(on_contacts_ingested, request.app, clean)
    return IngestPublic(**report.as_dict())


@router.post(
    "/agent-states",
    **roles_route(
        Resource.RECORDS_WRITE, responses=INVALID, openapi_extra=body_of(AgentStateCreate, csv=True)
    ),
)
async def create_agent_states(
    request: Request, store: StoreDep, timezone: str | None = None
) -> IngestPublic:
    """Store a batch of agent-state spans, all or nothing; known spans are no-ops."""
    zone = None if timezone is None else valid_timezone(timezone)
    frame = _frame(await read_rows(request, allow_csv=True), list(AgentStateCreate.model_fields))
    report = await run_in_threadpool(store.ingest_agent_states, frame, timezone=zone)
    return IngestPublic(**report.as_dict())


@router.put(
    "/agents",
    **roles_route(
        Resource.RECORDS_WRITE, responses=INVALID, openapi_extra=body_of(AgentCreate, csv=False)
    ),
)
async def update_agents(request: Request, store: StoreDep) -> IngestPublic:
    """Insert agents, or replace the stored record of agents already known."""
    rows = await read_rows(request, allow_csv=False)
    records = rows if isinstance(rows, list) else rows.to_dict("records")
    report = await run_in_threadpool(store.upsert_agents, records)
    invalidate_routing_cache(request.app)
    return IngestPublic(**report.as_dict())
