"""Intraday: anomaly scores, recommendations, adherence, agent performance and the reforecast.

Thin: each handler reads through :mod:`features.store.intraday_store` and calls the pure functions
(:mod:`forecasting.anomalies`, :mod:`forecasting.reforecast`, :mod:`features.measures.adherence`,
:mod:`features.measures.performance`, :mod:`scheduling.recommendations`). A supervisor sees only the
queues and agents of their teams; an agent only themself.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query

from api.deps import (
    Principal,
    ServiceStoreDep,
    SettingsDep,
    StoreDep,
    forbid_outside,
    require_roles,
    roles_route,
    scoped_agents,
    scoped_queues,
)
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
from api.services.performance import team_performance
from api.settings import Settings
from features.calendar import day_bounds, infer_interval_minutes
from features.errors import FieldError, InvalidInput, NotFound
from features.measures.adherence import adherence
from features.measures.performance import personal_report
from features.schema import DEFAULT_INTERVAL_MINUTES
from features.store.intraday_store import (
    read_actuals,
    read_forecast,
    read_roster,
)
from forecasting.anomalies import score_anomalies
from forecasting.reforecast import queue_ratios, reforecast_intraday
from scheduling.coverage import count_coverage
from scheduling.recommendations import recommend, staffing_effect
from scheduling.requirements import ServiceTargets, compute_requirements

router = APIRouter(prefix="/v1", tags=["intraday"])

WATCHERS = ("admin", "planner", "supervisor", "data_scientist")
SUPERVISORS = ("admin", "planner", "supervisor")
PEOPLE_READERS = ("admin", "planner", "supervisor", "agent")


def _instant(value: dt.datetime, timezone: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(timezone) if stamp.tzinfo is None else stamp.tz_convert(timezone)


def _range(start: dt.datetime, end: dt.datetime, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    low, high = _instant(start, tz), _instant(end, tz)
    if high <= low:
        raise InvalidInput(
            "empty range", [FieldError(None, "end", "must be after start", high.isoformat())]
        )
    return low, high


def _queues(principal: Principal, store: Any, wanted: list[str] | None) -> list[str] | None:
    allowed = scoped_queues(principal, store)
    if allowed is None:
        return wanted
    return sorted(allowed if wanted is None else allowed.intersection(wanted))


def _targets(
    service_level: float, threshold_s: float, max_occupancy: float, shrinkage: float
) -> ServiceTargets:
    return ServiceTargets(
        service_level=service_level,
        threshold_s=threshold_s,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )


def _minutes(forecast: pd.DataFrame) -> int:
    return infer_interval_minutes(forecast, default=DEFAULT_INTERVAL_MINUTES)


ServiceLevel = Annotated[float, Query(ge=0, lt=1, description="Service-level target share")]
ThresholdS = Annotated[float, Query(ge=0, description="Service-level threshold, seconds")]
MaxOccupancy = Annotated[float, Query(gt=0, le=1, description="Occupancy cap (share)")]
Shrinkage = Annotated[float, Query(ge=0, lt=1, description="Shrinkage share")]


@router.get("/anomalies", **roles_route(*WATCHERS, responses=INVALID))
def read_anomalies(
    start: dt.datetime,
    end: dt.datetime,
    store: StoreDep,
    service: ServiceStoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*WATCHERS))],
    queue: Annotated[list[str] | None, Query(description="Queues; all when omitted")] = None,
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
    tz = settings.timezone
    low, high = _range(start, end, tz)
    queues = _queues(principal, store, queue)
    forecast = read_forecast(service, queues, low, high, tz)
    if forecast.empty:
        return AnomaliesPublic(threshold=threshold, rows=[])
    queues_seen = sorted(forecast["queue"].unique())
    minutes = freq_minutes or _minutes(forecast)
    actuals = read_actuals(store, low, high, queues_seen, tz, minutes)
    until = min(high, pd.Timestamp.now(tz=tz))
    scores = score_anomalies(
        forecast, actuals, threshold=threshold, until=until, sl_targets=service_level
    )
    if not include_normal:
        scores = scores[scores["is_anomaly"]]
    return AnomaliesPublic(
        threshold=threshold, rows=[AnomalyPublic(**r) for r in frame_records(scores)]
    )


def _champion_wape(settings: Settings) -> float | None:
    """The champion's backtest WAPE from the registry (None without a configured registry)."""
    if settings.mlflow_uri is None:
        return None
    from forecasting import registry

    for model in registry.list_models(uri=settings.mlflow_uri):
        if registry.CHAMPION in model["aliases"] and "wape" in model["metrics"]:
            return float(model["metrics"]["wape"])
    return None


