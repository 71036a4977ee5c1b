"""The capacity plan: forecast -> required FTE -> supply -> hiring plan, for a scenario and each
of its what-ifs side by side.

:func:`plan_capacity` is the whole pipeline. For the base scenario and every what-if it

1. forecasts weekly volume and handle time (:class:`forecasting.longrange.LongRangeForecaster`;
   one fit is shared by the what-ifs that keep the history settings), applies the what-if's
   volume and handle-time factors and adds its new queues;
2. spreads the p10, p50 and p90 weeks over intervals and rolls the staffing maths up to required
   FTE (:mod:`scheduling.capacity.rollup`);
3. projects today's agents and decided classes (:mod:`scheduling.capacity.supply`), with the
   what-if's attrition;
4. solves the hiring optimiser (:mod:`scheduling.capacity.hiring`) against the ``plan_to``
   quantile and explains any week left short.

Pure: the history and the agents come in as a frame and a list; nothing is read or written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import (
    CAPACITY_PLAN_COLUMNS,
    HIRING_CLASS_COLUMNS,
    INTERVAL_START,
    QUEUE,
    WEEK_START,
    ProgressCallback,
)
from forecasting.longrange import MIN_WEEKS, LongRangeForecaster
from forecasting.longrange_backtest import backtest_longrange
from forecasting.weekly import Event
from scheduling.capacity.hiring import (
    ClassOption,
    HiringProblem,
    HiringSolution,
    Shortfall,
    explain_shortfall,
    solve_hiring,
)
from scheduling.capacity.rollup import required_fte, shrinkage_by_week
from scheduling.capacity.scenario import (
    AgentSpec,
    CapacityScenario,
    NewQueue,
    QueueTargets,
    TeamSpec,
    WhatIf,
    what_if_scenario,
)
from scheduling.capacity.supply import (
    Supply,
    add_planned_classes,
    agent_supply,
    hire_curve,
    profile_attrition,
    profile_ramp,
    skill_group,
)

QUANTILE_COLUMNS = {"p10": "volume_p10", "p50": "volume_p50", "p90": "volume_p90"}
"""Weekly forecast column behind each planning quantile."""
BACKTEST_FOLDS = 6
"""Origins of the plan's backtest of the weekly forecast."""
BACKTEST_MAX_HORIZON = 26
"""Longest horizon, in weeks, the plan's backtest scores."""


@dataclass
class ScenarioPlan:
    """One scenario's plan.

    Attributes
    ----------
    name:
        Scenario name.
    weekly:
        CAPACITY_PLAN_COLUMNS, one row per (week, skill).
    classes:
        HIRING_CLASS_COLUMNS, planned and recommended classes.
    summary:
        Totals: hires, classes, costs, overtime hours, FTE-weeks short, the worst gap.
    explanation:
        Why weeks stay short (None when none does): message, short runs, unreachable runs,
        budget and hires that would close the closable weeks, causes.
    solver:
        Status, objective, bound and wall time of the hiring optimiser.
    """

    name: str
    weekly: pd.DataFrame
    classes: pd.DataFrame
    summary: dict[str, Any]
    explanation: dict[str, Any] | None
    solver: dict[str, Any]


