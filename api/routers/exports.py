"""``GET /v1/exports/{kind}``: paged CSV or Parquet for BI tools, scoped like the views they
come from (:mod:`api.services.exports`)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from api.auth import Principal, caller
from api.deps import ServiceStoreDep, SettingsDep, StoreDep, roles_route
from api.params import MAX_RANGE_DAYS, checked_range
from api.roles import AGENT, Resource
from api.schemas.common import INVALID
from api.schemas.forecasts import IntervalMinutes
from api.scope import forbid_outside
from api.services.exports import (
    AGENT_ONLY_KINDS,
    csv_chunks,
    export_frame,
    parquet_bytes,
)
from api.services.sources import Scope

router = APIRouter(prefix="/v1", tags=["exports"])

ExportKind = Literal[
    "intervals", "kpis", "contacts", "agents", "performance", "tickets", "ticket-kpis", "kb",
    "quality",
]  # fmt: skip
MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "One page of the export (X-Total-Count rows in all; Link: next page)",
        "content": {"text/csv": {"schema": {"type": "string"}},
                    "application/vnd.apache.parquet": {"schema": {"type": "string",
                                                                  "format": "binary"}}},
    },
    **INVALID,
}  # fmt: skip


@router.get(
    "/exports/{kind}",
    response_class=Response,
    **roles_route(Resource.EXPORTS_READ, responses=FILE_RESPONSES),
)
async def read_export(
    request: Request,
    kind: Annotated[ExportKind, Path(description="What to export")],
    start: datetime,
    end: datetime,
    store: StoreDep,
    service: ServiceStoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.EXPORTS_READ))],
    format: Annotated[Literal["csv", "parquet"], Query(description="File format")] = "csv",
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")] = 1,
    page_size: Annotated[int, Query(ge=1, le=100_000, description="Rows per page")] = 10_000,
    freq: Annotated[IntervalMinutes, Query(description="Interval length (intervals)")] = 15,
) -> Response:
    """One page of an export for BI tools: ``intervals`` (as ``GET /v1/intervals``), ``kpis``
    (every drill-down node of ``GET /v1/kpis``), ``contacts``, ``agents``, ``performance``,
    ``tickets`` (state as of ``end``), ``ticket-kpis``, ``kb`` (knowledge-base events) or
    ``quality``, over ``[start, end)``. A supervisor exports their teams, agents and queues; an
    agent only their own rows (not intervals or contacts). Headers: ``X-Total-Count``,
    ``X-Page-Count`` and a ``Link`` to the next page."""
    if principal.role == AGENT and kind not in AGENT_ONLY_KINDS:
        forbid_outside(set(), kind, "export")
    tz = settings.timezone
    low, high = checked_range(start, end, tz, max_days=MAX_RANGE_DAYS)
    scope = Scope.of(principal, store)
    frame = await run_in_threadpool(
        export_frame, kind, store, service, low, high, timezone=tz, scope=scope,
        freq_minutes=freq,
    )  # fmt: skip
    total = len(frame)
    pages = max(1, math.ceil(total / page_size))
    rows = frame.iloc[(page - 1) * page_size : page * page_size]
    headers = {
        "X-Total-Count": str(total),
        "X-Page": str(page),
        "X-Page-Count": str(pages),
        "Content-Disposition": f'attachment; filename="{kind}-{page}.{format}"',
    }
    if page < pages:
        following = dict(request.query_params) | {"page": str(page + 1)}
        headers["Link"] = f'<{request.url.path}?{urlencode(following)}>; rel="next"'
    if format == "parquet":
        body = await run_in_threadpool(parquet_bytes, rows)
        return Response(body, media_type=MEDIA["parquet"], headers=headers)

    def stream() -> Iterator[bytes]:
        yield from csv_chunks(rows)

    return StreamingResponse(stream(), media_type=MEDIA["csv"], headers=headers)
