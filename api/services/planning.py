"""The week's plan in one step: history → forecast → risk-aware requirements → roster → check.

This is the composition `seatwise plan`, ``POST /v1/plans`` and the demo share. Every step is a
pure function of the packages below (forecasting, scheduling); this module only wires them, in
the order a planner would, and states what it assumed:

1. **History before the week only.** The interval history is cut at the week's local midnight,
   so nothing of the planned week is ever seen by the forecaster.
2. **Forecast** the seven local days with the chosen model (``auto`` by default) and the site's
   holiday calendar; its p10–p90 band travels on.
3. **Requirements** per queue and interval from the forecast and each queue's service targets
   (channel standards unless overridden; patience estimated from the queue's own records when
   contact records are at hand, so Erlang A replaces Erlang C), staffed for the stated
   confidence that each interval meets its target (:mod:`scheduling.risk`).
4. **Roster**: the base scenario (agents, templates, rules) with those requirements and the
   forecast behind them, solved by CP-SAT with a fixed seed.
5. **Check**: the roster simulated against Poisson arrivals at the forecast (several
   replications), with the expected share of intervals meeting the target, service level, ASA,
   abandonment, agent-hours and the shortfall per queue.

Breaks and lunches are placed in the roster itself, so shrinkage defaults to 0: the agents the
roster shows at work are the ones on the phones. Give a shrinkage for absence the roster cannot
show (sickness, unplanned meetings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from api.services.intraday import DEFAULT_AHT_S
from features.calendar import intervals_in_days, local_midnight
from features.errors import FieldError, InvalidInput
from features.schema import (
    DEFAULT_CHANNEL,
    INTERVAL_START,
    QUEUE,
    ProgressCallback,
    no_progress,
)
from forecasting.selection import make_forecaster
from scheduling.patience import estimate_patience, with_patience
from scheduling.requirements import ServiceTargets, compute_requirements
from scheduling.risk import DEFAULT_CONFIDENCE
from scheduling.roster.builder import scenario_from_agents
from scheduling.roster.scenario import load_scenario
from scheduling.roster.solver import RosterResult, solve_roster
from scheduling.simulation.simulator import (
    ALL_QUEUES,
    SimConfig,
    agents_from_roster,
    simulate_replications,
    simulation_totals,
)

PLAN_FILES = (
    "forecast.csv",
    "requirements.csv",
    "scenario.json",
    "roster.csv",
    "coverage.csv",
    "report.json",
)
"""What a plan writes (``seatwise plan --out DIR``)."""
DEFAULT_SHRINKAGE = 0.0
"""Shrinkage of a plan: breaks and lunches are rostered explicitly (see the module docstring)."""
CHECK_REPLICATIONS = 5
"""Simulated weeks behind the plan's expected service."""
_SCENARIO_ONLY = ("requirements", "forecast")


@dataclass(frozen=True)
class PlanOptions:
    """What the planner chose for the week.

    Attributes
    ----------
    week_start:
        First local day of the week to plan.
    model:
        Forecaster name (:data:`forecasting.selection.FORECASTERS`).
    country:
        ISO country of the site's public holidays (none when None).
    service_level, threshold_s:
        Override every live queue's target share and threshold (seconds); the channel's
        standard (voice 80/20, chat 80/60 s, e-mail 95 % in 4 h) when None.
    confidence:
        Probability that each interval meets its target given the forecast's uncertainty; None
        staffs the point forecast.
    shrinkage:
        Share of rostered work lost to absence the roster does not show, in [0, 1).
    max_occupancy:
        Occupancy cap of live queues, in (0, 1].
    time_limit_s, workers, seed:
        The roster solver's wall-clock cap (seconds), CP-SAT workers and random seed.
    replications:
        Simulated weeks in the check.
    """

    week_start: dt.date
    model: str = "auto"
    country: str | None = None
    service_level: float | None = None
    threshold_s: float | None = None
    confidence: float | None = DEFAULT_CONFIDENCE
    shrinkage: float = DEFAULT_SHRINKAGE
    max_occupancy: float = 0.85
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    replications: int = CHECK_REPLICATIONS