@dataclass
class CapacityPlan:
    """A scenario's capacity plan and its what-ifs.

    Attributes
    ----------
    name, timezone, start_week, horizon_weeks, plan_to:
        The base scenario's settings (``start_week`` resolved).
    forecast:
        The base weekly forecast (WEEKLY_FORECAST_COLUMNS) of the planned queues.
    monthly:
        Its monthly totals.
    history:
        Weekly totals of the history (``queue, week_start, actual, clean, complete, aht_s``).
    backtest:
        Error of the weekly forecast by horizon (``model, horizon_weeks, weeks, wape, bias,
        coverage_p10_p90``); empty when the history is too short.
    scenarios:
        The base plan first, then each what-if.
    warnings:
        Things the planner should know (agents outside the plan's queues, a skipped backtest).
    """

    name: str
    timezone: str
    start_week: dt.date
    horizon_weeks: int
    plan_to: str
    forecast: pd.DataFrame
    monthly: pd.DataFrame
    history: pd.DataFrame
    backtest: pd.DataFrame
    scenarios: list[ScenarioPlan] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def weekly_plan(self) -> pd.DataFrame:
        """Every scenario's weekly rows (CAPACITY_PLAN_COLUMNS)."""
        return pd.concat([s.weekly for s in self.scenarios], ignore_index=True)

    def hiring_classes(self) -> pd.DataFrame:
        """Every scenario's classes (HIRING_CLASS_COLUMNS)."""
        return pd.concat([s.classes for s in self.scenarios], ignore_index=True)

    def comparison(self) -> pd.DataFrame:
        """One row per scenario: its summary figures side by side."""
        return pd.DataFrame([{"scenario": s.name, **s.summary} for s in self.scenarios])


def plan_capacity(
    scenario: CapacityScenario,
    history: pd.DataFrame,
    agents: Sequence[AgentSpec] | None = None,
    progress: ProgressCallback | None = None,
) -> CapacityPlan:
    """Plan capacity for `scenario` and its what-ifs.

    Parameters
    ----------
    scenario:
        A validated scenario (:func:`scheduling.capacity.scenario.load_capacity_scenario`).
    history:
        Interval history (``queue``, tz-aware ``interval_start``, ``offered``, optional
        ``aht_s``) of the planned queues; other queues, and days outside ``history.start`` ..
        ``history.end`` (local dates, inclusive), are ignored.
    agents:
        Today's agents when the scenario says ``"agents": "stored"`` (the caller reads them);
        ignored when the scenario lists its own.
    progress:
        Optional callback (fraction 0..1, message).

    Returns
    -------
    CapacityPlan

    Raises
    ------
    InvalidInput
        A planned queue without history, a history too short, a start week inside the history,
        a queue without handle times, or stored agents that were not given.
    """
    report = progress or (lambda fraction, message: None)
    people = _agents(scenario, agents)
    raw = history
    history = _planned_history(scenario, raw)
    report(0.02, "fitting the weekly forecast")
    forecaster = _forecaster(scenario).fit(history)
    start_week = scenario.start_week or forecaster.last_week() + dt.timedelta(days=7)
    weekly = forecaster.predict(start_week, scenario.horizon_weeks)
    report(0.2, "backtesting the weekly forecast")
    backtest, warnings = _backtest(scenario, history)
    plans = []
    variants: list[tuple[CapacityScenario, WhatIf | None]] = [(scenario, None)]
    variants += [(what_if_scenario(scenario, i), w) for i, w in enumerate(scenario.scenarios)]
    for number, (variant, what_if) in enumerate(variants):
        low = 0.35 + 0.65 * number / len(variants)
        high = 0.35 + 0.65 * (number + 1) / len(variants)
        step = _scaled(report, low, high, variant.name)
        reuse = _same_forecast(scenario, variant)
        fitted = forecaster if reuse else _forecaster(variant).fit(_planned_history(variant, raw))
        same_weeks = variant.start_week in (None, start_week) and (
            variant.horizon_weeks == scenario.horizon_weeks
        )
        base = weekly if reuse and same_weeks else None
        staff = people if variant.agents == scenario.agents else _agents(variant, agents)
        plans.append(_plan_variant(variant, what_if, fitted, base, start_week, staff, step))
    supply_warning = _ignored_warning(scenario, people)
    if supply_warning:
        warnings.append(supply_warning)
    report(1.0, f"{len(plans)} scenario(s) planned")
    return CapacityPlan(
        name=scenario.name,
        timezone=scenario.timezone,
        start_week=start_week,
        horizon_weeks=scenario.horizon_weeks,
        plan_to=scenario.plan_to,
        forecast=weekly,
        monthly=forecaster.monthly(weekly),
        history=forecaster.history_frame(),
        backtest=backtest,
        scenarios=plans,
        warnings=warnings,
    )