@router.get("/recommendations", **roles_route(*SUPERVISORS, responses=INVALID))
def read_recommendations(
    date: dt.date,
    store: StoreDep,
    service: ServiceStoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*SUPERVISORS))],
    backtest_wape: Annotated[
        float | None,
        Query(gt=0, description="Backtest WAPE to compare with; the champion's when omitted"),
    ] = None,
    training_agents: Annotated[int, Query(ge=1, description="Least spare agents")] = 2,
    service_level: ServiceLevel = 0.8,
    threshold_s: ThresholdS = 20.0,
    max_occupancy: MaxOccupancy = 0.85,
    shrinkage: Shrinkage = 0.3,
) -> RecommendationsPublic:
    """Recommendations for a local day: understaffed periods (published roster vs the Erlang
    requirement of the latest forecast), quiet periods for training, queues to merge at night,
    and a retrain when today's WAPE is far above the backtest's."""
    tz = settings.timezone
    low, high = day_bounds(date, tz)
    queues = _queues(principal, store, None)
    forecast = read_forecast(service, queues, low, high, tz)
    wape = backtest_wape if backtest_wape is not None else _champion_wape(settings)
    if forecast.empty:
        return RecommendationsPublic(date=date.isoformat(), backtest_wape=wape, recommendations=[])
    minutes = _minutes(forecast)
    targets = _targets(service_level, threshold_s, max_occupancy, shrinkage)
    needed = compute_requirements(forecast, targets, interval_minutes=minutes, default_aht_s=300)
    roster = read_roster(service, None, low, high, tz)
    coverage = needed[["queue", "interval_start"]].copy()
    coverage["required"] = needed["agents_scheduled"].to_numpy()
    coverage["scheduled"] = count_coverage(roster, coverage, minutes)
    coverage["gap"] = coverage["scheduled"] - coverage["required"]
    actuals = read_actuals(store, low, high, sorted(forecast["queue"].unique()), tz, minutes)
    found = recommend(
        date,
        None,
        coverage,
        forecast.assign(aht_s=forecast["aht_s"].fillna(300.0)),
        actuals,
        wape,
        targets=targets,
        interval_minutes=minutes,
        training_agents=training_agents,
    )
    allowed = None if queues is None else set(queues)
    shown = [
        r for r in found if allowed is None or r.queue is None or set(r.queue.split("+")) <= allowed
    ]
    return RecommendationsPublic(
        date=date.isoformat(),
        backtest_wape=wape,
        recommendations=[RecommendationPublic(**r.as_dict()) for r in shown],
    )


def _people(
    principal: Principal, store: Any, team: str | None, agent_id: str | None
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


@router.get("/adherence", **roles_route(*PEOPLE_READERS, responses=INVALID))
def read_adherence(
    date: dt.date,
    store: StoreDep,
    service: ServiceStoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*PEOPLE_READERS))],
    team: Annotated[str | None, Query(description="Only this team")] = None,
    agent_id: Annotated[str | None, Query(description="Only this agent")] = None,
    grace_minutes: Annotated[float, Query(ge=0, le=120, description="Slack, minutes")] = 5.0,
) -> AdherencePublic:
    """Adherence (share of scheduled time in the scheduled activity), conformance (worked /
    scheduled work minutes) and exceptions of the published roster's agents on a local day (an
    agent sees only themself, a supervisor their teams)."""
    if principal.role == "agent" and agent_id is None:
        agent_id = principal.agent_id or ""
    tz = settings.timezone
    low, high = day_bounds(date, tz)
    people = _people(principal, store, team, agent_id)
    ids = sorted(people["agent_id"])
    roster = read_roster(service, ids, low, high, tz)
    roster = roster[roster["date"].astype(str).str[:10] == date.isoformat()]
    if roster.empty:
        return AdherencePublic(date=date.isoformat(), agents=[], teams=[], exceptions=[])
    states = store.read_agent_states(low - pd.Timedelta(hours=2), high + pd.Timedelta(hours=2), ids)
    states["started_at"] = states["started_at"].dt.tz_convert(tz)
    states["ended_at"] = states["ended_at"].dt.tz_convert(tz)
    report = adherence(roster, states, people, grace_minutes=grace_minutes)
    return AdherencePublic(
        date=date.isoformat(),
        agents=[AdherenceAgentPublic(**r) for r in frame_records(report.per_agent)],
        teams=[AdherenceTeamPublic(**r) for r in frame_records(report.per_team)],
        exceptions=[AdherenceExceptionPublic(**r) for r in frame_records(report.exceptions)],
    )


