"""The contacts behind a KPI: read-only, scoped like the KPI drill-down.

An agent reads only the contacts they handled; a supervisor the contacts their teams' agents
handled and the unanswered contacts of the queues those agents serve; admin, planner and data
scientist read every contact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Query

from api.auth import Principal, caller
from api.deps import SettingsDep, StoreDep, roles_route
from api.params import checked_range
from api.roles import AGENT, Resource
from api.schemas.common import INVALID, frame_records
from api.schemas.records import ContactPublic, ContactsPublic
from api.scope import forbid_outside, scoped_agents, scoped_queues
from features.schema import QUEUE
from features.store.records_store import Store

router = APIRouter(prefix="/v1", tags=["records"])

MAX_RANGE_DAYS = 31
"""Longest range one request may list."""
MAX_ROWS = 5000


def _scoped(contacts: pd.DataFrame, principal: Principal, store: Store) -> pd.DataFrame:
    agents = scoped_agents(principal, store)
    if agents is None:
        return contacts
    mine = contacts["agent_id"].isin(sorted(agents))
    if principal.role == AGENT:
        return contacts[mine]
    queues = scoped_queues(principal, store) or set()
    unanswered = contacts["answered_at"].isna() & contacts[QUEUE].isin(sorted(queues))
    return contacts[mine | unanswered]


@router.get("/contacts", **roles_route(Resource.CONTACTS_READ, responses=INVALID))
def read_contacts(
    start: datetime,
    end: datetime,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.CONTACTS_READ))],
    queue: Annotated[str | None, Query(max_length=128, description="Only this queue")] = None,
    agent_id: Annotated[
        str | None, Query(max_length=128, description="Only contacts this agent handled")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS, description="Most rows returned")] = 1000,
) -> ContactsPublic:
    """Contacts that arrived in ``[start, end)`` (at most 31 days), optionally of one queue or
    one agent: the records behind an interval's KPIs."""
    tz = settings.timezone
    low, high = checked_range(start, end, tz, max_days=MAX_RANGE_DAYS)
    if principal.role == AGENT:
        agent_id = agent_id or principal.agent_id or ""
    if agent_id is not None:
        forbid_outside(scoped_agents(principal, store), agent_id, "agent")
    contacts = store.read_contacts(low, high, [queue] if queue else None)
    if agent_id is not None:
        contacts = contacts[contacts["agent_id"] == agent_id]
    contacts = _scoped(contacts, principal, store)
    truncated = len(contacts) > limit
    contacts = contacts.head(limit).copy()
    for column in ("arrived_at", "answered_at", "ended_at"):
        contacts[column] = contacts[column].dt.tz_convert(tz)
    answered = contacts["answered_at"].fillna(contacts["ended_at"])
    contacts["wait_s"] = (answered - contacts["arrived_at"]).dt.total_seconds()
    contacts["agent_id"] = contacts["agent_id"].where(
        ~contacts["agent_id"].isin(["", "nan", "None", "<NA>"])
    )
    return ContactsPublic(
        rows=[ContactPublic(**r) for r in frame_records(contacts)], truncated=truncated
    )
