"""``GET /v1/ask``: a question in plain language (English or Chinese), answered from the store
within the caller's scope (:mod:`api.services.ask`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from api.auth import Principal, caller
from api.deps import ServiceStoreDep, SettingsDep, StoreDep, roles_route
from api.params import local_instant
from api.roles import Resource
from api.schemas.ask import AskPublic
from api.schemas.common import INVALID
from api.services.ask import ask

router = APIRouter(prefix="/v1", tags=["ask"])


@router.get("/ask", **roles_route(Resource.ASK, responses=INVALID))
async def read_answer(
    q: Annotated[str, Query(max_length=300, description="The question, English or Chinese")],
    store: StoreDep,
    service: ServiceStoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.ASK))],
    at: Annotated[
        datetime | None, Query(description="The instant 'today' and 'now' mean (now when omitted)")
    ] = None,
) -> AskPublic:
    """Answer e.g. "what was billing's service level yesterday?", "昨天账单队列的服务水平是多少?",
    "which team had the most abandoned calls last week?" or "who is on shift tomorrow at 9?"
    with the number, the query that ran (measure, filters, period) and a dashboard link. A
    question that cannot be answered without guessing comes back with ``understood: false`` and
    the words that were not understood; a queue, team or agent outside the key's scope is 403."""
    tz = settings.timezone
    now = local_instant(at, tz, "at")
    answer = await run_in_threadpool(ask, q, principal, store, service, timezone=tz, now=now)
    return AskPublic(**asdict(answer))
