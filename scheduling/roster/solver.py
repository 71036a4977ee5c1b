"""Weekly rosters and routing plans with OR-Tools CP-SAT: :func:`solve_roster`.

The answer carries the roster rows, the coverage table, a report in planner units
(:class:`~scheduling.roster.report.RosterReport`: intervals and hours short and over per queue,
preferences broken, fairness, what it would take to meet the target, and a plain-English
summary), and, for compatibility, the solver status, the objective split by term, the lower
bound and the gap. Large centres (more than
:data:`~scheduling.roster.decompose.DECOMPOSE_ABOVE_AGENTS` agents) are solved in stages: named
agents' shifts by agent-by-agent search and day re-timing, then breaks and routing over them.

The same scenario, seed and work limit give the same roster: every search stops on
deterministic work (:class:`~scheduling.roster.budget.SearchBudget`), unless the wall-clock
time limit stops it first, which the result reports (``reproducible``).
"""

from __future__ import annotations

import dataclasses
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
from scheduling.roster.budget import SEQUENTIAL_MAX_AGENTS, SearchBudget
from scheduling.roster.checks import coverage_table
from scheduling.roster.decompose import DECOMPOSE_ABOVE_AGENTS, restrict_to_chosen
from scheduling.roster.extract import SolvedPlan, plan_to_roster
from scheduling.roster.hint import add_hint, greedy_shifts
from scheduling.roster.model import RosterModel, build_diagnosis_model, build_roster_model
from scheduling.roster.objective import CellKey, coverage_values, plan_objective_terms
from scheduling.roster.options import ShiftCatalogue, ShiftOption, WeekGrid, build_catalogue
from scheduling.roster.precheck import precheck_agents
from scheduling.roster.refine import retime_week
from scheduling.roster.report import RosterReport, SearchSummary, roster_report
from scheduling.roster.scenario import Scenario, ServiceTarget, load_scenario, required_agents


@dataclass(frozen=True)
class SolutionProgress:
    """One improving solution reported while solving.

    Attributes
    ----------
    stage:
        ``"greedy shifts"`` (the complete starting roster), then ``"roster"``, or
        ``"breaks and routing"`` for the decomposition of large centres.
    objective, bound:
        Objective value and best lower bound (weighted units, see
        :mod:`scheduling.roster.objective`).
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
        The bound the sequential search proved on the objective (up to
        :data:`~scheduling.roster.budget.SEQUENTIAL_MAX_AGENTS` agents); 0 otherwise, as large
        neighbourhood search proves none. Kept for compatibility: the report says what a planner
        needs.
    gap:
        ``(objective - lower_bound) / max(1, |objective|)``.
    wall_time_s:
        Seconds spent, model building included.
    requirements:
        REQUIREMENTS_COLUMNS used (derived from the forecast when the scenario gave one).
    stages:
        Per stage: status, objective, bound, work (deterministic units) and seconds.
    report:
        The roster in planner units (:class:`~scheduling.roster.report.RosterReport`), with its
        plain-English ``summary``.
    reproducible:
        True when every search stopped on deterministic work or proof (the same scenario, seed
        and work limit give the same roster); False when the wall-clock limit cut one short.
    seed:
        CP-SAT ``random_seed`` used.
    work_limit, work_used:
        Deterministic work units allowed and used (CP-SAT deterministic time).
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
    report: RosterReport | None = None
    reproducible: bool = True
    seed: int = 0
    work_limit: float = 0.0
    work_used: float = 0.0

    @property
    def summary(self) -> str:
        """The report's one-paragraph plain-English summary."""
        return self.report.summary if self.report is not None else ""


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(
        self,
        stage: str,
        started: float,
        on_solution: Callable[[SolutionProgress], None] | None,
        progress: ProgressCallback | None,
        span: tuple[float, float],
        time_limit_s: float,
        work: float,
    ) -> None:
        super().__init__()
        self.stage, self.started, self.on_solution = stage, started, on_solution
        self.progress, self.span, self.time_limit_s = progress, span, time_limit_s
        self.work = work
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
            share = min(
                1.0,
                max(
                    self.wall_time / max(self.time_limit_s, 1e-9),
                    self.deterministic_time / max(self.work, 1e-9),
                ),
            )
            self.progress(
                low + (high - low) * share,
                f"{self.stage}: objective {report.objective:.0f}, bound {report.bound:.0f}",
            )


