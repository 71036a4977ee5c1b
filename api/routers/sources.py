"""The other sources: tickets, knowledge-base events, quality evaluations and name aliases in
(JSON arrays or CSV, all or nothing, re-sends change nothing), and their views out — ticket
KPIs with drill-down to categories, tickets and contacts; quality KPIs; knowledge-base use and
its association with handle time, transfers and reopens.

Reads are scoped like ``GET /v1/kpis``: a supervisor sees their teams, their agents and the
queues those agents serve, an agent only themself.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.auth import Principal, caller
from api.deps import SettingsDep, StoreDep, roles_route
from api.params import MAX_RANGE_DAYS, checked_range, valid_timezone
from api.roles import AGENT, SUPERVISOR, Resource
from api.routers.history import CHILD_LEVEL, _check_scope
from api.routers.records import _frame, read_rows
from api.schemas.common import INVALID, NOT_FOUND, frame_records
from api.schemas.history import KpiLevel
from api.schemas.records import body_of
from api.schemas.sources import (
    AliasCreate,
    AliasesPublic,
    KbEventCreate,
    KnowledgePublic,
    QualityCreate,
    QualityKpiChild,
    QualityKpiPublic,
    QualityKpiValues,
    SourceIngestPublic,
    TicketContactPublic,
    TicketCreate,
    TicketDetailPublic,
    TicketKpiChild,
    TicketKpiPublic,
    TicketKpiValues,
    TicketPublic,
    TicketsPublic,
)
from api.scope import forbid_outside, scoped_agents
from api.services.quality_alerts import on_quality_ingested
from api.services.sources import (
    Scope,
    quality_rollup,
    read_quality,
    read_tickets,
    team_map,
    tenure_starts,
    ticket_rollup,
)
from features.errors import FieldError, InvalidInput, NotFound
from features.ingest import RecordKind, ingest_records
from features.measures.knowledge import (
    NEW_AGENT_DAYS,
    kb_effectiveness,
    kb_usage,
    new_agent_topics,
)
from features.measures.tickets import TicketTotals, tickets_in_period
from features.records.sources import validate_quality
from features.store.records_store import Store
from features.store.sources_store import SourcesStore

router = APIRouter(prefix="/v1", tags=["sources"])

MAX_TICKETS = 5000
"""Most tickets one list returns."""


def _ingested(report: Any) -> SourceIngestPublic:
    return SourceIngestPublic(**report.as_dict())


async def _ingest(
    request: Request, store: Store, kind: RecordKind, model: type[BaseModel], timezone: str | None
) -> SourceIngestPublic:
    zone = None if timezone is None else valid_timezone(timezone)
    frame = _frame(await read_rows(request, allow_csv=True), list(model.model_fields))
    report = await run_in_threadpool(ingest_records, store, kind, frame, timezone=zone)
    return _ingested(report)


@router.post(
    "/tickets",
    **roles_route(
        Resource.RECORDS_WRITE, responses=INVALID, openapi_extra=body_of(TicketCreate, csv=True)
    ),
)
async def create_tickets(
    request: Request, store: StoreDep, timezone: str | None = None
) -> SourceIngestPublic:
    """Store a batch of tickets, all or nothing. A known ``ticket_id`` sent again unchanged is
    a no-op; with more status changes it replaces the stored version (never with an older one).
    In CSV, ``status_changes`` is a JSON array in its cell."""
    return await _ingest(request, store, "tickets", TicketCreate, timezone)


@router.post(
    "/kb-events",
    **roles_route(
        Resource.RECORDS_WRITE, responses=INVALID, openapi_extra=body_of(KbEventCreate, csv=True)
    ),
)
async def create_kb_events(
    request: Request, store: StoreDep, timezone: str | None = None
) -> SourceIngestPublic:
    """Store a batch of knowledge-base events, all or nothing; known ``event_id``\\ s are
    no-ops."""
    return await _ingest(request, store, "kb-events", KbEventCreate, timezone)


@router.post(
    "/quality",
    **roles_route(
        Resource.RECORDS_WRITE, responses=INVALID, openapi_extra=body_of(QualityCreate, csv=True)
    ),
)
async def create_quality(
    request: Request, store: StoreDep, timezone: str | None = None
) -> SourceIngestPublic:
    """Store a batch of quality evaluations, all or nothing; known ``evaluation_id``\\ s are
    no-ops. Raises an alert when negative emotion or script-compliance misses cluster on a
    queue in the windows the batch touches."""
    zone = None if timezone is None else valid_timezone(timezone)
    frame = _frame(await read_rows(request, allow_csv=True), list(QualityCreate.model_fields))
    clean = await run_in_threadpool(validate_quality, frame, timezone=zone)
    report = await run_in_threadpool(SourcesStore(store).ingest_quality, clean, validated=True)
    await run_in_threadpool(on_quality_ingested, request.app, clean)
    received = len(frame)
    return SourceIngestPublic(
        received=received, inserted=report.inserted, duplicates=received - report.inserted
    )


@router.put(
    "/aliases",
    **roles_route(
        Resource.RECORDS_WRITE, responses=INVALID, openapi_extra=body_of(AliasCreate, csv=False)
    ),
)
async def update_aliases(request: Request, store: StoreDep) -> SourceIngestPublic:
    """Store aliases of queues, teams and agents (``账单`` for ``billing``) for questions in
    plain language; an alias already known is pointed at the new name."""
    rows = await read_rows(request, allow_csv=False)
    report = await run_in_threadpool(SourcesStore(store).put_aliases, rows)
    return _ingested(report)


@router.get("/aliases", **roles_route(Resource.SOURCES_READ))
def read_aliases(store: StoreDep) -> AliasesPublic:
    """Every alias of a queue, team or agent."""
    frame = SourcesStore(store).read_aliases()
    return AliasesPublic(aliases=[AliasCreate(**r) for r in frame.to_dict("records")])


def _node_id(level: str, id: str | None) -> str | None:
    """The drill-down node's id (None for the centre); 422 when a level needs one."""
    if level != "center" and not id:
        raise InvalidInput("missing id", [FieldError(None, "id", f"required for level {level}")])
    return None if level == "center" else id