@dataclass
class WeekPlan:
    """A solved, checked week.

    Attributes
    ----------
    forecast:
        FORECAST_COLUMNS of the week (contacts per interval, handle time in seconds).
    requirements:
        Requirements with details (agents per interval, confidence met, backlog for e-mail).
    scenario:
        The roster scenario that was solved (JSON-ready).
    result:
        The solver's roster, coverage and planner report.
    check:
        Simulated service per queue and for the centre (``*``): offered, answered, abandoned,
        service level, ASA (s), abandonment, intervals with contacts and the share meeting the
        target.
    report:
        JSON-ready summary (see :func:`plan_report`).
    missing_days:
        Local days of the history the forecaster treated as missing data (not zero).
    """

    forecast: pd.DataFrame
    requirements: pd.DataFrame
    scenario: dict[str, Any]
    result: RosterResult
    check: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)
    missing_days: list[str] = field(default_factory=list)


def history_before(history: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """The interval history strictly before `start` (the planned week is never seen)."""
    return history[history[INTERVAL_START] < start].reset_index(drop=True)


def queue_targets(
    base: Mapping[str, Any],
    queues: list[str],
    options: PlanOptions,
    channels: Mapping[str, str] | None = None,
) -> dict[str, ServiceTargets]:
    """Service targets per queue: the channel's standard, the base scenario's ``service`` for
    that queue, then the planner's overrides.

    Parameters
    ----------
    base:
        The base scenario; ``queues[i].channel`` (and ``concurrency``) and ``service`` (one
        target for all, or per queue, fields of :class:`scheduling.requirements.ServiceTargets`)
        are read when present.
    queues:
        The queues to plan.
    channels:
        Queue -> channel known from the records (the base scenario's wins).
    """
    declared = {str(q.get("name")): q for q in base.get("queues", []) if isinstance(q, Mapping)}
    service = base.get("service") or {}
    targets: dict[str, ServiceTargets] = {}
    for queue in queues:
        entry = declared.get(queue, {})
        channel = str(entry.get("channel") or (channels or {}).get(queue) or DEFAULT_CHANNEL)
        given: dict[str, Any] = {}
        if isinstance(service, Mapping) and (
            "service_level" in service or "threshold_s" in service
        ):
            given.update(service)
        elif isinstance(service, Mapping):
            given.update(service.get("*") or {})
            given.update(service.get(queue) or {})
        if "concurrency" in entry:
            given["concurrency"] = entry["concurrency"]
        given = {k: v for k, v in given.items() if v is not None and k != "channel"}
        given.setdefault("shrinkage", options.shrinkage)
        given.setdefault("max_occupancy", options.max_occupancy)
        given["confidence"] = options.confidence
        if options.service_level is not None and channel != "email":
            given["service_level"] = options.service_level
        if options.threshold_s is not None and channel != "email":
            given["threshold_s"] = options.threshold_s
        targets[queue] = ServiceTargets.for_channel(channel, **given)
    return targets


def forecast_week(
    history: pd.DataFrame, options: PlanOptions, timezone: str, interval_minutes: int
) -> tuple[pd.DataFrame, list[str]]:
    """Fit the chosen forecaster on `history` (already cut before the week) and forecast the
    week's seven local days; return the forecast and the days treated as missing."""
    if history.empty:
        raise InvalidInput(
            "no interval history before the week to forecast from",
            [FieldError(None, "history", "needs records before week_start", None)],
        )
    forecaster = make_forecaster(options.model, country=options.country)
    forecaster.fit(history)
    start = local_midnight(options.week_start, timezone)
    forecast = forecaster.predict(start, intervals_in_days(start, 7, interval_minutes))
    missing = getattr(forecaster, "missing_days_", None) or {}
    days = sorted({str(d) for values in dict(missing).values() for d in values})
    return forecast, days


def build_scenario(
    base: Mapping[str, Any],
    requirements: pd.DataFrame,
    forecast: pd.DataFrame,
    targets: Mapping[str, ServiceTargets],
    options: PlanOptions,
) -> dict[str, Any]:
    """The roster scenario: `base` (agents, templates, rules) with the week's requirements and
    the forecast and service targets behind them (the solver values coverage by service)."""
    scenario = {k: v for k, v in base.items() if k not in _SCENARIO_ONLY}
    scenario["week_start"] = options.week_start.isoformat()
    scenario["requirements"] = [
        {
            QUEUE: str(row.queue),
            INTERVAL_START: row.interval_start.isoformat(),
            "agents": float(row.agents_scheduled),
        }
        for row in requirements.itertuples(index=False)
        if row.agents_scheduled > 0
    ]
    scenario["forecast"] = [
        {
            QUEUE: str(row.queue),
            INTERVAL_START: row.interval_start.isoformat(),
            "volume": float(row.volume),
            "aht_s": float(row.aht_s),
        }
        for row in forecast.itertuples(index=False)
    ]
    scenario["service"] = {
        queue: {
            "service_level": t.service_level,
            "threshold_s": t.threshold_s,
            "max_occupancy": t.max_occupancy,
            "shrinkage": t.shrinkage,
            **({"patience_s": t.patience_s} if t.patience_s is not None else {}),
        }
        for queue, t in targets.items()
    }
    return scenario


def check_roster(
    roster: pd.DataFrame,
    forecast: pd.DataFrame,
    targets: Mapping[str, ServiceTargets],
    *,
    interval_minutes: int,
    replications: int,
    seed: int,
    skills: Mapping[str, Mapping[str, int]] | None = None,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Simulate the roster against Poisson arrivals at the forecast; totals per queue and for
    the centre with the share of intervals meeting each queue's target."""
    config = SimConfig.from_targets(
        targets, seed=seed, replications=replications, interval_minutes=interval_minutes
    )
    live = forecast.assign(aht_s=forecast["aht_s"].fillna(forecast["aht_s"].mean()))
    counts = simulate_replications(live, agents_from_roster(roster, skills), config, progress)
    return simulation_totals(counts, {q: t.service_level for q, t in targets.items()})


def agent_hours(roster: pd.DataFrame) -> float:
    """Paid hours of a roster: each agent's day from its first to its last activity (hours)."""
    if roster.empty:
        return 0.0
    spans = roster.groupby(["agent_id", "date"]).agg(start=("start", "min"), end=("end", "max"))
    return float((spans["end"] - spans["start"]).dt.total_seconds().sum() / 3600.0)


def plan_report(plan: WeekPlan, options: PlanOptions, interval_minutes: int) -> dict[str, Any]:
    """The plan in planner units (JSON-ready).

    Returns
    -------
    dict
        ``week_start``, ``model`` (what the forecast actually used), ``missing_days``,
        ``expected`` (the centre's simulated share of intervals meeting the target, service
        level, ASA in seconds, abandonment), ``agent_hours``, ``queues`` (per queue: forecast
        contacts, the same simulated figures, required and rostered agent-hours and the
        shortfall in agent-hours), the roster's ``status`` and its plain-English ``summary``.
    """
    check = plan.check.set_index(QUEUE)
    coverage = plan.result.coverage
    hours_per_interval = interval_minutes / 60.0
    queues = []
    for queue, rows in coverage.groupby(QUEUE, sort=True):
        short = (-rows["gap"].clip(upper=0)).sum() * hours_per_interval
        figures = check.loc[queue] if queue in check.index else None
        volume = plan.forecast.loc[plan.forecast[QUEUE] == queue, "volume"].sum()
        queues.append(
            {
                "queue": str(queue),
                "forecast_contacts": round(float(volume), 1),
                "intervals_meeting_target": _number(figures, "intervals_met"),
                "service_level": _number(figures, "service_level"),
                "asa_s": _number(figures, "asa_s"),
                "abandon_rate": _number(figures, "abandon_rate"),
                "required_agent_hours": round(
                    float(rows["required"].sum() * hours_per_interval), 1
                ),
                "rostered_agent_hours": round(
                    float(rows["scheduled"].sum() * hours_per_interval), 1
                ),
                "shortfall_agent_hours": round(float(short), 1),
            }
        )
    centre = check.loc[ALL_QUEUES] if ALL_QUEUES in check.index else None
    models = sorted(plan.forecast["model"].astype(str).unique()) if "model" in plan.forecast else []
    return {
        "week_start": options.week_start.isoformat(),
        "model": models[0] if len(models) == 1 else models,
        "missing_days": plan.missing_days,
        "confidence": options.confidence,
        "expected": {
            "intervals_meeting_target": _number(centre, "intervals_met"),
            "service_level": _number(centre, "service_level"),
            "asa_s": _number(centre, "asa_s"),
            "abandon_rate": _number(centre, "abandon_rate"),
        },
        "agent_hours": round(agent_hours(plan.result.roster), 1),
        "queues": queues,
        "status": plan.result.status,
        "summary": plan.result.summary if hasattr(plan.result, "summary") else "",
    }


def _number(row: pd.Series | None, column: str) -> float | None:
    if row is None or column not in row.index:
        return None
    value = float(row[column])
    return None if not np.isfinite(value) else round(value, 4)


def plan_week(
    history: pd.DataFrame,
    options: PlanOptions,
    *,
    base: Mapping[str, Any] | None = None,
    agents: Sequence[Mapping[str, Any]] | None = None,
    timezone: str | None = None,
    interval_minutes: int | None = None,
    contacts: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    progress: ProgressCallback | None = None,
) -> WeekPlan:
    """Plan one week from history: forecast, requirements, roster, simulated check.

    Parameters
    ----------
    history:
        Interval history (``queue``, tz-aware ``interval_start``, ``offered``, ``aht_s``) of the
        queues to plan; anything from the week's start on is ignored.
    options:
        The planner's choices (:class:`PlanOptions`).
    base:
        A base scenario (DESIGN.md's scenario without requirements: timezone, interval_minutes,
        queues, shift templates, rules, agents). Or give `agents` instead:
    agents:
        Agent records (DESIGN.md "agents"; contracts in hours) from which the scenario is built
        (shift templates from their contracts and the week's opening hours).
    timezone, interval_minutes:
        The site's zone and interval length when building from `agents` (the base scenario's
        otherwise).
    contacts:
        Contact records before the week, for each queue's patience (Erlang A); without them
        callers are taken never to abandon (Erlang C, the safer side).
    forecast:
        A forecast of the week to plan from instead of forecasting `history` (a what-if, or
        the actual volumes for a hindsight plan); `history` then only gives the fallback
        handle time.
    progress:
        (fraction 0..1, message) callback.

    Raises
    ------
    InvalidInput
        Neither or both of `base` and `agents`; a malformed base scenario; no history before
        the week. Infeasible when the roster's hard rules cannot all hold.
    """
    report = progress or no_progress
    if (base is None) == (agents is None):
        raise InvalidInput(
            "give a base scenario or the agents to build one from, not both",
            [FieldError(None, "scenario", "exactly one of base scenario and agents", None)],
        )
    zone = str((base or {}).get("timezone") or timezone or "UTC")
    minutes = int((base or {}).get("interval_minutes") or interval_minutes or 15)
    start = local_midnight(options.week_start, zone)
    base_queues = [str(q.get("name")) for q in (base or {}).get("queues", [])]
    past = history_before(history, start)
    if base_queues:
        past = past[past[QUEUE].astype(str).isin(base_queues)].reset_index(drop=True)
    missing: list[str] = []
    if forecast is None:
        report(0.02, "forecasting the week")
        forecast, missing = forecast_week(past, options, zone, minutes)
    queues = sorted(forecast[QUEUE].astype(str).unique())
    channels = None
    if contacts is not None and not contacts.empty and "channel" in contacts.columns:
        known = contacts.drop_duplicates(QUEUE).set_index(QUEUE)["channel"]
        channels = {str(q): str(c) for q, c in known.items()}
    targets = queue_targets(base or {}, queues, options, channels)
    if contacts is not None and not contacts.empty:
        before = contacts[contacts["arrived_at"] < start]
        targets = with_patience(targets, estimate_patience(before))
    report(0.25, "staffing requirements")
    requirements = compute_requirements(
        forecast, targets, interval_minutes=minutes, default_aht_s=_fallback_aht(past), details=True
    )
    if base is None:
        built = scenario_from_agents(
            list(agents or []),
            requirements,
            week_start=options.week_start,
            timezone=zone,
            interval_minutes=minutes,
        )
        base = {k: v for k, v in built.items() if k not in _SCENARIO_ONLY}
    scenario = build_scenario(base, requirements, forecast, targets, options)
    load_scenario(scenario)

    def solving(fraction: float, message: str) -> None:
        report(0.3 + 0.55 * fraction, message)

    result = solve_roster(
        scenario, time_limit_s=options.time_limit_s, workers=options.workers, progress=solving
    )
    report(0.88, "checking the roster in simulation")
    skills = {str(a["agent_id"]): dict(a.get("skills") or {}) for a in scenario["agents"]}
    check = check_roster(
        result.roster,
        forecast,
        targets,
        interval_minutes=minutes,
        replications=options.replications,
        seed=options.seed,
        skills=skills,
    )
    plan = WeekPlan(forecast, requirements, scenario, result, check, missing_days=missing)
    plan.report = plan_report(plan, options, minutes)
    report(1.0, "plan ready")
    return plan


def _fallback_aht(history: pd.DataFrame) -> float | None:
    """Handle time (s) for forecast rows without one: the history's contact-weighted mean."""
    if "aht_s" not in history or history["aht_s"].isna().all():
        return DEFAULT_AHT_S
    weights = history["offered"].where(history["aht_s"].notna(), 0.0)
    total = float(weights.sum())
    if total <= 0:
        return DEFAULT_AHT_S
    return float((history["aht_s"].fillna(0.0) * weights).sum() / total)