def _scaled(report: ProgressCallback, low: float, high: float, name: str) -> ProgressCallback:
    def scaled(fraction: float, message: str) -> None:
        report(low + (high - low) * fraction, f"{name}: {message}")

    return scaled


def _agents(scenario: CapacityScenario, agents: Sequence[AgentSpec] | None) -> list[AgentSpec]:
    if isinstance(scenario.agents, list):
        return list(scenario.agents)
    if agents is None:
        raise InvalidInput(
            "the scenario uses the stored agents, but none were read",
            [FieldError(None, "agents", "list the agents, or plan where agents are stored")],
        )
    return list(agents)


def _planned_history(scenario: CapacityScenario, history: pd.DataFrame) -> pd.DataFrame:
    if QUEUE not in history.columns or INTERVAL_START not in history.columns:
        raise InvalidInput(
            "history needs queue and interval_start columns",
            [FieldError(None, "history", "needs queue, interval_start and offered")],
        )
    wanted = list(scenario.queues)
    if scenario.history.queues:
        wanted = [q for q in wanted if q in scenario.history.queues]
    frame = history[history[QUEUE].astype(str).isin(wanted)]
    missing = sorted(set(scenario.queues) - set(frame[QUEUE].astype(str)))
    if missing:
        raise InvalidInput(
            f"no history for queue(s) {missing}",
            [
                FieldError(
                    None,
                    f"queues.{q}",
                    "no history for this queue (plan it as a what-if new queue instead)",
                    q,
                )
                for q in missing
            ],
        )
    if not isinstance(frame[INTERVAL_START].dtype, pd.DatetimeTZDtype):
        raise InvalidInput(
            "history interval_start must be timezone-aware",
            [FieldError(None, "history.interval_start", "must be timezone-aware timestamps")],
        )
    frame = frame.copy()
    frame[INTERVAL_START] = frame[INTERVAL_START].dt.tz_convert(scenario.timezone)
    day = frame[INTERVAL_START].dt.date
    keep = pd.Series(True, index=frame.index)
    if scenario.history.start is not None:
        keep &= day >= scenario.history.start
    if scenario.history.end is not None:
        keep &= day <= scenario.history.end
    if not keep.any():
        raise InvalidInput(
            "no history between history.start and history.end",
            [FieldError(None, "history.end", "leaves no history", str(scenario.history.end))],
        )
    return frame[keep]


def _events(scenario: CapacityScenario) -> list[Event]:
    return [
        Event(
            name=e.name,
            start=e.start,
            end=e.end,
            queue=e.queue,
            volume_factor=e.volume_factor,
            aht_factor=e.aht_factor,
        )
        for e in scenario.events
    ]


def _forecaster(scenario: CapacityScenario) -> LongRangeForecaster:
    return LongRangeForecaster(
        model=scenario.model,
        country=scenario.history.country,
        events=_events(scenario),
        interval_minutes=scenario.history.interval_minutes,
        holiday_factor=scenario.history.holiday_factor,
    )


def _same_forecast(base: CapacityScenario, variant: CapacityScenario) -> bool:
    """Whether the base's fitted forecaster serves the variant (same history, model, events,
    zone and queues)."""
    keys = ("history", "model", "events", "timezone")
    same = all(getattr(base, k) == getattr(variant, k) for k in keys)
    return same and list(base.queues) == list(variant.queues)


