"""The audit trail: every time-off request, decision and roster edit, who did it and when."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import roles_route
from api.params import utc_instant
from api.people_deps import PeopleStoreDep
from api.roles import Resource
from api.schemas.common import INVALID
from api.schemas.people import MAX_OFFSET, MAX_PAGE, AuditPage, AuditPublic, next_offset
from features.store.service_store import as_utc

router = APIRouter(prefix="/v1", tags=["people"])


@router.get("/audit", **roles_route(Resource.AUDIT_READ, responses=INVALID))
def read_audit(
    people: PeopleStoreDep,
    action: Annotated[str | None, Query(max_length=64, examples=["time_off.decide"])] = None,
    subject: Annotated[str | None, Query(max_length=200, examples=["time-off-request:3"])] = None,
    agent_id: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[dt.datetime | None, Query(description="ISO instant with an offset")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> AuditPage:
    """Audit events newest first, filtered by action, subject, the agent concerned and time."""
    low = None if since is None else utc_instant(since, "since").to_pydatetime()
    rows, total = people.list_audit(
        action=action, subject=subject, agent_id=agent_id, since=low, offset=offset, limit=limit
    )
    return AuditPage(
        items=[
            AuditPublic(
                id=r.id,
                at=as_utc(r.at),  # type: ignore[arg-type]
                key_id=r.key_id,
                role=r.role,
                actor_agent_id=r.actor_agent_id,
                action=r.action,
                subject=r.subject,
                agent_id=r.agent_id,
                detail=r.detail,
            )
            for r in rows
        ],
        total=total,
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, limit, total),
    )