def _ticket_values(totals: TicketTotals) -> TicketKpiValues:
    return TicketKpiValues(**asdict(totals))


def _link(path: str, low: pd.Timestamp, high: pd.Timestamp, **params: str) -> str:
    query = {**params, "start": low.isoformat(), "end": high.isoformat()}
    return f"{path}?{urlencode(query)}"


def _visible_children(principal: Principal, level: str) -> set[str] | None:
    return set(principal.teams) if principal.role == SUPERVISOR and level == "queue" else None


@router.get("/tickets/kpis", **roles_route(Resource.SOURCES_READ, responses=INVALID))
def read_ticket_kpis(
    start: datetime,
    end: datetime,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.SOURCES_READ))],
    level: KpiLevel = "center",
    id: Annotated[str | None, Query(description="Queue, team or agent id (not for center)")] = None,
) -> TicketKpiPublic:
    """Ticket KPIs of one node (tickets opened in ``[start, end)``, state as of ``end``):
    first-contact resolution, resolution rate and time, reopen rate, and the backlog at
    ``end``; its children (center → queues → teams of the owners → agents) and its categories,
    each category linking to its tickets."""
    tz = settings.timezone
    low, high = checked_range(start, end, tz, max_days=MAX_RANGE_DAYS)
    node = _node_id(level, id)
    _check_scope(principal, store, level, node)
    scope = Scope.of(principal, store)
    tickets = read_tickets(
        store, low, high, scope, queues=[node] if level == "queue" and node else None
    )
    totals, children, categories = ticket_rollup(
        tickets, level, node, low, high, _visible_children(principal, level)
    )
    child_level = CHILD_LEVEL[level]
    node_params = {"level": level, "id": node} if node else {"level": level}
    return TicketKpiPublic(
        level=level,
        id=node,
        start=low.isoformat(),
        end=high.isoformat(),
        kpis=_ticket_values(totals),
        children=[
            TicketKpiChild(
                level=str(child_level),
                id=name,
                kpis=_ticket_values(values),
                url=_link("/v1/tickets/kpis", low, high, level=str(child_level), id=name),
            )
            for name, values in sorted(children.items())
            if child_level is not None
        ],
        categories=[
            TicketKpiChild(
                level="category",
                id=name,
                kpis=_ticket_values(values),
                url=_link("/v1/tickets", low, high, category=name, **node_params),  # type: ignore[arg-type]
            )
            for name, values in sorted(categories.items())
        ],
    )