_TARGET_FIELDS = set(ServiceTarget.model_fields) & {
    f.name for f in dataclasses.fields(ServiceTargets)
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
    budget: SearchBudget,
    workers: int,
    reporter: _Reporter,
) -> tuple[cp_model.CpSolver, Any]:
    solver = cp_model.CpSolver()
    budget.prepare(solver, budget.work_left(), workers=workers)
    status = solver.solve(rm.model, reporter)
    budget.charge(solver, status, stage)
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
    blocks = {k: int(solver.value(v)) for k, v in rm.blocks.items()}
    block_breaks = {k: int(solver.value(v)) for k, v in rm.block_breaks.items()}
    phase_blocks = {k: int(solver.value(v)) for k, v in rm.phase_blocks.items()}
    phase_breaks = {k: int(solver.value(v)) for k, v in rm.phase_breaks.items()}
    return SolvedPlan(shifts, breaks, routes, blocks, block_breaks, phase_blocks, phase_breaks)


def scheduled_cells(coverage: pd.DataFrame, grid: WeekGrid) -> list[tuple[CellKey, int]]:
    """((queue, grid interval index), agents scheduled) of every row of a coverage table."""
    return [
        ((str(q), grid.index_of(t)), int(n))
        for q, t, n in coverage[["queue", "interval_start", "scheduled"]].itertuples(index=False)
    ]


ROWS_RESERVE_S = 1.0
"""Wall-clock seconds kept back from the searches to build the roster rows and the report, plus
:data:`ROWS_RESERVE_PER_AGENT_S` per agent."""
ROWS_RESERVE_PER_AGENT_S = 0.02


