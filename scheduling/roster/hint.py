"""A greedy starting roster used as CP-SAT solution hint: agents one by one, each taking the
week of shifts (keeping its own hard rules, solved by a tiny CP-SAT model) and the queue of each
queue block that together buy the most objective against the coverage the others leave. It
gives the main search a good first solution at once.

Deterministic: agents in a fixed order, ties broken by queue name, and the work spent counted in
CP-SAT deterministic units (:class:`~scheduling.roster.budget.SearchBudget`), never seconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from scheduling.roster.budget import SearchBudget
from scheduling.roster.extract import SolvedPlan
from scheduling.roster.model import (
    RosterModel,
    SkillSet,
    SlotKey,
    add_consecutive_days_rule,
    add_contract_rules,
    add_rest_rules,
    add_shift_choices,
    skill_set,
)
from scheduling.roster.objective import (
    OVER_WEIGHT,
    PREFERENCE_WEIGHT,
    CellKey,
    CellValue,
    preferences_broken,
)
from scheduling.roster.options import ShiftCatalogue, ShiftOption, queue_blocks
from scheduling.roster.scenario import Agent, Scenario

AGENT_SOLVE_WORK = 0.002
"""Work charged per agent re-optimisation on top of its CP-SAT deterministic time (the numpy
valuation of its shifts), in deterministic units."""
AGENT_SOLVE_WORK_LIMIT = 1.0
"""Deterministic work limit of one agent's week model (they solve in milliseconds)."""


@dataclass
class GreedyRoster:
    """Shifts per agent and, per (agent, local day), the queue of each queue block."""

    shifts: dict[str, list[ShiftOption]] = field(default_factory=dict)
    queues: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)


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


def gain_table(queues: list[str], horizon: int, values: Mapping[CellKey, CellValue]) -> np.ndarray:
    """``table[q, t, k]``: objective gain of a (k+1)-th agent on queue q in interval t (its
    weight while the cell is short, ``-OVER_WEIGHT`` once met); the last column stands for any
    k at or beyond the largest need."""
    deepest = max((v.need for v in values.values()), default=0)
    table = np.full((len(queues), horizon, deepest + 1), -OVER_WEIGHT, dtype=np.int64)
    row = {q: i for i, q in enumerate(queues)}
    for (queue, t), value in values.items():
        if t < horizon:
            table[row[queue], t, : value.need] = value.weights
    return table


@dataclass
class _Valuation:
    """Shift gains of one agent against the current coverage, with the queue chosen for each
    block (row indices into the agent's sorted skills) and the cheapest offset of each break."""

    gains: list[int]
    choices: list[np.ndarray]
    offsets: list[list[int]]


def _value_shifts(
    options: list[ShiftOption],
    cumulative: np.ndarray,
    block: int,
    catalogue: ShiftCatalogue,
    agent: Agent,
    weekday: int,
) -> _Valuation:
    """Gain of each shift: per queue block the best queue's gain (ties go to the first), less
    each break at the offset where the agent's absence costs least (ties: earliest), less the
    preference weight per preference broken."""
    valued = _Valuation([], [], [])
    for o in options:
        spans = np.array(queue_blocks(o.end - o.start, block))
        sums = cumulative[:, spans[:, 1] + o.start] - cumulative[:, spans[:, 0] + o.start]
        pick = np.argmax(sums, axis=0)
        gain = int(sums[pick, np.arange(len(spans))].sum())
        row_at = np.repeat(pick, spans[:, 1] - spans[:, 0])
        chosen = []
        for rule in catalogue.breaks_of(o, len(agent.skills) > 1):
            starts = np.array(rule.offsets)
            rows = row_at[starts]
            lost = (
                cumulative[rows, o.start + starts + rule.length]
                - cumulative[rows, o.start + starts]
            )
            best = int(np.argmin(lost))
            gain -= int(lost[best])
            chosen.append(int(starts[best]))
        valued.gains.append(gain - PREFERENCE_WEIGHT * preferences_broken(agent, o, weekday))
        valued.choices.append(pick)
        valued.offsets.append(chosen)
    return valued


