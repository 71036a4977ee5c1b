"""A greedy starting roster used as CP-SAT solution hint: agents one by one, each taking the
week of shifts (keeping its own hard rules, solved by a tiny CP-SAT model) that covers the most
still-uncovered requirement. It gives the main search a good first solution at once."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
from ortools.sat.python import cp_model

from scheduling.roster_model import (
    RosterModel,
    add_consecutive_days_rule,
    add_contract_rules,
    add_rest_rules,
    add_shift_choices,
)
from scheduling.roster_options import ShiftCatalogue, ShiftOption
from scheduling.scenario import Scenario


def greedy_shifts(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    required: Mapping[tuple[str, int], int],
    options: Mapping[str, list[ShiftOption]],
    time_budget_s: float = 20.0,
) -> dict[str, list[ShiftOption]]:
    """Shifts per agent, chosen greedily against the residual requirement (agents per queue
    and interval); agents reached after `time_budget_s` seconds only get a feasible week."""
    started = time.perf_counter()
    queues = scenario.queue_names()
    horizon = len(catalogue.grid.starts)
    residual = np.zeros((len(queues), horizon))
    for (queue, t), need in required.items():
        residual[queues.index(queue), t] = need
    chosen: dict[str, list[ShiftOption]] = {}
    for agent in sorted(scenario.agents, key=lambda a: len(a.skills)):
        mine = {agent.agent_id: options[agent.agent_id]}
        sub = scenario.model_copy(update={"agents": [agent]})
        rm = RosterModel(model=cp_model.CpModel())
        add_shift_choices(rm, sub, mine)
        add_contract_rules(rm, sub, mine)
        add_rest_rules(rm, sub, mine, scenario.interval_minutes, catalogue.grid.day_starts)
        add_consecutive_days_rule(rm, sub, mine)
        rows = [queues.index(q) for q in sorted(agent.skills)]
        value = residual[rows].max(axis=0).clip(min=0)
        if time.perf_counter() - started < time_budget_s:
            gains = [int(value[o.start : o.end].sum()) for o in mine[agent.agent_id]]
            rm.model.maximize(
                sum(
                    g * rm.shifts[(agent.agent_id, o.key)]
                    for g, o in zip(gains, mine[agent.agent_id], strict=True)
                )
            )
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 1.0
        status = solver.solve(rm.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        picked = [o for o in mine[agent.agent_id] if solver.boolean_value(rm.shifts[(agent.agent_id, o.key)])]
        chosen[agent.agent_id] = picked
        for o in picked:
            for t in range(o.start, o.end):
                best = max(rows, key=lambda r, t=t: residual[r, t])
                residual[best, t] -= 1
    return chosen


def add_hint(
    rm: RosterModel, scenario: Scenario, shifts: Mapping[str, list[ShiftOption]]
) -> None:
    """Hint the model's shift booleans and slot counts with a greedy roster."""
    picked = {(aid, o.key) for aid, opts in shifts.items() for o in opts}
    for key, var in rm.shifts.items():
        rm.model.add_hint(var, key in picked)
    counts: dict[tuple[frozenset[str], tuple[int, str, int]], int] = defaultdict(int)
    for agent in scenario.agents:
        for o in shifts.get(agent.agent_id, []):
            counts[(frozenset(agent.skills), o.key)] += 1
    for key, var in rm.counts.items():
        rm.model.add_hint(var, counts.get(key, 0))