def _backtest(scenario: CapacityScenario, history: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    horizon = min(scenario.horizon_weeks, BACKTEST_MAX_HORIZON)
    step = max(1, -(-horizon // BACKTEST_FOLDS))
    weeks = int(
        (history[INTERVAL_START].max() - history[INTERVAL_START].min()) / pd.Timedelta(days=7)
    )
    folds = min(BACKTEST_FOLDS, (weeks - 1 - (MIN_WEEKS + 1)) // step + 1)
    empty = pd.DataFrame(
        columns=["model", "horizon_weeks", "weeks", "wape", "bias", "coverage_p10_p90"]
    )
    if folds < 1:
        return empty, [f"history of {weeks} weeks is too short to backtest the weekly forecast"]
    try:
        result = backtest_longrange(
            history,
            horizon_weeks=horizon,
            folds=folds,
            step_weeks=step,
            country=scenario.history.country,
            events=_events(scenario),
            interval_minutes=scenario.history.interval_minutes,
        )
    except InvalidInput as exc:
        return empty, [f"weekly forecast not backtested: {exc.args[0]}"]
    return result.by_horizon(), []


def _factor(value: float | dict[str, float] | None, queue: str) -> float:
    if value is None:
        return 1.0
    if isinstance(value, dict):
        return float(value.get(queue, 1.0))
    return float(value)


def _weekly_variant(
    weekly: pd.DataFrame,
    what_if: WhatIf | None,
    forecaster: LongRangeForecaster,
    mondays: list[dt.date],
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The what-if's weekly forecast: factors applied, new queues added; with the shape map."""
    out = weekly.copy()
    if what_if is None:
        return out, {}
    volume = out[QUEUE].map(lambda q: _factor(what_if.volume_factor, str(q))).to_numpy(float)
    aht = out[QUEUE].map(lambda q: _factor(what_if.aht_factor, str(q))).to_numpy(float)
    for column in ("volume", "volume_p10", "volume_p50", "volume_p90"):
        out[column] = out[column] * volume
    for column in ("aht_s", "aht_s_p10", "aht_s_p90"):
        out[column] = out[column] * aht
    frames = [out]
    for queue in what_if.new_queues:
        frames.append(_new_queue_rows(queue, forecaster, mondays, weekly))
    shapes = {q.name: q.like for q in what_if.new_queues}
    return pd.concat(frames, ignore_index=True), shapes


def _new_queue_rows(
    queue: NewQueue,
    forecaster: LongRangeForecaster,
    mondays: list[dt.date],
    weekly: pd.DataFrame,
) -> pd.DataFrame:
    weeks = np.array([np.datetime64(m, "D") for m in mondays])
    weight, aht_factor, holiday = forecaster.week_weights(queue.name, weeks, like=queue.like)
    factor = weight.sum(axis=1)
    start = queue.start_week or mondays[0]
    since = np.array([(m - start).days // 7 for m in mondays])
    ramp = np.where(since < 0, 0.0, np.minimum(1.0, (since + 1) / (queue.ramp_weeks + 1)))
    volume = queue.weekly_volume * ramp * factor
    with np.errstate(invalid="ignore", divide="ignore"):
        aht_scale = np.where(factor > 0, (weight * aht_factor).sum(axis=1) / factor, 1.0)
    like_rows = weekly[weekly[QUEUE] == queue.like]
    return pd.DataFrame(
        {
            QUEUE: queue.name,
            WEEK_START: like_rows[WEEK_START].to_numpy(),
            "volume": volume,
            "volume_p10": volume * (1 - queue.uncertainty),
            "volume_p50": volume,
            "volume_p90": volume * (1 + queue.uncertainty),
            "aht_s": queue.aht_s * aht_scale,
            "aht_s_p10": queue.aht_s * aht_scale,
            "aht_s_p90": queue.aht_s * aht_scale,
            "open_days": (weight > 0).sum(axis=1),
            "holidays": holiday.sum(axis=1),
            "horizon_weeks": like_rows["horizon_weeks"].to_numpy(),
            "model": "new_queue",
        }
    )


def _with_attrition(scenario: CapacityScenario, what_if: WhatIf | None) -> CapacityScenario:
    if what_if is None or not what_if.attrition_pts:
        return scenario
    delta = what_if.attrition_pts / 100.0

    def shifted(rate: float) -> float:
        return float(min(max(rate + delta, 0.0), 0.99))

    profiles = [
        p.model_copy(
            update={"attrition_monthly": None}
            if p.attrition_monthly is None
            else {"attrition_monthly": shifted(p.attrition_monthly)}
        )
        for p in scenario.hiring.profiles
    ]
    return scenario.model_copy(
        update={
            "attrition_monthly": shifted(scenario.attrition_monthly),
            "teams": {
                name: TeamSpec(attrition_monthly=shifted(team.attrition_monthly))
                for name, team in scenario.teams.items()
            },
            "hiring": scenario.hiring.model_copy(update={"profiles": profiles}),
        }
    )


def _plan_variant(
    scenario: CapacityScenario,
    what_if: WhatIf | None,
    forecaster: LongRangeForecaster,
    weekly: pd.DataFrame | None,
    start_week: dt.date,
    agents: list[AgentSpec],
    progress: ProgressCallback,
) -> ScenarioPlan:
    start = scenario.start_week or start_week
    if weekly is None:
        weekly = forecaster.predict(start, scenario.horizon_weeks)
    weekly = weekly[weekly[QUEUE].isin(list(scenario.queues))]
    mondays = [start + dt.timedelta(days=7 * w) for w in range(scenario.horizon_weeks)]
    weekly, shapes = _weekly_variant(weekly, what_if, forecaster, mondays)
    targets: dict[str, QueueTargets] = dict(scenario.queues)
    for queue in what_if.new_queues if what_if else []:
        targets[queue.name] = queue.targets
    skills = list(targets)
    shrinkage = shrinkage_by_week(scenario.shrinkage, mondays)
    minutes = forecaster.grid.minutes
    progress(0.05, "staffing the forecast")
    fte: dict[str, pd.DataFrame] = {}
    for i, (quantile, column) in enumerate(QUANTILE_COLUMNS.items()):
        intervals = forecaster.intervals(weekly, column, shapes)
        fte[quantile] = required_fte(intervals, targets, shrinkage, scenario.fte_hours, minutes)
        progress(0.05 + 0.15 * (i + 1), f"required FTE at {quantile}")
    adjusted = _with_attrition(scenario, what_if)
    supply = agent_supply(adjusted, agents, mondays, skills)
    for skill in skills:
        supply.group_index((skill,), len(mondays))
    planned = add_planned_classes(supply, adjusted, mondays)
    problem = _problem(adjusted, skills, supply, fte, shrinkage, mondays)
    progress(0.55, "optimising the hiring plan")
    solution = solve_hiring(problem)
    shortfall = explain_shortfall(problem, solution)
    progress(0.95, "writing the plan")
    frame = _weekly_frame(
        scenario.name, skills, mondays, fte, supply, solution, problem, scenario.fte_hours
    )
    classes = _classes_frame(adjusted, problem, solution, planned, mondays)
    return ScenarioPlan(
        name=scenario.name,
        weekly=frame,
        classes=classes,
        summary=_summary(frame, classes, solution),
        explanation=_explanation(adjusted, problem, solution, shortfall, mondays),
        solver={
            "status": solution.status,
            "objective": solution.objective,
            "bound": solution.bound,
            "wall_time_s": solution.wall_time_s,
        },
    )


def _matrix(frame: pd.DataFrame, skills: list[str], mondays: list[dt.date]) -> np.ndarray:
    table = frame.pivot_table(index=QUEUE, columns=WEEK_START, values="fte", aggfunc="sum")
    return table.reindex(index=skills, columns=mondays).fillna(0.0).to_numpy(dtype=float)


def _problem(
    scenario: CapacityScenario,
    skills: list[str],
    supply: Supply,
    fte: dict[str, pd.DataFrame],
    shrinkage: pd.DataFrame,
    mondays: list[dt.date],
) -> HiringProblem:
    weeks = len(mondays)
    options = []
    for profile in scenario.hiring.profiles:
        group = supply.group_index(skill_group(profile.skills, skills), weeks)
        per_hire = (profile.hours_per_week or scenario.fte_hours) / scenario.fte_hours
        productive, heads, _ = hire_curve(
            np.arange(weeks), profile_ramp(profile), profile_attrition(scenario, profile)
        )
        options.append(
            ClassOption(
                name=profile.name,
                group=group,
                curve=per_hire * productive,
                heads=heads,
                earliest_start=profile.lead_time_weeks,
                start_every=profile.start_every_weeks,
                min_size=profile.min_class_size,
                max_size=profile.max_class_size,
                max_classes=profile.max_classes,
                cost_per_hire=profile.cost_per_hire,
                weekly_cost=profile.weekly_cost,
            )
        )
    productive_hours = scenario.fte_hours * (1.0 - shrinkage["total"].to_numpy(dtype=float))
    overtime_cost = np.tile(scenario.overtime.cost_per_hour * productive_hours, (len(skills), 1))
    return HiringProblem(
        skills=skills,
        groups=list(supply.groups),
        required=_matrix(fte[scenario.plan_to], skills, mondays),
        supply=supply.fte,
        options=options,
        overtime_share=scenario.overtime.max_share,
        overtime_cost=overtime_cost,
        short_cost=scenario.understaffing_cost_per_fte_week,
        max_cost=scenario.budget.max_cost,
        max_hires=scenario.budget.max_hires,
        time_limit_s=scenario.time_limit_s,
    )


def _spread(problem: HiringProblem, solution: HiringSolution, values: np.ndarray) -> np.ndarray:
    """(skill, week) share of a (group, week) quantity: each group's capacity (used and spare)
    divided among its skills like its allocation (evenly when nothing is allocated)."""
    n_groups = len(problem.groups)
    out = np.zeros((len(problem.skills), problem.weeks))
    for g in range(n_groups):
        members = [problem.skills.index(s) for s in problem.groups[g]]
        if not members:
            continue
        used = solution.allocation[g][members]
        total = used.sum(axis=0)
        even = np.full((len(members), problem.weeks), 1.0 / len(members))
        shares = np.divide(used, total, out=even, where=total > 1e-9)
        out[members] += shares * values[g]
    return out


def _weekly_frame(
    name: str,
    skills: list[str],
    mondays: list[dt.date],
    fte: dict[str, pd.DataFrame],
    supply: Supply,
    solution: HiringSolution,
    problem: HiringProblem,
    fte_hours: float,
) -> pd.DataFrame:
    """CAPACITY_PLAN_COLUMNS rows; overtime hours are the productive hours its FTE stand for
    (``FTE x fte_hours x (1 - shrinkage)``)."""
    available = _spread(problem, solution, supply.fte)
    new_hire = _spread(problem, solution, solution.hire_fte)
    headcount = _spread(problem, solution, supply.headcount + solution.hire_heads)
    trainees = _spread(problem, solution, supply.trainees + solution.hire_trainees)
    required = problem.required
    p10 = _matrix(fte["p10"], skills, mondays)
    p90 = _matrix(fte["p90"], skills, mondays)
    point = fte["p50"].set_index([QUEUE, WEEK_START])
    shrink = fte["p50"].groupby(WEEK_START)["shrinkage"].first().reindex(mondays).to_numpy()
    rows = []
    for s, skill in enumerate(skills):
        for w, monday in enumerate(mondays):
            key = (skill, monday)
            volume = float(point.loc[key, "volume"]) if key in point.index else 0.0
            aht = float(point.loc[key, "aht_s"]) if key in point.index else float("nan")
            overtime = float(solution.overtime[s, w])
            rows.append(
                {
                    "scenario": name,
                    WEEK_START: monday,
                    "skill": skill,
                    "volume": volume,
                    "aht_s": aht,
                    "shrinkage": float(shrink[w]),
                    "required_fte": float(required[s, w]),
                    "required_fte_p10": float(p10[s, w]),
                    "required_fte_p90": float(p90[s, w]),
                    "available_fte": float(available[s, w]),
                    "new_hire_fte": float(new_hire[s, w]),
                    "overtime_fte": overtime,
                    "overtime_hours": overtime * fte_hours * (1.0 - float(shrink[w])),
                    "short_fte": float(solution.short[s, w]),
                    "gap_fte": float(available[s, w] - required[s, w]),
                    "gap_after_fte": float(
                        available[s, w] + new_hire[s, w] + overtime - required[s, w]
                    ),
                    "headcount": float(headcount[s, w]),
                    "trainees": float(trainees[s, w]),
                }
            )
    return pd.DataFrame(rows, columns=CAPACITY_PLAN_COLUMNS)


def _classes_frame(
    scenario: CapacityScenario,
    problem: HiringProblem,
    solution: HiringSolution,
    planned: list[dict[str, Any]],
    mondays: list[dt.date],
) -> pd.DataFrame:
    weeks = len(mondays)
    rows = []

    def row(profile_name: str, start: int, size: int, is_planned: bool) -> dict[str, Any]:
        profile = scenario.profile(profile_name)
        monday = mondays[0] + dt.timedelta(days=7 * start)
        heads = hire_curve(
            np.arange(weeks) - start, profile_ramp(profile), profile_attrition(scenario, profile)
        )[1]
        return {
            "scenario": scenario.name,
            "profile": profile.name,
            "skills": "+".join(profile.skills),
            "team": profile.team,
            "start_week": monday,
            "size": size,
            "requisition_by": monday - dt.timedelta(days=7 * profile.lead_time_weeks),
            "productive_from": monday + dt.timedelta(days=7 * profile.training_weeks),
            "full_productivity_from": monday
            + dt.timedelta(days=7 * (profile.training_weeks + len(profile.ramp))),
            "one_off_cost": size * profile.cost_per_hire,
            "wage_cost": size * profile.weekly_cost * float(heads.sum()),
            "planned": is_planned,
        }

    for record in planned:
        rows.append(row(record["profile"], record["start"], record["size"], True))
    for k, t, size in solution.classes:
        rows.append(row(problem.options[k].name, t, size, False))
    frame = pd.DataFrame(rows, columns=HIRING_CLASS_COLUMNS)
    return frame.sort_values(["start_week", "profile"], ignore_index=True)


def _summary(
    weekly: pd.DataFrame, classes: pd.DataFrame, solution: HiringSolution
) -> dict[str, Any]:
    recommended = classes[~classes["planned"].astype(bool)]
    by_week = weekly.groupby(WEEK_START)
    short_weeks = int((by_week["short_fte"].sum() > 1e-6).sum())
    worst = weekly.loc[weekly["gap_fte"].idxmin()] if len(weekly) else None
    return {
        "hires": int(recommended["size"].sum()),
        "classes": len(recommended),
        "planned_hires": int(classes.loc[classes["planned"].astype(bool), "size"].sum()),
        "hiring_cost": solution.costs["hiring"],
        "wage_cost": solution.costs["wages"],
        "overtime_cost": solution.costs["overtime"],
        "total_cost": solution.costs["total"],
        "overtime_hours": float(weekly["overtime_hours"].sum()),
        "short_fte_weeks": float(weekly["short_fte"].sum()),
        "max_short_fte": float(weekly["short_fte"].max()) if len(weekly) else 0.0,
        "weeks_short": short_weeks,
        "gap_before_fte_weeks": float(weekly["gap_fte"].clip(upper=0).sum()),
        "worst_gap_fte": float(worst["gap_fte"]) if worst is not None else 0.0,
        "worst_gap_week": worst[WEEK_START].isoformat() if worst is not None else None,
        "worst_gap_skill": str(worst["skill"]) if worst is not None else None,
        "peak_required_fte": float(by_week["required_fte"].sum().max()) if len(weekly) else 0.0,
    }


def _runs(values: np.ndarray, skills: list[str], mondays: list[dt.date]) -> list[dict[str, Any]]:
    """Consecutive weeks with a positive value, per skill: from, to, worst, FTE-weeks."""
    runs = []
    for s, skill in enumerate(skills):
        w = 0
        while w < len(mondays):
            if values[s, w] <= 1e-6:
                w += 1
                continue
            end = w
            while end + 1 < len(mondays) and values[s, end + 1] > 1e-6:
                end += 1
            part = values[s, w : end + 1]
            runs.append(
                {
                    "skill": skill,
                    "from": mondays[w].isoformat(),
                    "to": mondays[end].isoformat(),
                    "max_short_fte": float(part.max()),
                    "fte_weeks": float(part.sum()),
                }
            )
            w = end + 1
    return runs


def _explanation(
    scenario: CapacityScenario,
    problem: HiringProblem,
    solution: HiringSolution,
    shortfall: Shortfall | None,
    mondays: list[dt.date],
) -> dict[str, Any] | None:
    if shortfall is None:
        return None
    skills = problem.skills
    short = shortfall.short
    s, w = np.unravel_index(int(np.argmax(short)), short.shape)
    weeks_short = int((short.sum(axis=0) > 1e-6).sum())
    parts = [
        f"{weeks_short} week(s) stay short, {short.sum():.1f} FTE-weeks in all (worst "
        f"{short[s, w]:.1f} FTE on {skills[s]} in the week of {mondays[w]})."
    ]
    budget = shortfall.budget_to_close
    if "max_cost" in shortfall.reasons and budget is not None and problem.max_cost is not None:
        parts.append(
            f"The budget cap of {problem.max_cost:,.0f} binds: the cheapest plan closing every "
            f"week hiring can reach costs {budget:,.0f} ({budget - problem.max_cost:+,.0f})."
        )
    if "max_hires" in shortfall.reasons and problem.max_hires is not None:
        parts.append(
            f"The cap of {problem.max_hires} hires binds: closing needs "
            f"{shortfall.hires_to_close} hires."
        )
    if "understaffing_cost" in shortfall.reasons and budget is not None:
        parts.append(
            f"Hiring for these weeks costs more than the understaffing penalty of "
            f"{problem.short_cost:,.0f} per FTE-week; closing them would cost {budget:,.0f}."
        )
    if "lead_time" in shortfall.reasons:
        parts.append(_lead_time_text(scenario, skills, shortfall.unreachable, mondays))
    return {
        "message": " ".join(parts),
        "reasons": shortfall.reasons,
        "short": _runs(short, skills, mondays),
        "unreachable": _runs(shortfall.unreachable, skills, mondays),
        "unreachable_fte_weeks": float(shortfall.unreachable.sum()),
        "budget_to_close": budget,
        "budget_cap": problem.max_cost,
        "hires_to_close": shortfall.hires_to_close,
        "hires_cap": problem.max_hires,
    }


def _lead_time_text(
    scenario: CapacityScenario,
    skills: list[str],
    unreachable: np.ndarray,
    mondays: list[dt.date],
) -> str:
    """Why the unreachable weeks of each skill are out of reach at any budget."""
    texts = []
    for s, skill in enumerate(skills):
        weeks = [w for w in range(len(mondays)) if unreachable[s, w] > 1e-6]
        if not weeks:
            continue
        text = (
            f"{unreachable[s].sum():.1f} FTE-weeks of {skill} (up to the week of "
            f"{mondays[weeks[-1]]}) cannot be closed at any budget"
        )
        teaching = [p for p in scenario.hiring.profiles if skill in p.skills]
        if teaching:
            first = min(teaching, key=lambda p: p.lead_time_weeks + p.training_weeks)
            productive = mondays[0] + dt.timedelta(
                days=7 * (first.lead_time_weeks + first.training_weeks)
            )
            text += (
                f": the earliest class ({first.name}) is productive from the week of "
                f"{productive} (lead time {first.lead_time_weeks} + training "
                f"{first.training_weeks} weeks)"
            )
        else:
            text += f": no hiring profile teaches {skill}"
        if scenario.overtime.max_share > 0:
            text += f", and overtime is capped at {scenario.overtime.max_share:.0%}"
        texts.append(text + ".")
    return " ".join(texts)


def _ignored_warning(scenario: CapacityScenario, agents: list[AgentSpec]) -> str | None:
    planned = list(scenario.queues)
    ignored = [a.agent_id for a in agents if not skill_group(a.skill_names(), planned)]
    if not ignored:
        return None
    shown = ", ".join(ignored[:10]) + (" ..." if len(ignored) > 10 else "")
    return f"{len(ignored)} agent(s) work none of the planned queues and are left out: {shown}"