def greedy_shifts(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    values: Mapping[CellKey, CellValue],
    options: Mapping[str, list[ShiftOption]],
    budget: SearchBudget,
    work: float,
    passes: int = 4,
    initial: Mapping[str, list[ShiftOption]] | None = None,
) -> GreedyRoster:
    """Shifts and block queues per agent by greedy construction then agent-by-agent
    re-optimisation.

    Each agent in turn takes the week of shifts (keeping all its own hard rules; a tiny CP-SAT
    model) with the best gain against the coverage of the others: per queue block the best of
    its queues, each interval there worth the next agent's weight of the cell
    (:class:`~scheduling.roster.objective.CellValue`), ``-OVER_WEIGHT`` once the cell is met,
    ``-PREFERENCE_WEIGHT`` per preference a shift breaks. Later passes take each agent out and
    put it back at its best. Once `work` deterministic units are spent (or the budget's wall
    clock runs out) the remaining agents of the first pass only get a feasible week.
    """
    queues = scenario.queue_names()
    row = {q: i for i, q in enumerate(queues)}
    horizon = len(catalogue.grid.starts)
    weeks = catalogue.grid.week_intervals
    block = scenario.queue_block_intervals()
    table = gain_table(queues, horizon, values)
    deepest = table.shape[2] - 1
    columns = np.arange(horizon)
    covered = np.zeros((len(queues), horizon), dtype=np.int64)
    weekday = catalogue.grid.week_start.weekday()
    models: dict[str, RosterModel] = {}
    roster = GreedyRoster()
    served: dict[str, list[tuple[int, int, int, int]]] = {}
    order = sorted(scenario.agents, key=lambda a: (len(a.skills), a.agent_id))
    skills = {a.agent_id: sorted(a.skills) for a in scenario.agents}
    started_work = budget.spent

    def take(aid: str, picked: list[ShiftOption], valued: _Valuation | None) -> None:
        """Book the agent's shifts (block queues, breaks off the queues) as valued, or as
        valued now when None."""
        rows = [row[q] for q in skills[aid]]
        if valued is None:
            valued = _value_shifts(
                picked, _cumulative(rows), block, catalogue, agent_of[aid], weekday
            )
        roster.shifts[aid] = picked
        mine = []
        for o, pick, offsets in zip(picked, valued.choices, valued.offsets, strict=True):
            spans = queue_blocks(o.end - o.start, block)
            names = []
            row_at = []
            for (first, last), k in zip(spans, pick, strict=True):
                q = rows[int(k)]
                names.append(queues[q])
                row_at.extend([q] * (last - first))
                mine.append((q, o.start + first, o.start + last, 1))
            rules = catalogue.breaks_of(o, len(rows) > 1)
            for rule, offset in zip(rules, offsets, strict=True):
                q = row_at[offset]
                mine.append((q, o.start + offset, o.start + offset + rule.length, -1))
            roster.queues[(aid, o.day)] = tuple(names)
        for q, first, last, sign in mine:
            covered[q, first:last] += sign
        served[aid] = mine

    def _cumulative(rows: list[int]) -> np.ndarray:
        gains = _gains(rows)
        start = np.zeros((len(rows), 1), dtype=np.int64)
        return np.concatenate([start, np.cumsum(gains, axis=1)], axis=1)

    def _gains(rows: list[int]) -> np.ndarray:
        depth = np.minimum(covered[rows], deepest)
        gains = table[np.array(rows)[:, None], columns[None, :], depth]
        gains[:, weeks:] = 0
        return gains

    agent_of = {a.agent_id: a for a in scenario.agents}
    for agent in order:
        if initial is not None and agent.agent_id in initial:
            take(agent.agent_id, list(initial[agent.agent_id]), None)
    for round_ in range(passes):
        improved = False
        for agent in order:
            aid = agent.agent_id
            exhausted = budget.spent - started_work > work or budget.out_of_time()
            if (round_ > 0 or aid in roster.shifts) and exhausted:
                return roster
            previous = roster.shifts.get(aid)
            for q, first, last, sign in served.pop(aid, []):
                covered[q, first:last] -= sign
            if aid not in models:
                models[aid] = _agent_model(scenario, catalogue, options[aid], agent)
            rm = models[aid]
            rows = [row[q] for q in skills[aid]]
            valued = _value_shifts(
                options[aid], _cumulative(rows), block, catalogue, agent, weekday
            )
            if previous is None and exhausted:
                rm.model.clear_objective()
            else:
                rm.model.maximize(
                    sum(
                        g * rm.shifts[(aid, o.key)]
                        for g, o in zip(valued.gains, options[aid], strict=True)
                    )
                )
            solver = cp_model.CpSolver()
            budget.prepare(solver, AGENT_SOLVE_WORK_LIMIT)
            status = solver.solve(rm.model)
            budget.charge(solver, status, "greedy agent")
            budget.add(AGENT_SOLVE_WORK)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                if previous is not None:
                    take(aid, previous, None)
                continue
            chosen = [
                (i, o)
                for i, o in enumerate(options[aid])
                if solver.boolean_value(rm.shifts[(aid, o.key)])
            ]
            picked = [o for _, o in chosen]
            if previous != picked:
                improved = True
            take(
                aid,
                picked,
                _Valuation(
                    [valued.gains[i] for i, _ in chosen],
                    [valued.choices[i] for i, _ in chosen],
                    [valued.offsets[i] for i, _ in chosen],
                ),
            )
        if not improved:
            break
    return roster


