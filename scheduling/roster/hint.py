"""A greedy starting roster used as CP-SAT solution hint: agents one by one, each taking the
week of shifts (keeping its own hard rules, solved by a tiny CP-SAT model) that covers the most
still-uncovered requirement. It gives the main search a good first solution at once."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
from ortools.sat.python import cp_model

from scheduling.roster.extract import SolvedPlan
from scheduling.roster.model import (
    RosterModel,
    add_consecutive_days_rule,
    add_contract_rules,
    add_rest_rules,
    add_shift_choices,
)
from scheduling.roster.objective import (
    OVER_WEIGHT,
    PREFERENCE_WEIGHT,
    on_preferred_day_off,
    under_weight,
)
from scheduling.roster.options import ShiftCatalogue, ShiftOption
from scheduling.roster.scenario import Agent, Scenario


def _agent_model(
    scenario: Scenario, catalogue: ShiftCatalogue, agent_options: list[ShiftOption], agent: Agent
) -> RosterModel:
    mine = {agent.agent_id: agent_options}
    sub = scenario.model_copy(update={"agents": [agent]})
    rm = RosterModel(model=cp_model.CpModel())
    add_shift_choices(rm, sub, mine)
    add_contract_rules(rm, sub, mine)
    add_rest_rules(rm, sub, mine, scenario.interval_minutes, catalogue.grid.day_starts)
    add_consecutive_days_rule(rm, sub, mine)
    return rm


def greedy_shifts(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    required: Mapping[tuple[str, int], int],
    options: Mapping[str, list[ShiftOption]],
    time_budget_s: float = 20.0,
    passes: int = 4,
    initial: Mapping[str, list[ShiftOption]] | None = None,
) -> dict[str, list[ShiftOption]]:
    """Shifts per agent by greedy construction then agent-by-agent re-optimisation.

    Each agent in turn takes the week of shifts (keeping all its own hard rules; a tiny CP-SAT
    model) with the best gain against the residual requirement: the queue's under-coverage
    weight per interval it fills, ``-OVER_WEIGHT`` per interval it over-covers,
    ``-PREFERENCE_WEIGHT`` per shift on a preferred day off (weights of
    :mod:`scheduling.roster.objective`). Later passes take each agent out and put it back at
    its best. After `time_budget_s` seconds the remaining agents of the first pass only get a
    feasible week.
    """
    started = time.perf_counter()
    queues = scenario.queue_names()
    fill = np.array([under_weight(q.priority) for q in scenario.queues], dtype=np.int64)
    horizon = len(catalogue.grid.starts)
    weeks = catalogue.grid.week_intervals
    residual = np.zeros((len(queues), horizon), dtype=np.int64)
    for (queue, t), need in required.items():
        residual[queues.index(queue), t] = need
    weekday = catalogue.grid.week_start.weekday()
    models: dict[str, RosterModel] = {}
    chosen: dict[str, list[ShiftOption]] = {}
    served: dict[str, list[tuple[int, int]]] = {}
    order = sorted(scenario.agents, key=lambda a: (len(a.skills), a.agent_id))

    def take(aid: str, rows: list[int], picked: list[ShiftOption]) -> None:
        chosen[aid] = picked
        mine = []
        for o in picked:
            for t in range(o.start, min(o.end, weeks)):
                column = residual[rows, t]
                best = rows[int(np.argmax((column > 0) * fill[rows] + column))]
                residual[best, t] -= 1
                mine.append((best, t))
        served[aid] = mine

    for agent in order:
        if initial is not None and agent.agent_id in initial:
            rows = [queues.index(q) for q in sorted(agent.skills)]
            take(agent.agent_id, rows, list(initial[agent.agent_id]))
    for round_ in range(passes):
        improved = False
        for agent in order:
            aid = agent.agent_id
            spent = time.perf_counter() - started
            if (round_ > 0 or aid in chosen) and spent > time_budget_s:
                return chosen
            previous = chosen.get(aid)
            for q, t in served.pop(aid, []):
                residual[q, t] += 1
            if aid not in models:
                models[aid] = _agent_model(scenario, catalogue, options[aid], agent)
            rm = models[aid]
            rows = [queues.index(q) for q in sorted(agent.skills)]
            gain_t = np.where(residual[rows] > 0, fill[rows, None], -OVER_WEIGHT).max(axis=0)
            gain_t[weeks:] = 0
            cumulative = np.concatenate([[0], np.cumsum(gain_t)])
            gains = []
            for o in options[aid]:
                gain = int(cumulative[o.end] - cumulative[o.start])
                if on_preferred_day_off(agent, o, weekday):
                    gain -= PREFERENCE_WEIGHT
                gains.append(gain)
            if previous is None and spent > time_budget_s:
                rm.model.clear_objective()
            else:
                rm.model.maximize(
                    sum(
                        g * rm.shifts[(aid, o.key)]
                        for g, o in zip(gains, options[aid], strict=True)
                    )
                )
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.max_time_in_seconds = 1.0
            status = solver.solve(rm.model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                if previous is not None:
                    take(aid, rows, previous)
                continue
            picked = [o for o in options[aid] if solver.boolean_value(rm.shifts[(aid, o.key)])]
            if previous != picked:
                improved = True
            take(aid, rows, picked)
        if not improved:
            break
    return chosen


def add_hint(
    rm: RosterModel,
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    shifts: Mapping[str, list[ShiftOption]],
    required: Mapping[tuple[str, int], int],
) -> SolvedPlan:
    """Hint every variable of the model with the greedy roster, as one complete solution:
    shifts, slot counts, breaks spread over their offsets, routes by remaining need, and the
    coverage and fairness variables they imply. Returns the hinted plan (a valid roster the
    solver can only improve on)."""
    plan_breaks: dict[tuple[frozenset[str], tuple[int, str, int], int, int], int] = {}
    plan_routes: dict[tuple[frozenset[str], str, int], int] = {}
    picked = {(aid, o.key) for aid, opts in shifts.items() for o in opts}
    for shift_key, shift_var in rm.shifts.items():
        rm.model.add_hint(shift_var, shift_key in picked)
    counts: dict[tuple[frozenset[str], tuple[int, str, int]], int] = defaultdict(int)
    for agent in scenario.agents:
        for o in shifts.get(agent.agent_id, []):
            counts[(frozenset(agent.skills), o.key)] += 1
    working: dict[tuple[frozenset[str], int], int] = defaultdict(int)
    for (group, key), var in rm.counts.items():
        count = counts.get((group, key), 0)
        rm.model.add_hint(var, count)
        slot = catalogue.slots[key]
        for t in range(slot.start, slot.end):
            working[(group, t)] += count
        for b, rule in enumerate(catalogue.breaks[slot.template]):
            split = [0] * len(rule.offsets)
            for i in range(count):
                split[((2 * i + 1) * len(rule.offsets)) // (2 * count)] += 1
            for offset, n in zip(rule.offsets, split, strict=True):
                rm.model.add_hint(rm.breaks[(group, key, b, offset)], n)
                plan_breaks[(group, key, b, offset)] = n
                for t in range(slot.start + offset, slot.start + offset + rule.length):
                    working[(group, t)] -= n
    coverage: dict[tuple[str, int], int] = defaultdict(int)
    for (group, t), n in working.items():
        if len(group) == 1:
            coverage[(next(iter(group)), t)] += n
    for (group, t), n in sorted(working.items(), key=lambda item: item[0][1]):
        if len(group) == 1 or (group, min(group), t) not in rm.routes:
            continue
        shares = {q: 0 for q in group}
        for _ in range(n):
            q = max(sorted(group), key=lambda q: required.get((q, t), 0) - coverage[(q, t)])
            shares[q] += 1
            coverage[(q, t)] += 1
        for q, value in shares.items():
            rm.model.add_hint(rm.routes[(group, q, t)], value)
            plan_routes[(group, q, t)] = value
    for cell, var in rm.under.items():
        rm.model.add_hint(var, max(0, required.get(cell, 0) - coverage.get(cell, 0)))
    for cell, var in rm.over.items():
        rm.model.add_hint(var, max(0, coverage.get(cell, 0) - required.get(cell, 0)))
    for top, per_agent in rm.maxima.values():
        rm.model.add_hint(top, max(sum(k in picked for k in hits) for hits in per_agent))
    kept = {aid: [o for o in opts if (aid, o.key) in rm.shifts] for aid, opts in shifts.items()}
    return SolvedPlan(kept, plan_breaks, plan_routes)
