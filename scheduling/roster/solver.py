"""Weekly rosters and routing plans with OR-Tools CP-SAT: :func:`solve_roster`.

The answer always carries the solver status, the objective split by term, the solver's lower
bound and the gap, and the coverage table. Large centres (more than
:data:`~scheduling.roster.decompose.DECOMPOSE_ABOVE_AGENTS` agents) are solved in two stages:
anonymous shift counts first, then named agents restricted to the slots those counts use.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from features.errors import Conflict, Infeasible, SeatwiseError
from features.schema import REQUIREMENTS_COLUMNS, ProgressCallback
from scheduling.requirements import ServiceTargets, compute_requirements
from scheduling.roster.checks import coverage_table
from scheduling.roster.decompose import (
    BOUND_SHARE,
    DECOMPOSE_ABOVE_AGENTS,
    relaxation_bound,
    restrict_to_chosen,
)
from scheduling.roster.extract import SolvedPlan, plan_to_roster
from scheduling.roster.hint import add_hint, greedy_shifts
from scheduling.roster.model import (
    RosterModel,
    build_diagnosis_model,
    build_roster_model,
    configure_solver,
)
from scheduling.roster.objective import plan_objective_terms
from scheduling.roster.options import ShiftCatalogue, ShiftOption, WeekGrid, build_catalogue
from scheduling.roster.precheck import precheck_agents
from scheduling.roster.refine import retime_week
from scheduling.roster.scenario import Scenario, load_scenario, required_agents


@dataclass(frozen=True)
class SolutionProgress:
    """One improving solution reported while solving.

    Attributes
    ----------
    stage:
        ``"roster"``, or ``"shift counts"`` / ``"agents"`` for the decomposition's stages.
    objective, bound:
        Objective value and best lower bound (weighted units, see :mod:`roster_model`).
    elapsed_s:
        Seconds since solving began.
    solutions:
        Improving solutions found so far in this stage.
    """

    stage: str
    objective: float
    bound: float
    elapsed_s: float
    solutions: int


@dataclass
class RosterResult:
    """A solved roster and how good it is.

    Attributes
    ----------
    roster:
        ROSTER_COLUMNS rows (tz-aware local `start`/`end`, local `date`).
    coverage:
        COVERAGE_COLUMNS: agents required and scheduled per queue and interval.
    status:
        CP-SAT status name: ``OPTIMAL`` or ``FEASIBLE`` (time limit reached first).
    objective:
        Weighted objective value.
    objective_terms:
        ``under_coverage`` and ``over_coverage`` (agent-intervals), ``weighted_under_coverage``
        (priority-weighted), ``preferences`` (shifts against preferences), ``fairness`` (sum of
        the largest per-agent weekend/early/late shift counts).
    lower_bound:
        The solver's bound on the objective (of the last stage when decomposed).
    gap:
        ``(objective - lower_bound) / max(1, |objective|)``.
    wall_time_s:
        Seconds spent, model building included.
    requirements:
        REQUIREMENTS_COLUMNS used (derived from the forecast when the scenario gave one).
    stages:
        Per stage: status, objective, bound and seconds.
    """

    roster: pd.DataFrame
    coverage: pd.DataFrame
    status: str
    objective: float
    objective_terms: dict[str, float]
    lower_bound: float
    gap: float
    wall_time_s: float
    requirements: pd.DataFrame
    stages: list[dict[str, Any]] = field(default_factory=list)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(
        self,
        stage: str,
        started: float,
        on_solution: Callable[[SolutionProgress], None] | None,
        progress: ProgressCallback | None,
        span: tuple[float, float],
        time_limit_s: float,
    ) -> None:
        super().__init__()
        self.stage, self.started, self.on_solution = stage, started, on_solution
        self.progress, self.span, self.time_limit_s = progress, span, time_limit_s
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        elapsed = time.perf_counter() - self.started
        report = SolutionProgress(
            self.stage, self.objective_value, self.best_objective_bound, elapsed, self.solutions
        )
        if self.on_solution is not None:
            self.on_solution(report)
        if self.progress is not None:
            low, high = self.span
            share = min(1.0, self.wall_time / max(self.time_limit_s, 1e-9))
            self.progress(
                low + (high - low) * share,
                f"{self.stage}: objective {report.objective:.0f}, bound {report.bound:.0f}",
            )


_TARGET_FIELDS = {
    "service_level",
    "threshold_s",
    "asa_s",
    "max_occupancy",
    "shrinkage",
    "patience_s",
}


def scenario_requirements(scenario: Scenario) -> pd.DataFrame:
    """Requirements of the scenario (REQUIREMENTS_COLUMNS), derived from its forecast with the
    staffing maths when it gives no requirement rows; `agents_scheduled` is what rosters cover."""
    if scenario.requirements is not None:
        rows = scenario.requirements
        frame = pd.DataFrame(
            {
                "queue": [r.queue for r in rows],
                "interval_start": [pd.Timestamp(r.interval_start) for r in rows],
                "agents": [r.agents for r in rows],
            }
        )
        frame["agents_scheduled"] = frame["agents"]
        for column in REQUIREMENTS_COLUMNS:
            if column not in frame:
                frame[column] = np.nan
        frame = frame[REQUIREMENTS_COLUMNS]
    else:
        forecast = pd.DataFrame([r.model_dump() for r in scenario.forecast or []])
        forecast["interval_start"] = pd.to_datetime(forecast["interval_start"], utc=True)
        targets: Mapping[str, ServiceTargets] = {
            q: ServiceTargets(**scenario.service_for(q).model_dump(include=_TARGET_FIELDS))
            for q in scenario.queue_names()
        }
        frame = compute_requirements(forecast, targets, scenario.interval_minutes)
    if frame.empty:
        frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True).dt.tz_convert(
        scenario.timezone
    )
    return frame


def _required_cells(requirements: pd.DataFrame, grid: WeekGrid) -> dict[tuple[str, int], int]:
    cells: dict[tuple[str, int], int] = {}
    for queue, start, agents in requirements[
        ["queue", "interval_start", "agents_scheduled"]
    ].itertuples(index=False):
        need = required_agents(float(agents))
        if need:
            cells[(str(queue), grid.index_of(start))] = need
    return cells


def _status_name(status: Any) -> str:
    return str(cp_model.CpSolver().status_name(status))


def _run(
    rm: RosterModel,
    stage: str,
    time_limit_s: float,
    workers: int,
    reporter: _Reporter,
) -> tuple[cp_model.CpSolver, Any]:
    solver = cp_model.CpSolver()
    configure_solver(solver, time_limit_s, workers)
    status = solver.solve(rm.model, reporter)
    return solver, status


def _diagnose(
    scenario: Scenario, catalogue: ShiftCatalogue, options: Mapping[str, list[ShiftOption]]
) -> list[Conflict]:
    """Name the (agent, rule) pairs of a minimal-ish infeasible core of the hard rules."""
    rm = build_diagnosis_model(scenario, catalogue, options)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30.0
    status = solver.solve(rm.model)
    if status != cp_model.INFEASIBLE:
        return []
    by_index = {var.index: key for key, var in rm.guards.items()}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    per_agent: dict[str, list[str]] = {}
    for agent_id, rule in core:
        per_agent.setdefault(agent_id, []).append(rule)
    agents = {a.agent_id: a for a in scenario.agents}
    conflicts = []
    for agent_id, rules in sorted(per_agent.items()):
        c = agents[agent_id].contract
        detail = (
            f"agent {agent_id}: no week of shifts keeps {', '.join(rules)} together "
            f"(min_minutes {c.min_minutes}, max_minutes {c.max_minutes}, max_days {c.max_days}, "
            f"min_rest_minutes {scenario.rules.min_rest_minutes}, max_consecutive_days "
            f"{scenario.rules.max_consecutive_days}, {len(options[agent_id])} allowed shifts)"
        )
        conflicts.append(Conflict(" vs ".join(rules), detail, [agent_id]))
    return conflicts


def _read_plan(rm: RosterModel, solver: cp_model.CpSolver, catalogue: ShiftCatalogue) -> SolvedPlan:
    shifts: dict[str, list[ShiftOption]] = {}
    for (agent_id, key), var in rm.shifts.items():
        if solver.boolean_value(var):
            shifts.setdefault(agent_id, []).append(catalogue.slots[key])
    breaks = {k: int(solver.value(v)) for k, v in rm.breaks.items()}
    routes = {k: int(solver.value(v)) for k, v in rm.routes.items()}
    return SolvedPlan(shifts, breaks, routes)


def solve_roster(
    scenario: Scenario | dict[str, Any],
    *,
    time_limit_s: float = 60.0,
    workers: int = 2,
    on_solution: Callable[[SolutionProgress], None] | None = None,
    progress: ProgressCallback | None = None,
) -> RosterResult:
    """Solve a week's roster with CP-SAT.

    Parameters
    ----------
    scenario:
        A :class:`~scheduling.roster.scenario.Scenario` or its JSON dict (validated by
        :func:`~scheduling.roster.scenario.load_scenario`).
    time_limit_s:
        Wall-clock budget of the solver in seconds (split over stages when decomposed).
    workers:
        CP-SAT search workers (``solver.parameters.num_workers``).
    on_solution:
        Called with a :class:`SolutionProgress` at each improving solution.
    progress:
        Optional (fraction 0..1, message) callback.

    Returns
    -------
    RosterResult

    Raises
    ------
    InvalidInput
        Malformed scenario (every broken field, by JSON path).
    Infeasible
        No roster keeps the hard rules; the conflicts name the agents and rules.
    SeatwiseError
        No roster was found within the time limit.
    """
    started = time.perf_counter()
    scenario = load_scenario(scenario)
    requirements = scenario_requirements(scenario)
    catalogue = build_catalogue(scenario)
    conflicts = precheck_agents(scenario, catalogue.by_agent)
    if conflicts:
        raise Infeasible(
            f"{len(conflicts)} agent(s) cannot meet their contract with the shifts allowed",
            conflicts,
        )
    required = _required_cells(requirements, catalogue.grid)
    stages: list[dict[str, Any]] = []
    relaxed = relaxation_bound(scenario, catalogue, required, BOUND_SHARE * time_limit_s)
    stages.append(
        {"stage": "relaxation bound", "bound": relaxed, "seconds": time.perf_counter() - started}
    )
    large = len(scenario.agents) > DECOMPOSE_ABOVE_AGENTS
    # Agent-by-agent best responses (days, templates, starts) give a complete first roster.
    # Up to DECOMPOSE_ABOVE_AGENTS the whole CP-SAT model then improves it (measured: it gains
    # most there); above, exact day re-timing alternates with best responses instead.
    search_budget = (0.7 if large else 0.15) * time_limit_s
    greedy = greedy_shifts(scenario, catalogue, required, catalogue.by_agent, search_budget)
    stages.append({"stage": "greedy shifts", "seconds": time.perf_counter() - started})
    sweeps = 0
    while large:
        left = search_budget - (time.perf_counter() - started)
        if left <= 1.0 or (sweeps and left < 0.3 * search_budget):
            break
        greedy = retime_week(scenario, catalogue, required, greedy, 0.6 * left, workers, rounds=1)
        left = search_budget - (time.perf_counter() - started)
        greedy = greedy_shifts(
            scenario, catalogue, required, catalogue.by_agent, left, passes=2, initial=greedy
        )
        sweeps += 1
    if sweeps:
        stages.append(
            {"stage": "day re-timing", "sweeps": sweeps, "seconds": time.perf_counter() - started}
        )
    if progress is not None:
        progress(0.3, f"greedy start for {len(greedy)} agents")
    options: Mapping[str, list[ShiftOption]] = catalogue.by_agent
    if large:
        options = restrict_to_chosen(catalogue, catalogue.by_agent, greedy)
    rm = build_roster_model(scenario, catalogue, required, options)
    hinted = add_hint(rm, scenario, catalogue, greedy, required)
    stage = "breaks and routing" if large else "roster"
    # Leave time to turn the answer into roster rows (about 15 ms per agent).
    reserve = 0.5 + 0.015 * len(scenario.agents)
    budget = max(1.0, time_limit_s - reserve - (time.perf_counter() - started))
    reporter = _Reporter(stage, started, on_solution, progress, (0.3, 1.0), budget)
    solver, status = _run(rm, stage, budget, workers, reporter)
    status_name = _status_name(status)
    stages.append(
        {
            "stage": stage,
            "status": status_name,
            "objective": solver.objective_value if reporter.solutions else math.nan,
            "bound": solver.best_objective_bound,
            "seconds": solver.wall_time,
        }
    )
    if status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        found = _diagnose(scenario, catalogue, catalogue.by_agent)
        raise Infeasible(
            "no roster keeps every hard rule"
            + ("" if found else f" (solver status {status_name})"),
            found,
        )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan = _read_plan(rm, solver, catalogue)
    elif hinted.shifts or not scenario.agents:
        # The search found nothing better in time: the greedy start is still a valid roster.
        plan, status_name = hinted, "GREEDY"
    else:
        raise SeatwiseError(
            f"no roster found within {time_limit_s:g} s (solver status {status_name}); "
            "allow more time (--time-limit)"
        )
    roster = plan_to_roster(scenario, catalogue, plan)
    needed = requirements.rename(columns={"agents_scheduled": "required"})[
        ["queue", "interval_start", "required"]
    ].copy()
    needed["required"] = [required_agents(float(v)) for v in needed["required"]]
    coverage = coverage_table(roster, scenario, needed)
    stages.append({"stage": "roster rows", "seconds": time.perf_counter() - started})
    terms = plan_objective_terms(
        scenario,
        plan.shifts,
        coverage[["queue", "gap"]].itertuples(index=False),
        catalogue.grid.week_start.weekday(),
    )
    objective = terms.pop("objective")
    bound = max(0.0, float(solver.best_objective_bound)) if stage == "roster" else 0.0
    bound = min(max(bound, relaxed), objective)
    if progress is not None:
        progress(1.0, f"{status_name}: objective {objective:.0f}, bound {bound:.0f}")
    return RosterResult(
        roster=roster,
        coverage=coverage,
        status=status_name,
        objective=objective,
        objective_terms=terms,
        lower_bound=bound,
        gap=(objective - bound) / max(1.0, abs(objective)),
        wall_time_s=time.perf_counter() - started,
        requirements=requirements,
        stages=stages,
    )