@dataclass(frozen=True)
class ShiftPlan:
    """One agent's shift in the hint: break offsets (per template break) and block queues."""

    option: ShiftOption
    offsets: tuple[int, ...]
    queues: tuple[str, ...]


def place_breaks(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    greedy: GreedyRoster,
    values: Mapping[CellKey, CellValue],
) -> dict[str, list[ShiftPlan]]:
    """Break offsets for every greedy shift, agent by agent, each break where the agent's
    absence costs the objective least given everyone's coverage so far (ties: earliest). A
    break reaching into the next queue block keeps the agent on one queue across it.

    Returns
    -------
    dict
        agent_id -> its shifts with break offsets and block queues, in time order.
    """
    block = scenario.queue_block_intervals()
    weeks = catalogue.grid.week_intervals
    covered: dict[CellKey, int] = defaultdict(int)
    own: dict[tuple[str, int], list[str]] = {}
    for agent in scenario.agents:
        for o in greedy.shifts.get(agent.agent_id, []):
            spans = queue_blocks(o.end - o.start, block)
            queues = list(greedy.queues.get((agent.agent_id, o.day), ()))
            if len(queues) != len(spans):
                queues = [min(agent.skills)] * len(spans)
            own[(agent.agent_id, o.day)] = queues
            for (first, last), q in zip(spans, queues, strict=True):
                for t in range(o.start + first, min(o.start + last, weeks)):
                    covered[(q, t)] += 1

    def loss(q: str, t: int) -> int:
        """Objective lost by taking one agent off queue q in interval t."""
        if t >= weeks:
            return 0
        have = covered[(q, t)]
        value = values.get((q, t))
        if value is None or have > value.need:
            return -OVER_WEIGHT
        return value.weights[have - 1] if have >= 1 else 0

    plans: dict[str, list[ShiftPlan]] = {}
    for agent in scenario.agents:
        mine = []
        for o in sorted(greedy.shifts.get(agent.agent_id, []), key=lambda o: o.start):
            spans = queue_blocks(o.end - o.start, block)
            queues = own[(agent.agent_id, o.day)]
            block_of = [j for j, (first, last) in enumerate(spans) for _ in range(first, last)]
            offsets = []
            rules = catalogue.breaks_of(o, len(agent.skills) > 1)
            for b, rule in sorted(enumerate(rules), key=lambda item: item[1].offsets[0]):
                best: tuple[int, int] | None = None
                for offset in rule.offsets:
                    span = range(offset, offset + rule.length)
                    straddles = len({queues[block_of[k]] for k in span}) > 1
                    cost = sum(loss(queues[block_of[k]], o.start + k) for k in span)
                    key = (int(straddles), cost)
                    if best is None or key < (best[0], best[1]):
                        best, chosen = key, offset
                first_block = block_of[chosen]
                for k in range(chosen, chosen + rule.length):
                    if queues[block_of[k]] != queues[first_block]:
                        # Serve the break's queue in every block it reaches into.
                        moved = block_of[k]
                        for t in range(o.start + spans[moved][0], o.start + spans[moved][1]):
                            if t < weeks:
                                covered[(queues[moved], t)] -= 1
                                covered[(queues[first_block], t)] += 1
                        queues[moved] = queues[first_block]
                for k in range(chosen, chosen + rule.length):
                    if o.start + k < weeks:
                        covered[(queues[block_of[k]], o.start + k)] -= 1
                offsets.append((b, chosen))
            mine.append(ShiftPlan(o, tuple(off for _, off in sorted(offsets)), tuple(queues)))
        plans[agent.agent_id] = mine
    return plans