def _contacts_of(store: Store, tickets: pd.DataFrame, high: pd.Timestamp) -> dict[str, Any]:
    ids = sorted({str(c) for c in tickets["contact_id"].dropna()})
    if not ids:
        return {}
    opened = pd.to_datetime(tickets["opened_at"], utc=True)
    contacts = store.read_contacts(
        opened.min() - pd.Timedelta(days=2), max(high, opened.max() + pd.Timedelta(hours=1))
    )
    contacts = contacts[contacts["contact_id"].isin(ids)]
    return {str(r["contact_id"]): r for r in frame_records(contacts)}


def _ticket_public(row: dict[str, Any], contacts: dict[str, Any], tz: str) -> dict[str, Any]:
    contact = contacts.get(str(row.get("contact_id")))
    return {
        **{
            k: row.get(k)
            for k in (
                "ticket_id",
                "queue",
                "category",
                "priority",
                "agent_id",
                "team",
                "status",
                "resolved",
                "resolution_s",
                "reopened",
                "first_contact_resolved",
            )
        },  # fmt: skip
        "opened_at": pd.Timestamp(row["opened_at"]).tz_convert(tz).isoformat(),
        "status_changes": [
            {"at": pd.Timestamp(c["at"]).tz_convert(tz).isoformat(), "status": c["status"]}
            for c in row["status_changes"]
        ],
        "contact": TicketContactPublic(**contact) if contact else None,
    }


@router.get("/tickets", **roles_route(Resource.SOURCES_READ, responses=INVALID))
def read_tickets_list(
    start: datetime,
    end: datetime,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.SOURCES_READ))],
    level: KpiLevel = "center",
    id: Annotated[str | None, Query(max_length=200, description="Queue, team or agent id")] = None,
    category: Annotated[
        str | None, Query(max_length=1000, description="Only this category")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TICKETS, description="Most rows returned")] = 1000,
) -> TicketsPublic:
    """The tickets behind a ticket KPI: opened in ``[start, end)`` in a node (and category),
    each with its state as of ``end`` and the contact it came from."""
    tz = settings.timezone
    low, high = checked_range(start, end, tz, max_days=MAX_RANGE_DAYS)
    node = _node_id(level, id)
    if principal.role in (SUPERVISOR, AGENT) and level != "center":
        _check_scope(principal, store, level, node)
    scope = Scope.of(principal, store)
    tickets = read_tickets(
        store, low, high, scope, queues=[node] if level == "queue" and node else None,
        opened_only=True,
    )  # fmt: skip
    if level == "team":
        tickets = tickets[tickets["team"] == node]
    elif level == "agent":
        tickets = tickets[tickets["agent_id"] == node]
    rows = tickets_in_period(tickets, low, high, [category] if category else ())
    truncated = len(rows) > limit
    rows = rows.head(limit)
    contacts = _contacts_of(store, rows, high)
    records = rows.to_dict("records")
    return TicketsPublic(
        rows=[TicketPublic(**_ticket_public(_clean(r), contacts, tz)) for r in records],
        truncated=truncated,
    )


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if not isinstance(v, (list, dict)) and pd.isna(v) else v)
        for k, v in record.items()
    }


@router.get(
    "/tickets/{ticket_id}", **roles_route(Resource.SOURCES_READ, responses={**INVALID, **NOT_FOUND})
)
def read_ticket(
    ticket_id: Annotated[str, Path(max_length=200)],
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.SOURCES_READ))],
) -> TicketDetailPublic:
    """One ticket with its status history (state as of now), its contact, the articles read on
    that contact and its quality evaluations."""
    tz = settings.timezone
    sources = SourcesStore(store)
    found = Scope.of(principal, store).owned(sources.read_tickets(ticket_ids=[ticket_id]))
    if found.empty:
        raise NotFound(f"ticket '{ticket_id}' does not exist or is outside this key's scope")
    found = found.assign(team=found["agent_id"].map(team_map(store)))
    # Nothing is stored more than a day ahead of the clock (plausibility), so this is "now".
    horizon = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=2)
    row = tickets_in_period(found, found["opened_at"].iloc[0], horizon).to_dict("records")[0]
    detail = _ticket_public(_clean(row), _contacts_of(store, found, horizon), tz)
    contact_id = row.get("contact_id")
    events: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    if isinstance(contact_id, str) and contact_id:
        events = frame_records(sources.read_kb_events(contact_ids=[contact_id]))
        quality = sources.read_quality(by="evaluated", contact_ids=[contact_id])
        evaluations = frame_records(quality.drop(columns=["queue", "agent_id", "channel"]))
    return TicketDetailPublic(**detail, kb_events=events, evaluations=evaluations)


