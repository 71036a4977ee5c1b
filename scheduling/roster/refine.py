"""Day-by-day re-timing: a small exact CP-SAT model per local day that moves the start (and
template, among those of equal length) of every shift worked that day, with breaks and routing,
against the coverage the rest of the week leaves.

Each agent keeps its working days and weekly minutes, and only starts that keep its rest with
its other shifts are offered, so every hard rule still holds; the models are small (one day of
intervals), which is what lets large centres improve on the greedy start.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

from ortools.sat.python import cp_model

from scheduling.roster.budget import SearchBudget
from scheduling.roster.model import (
    LinearTerms,
    RosterModel,
    SkillSet,
    add_break_counts,
    add_coverage_objective,
    add_preference_penalties,
    add_queue_routing,
    add_shift_choices,
    add_slot_counts,
    skill_set,
)
from scheduling.roster.objective import CellKey, CellValue, weighted_total
from scheduling.roster.options import ShiftCatalogue, ShiftOption
from scheduling.roster.scenario import Scenario


def _candidates(
    current: ShiftOption,
    others: list[ShiftOption],
    allowed: list[ShiftOption],
    rest: int,
) -> list[ShiftOption]:
    out = []
    for p in allowed:
        if p.day != current.day or p.minutes != current.minutes:
            continue
        if all(
            (q.day < p.day and p.start >= q.end + rest)
            or (q.day > p.day and q.start >= p.end + rest)
            for q in others
        ):
            out.append(p)
    return out or [current]


def retime_day(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    values: Mapping[CellKey, CellValue],
    shifts: Mapping[str, list[ShiftOption]],
    day: int,
    budget: SearchBudget,
    work: float,
    workers: int,
) -> dict[str, list[ShiftOption]]:
    """Best starts for the shifts of local day `day` (others fixed), within `work`
    deterministic units of `budget`; returns updated shifts."""
    rest = math.ceil(scenario.rules.min_rest_minutes / scenario.interval_minutes)
    movers = []
    options: dict[str, list[ShiftOption]] = {}
    current: dict[str, ShiftOption] = {}
    for agent in scenario.agents:
        mine = shifts.get(agent.agent_id, [])
        today = [o for o in mine if o.day == day]
        if not today:
            continue
        others = [o for o in mine if o.day != day]
        current[agent.agent_id] = today[0]
        options[agent.agent_id] = _candidates(
            today[0], others, catalogue.by_agent[agent.agent_id], rest
        )
        movers.append(agent)
    if not movers:
        return dict(shifts)
    lo = min(o.start for opts in options.values() for o in opts)
    hi = max(o.end for opts in options.values() for o in opts)
    sub = scenario.model_copy(update={"agents": movers})
    rm = RosterModel(model=cp_model.CpModel())
    add_shift_choices(rm, sub, options)
    for agent in movers:
        rm.model.add_exactly_one(
            rm.shifts[(agent.agent_id, o.key)] for o in options[agent.agent_id]
        )
    add_slot_counts(rm, sub, options)
    working: dict[tuple[SkillSet, int], LinearTerms] = defaultdict(list)
    working.update(add_break_counts(rm, catalogue))
    fixed: dict[tuple[SkillSet, int], int] = defaultdict(int)
    for agent in scenario.agents:
        for o in shifts.get(agent.agent_id, []):
            if o.day == day or o.end <= lo or o.start >= hi:
                continue
            for t in range(max(o.start, lo), min(o.end, hi)):
                fixed[(skill_set(agent), t)] += 1
    for key, n in fixed.items():
        working[key].append((rm.constant(n), 1))
    coverage = add_queue_routing(rm, catalogue, working, scenario.queue_block_intervals())
    window = {k: v for k, v in values.items() if lo <= k[1] < hi}
    weighted, _, over = add_coverage_objective(
        rm, coverage, window, scenario.queue_names(), catalogue.grid.week_intervals
    )
    prefs = add_preference_penalties(rm, sub, options, catalogue.grid.week_start.weekday())
    # Fairness counts whole weeks; a day's re-timing leaves it to the main search.
    rm.model.minimize(weighted_total(weighted, over, prefs, 0))
    # First complete the current timing (breaks, routes) so the search starts from it and
    # can only improve on it.
    keep = [rm.shifts[(a.agent_id, current[a.agent_id].key)] for a in movers]
    rm.model.add_assumptions(keep)
    baseline = cp_model.CpSolver()
    budget.prepare(baseline, 0.3 * work, workers=workers)
    status = baseline.solve(rm.model)
    budget.charge(baseline, status, "day re-timing")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return dict(shifts)
    rm.model.clear_assumptions()
    rm.model.clear_hints()
    families: list[Mapping] = [
        rm.shifts,
        rm.counts,
        rm.breaks,
        rm.routes,
        rm.blocks,
        rm.block_breaks,
        rm.phase_blocks,
        rm.phase_breaks,
        rm.under,
        rm.over,
        rm.penalties,
    ]
    for family in families:
        for var in family.values():
            rm.model.add_hint(var, baseline.value(var))
    solver = cp_model.CpSolver()
    budget.prepare(solver, 0.7 * work, workers=workers)
    status = solver.solve(rm.model)
    budget.charge(solver, status, "day re-timing")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return dict(shifts)
    if solver.objective_value >= baseline.objective_value:
        return dict(shifts)
    updated = {aid: list(opts) for aid, opts in shifts.items()}
    for agent in movers:
        aid = agent.agent_id
        chosen = next(o for o in options[aid] if solver.boolean_value(rm.shifts[(aid, o.key)]))
        updated[aid] = sorted(
            [o for o in updated[aid] if o.day != day] + [chosen], key=lambda o: o.start
        )
    return updated


def retime_week(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    values: Mapping[CellKey, CellValue],
    shifts: Mapping[str, list[ShiftOption]],
    budget: SearchBudget,
    work: float,
    workers: int,
    rounds: int = 2,
) -> dict[str, list[ShiftOption]]:
    """Re-time every day in turn (`rounds` sweeps) within `work` deterministic units."""
    started = budget.spent
    result = dict(shifts)
    per_day = work / (7 * rounds)
    for _ in range(rounds):
        for day in range(7):
            left = work - (budget.spent - started)
            if left <= 0.05 or budget.out_of_time():
                return result
            result = retime_day(
                scenario, catalogue, values, result, day, budget, min(per_day, left), workers
            )
    return result
