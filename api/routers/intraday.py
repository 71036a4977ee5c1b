"""Intraday: anomaly scores, recommendations, adherence, agent performance and the reforecast.

Thin: each handler parses its parameters, scopes the caller (a supervisor sees only the queues
and agents of their teams; an agent only themself), calls :mod:`api.services.intraday` or
:mod:`api.services.people` and converts the result to its schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Query

from api.auth import Principal, caller
from api.deps import SettingsDep, SiteDep, roles_route
from api.params import (
    LocalDay,
    QueuesQuery,
    ServiceLevel,
    TargetsQuery,
    checked_range,
    local_instant,
    queues_in_scope,
)
from api.roles import AGENT, Resource
from api.schemas.common import INVALID, NOT_FOUND, frame_records
from api.schemas.forecasts import IntervalMinutes
from api.schemas.intraday import (
    AdherenceAgentPublic,
    AdherenceExceptionPublic,
    AdherencePublic,
    AdherenceTeamPublic,
    AnomaliesPublic,
    AnomalyPublic,
    KpiComparison,
    PerformancePublic,
    QueueRatioPublic,
    RecommendationPublic,
    RecommendationsPublic,
    ReforecastPublic,
    ReforecastRowPublic,
)
from api.scope import forbid_outside, scoped_agents
from api.services.intraday import (
    anomaly_scores,
    champion_wape,
    day_recommendations,
    reforecast_day,
)
from api.services.people import agent_report, day_adherence
from features.store.records_store import Store

router = APIRouter(prefix="/v1", tags=["intraday"])


@router.get("/anomalies", **roles_route(Resource.FORECASTS_READ, responses=INVALID))
def read_anomalies(
    start: dt.datetime,
    end: dt.datetime,
    site: SiteDep,
    principal: Annotated[Principal, Depends(caller(Resource.FORECASTS_READ))],
    queue: QueuesQuery = None,
    threshold: Annotated[float, Query(gt=0, description="Anomaly at |score| >= this")] = 3.0,
    include_normal: Annotated[
        bool, Query(description="Return every scored row, not only anomalies")
    ] = False,
    freq_minutes: Annotated[
        IntervalMinutes | None,
        Query(description="Interval length, minutes; the forecast's spacing when omitted"),
    ] = None,
    service_level: ServiceLevel = 0.8,
) -> AnomaliesPublic:
    """Score the stored latest forecast of ``[start, end)`` against the interval history of the
    stored contacts: volume, handle time and service level (vs `service_level`), each with a
    score and a plain-English reason. Intervals that have not happened yet are left out."""
    low, high = checked_range(start, end, site.timezone)
    scores = anomaly_scores(
        site,
        queues_in_scope(principal, site.records, queue),
        low,
        high,
        threshold=threshold,
        service_level=service_level,
        freq_minutes=freq_minutes,
    )
    if not include_normal:
        scores = scores[scores["is_anomaly"].astype(bool)]
    return AnomaliesPublic(
        threshold=threshold, rows=[AnomalyPublic(**r) for r in frame_records(scores)]
    )


@router.get("/recommendations", **roles_route(Resource.RECOMMENDATIONS_READ, responses=INVALID))
def read_recommendations(
    date: LocalDay,
    site: SiteDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(caller(Resource.RECOMMENDATIONS_READ))],
    targets: TargetsQuery,
    backtest_wape: Annotated[
        float | None,
        Query(gt=0, description="Backtest WAPE to compare with; the champion's when omitted"),
    ] = None,
    training_agents: Annotated[int, Query(ge=1, description="Least spare agents")] = 2,
) -> RecommendationsPublic:
    """Recommendations for a local day: understaffed periods (published roster vs the Erlang
    requirement of the latest forecast), quiet periods for training, queues to merge at night,
    and a retrain when today's WAPE is far above the backtest's."""
    wape = backtest_wape if backtest_wape is not None else champion_wape(settings.mlflow_uri)
    found = day_recommendations(
        site,
        date,
        queues_in_scope(principal, site.records, None),
        targets,
        backtest_wape=wape,
        training_agents=training_agents,
    )
    return RecommendationsPublic(
        date=date.isoformat(),
        backtest_wape=wape,
        recommendations=[RecommendationPublic(**r.as_dict()) for r in found],
    )


def _people(
    principal: Principal, store: Store, team: str | None, agent_id: str | None
) -> pd.DataFrame:
    agents = store.read_agents()
    agents["agent_id"] = agents["agent_id"].astype(str)
    allowed = scoped_agents(principal, store)
    if agent_id is not None:
        forbid_outside(allowed, agent_id, "agent")
        agents = agents[agents["agent_id"] == agent_id]
    elif allowed is not None:
        agents = agents[agents["agent_id"].isin(sorted(allowed))]
    if team is not None:
        agents = agents[agents["team"] == team]
    return agents.reset_index(drop=True)


@router.get("/adherence", **roles_route(Resource.PEOPLE_READ, responses=INVALID))
def read_adherence(
    date: LocalDay,
    site: SiteDep,
    principal: Annotated[Principal, Depends(caller(Resource.PEOPLE_READ))],
    team: Annotated[str | None, Query(description="Only this team")] = None,
    agent_id: Annotated[str | None, Query(description="Only this agent")] = None,
    grace_minutes: Annotated[float, Query(ge=0, le=120, description="Slack, minutes")] = 5.0,
) -> AdherencePublic:
    """Adherence (share of scheduled time in the scheduled activity), conformance (worked /
    scheduled work minutes) and exceptions of the published roster's agents on a local day (an
    agent sees only themself, a supervisor their teams)."""
    if principal.role == AGENT and agent_id is None:
        agent_id = principal.agent_id or ""
    people = _people(principal, site.records, team, agent_id)
    report = day_adherence(site, people, date, grace_minutes=grace_minutes)
    if report is None:
        return AdherencePublic(date=date.isoformat(), agents=[], teams=[], exceptions=[])
    return AdherencePublic(
        date=date.isoformat(),
        agents=[AdherenceAgentPublic(**r) for r in frame_records(report.per_agent)],
        teams=[AdherenceTeamPublic(**r) for r in frame_records(report.per_team)],
        exceptions=[AdherenceExceptionPublic(**r) for r in frame_records(report.exceptions)],
    )


@router.get(
    "/agents/{agent_id}/performance",
    **roles_route(Resource.PEOPLE_READ, responses={**INVALID, **NOT_FOUND}),
)
def read_performance(
    agent_id: str,
    start: dt.datetime,
    end: dt.datetime,
    site: SiteDep,
    principal: Annotated[Principal, Depends(caller(Resource.PEOPLE_READ))],
) -> PerformancePublic:
    """An agent's contacts handled, handle time, after-call work, CSAT, transfers, occupancy,
    adherence, script compliance and empathy beside the team's median and percentile, with the
    one or two suggestions that would help most (an agent reads only their own; a supervisor
    their teams' agents)."""
    forbid_outside(scoped_agents(principal, site.records), agent_id, "agent")
    low, high = checked_range(start, end, site.timezone)
    team, report = agent_report(site, agent_id, low, high)
    return PerformancePublic(
        agent_id=agent_id,
        team=team,
        start=low.isoformat(),
        end=high.isoformat(),
        kpis={kpi: KpiComparison(**values) for kpi, values in report.kpis.items()},
        suggestions=report.suggestions,
    )


@router.get("/forecasts/reforecast", **roles_route(Resource.FORECASTS_READ, responses=INVALID))
def read_reforecast(
    date: LocalDay,
    site: SiteDep,
    principal: Annotated[Principal, Depends(caller(Resource.FORECASTS_READ))],
    targets: TargetsQuery,
    queue: QueuesQuery = None,
    now: Annotated[
        dt.datetime | None, Query(description="The current instant; the clock's when omitted")
    ] = None,
    credibility_k: Annotated[
        float | None, Query(gt=0, description="Credibility pseudo-contacts (else day share)")
    ] = None,
    low_bound: Annotated[float, Query(gt=0, le=1, description="Lowest ratio")] = 0.5,
    high_bound: Annotated[float, Query(ge=1, description="Highest ratio")] = 2.0,
) -> ReforecastPublic:
    """Re-forecast the rest of a local day from the contacts so far (the ratio of actual to
    forecast volume, bounded and shrunk towards 1 early in the day), with the agents required
    before and after."""
    result = reforecast_day(
        site,
        date,
        queues_in_scope(principal, site.records, queue),
        targets,
        now=local_instant(now, site.timezone, "now"),
        bounds=(low_bound, high_bound),
        credibility_k=credibility_k,
    )
    return ReforecastPublic(
        date=date.isoformat(),
        now=result.now.isoformat(),
        ratios=[QueueRatioPublic(**r) for r in frame_records(result.ratios)],
        rows=[ReforecastRowPublic(**r) for r in frame_records(result.rows)],
    )
