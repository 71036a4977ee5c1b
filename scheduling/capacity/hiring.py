"""The hiring optimiser: when to start how many classes of what size, at least cost.

A mixed-integer programme (OR-Tools' linear solver with SCIP), over the plan's weeks ``w``,
skills ``s``, skill groups ``g`` (sets of skills people can work) and class options ``k`` (a
hiring profile: its group, lead time, cadence, size limits, ramp-up curve and costs):

* ``n[k,t]`` integer class size starting training in week ``t``, ``z[k,t]`` binary "a class
  starts": ``min_size z <= n <= max_size z``; ``t`` only on or after the lead time and on the
  profile's cadence; at most ``max_classes`` classes per profile;
* ``y[g,s,w] >= 0`` the FTE of group ``g`` working skill ``s``:
  ``sum_s y[g,s,w] <= supply[g,w] + sum_{k in g, t} n[k,t] curve_k[w - t]``;
* ``o[s,w] >= 0`` overtime FTE, at most ``overtime_share x sum_g y[g,s,w]``;
  ``u[s,w] >= 0`` understaffing FTE;
* cover: ``sum_g y[g,s,w] + o[s,w] + u[s,w] >= required[s,w]``;
* budget: one-off hiring cost + hires' wages inside the horizon + overtime cost <= ``max_cost``;
  ``sum n <= max_hires``.

The objective is that same cost plus the understaffing penalty. When understaffing remains,
:func:`explain_shortfall` says why: it solves again without the budget, first for the least
understaffing any budget allows (weeks that lead time and training put out of reach), then for
the cheapest plan reaching it (the budget that would close every closable week).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from features.errors import SeatwiseError
from features.schema import ProgressCallback

_EPS = 1e-6
"""FTE below this are treated as zero (solver tolerance)."""
MIP_GAP = 1e-4
"""Relative gap at which a solve stops as optimal."""


@dataclass(frozen=True)
class ClassOption:
    """A hiring profile as the optimiser sees it.

    Attributes
    ----------
    name:
        Profile name.
    group:
        Index of the skill group its hires join.
    curve:
        Productive FTE per hire, ``k`` weeks after the class starts (length = plan weeks).
    heads:
        Expected hires still employed ``k`` weeks after the start (wages are paid on them).
    earliest_start:
        First week index a class may start (its lead time).
    start_every:
        Classes start only every this many weeks from `earliest_start`.
    min_size, max_size:
        Class size limits (people).
    max_classes:
        Most classes of this profile over the horizon (None: no limit).
    cost_per_hire:
        One-off cost per hire (recruiting, training).
    weekly_cost:
        Wage cost per hire and week employed.
    """

    name: str
    group: int
    curve: np.ndarray
    heads: np.ndarray
    earliest_start: int
    start_every: int = 1
    min_size: int = 1
    max_size: int = 20
    max_classes: int | None = None
    cost_per_hire: float = 0.0
    weekly_cost: float = 0.0

    def starts(self, weeks: int) -> list[int]:
        """Week indices on which a class may start."""
        return list(range(max(self.earliest_start, 0), weeks, self.start_every))

    def cost_of_hire(self, start: int, weeks: int) -> float:
        """One-off plus expected wages inside the horizon of one hire starting at `start`."""
        return self.cost_per_hire + self.weekly_cost * float(self.heads[: weeks - start].sum())


@dataclass(frozen=True)
class HiringProblem:
    """Everything the optimiser needs (see the module docstring).

    Attributes
    ----------
    skills:
        Skill (queue) names, first axis of `required`.
    groups:
        Skill groups: tuples of skill names, first axis of `supply`.
    required:
        (skill, week) FTE required.
    supply:
        (group, week) productive FTE of today's agents and decided classes.
    options:
        Class options.
    overtime_share:
        Overtime allowed as a share of a skill's staffed FTE.
    overtime_cost:
        (skill, week) cost of one FTE of overtime.
    short_cost:
        Penalty per FTE-week short.
    max_cost:
        Budget cap (None: none).
    max_hires:
        Cap on recommended hires (None: none).
    time_limit_s:
        Solver time limit, seconds.
    """

    skills: list[str]
    groups: list[tuple[str, ...]]
    required: np.ndarray
    supply: np.ndarray
    options: list[ClassOption] = field(default_factory=list)
    overtime_share: float = 0.0
    overtime_cost: np.ndarray | None = None
    short_cost: float = 10_000.0
    max_cost: float | None = None
    max_hires: int | None = None
    time_limit_s: float = 30.0

    @property
    def weeks(self) -> int:
        """Number of plan weeks."""
        return int(self.required.shape[1])

    def without_budget(self) -> HiringProblem:
        """The same problem with no budget and no hires cap."""
        return HiringProblem(
            skills=self.skills,
            groups=self.groups,
            required=self.required,
            supply=self.supply,
            options=self.options,
            overtime_share=self.overtime_share,
            overtime_cost=self.overtime_cost,
            short_cost=self.short_cost,
            time_limit_s=self.time_limit_s,
        )


@dataclass
class HiringSolution:
    """The optimiser's answer.

    Attributes
    ----------
    status:
        ``optimal`` or ``feasible`` (time limit reached with a solution).
    classes:
        (option index, start week index, size) of every recommended class.
    hire_fte:
        (group, week) productive FTE of the recommended classes.
    hire_heads, hire_trainees:
        (group, week) expected people employed / in training from the recommended classes.
    allocation:
        (group, skill, week) FTE of each group working each skill.
    overtime, short:
        (skill, week) overtime FTE and FTE short.
    costs:
        ``hiring`` (one-off), ``wages`` (recommended hires inside the horizon), ``overtime``,
        ``total`` (their sum, what the budget caps) and ``short_penalty``.
    objective, bound:
        Objective value and the solver's lower bound.
    wall_time_s:
        Solve time.
    """

    status: str
    classes: list[tuple[int, int, int]]
    hire_fte: np.ndarray
    hire_heads: np.ndarray
    hire_trainees: np.ndarray
    allocation: np.ndarray
    overtime: np.ndarray
    short: np.ndarray
    costs: dict[str, float]
    objective: float
    bound: float
    wall_time_s: float

    @property
    def hires(self) -> int:
        """Recommended hires in all."""
        return int(sum(size for _, _, size in self.classes))


class SolverFailed(SeatwiseError):
    """The solver found no solution within its time limit (never for a well-posed problem:
    hiring nobody is always feasible)."""


@dataclass
class _Model:
    solver: pywraplp.Solver
    sizes: dict[tuple[int, int], Any]
    allocation: dict[tuple[int, int, int], Any]
    overtime: dict[tuple[int, int], Any]
    short: dict[tuple[int, int], Any]
    cost: Any
    penalty: Any
    hires: Any


def _build(problem: HiringProblem, with_budget: bool) -> _Model:
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - SCIP ships with the OR-Tools wheels
        raise SolverFailed("OR-Tools was built without SCIP")
    weeks = problem.weeks
    n_skills = len(problem.skills)
    sizes: dict[tuple[int, int], Any] = {}
    supply_terms: dict[tuple[int, int], list[Any]] = {}
    hiring_cost = []
    for k, option in enumerate(problem.options):
        starts = []
        for t in option.starts(weeks):
            size = solver.IntVar(0, option.max_size, f"size_{k}_{t}")
            held = solver.BoolVar(f"class_{k}_{t}")
            solver.Add(size >= option.min_size * held)
            solver.Add(size <= option.max_size * held)
            sizes[(k, t)] = size
            starts.append(held)
            hiring_cost.append(option.cost_of_hire(t, weeks) * size)
            for w in range(t, weeks):
                share = float(option.curve[w - t])
                if share > 0:
                    supply_terms.setdefault((option.group, w), []).append(share * size)
        if option.max_classes is not None and starts:
            solver.Add(solver.Sum(starts) <= option.max_classes)
    allocation: dict[tuple[int, int, int], Any] = {}
    for g, group in enumerate(problem.groups):
        members = [problem.skills.index(s) for s in group]
        for w in range(weeks):
            terms = []
            for s in members:
                y = solver.NumVar(0, solver.infinity(), f"staff_{g}_{problem.skills[s]}_{w}")
                allocation[(g, s, w)] = y
                terms.append(y)
            capacity = float(problem.supply[g, w]) + solver.Sum(supply_terms.get((g, w), []))
            solver.Add(solver.Sum(terms) <= capacity)
    overtime: dict[tuple[int, int], Any] = {}
    short: dict[tuple[int, int], Any] = {}
    overtime_cost = (
        problem.overtime_cost if problem.overtime_cost is not None else np.zeros((n_skills, weeks))
    )
    for s, skill in enumerate(problem.skills):
        for w in range(weeks):
            staffed = solver.Sum(
                [
                    allocation[(g, s, w)]
                    for g in range(len(problem.groups))
                    if (g, s, w) in allocation
                ]
            )
            o = solver.NumVar(0, solver.infinity(), f"overtime_{skill}_{w}")
            u = solver.NumVar(0, solver.infinity(), f"short_{skill}_{w}")
            solver.Add(o <= problem.overtime_share * staffed)
            solver.Add(staffed + o + u >= float(problem.required[s, w]))
            overtime[(s, w)] = o
            short[(s, w)] = u
    cost = solver.Sum(hiring_cost) + solver.Sum(
        [float(overtime_cost[s, w]) * o for (s, w), o in overtime.items()]
    )
    penalty = solver.Sum([problem.short_cost * u for u in short.values()])
    hires = solver.Sum(list(sizes.values()))
    if with_budget:
        if problem.max_cost is not None:
            solver.Add(cost <= problem.max_cost)
        if problem.max_hires is not None:
            solver.Add(hires <= problem.max_hires)
    return _Model(solver, sizes, allocation, overtime, short, cost, penalty, hires)


def _solve(model: _Model, problem: HiringProblem) -> str:
    model.solver.SetTimeLimit(int(problem.time_limit_s * 1000))
    # 0.01 % of the cost is far below what the inputs are known to; proving more takes minutes
    # on a year of weeks with several profiles.
    model.solver.SetSolverSpecificParametersAsString(f"limits/gap = {MIP_GAP}\n")
    code = model.solver.Solve()
    if code == pywraplp.Solver.OPTIMAL:
        return "optimal"
    if code == pywraplp.Solver.FEASIBLE:
        return "feasible"
    raise SolverFailed(f"the hiring optimiser found no plan (solver status {code})")


def _read(model: _Model, problem: HiringProblem, status: str, started: float) -> HiringSolution:
    weeks = problem.weeks
    n_groups, n_skills = len(problem.groups), len(problem.skills)
    classes = []
    hire_fte = np.zeros((n_groups, weeks))
    hire_heads = np.zeros((n_groups, weeks))
    hire_trainees = np.zeros((n_groups, weeks))
    hiring = wages = 0.0
    for (k, t), var in sorted(model.sizes.items()):
        size = int(round(var.solution_value()))
        if size <= 0:
            continue
        option = problem.options[k]
        classes.append((k, t, size))
        span = weeks - t
        hire_fte[option.group, t:] += size * option.curve[:span]
        hire_heads[option.group, t:] += size * option.heads[:span]
        trainee = option.heads[:span] * (option.curve[:span] == 0)
        hire_trainees[option.group, t:] += size * trainee
        hiring += size * option.cost_per_hire
        wages += size * option.weekly_cost * float(option.heads[:span].sum())
    allocation = np.zeros((n_groups, n_skills, weeks))
    for (g, s, w), var in model.allocation.items():
        allocation[g, s, w] = var.solution_value()
    overtime = np.zeros((n_skills, weeks))
    short = np.zeros((n_skills, weeks))
    for (s, w), var in model.overtime.items():
        overtime[s, w] = max(var.solution_value(), 0.0)
    for (s, w), var in model.short.items():
        short[s, w] = max(var.solution_value(), 0.0)
    short[short < _EPS] = 0.0
    overtime[overtime < _EPS] = 0.0
    overtime_cost = (
        problem.overtime_cost if problem.overtime_cost is not None else np.zeros_like(overtime)
    )
    overtime_total = float((overtime * overtime_cost).sum())
    return HiringSolution(
        status=status,
        classes=classes,
        hire_fte=hire_fte,
        hire_heads=hire_heads,
        hire_trainees=hire_trainees,
        allocation=allocation,
        overtime=overtime,
        short=short,
        costs={
            "hiring": hiring,
            "wages": wages,
            "overtime": overtime_total,
            "total": hiring + wages + overtime_total,
            "short_penalty": float(short.sum() * problem.short_cost),
        },
        objective=float(model.solver.Objective().Value()),
        bound=float(model.solver.Objective().BestBound()),
        wall_time_s=time.monotonic() - started,
    )


def solve_hiring(
    problem: HiringProblem, progress: ProgressCallback | None = None
) -> HiringSolution:
    """The least-cost hiring plan (see the module docstring).

    Parameters
    ----------
    problem:
        Requirements, supply, class options, costs and caps.
    progress:
        Optional callback (fraction, message).

    Returns
    -------
    HiringSolution

    Raises
    ------
    SolverFailed
        No solution within the time limit.
    """
    started = time.monotonic()
    if progress is not None:
        progress(0.1, "building the hiring model")
    model = _build(problem, with_budget=True)
    model.solver.Minimize(model.cost + model.penalty)
    if progress is not None:
        progress(0.3, "solving the hiring model")
    status = _solve(model, problem)
    solution = _read(model, problem, status, started)
    if progress is not None:
        progress(1.0, f"{solution.hires} hires in {len(solution.classes)} classes")
    return solution


@dataclass
class Shortfall:
    """Why weeks stay short.

    Attributes
    ----------
    short:
        (skill, week) FTE short in the solution.
    unreachable:
        (skill, week) FTE short at any budget (lead time, training, class and overtime caps).
    budget_to_close:
        Cost (as the budget counts it) of the cheapest plan that is short only by
        `unreachable`; None when nothing else is short.
    hires_to_close:
        Hires in that plan.
    reasons:
        Machine-readable causes: ``max_cost``, ``max_hires``, ``lead_time``,
        ``understaffing_cost``.
    """

    short: np.ndarray
    unreachable: np.ndarray
    budget_to_close: float | None
    hires_to_close: int | None
    reasons: list[str]


def explain_shortfall(problem: HiringProblem, solution: HiringSolution) -> Shortfall | None:
    """Why `solution` leaves weeks short, and what budget would close them (None when no week
    is short).

    The problem is solved twice more without the budget: first for the least understaffing any
    budget allows, then for the cheapest plan reaching it.
    """
    if solution.short.sum() <= _EPS:
        return None
    free = problem.without_budget()
    least = _build(free, with_budget=False)
    least.solver.Minimize(least.solver.Sum(list(least.short.values())))
    started = time.monotonic()
    status = _solve(least, free)
    floor = _read(least, free, status, started).short
    cheapest = _build(free, with_budget=False)
    cheapest.solver.Add(
        cheapest.solver.Sum(list(cheapest.short.values())) <= float(floor.sum()) + 1e-4
    )
    cheapest.solver.Minimize(cheapest.cost)
    status = _solve(cheapest, free)
    closing = _read(cheapest, free, status, started)
    reasons = []
    closable = solution.short.sum() - floor.sum() > 1e-3
    if floor.sum() > _EPS:
        reasons.append("lead_time")
    if closable and problem.max_cost is not None and closing.costs["total"] > problem.max_cost:
        reasons.append("max_cost")
    if closable and problem.max_hires is not None and closing.hires > problem.max_hires:
        reasons.append("max_hires")
    if closable and not ({"max_cost", "max_hires"} & set(reasons)):
        reasons.append("understaffing_cost")
    return Shortfall(
        short=solution.short,
        unreachable=floor,
        budget_to_close=closing.costs["total"] if closable else None,
        hires_to_close=closing.hires if closable else None,
        reasons=reasons,
    )