@router.get(
    "/agents/{agent_id}/performance",
    **roles_route(*PEOPLE_READERS, responses={**INVALID, **NOT_FOUND}),
)
def read_performance(
    agent_id: str,
    start: dt.datetime,
    end: dt.datetime,
    store: StoreDep,
    service: ServiceStoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*PEOPLE_READERS))],
) -> PerformancePublic:
    """An agent's contacts handled, handle time, after-call work, CSAT, transfers, occupancy,
    adherence, script compliance and empathy beside the team's median and percentile, with the
    one or two suggestions that would help most (an agent reads only their own; a supervisor
    their teams' agents)."""
    forbid_outside(scoped_agents(principal, store), agent_id, "agent")
    tz = settings.timezone
    low, high = _range(start, end, tz)
    agents = store.read_agents()
    agents["agent_id"] = agents["agent_id"].astype(str)
    mine = agents[agents["agent_id"] == agent_id]
    if mine.empty:
        raise NotFound(f"agent '{agent_id}' does not exist")
    team = mine["team"].iloc[0]
    team_agents = agents[agents["team"] == team] if pd.notna(team) else mine
    perf = team_performance(store, service, team_agents, low, high, tz)
    report = personal_report(perf, agent_id)
    return PerformancePublic(
        agent_id=agent_id,
        team="" if pd.isna(team) else str(team),
        start=low.isoformat(),
        end=high.isoformat(),
        kpis={kpi: KpiComparison(**values) for kpi, values in report.kpis.items()},
        suggestions=report.suggestions,
    )


@router.get("/forecasts/reforecast", **roles_route(*WATCHERS, responses=INVALID))
def read_reforecast(
    date: dt.date,
    store: StoreDep,
    service: ServiceStoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*WATCHERS))],
    queue: Annotated[list[str] | None, Query(description="Queues; all when omitted")] = None,
    now: Annotated[
        dt.datetime | None, Query(description="The current instant; the clock's when omitted")
    ] = None,
    credibility_k: Annotated[
        float | None, Query(gt=0, description="Credibility pseudo-contacts (else day share)")
    ] = None,
    low_bound: Annotated[float, Query(gt=0, le=1, description="Lowest ratio")] = 0.5,
    high_bound: Annotated[float, Query(ge=1, description="Highest ratio")] = 2.0,
    service_level: ServiceLevel = 0.8,
    threshold_s: ThresholdS = 20.0,
    max_occupancy: MaxOccupancy = 0.85,
    shrinkage: Shrinkage = 0.3,
) -> ReforecastPublic:
    """Re-forecast the rest of a local day from the contacts so far (the ratio of actual to
    forecast volume, bounded and shrunk towards 1 early in the day), with the agents required
    before and after."""
    tz = settings.timezone
    low, high = day_bounds(date, tz)
    moment = _instant(now, tz) if now is not None else pd.Timestamp.now(tz=tz)
    queues = _queues(principal, store, queue)
    forecast = read_forecast(service, queues, low, high, tz)
    if forecast.empty:
        return ReforecastPublic(date=date.isoformat(), now=moment.isoformat(), ratios=[], rows=[])
    minutes = _minutes(forecast)
    seen = sorted(forecast["queue"].unique())
    actuals = read_actuals(store, low, min(high, max(moment, low)), seen, tz, minutes)
    bounds = (low_bound, high_bound)
    ratios = queue_ratios(forecast, actuals, moment, bounds=bounds, credibility_k=credibility_k)
    refit = reforecast_intraday(
        forecast, actuals, moment, bounds=bounds, credibility_k=credibility_k
    )
    effect = staffing_effect(
        refit,
        _targets(service_level, threshold_s, max_occupancy, shrinkage),
        interval_minutes=minutes,
        default_aht_s=300.0,
    )
    rows = refit.drop(columns=["volume", "volume_original", "aht_s"]).join(
        effect.drop(columns=["queue", "interval_start"])
    )
    observed = actuals[["queue", "interval_start", "offered"]].rename(
        columns={"offered": "actual_offered"}
    )
    rows = rows.merge(observed, on=["queue", "interval_start"], how="left")
    over = (rows["interval_start"] + pd.Timedelta(minutes=minutes) <= moment).to_numpy()
    rows["actual_offered"] = np.where(
        over, rows["actual_offered"].fillna(0.0), rows["actual_offered"]
    )
    return ReforecastPublic(
        date=date.isoformat(),
        now=moment.isoformat(),
        ratios=[QueueRatioPublic(**r) for r in frame_records(ratios)],
        rows=[ReforecastRowPublic(**r) for r in frame_records(rows)],
    )