def solve_roster(
    scenario: Scenario | dict[str, Any],
    *,
    time_limit_s: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    work_limit: float | None = None,
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
        Wall-clock cap in seconds; every search also stops there.
    workers:
        CP-SAT search workers (its interleaved search gives the same roster for any count; up
        to :data:`~scheduling.roster.budget.SEQUENTIAL_MAX_AGENTS` agents the search is
        sequential).
    seed:
        CP-SAT ``random_seed``: the same scenario, seed and work limit give the same roster.
    work_limit:
        Deterministic work units for all searches together (CP-SAT deterministic time);
        default :data:`~scheduling.roster.budget.WORK_PER_SECOND` x `time_limit_s`.
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
    reserve = ROWS_RESERVE_S + ROWS_RESERVE_PER_AGENT_S * len(scenario.agents)
    budget = SearchBudget.start(max(0.5, time_limit_s - reserve), work_limit, seed)
    requirements = scenario_requirements(scenario)
    catalogue = build_catalogue(scenario)
    conflicts = precheck_agents(scenario, catalogue.by_agent)
    if conflicts:
        raise Infeasible(
            f"{len(conflicts)} agent(s) cannot meet their contract with the shifts allowed",
            conflicts,
        )
    required = _required_cells(requirements, catalogue.grid)
    values = coverage_values(scenario, required, catalogue.grid)
    stages: list[dict[str, Any]] = []

    def stage_done(name: str, **extra: Any) -> None:
        stages.append(
            {
                "stage": name,
                **extra,
                "work": budget.spent,
                "seconds": time.perf_counter() - started,
            }
        )

    large = len(scenario.agents) > DECOMPOSE_ABOVE_AGENTS
    # Agent-by-agent best responses (days, templates, starts) give a complete first roster.
    # Up to DECOMPOSE_ABOVE_AGENTS the whole CP-SAT model then improves it (measured: it gains
    # most there); above, exact day re-timing alternates with best responses instead.
    search_work = (0.7 if large else 0.15) * budget.work_limit
    search_start = budget.spent
    greedy = greedy_shifts(scenario, catalogue, values, catalogue.by_agent, budget, search_work)
    stage_done("greedy shifts")
    sweeps = 0
    while large:
        left = search_work - (budget.spent - search_start)
        if left <= 0.1 or (sweeps and left < 0.3 * search_work) or budget.out_of_time():
            break
        shifts = retime_week(
            scenario, catalogue, values, greedy.shifts, budget, 0.6 * left, workers, rounds=1
        )
        left = search_work - (budget.spent - search_start)
        greedy = greedy_shifts(
            scenario, catalogue, values, catalogue.by_agent, budget, left, passes=2, initial=shifts
        )
        sweeps += 1
    if sweeps:
        stage_done("day re-timing", sweeps=sweeps)
    if progress is not None:
        progress(0.3, f"greedy start for {len(greedy.shifts)} agents")
    options: Mapping[str, list[ShiftOption]] = catalogue.by_agent
    if large:
        options = restrict_to_chosen(catalogue, catalogue.by_agent, greedy.shifts)
    rm = build_roster_model(scenario, catalogue, values, options)
    hinted, hinted_coverage = add_hint(rm, scenario, catalogue, greedy, values)
    cells = sorted(set(values) | set(hinted_coverage))
    start_objective = plan_objective_terms(
        scenario,
        hinted.shifts,
        [(cell, hinted_coverage.get(cell, 0)) for cell in cells],
        values,
        catalogue.grid.week_start.weekday(),
    )["objective"]
    # The greedy start is the first complete roster: report it before the search improves it.
    first = SolutionProgress(
        "greedy shifts", start_objective, 0.0, time.perf_counter() - started, 1
    )
    if on_solution is not None:
        on_solution(first)
    stage = "breaks and routing" if large else "roster"
    reporter = _Reporter(
        stage, started, on_solution, progress, (0.3, 1.0), time_limit_s, budget.work_left()
    )
    if len(scenario.agents) <= SEQUENTIAL_MAX_AGENTS:
        workers = 1
    solver, status = _run(rm, stage, budget, workers, reporter)
    status_name = _status_name(status)
    stage_done(
        stage,
        status=status_name,
        objective=solver.objective_value if reporter.solutions else math.nan,
        bound=solver.best_objective_bound,
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
    roster = plan_to_roster(scenario, catalogue, plan, seed)
    needed = requirements.rename(columns={"agents_scheduled": "required"})[
        ["queue", "interval_start", "required"]
    ].copy()
    needed["required"] = [required_agents(float(v)) for v in needed["required"]]
    coverage = coverage_table(roster, scenario, needed)
    terms = plan_objective_terms(
        scenario,
        plan.shifts,
        scheduled_cells(coverage, catalogue.grid),
        values,
        catalogue.grid.week_start.weekday(),
    )
    objective = terms.pop("objective")
    # Only the sequential full search proves a bound; large neighbourhood search does not.
    proved = stage == "roster" and workers == 1 and reporter.solutions > 0
    bound = min(max(0.0, float(solver.best_objective_bound)) if proved else 0.0, objective)
    search = SearchSummary(
        status=status_name,
        reproducible=not budget.wall_limited,
        seed=seed,
        work_limit=budget.work_limit,
        work_used=budget.spent,
        seconds=time.perf_counter() - started,
    )
    report = roster_report(scenario, roster, coverage, search)
    stage_done("roster rows")
    if progress is not None:
        progress(1.0, report.headline)
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
        report=report,
        reproducible=not budget.wall_limited,
        seed=seed,
        work_limit=budget.work_limit,
        work_used=budget.spent,
    )
