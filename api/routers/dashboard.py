"""The dashboard: HTML pages, their static files, Plotly.js from the installed `plotly` package,
and the two small reads the pages need that no other resource answers (who is calling; the
published week by team with its coverage).

Pages carry no data: their JavaScript reads the public API with the key the user typed in
(kept in the browser's localStorage) and shows only what that key may see.
"""

from __future__ import annotations

import functools
import importlib.resources
from datetime import datetime
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.auth import Principal, caller
from api.deps import ServiceStoreDep, SettingsDep, StoreDep, roles_route
from api.params import checked_range
from api.roles import Resource
from api.schemas.common import INVALID
from api.schemas.health import MePublic
from api.schemas.rosters import (
    CoveragePublic,
    ScheduleAgentPublic,
    ScheduleRowPublic,
    SchedulesPublic,
)
from api.scope import scoped_agents, scoped_queues
from api.services.read_cache import cached_json
from api.services.schedules import published_coverage
from features.store.cache_versions import RECORDS, SCHEDULES
from features.store.records_store import Store
from features.store.service_store import ServiceStore

router = APIRouter()

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PAGES = {
    "/": ("wallboard", "nav_wallboard", True),
    "/dashboard/forecast": ("forecast", "forecast_title", True),
    "/dashboard/heatmaps": ("heatmaps", "heatmaps_title", True),
    "/dashboard/roster": ("roster", "roster_title", True),
    "/dashboard/agent": ("agent", "agent_title", True),
    "/dashboard/drill": ("drill", "drill_title", True),
    "/dashboard/capacity": ("capacity", "capacity_title", True),
    "/dashboard/tickets": ("tickets", "tickets_title", False),
    "/dashboard/ask": ("ask", "ask_title", True),
}
"""URL -> (page script in api/static, i18n key of its title, whether it draws charts)."""
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
MAX_WEEK_DAYS = 14
"""Longest range of ``GET /v1/schedules``, days."""


def plotly_js_path() -> Path:
    """The minified Plotly.js bundled with the installed `plotly` Python package."""
    return Path(str(importlib.resources.files("plotly") / "package_data" / "plotly.min.js"))


@functools.cache
def render_page(page: str, title_key: str, charts: bool) -> str:
    """A page's HTML: the shared shell ``page.html`` with its script, title and Plotly.js."""
    plotly = '<script src="/static/plotly.min.js" defer></script>\n  ' if charts else ""
    shell = (STATIC_DIR / "page.html").read_text(encoding="utf-8")
    return (
        shell.replace("{plotly}", plotly).replace("{page}", page).replace("{title_key}", title_key)
    )


def _add_page(path: str, page: str, title_key: str, charts: bool) -> None:
    def read_page() -> HTMLResponse:
        return HTMLResponse(render_page(page, title_key, charts))

    read_page.__name__ = f"read_page_{page}"
    router.add_api_route(path, read_page, methods=["GET"], include_in_schema=False)


for _path, (_page, _title, _charts) in PAGES.items():
    _add_page(_path, _page, _title, _charts)


@router.get("/static/plotly.min.js", include_in_schema=False)
def read_plotly() -> FileResponse:
    """Plotly.js, served from the installed package (no CDN)."""
    return FileResponse(
        plotly_js_path(),
        media_type=MEDIA_TYPES[".js"],
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/{name}", include_in_schema=False)
def read_static(name: str) -> Response:
    """One file of ``api/static`` (flat folder; no other path is served)."""
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="no such file")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix])


@router.get("/v1/me", tags=["health"], **roles_route(Resource.ME_READ))
def read_me(
    settings: SettingsDep, principal: Annotated[Principal, Depends(caller(Resource.ME_READ))]
) -> MePublic:
    """Who the key belongs to (role, agent, teams), so a page shows only what it may."""
    return MePublic(
        key_id=principal.key_id,
        role=principal.role,
        agent_id=principal.agent_id,
        teams=list(principal.teams),
        timezone=settings.timezone,
    )


@router.get(
    "/v1/schedules",
    tags=["rosters"],
    response_model=SchedulesPublic,
    **roles_route(Resource.ROSTERS_READ, responses=INVALID),
)
def read_schedules(
    request: Request,
    start: datetime,
    end: datetime,
    service: ServiceStoreDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.ROSTERS_READ))],
    team: Annotated[str | None, Query(max_length=128, description="Only this team")] = None,
) -> Response:
    """Published activities overlapping ``[start, end)`` (at most 14 days) of every agent in
    scope, with team, and the coverage of the published rosters in the range (a supervisor
    sees their teams' agents and the coverage of their queues).

    Answers are kept in memory until agents or published schedules change
    (:mod:`api.services.read_cache`)."""
    tz = settings.timezone
    low, high = checked_range(start, end, tz, max_days=MAX_WEEK_DAYS)
    return cached_json(
        request,
        principal,
        (RECORDS, SCHEDULES),
        lambda: _schedules(service, store, principal, low, high, team, tz),
    )


def _schedules(
    service: ServiceStore,
    store: Store,
    principal: Principal,
    low: pd.Timestamp,
    high: pd.Timestamp,
    team: str | None,
    tz: str,
) -> SchedulesPublic:
    agents = store.read_agents()
    allowed = scoped_agents(principal, store)
    if allowed is not None:
        agents = agents[agents["agent_id"].astype(str).isin(sorted(allowed))]
    if team is not None:
        agents = agents[agents["team"] == team]
    team_of = dict(zip(agents["agent_id"].astype(str), agents["team"], strict=True))
    found = service.read_schedule(sorted(team_of), low.to_pydatetime(), high.to_pydatetime())
    starts = [t.isoformat() for t in found["start"].dt.tz_convert(tz)]
    ends = [t.isoformat() for t in found["end"].dt.tz_convert(tz)]
    rows = [
        ScheduleRowPublic(
            agent_id=agent,
            team=team_of.get(agent),
            date=day,
            activity=activity,
            queue=queue or None,
            start=start,
            end=end,
        )
        for agent, day, activity, queue, start, end in zip(
            found["agent_id"],
            found["date"],
            found["activity"],
            found["queue"],
            starts,
            ends,
            strict=True,
        )
    ]
    roster_ids = sorted(set(found["roster_id"].astype(str)))
    coverage = published_coverage(service, roster_ids, low, high, scoped_queues(principal, store))
    return SchedulesPublic(
        agents=[
            ScheduleAgentPublic(agent_id=str(a), name=n, team=t)
            for a, n, t in zip(agents["agent_id"], agents["name"], agents["team"], strict=True)
        ],
        rows=rows,
        coverage=[CoveragePublic(**cell) for cell in coverage],
    )
