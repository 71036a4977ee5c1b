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
from pydantic import BaseModel, Field

from api.deps import (
    Principal,
    SettingsDep,
    StoreDep,
    forbid_outside,
    require_roles,
    roles_route,
    scoped_agents,
    scoped_queues,
)
from api.routers.realtime import local_instant
from api.schemas.common import INVALID, frame_records
from features.errors import FieldError, InvalidInput
from features.store.records_store import Store

router = APIRouter(prefix="/v1", tags=["records"])

READERS = ("admin", "planner", "supervisor", "agent", "data_scientist")
MAX_RANGE_DAYS = 31
"""Longest range one request may list."""
MAX_ROWS = 5000


class ContactPublic(BaseModel):
    """One stored contact: instants ISO 8601 with offset, durations in seconds."""

    contact_id: str
    queue: str
    channel: str | None = None
    arrived_at: str
    answered_at: str | None = None
    ended_at: str | None = None
    abandoned: bool
    wait_s: float | None = Field(default=None, description="Arrival to answer (or abandonment)")
    talk_s: float | None = None
    hold_s: float | None = None
    acw_s: float | None = None
    handle_s: float | None = None
    agent_id: str | None = None
    transfers: int | None = None
    csat: int | None = None
    sentiment: float | None = None


class ContactsPublic(BaseModel):
    """Contacts that arrived in the range, oldest first; `truncated` when `limit` cut them."""

    rows: list[ContactPublic]
    truncated: bool = False


def _range(start: datetime, end: datetime, timezone: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    low, high = local_instant(start, timezone, "start"), local_instant(end, timezone, "end")
    if high <= low:
        raise InvalidInput(
            "empty range", [FieldError(None, "end", "must be after start", str(high))]
        )
    if high - low > pd.Timedelta(days=MAX_RANGE_DAYS):
        raise InvalidInput(
            "range too long",
            [FieldError(None, "end", f"at most {MAX_RANGE_DAYS} days after start", str(high))],
        )
    return low, high


def _scoped(contacts: pd.DataFrame, principal: Principal, store: Store) -> pd.DataFrame:
    agents = scoped_agents(principal, store)
    if agents is None:
        return contacts
    mine = contacts["agent_id"].isin(sorted(agents))
    if principal.role == "agent":
        return contacts[mine]
    queues = scoped_queues(principal, store) or set()
    unanswered = contacts["answered_at"].isna() & contacts["queue"].isin(sorted(queues))
    return contacts[mine | unanswered]


@router.get("/contacts", **roles_route(*READERS, responses=INVALID))
def read_contacts(
    start: datetime,
    end: datetime,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*READERS))],
    queue: Annotated[str | None, Query(max_length=128, description="Only this queue")] = None,
    agent_id: Annotated[
        str | None, Query(max_length=128, description="Only contacts this agent handled")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS, description="Most rows returned")] = 1000,
) -> ContactsPublic:
    """Contacts that arrived in ``[start, end)`` (at most 31 days), optionally of one queue or
    one agent: the records behind an interval's KPIs."""
    tz = settings.timezone
    low, high = _range(start, end, tz)
    if principal.role == "agent":
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