@router.get("/quality/kpis", **roles_route(Resource.SOURCES_READ, responses=INVALID))
def read_quality_kpis(
    start: datetime,
    end: datetime,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.SOURCES_READ))],
    level: KpiLevel = "center",
    id: Annotated[str | None, Query(description="Queue, team or agent id (not for center)")] = None,
) -> QualityKpiPublic:
    """Quality of the contacts that arrived in ``[start, end)``: evaluations, mean script
    compliance and empathy, shares with negative emotion and with a compliance miss — of one
    node and its children."""
    tz = settings.timezone
    low, high = checked_range(start, end, tz, max_days=MAX_RANGE_DAYS)
    node = _node_id(level, id)
    _check_scope(principal, store, level, node)
    evaluations = read_quality(store, low, high, Scope.of(principal, store))
    totals, children = quality_rollup(evaluations, level, node, _visible_children(principal, level))
    child_level = CHILD_LEVEL[level]
    return QualityKpiPublic(
        level=level,
        id=node,
        start=low.isoformat(),
        end=high.isoformat(),
        kpis=QualityKpiValues.model_validate(totals),
        children=[
            QualityKpiChild(
                level=child_level,
                id=name,
                kpis=QualityKpiValues.model_validate(values),
                url=_link("/v1/quality/kpis", low, high, level=str(child_level), id=name),
            )
            for name, values in sorted(children.items())
            if child_level is not None
        ],
    )


@router.get("/knowledge", **roles_route(Resource.SOURCES_READ, responses=INVALID))
def read_knowledge(
    start: datetime,
    end: datetime,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.SOURCES_READ))],
    team: Annotated[str | None, Query(max_length=128, description="Only this team")] = None,
    agent_id: Annotated[str | None, Query(max_length=200, description="Only this agent")] = None,
    new_agent_days: Annotated[
        int, Query(ge=1, le=3650, description="An agent is new this many days after starting")
    ] = NEW_AGENT_DAYS,
    min_group: Annotated[
        int, Query(ge=2, le=10_000, description="Fewest contacts per compared group")
    ] = 10,
) -> KnowledgePublic:
    """Knowledge-base use in ``[start, end)`` per topic and agent; handle time, transfers and
    reopens of contacts with and without an article read in the same queues (an association,
    with sample sizes, 95 % intervals and p-values); and the topics new agents look up most,
    which training for them should cover."""
    tz = settings.timezone
    low, high = checked_range(start, end, tz, max_days=MAX_RANGE_DAYS)
    allowed = scoped_agents(principal, store)
    if principal.role == AGENT:
        agent_id = agent_id or principal.agent_id or ""
    if agent_id is not None:
        forbid_outside(allowed, agent_id, "agent")
    if team is not None and principal.role == SUPERVISOR:
        forbid_outside(set(principal.teams), team, "team")
    if team is not None and principal.role == AGENT:
        forbid_outside(set(), team, "team")
    agents = store.read_agents()
    ids = set(agents["agent_id"].astype(str)) if allowed is None else set(allowed)
    if team is not None:
        ids &= set(agents.loc[agents["team"] == team, "agent_id"].astype(str))
    if agent_id is not None:
        ids &= {agent_id}
    sources = SourcesStore(store)
    events = sources.read_kb_events(low, high, agent_ids=sorted(ids))
    contacts = store.read_contacts(low, high)
    contacts = contacts[contacts["agent_id"].isin(sorted(ids))]
    tickets = sources.read_tickets(low, high + pd.Timedelta(days=31))
    tickets = tickets[tickets["contact_id"].isin(contacts["contact_id"].tolist())]
    comparisons = kb_effectiveness(events, contacts, tickets, min_group=min_group)
    topics = new_agent_topics(
        events, tenure_starts(store, ids), high.date(), new_agent_days=new_agent_days
    )
    return KnowledgePublic(
        start=low.isoformat(),
        end=high.isoformat(),
        by_topic=frame_records(kb_usage(events, None, "topic")),
        by_agent=frame_records(kb_usage(events, contacts, "agent_id")),
        comparisons=frame_records(comparisons),
        new_agent_topics=frame_records(topics),
        new_agent_days=new_agent_days,
    )