def add_hint(
    rm: RosterModel,
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    greedy: GreedyRoster,
    values: Mapping[CellKey, CellValue],
) -> tuple[SolvedPlan, dict[CellKey, int]]:
    """Hint every variable of the model with the greedy roster, as one complete solution:
    shifts, slot counts, breaks placed by :func:`place_breaks`, queue routes or blocks from the
    greedy block queues, and the coverage, penalty and fairness variables they imply.

    Returns
    -------
    tuple
        The hinted plan (a valid roster the solver can only improve on) and its coverage:
        agents at work per (queue, interval) of the week.
    """
    block = scenario.queue_block_intervals()
    weeks = catalogue.grid.week_intervals
    usable = GreedyRoster(
        {
            aid: [o for o in opts if (aid, o.key) in rm.shifts]
            for aid, opts in greedy.shifts.items()
        },
        greedy.queues,
    )
    plans = place_breaks(scenario, catalogue, usable, values)
    picked = {(aid, p.option.key) for aid, mine in plans.items() for p in mine}
    for shift_key, shift_var in rm.shifts.items():
        rm.model.add_hint(shift_var, shift_key in picked)
    counts: dict[tuple[SkillSet, SlotKey], int] = defaultdict(int)
    plan_breaks: dict[tuple[SkillSet, SlotKey, int, int], int] = defaultdict(int)
    plan_routes: dict[tuple[SkillSet, str, int], int] = defaultdict(int)
    plan_blocks: dict[tuple[SkillSet, SlotKey, int, str], int] = defaultdict(int)
    plan_block_breaks: dict[tuple[SkillSet, SlotKey, int, int, str], int] = defaultdict(int)
    plan_phase_blocks: dict[tuple[SkillSet, int, int, str], int] = defaultdict(int)
    plan_phase_breaks: dict[tuple[SkillSet, int, str, int, int, str], int] = defaultdict(int)
    coverage: dict[CellKey, int] = defaultdict(int)
    for agent in scenario.agents:
        group = skill_set(agent)
        for p in plans.get(agent.agent_id, []):
            o, key = p.option, p.option.key
            counts[(group, key)] += 1
            spans = queue_blocks(o.end - o.start, block)
            block_of = [j for j, (first, last) in enumerate(spans) for _ in range(first, last)]
            phase = o.start % block
            numbers = [(o.start + first - phase) // block for first, _ in spans]
            off: set[int] = set()
            for b, (rule, offset) in enumerate(
                zip(catalogue.breaks_of(o, len(group) > 1), p.offsets, strict=True)
            ):
                q = p.queues[block_of[offset]]
                plan_breaks[(group, key, b, offset)] += 1
                plan_block_breaks[(group, key, b, offset, q)] += 1
                plan_phase_breaks[(group, phase, o.template, b, o.start + offset, q)] += 1
                off.update(range(offset, offset + rule.length))
            for j, q in enumerate(p.queues):
                plan_blocks[(group, key, j, q)] += 1
                if catalogue.phase_routed(o, len(group) > 1):
                    plan_phase_blocks[(group, phase, numbers[j], q)] += 1
            for k in range(o.end - o.start):
                if k in off or o.start + k >= weeks:
                    continue
                q = p.queues[block_of[k]]
                coverage[(q, o.start + k)] += 1
                plan_routes[(group, q, o.start + k)] += 1
    families: list[tuple[Mapping[Any, cp_model.IntVar], Mapping[Any, int]]] = [
        (rm.counts, counts),
        (rm.breaks, plan_breaks),
        (rm.routes, plan_routes),
        (rm.blocks, plan_blocks),
        (rm.block_breaks, plan_block_breaks),
        (rm.phase_blocks, plan_phase_blocks),
        (rm.phase_breaks, plan_phase_breaks),
    ]
    for variables, planned in families:
        for key, var in variables.items():
            rm.model.add_hint(var, planned.get(key, 0))
    for cell, var in rm.under.items():
        rm.model.add_hint(var, max(0, values[cell].need - coverage.get(cell, 0)))
    for cell, var in rm.over.items():
        rm.model.add_hint(var, max(0, coverage.get(cell, 0) - values[cell].need))
    for cell, var in rm.penalties.items():
        rm.model.add_hint(var, values[cell].penalty(coverage.get(cell, 0)))
    for top, per_agent in rm.maxima.values():
        rm.model.add_hint(top, max(sum(k in picked for k in hits) for hits in per_agent))
    plan = SolvedPlan(
        {aid: [p.option for p in mine] for aid, mine in plans.items()},
        dict(plan_breaks),
        {k: v for k, v in plan_routes.items() if k in rm.routes},
        {k: v for k, v in plan_blocks.items() if k in rm.blocks},
        {k: v for k, v in plan_block_breaks.items() if k in rm.block_breaks},
        {k: v for k, v in plan_phase_blocks.items() if k in rm.phase_blocks},
        {k: v for k, v in plan_phase_breaks.items() if k in rm.phase_breaks},
    )
    return plan, dict(coverage)
