"""The CP-SAT roster model, built from small helpers that each add one family of constraints.

Named agents choose shift slots (``shift[agent, day, template, start]`` booleans). Breaks and
queue routing do not depend on who works a slot, only on how many agents of each skill set work
it, so they are modelled on anonymous counts per (skill set, slot) — exact, and small enough for
hundreds of agents:

* ``count[S, slot]`` = agents of skill set S working the slot;
* ``brk[S, slot, b, offset]`` = how many of them take break b at that offset (they sum to count);
* queue routing, by the scenario's ``rules.min_queue_block_minutes``: with blocks of one
  interval, ``route[S, q, t]`` = agents of skill set S serving queue q in interval t (they sum
  to the agents of S at work in t); with longer blocks each shift is cut into queue blocks
  (:func:`~scheduling.roster.options.queue_blocks`) and ``block[S, slot, j, q]`` = agents of the
  slot serving q throughout block j, ``block_break[S, slot, b, offset, q]`` = those of them
  taking break b at that offset (the break falls in the blocks of the queue they serve);
* coverage(q, t) = agents serving q at work in t; under/over-coverage against the requirement,
  the shortfall valued by :class:`~scheduling.roster.objective.CellValue` (convex).

Every weight and penalty of the objective comes from :mod:`scheduling.roster.objective`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from scheduling.roster.objective import (
    CellKey,
    CellValue,
    changed_intervals,
    fairness_tests,
    preferences_broken,
    weighted_total,
)
from scheduling.roster.options import ShiftCatalogue, ShiftOption, WeekGrid, queue_blocks
from scheduling.roster.replan import kept_intervals, kept_shifts
from scheduling.roster.scenario import Agent, Scenario

SkillSet = frozenset[str]
SlotKey = tuple[int, str, int]
LinearTerms = list[tuple[cp_model.IntVar, int]]


@dataclass
class RosterModel:
    """A built CP-SAT model and the variables needed to read its answer."""

    model: cp_model.CpModel
    shifts: dict[tuple[str, SlotKey], cp_model.IntVar] = field(default_factory=dict)
    counts: dict[tuple[SkillSet, SlotKey], cp_model.IntVar] = field(default_factory=dict)
    breaks: dict[tuple[SkillSet, SlotKey, int, int], cp_model.IntVar] = field(default_factory=dict)
    routes: dict[tuple[SkillSet, str, int], cp_model.IntVar] = field(default_factory=dict)
    blocks: dict[tuple[SkillSet, SlotKey, int, str], cp_model.IntVar] = field(default_factory=dict)
    """(skill set, slot, block index, queue) -> agents of the slot serving the queue in it."""
    block_breaks: dict[tuple[SkillSet, SlotKey, int, int, str], cp_model.IntVar] = field(
        default_factory=dict
    )
    """(skill set, slot, break index, offset, queue) -> those taking the break there."""
    phase_blocks: dict[tuple[SkillSet, int, int, str], cp_model.IntVar] = field(
        default_factory=dict
    )
    """(skill set, phase, block, queue) -> agents of the phase-aligned slots serving the queue in
    that block of the week (see :func:`add_phase_routing`)."""
    phase_breaks: dict[tuple[SkillSet, int, str, int, int, str], cp_model.IntVar] = field(
        default_factory=dict
    )
    """(skill set, phase, template, break index, start interval, queue) -> those of them taking
    the break at that start."""
    under: dict[CellKey, cp_model.IntVar] = field(default_factory=dict)
    over: dict[CellKey, cp_model.IntVar] = field(default_factory=dict)
    penalties: dict[CellKey, cp_model.IntVar] = field(default_factory=dict)
    """Shortfall penalty per cell whose weights are not all equal (convex, epigraph)."""
    maxima: dict[str, tuple[cp_model.IntVar, list[list[tuple[str, SlotKey]]]]] = field(
        default_factory=dict
    )
    """Fairness: kind -> (max variable, per agent the (agent, slot) keys counted)."""
    terms: dict[str, cp_model.LinearExpr] = field(default_factory=dict)
    guards: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    """(agent_id, rule) -> enforcement literal, only when built for diagnosis."""
    bounds: dict[int, int] = field(default_factory=dict)
    """Variable index -> upper bound, kept as variables are made (reading the proto is slow)."""

    def int_var(self, lower: int, upper: int, name: str) -> cp_model.IntVar:
        """A new integer variable in [lower, upper], its bound remembered."""
        var = self.model.new_int_var(lower, upper, name)
        self.bounds[var.index] = upper
        return var

    def constant(self, value: int) -> cp_model.IntVar:
        """A constant as a variable (for linear terms), its bound remembered."""
        var = self.model.new_constant(value)
        self.bounds[var.index] = value
        return var

    def upper(self, var: cp_model.IntVar) -> int:
        """Largest value of a variable made by this model's helpers."""
        bound = self.bounds.get(var.index)
        return upper_bound(var) if bound is None else bound


def skill_set(agent: Agent) -> SkillSet:
    """The queues an agent may serve."""
    return frozenset(agent.skills)


def linear(terms: LinearTerms) -> cp_model.LinearExpr:
    """The linear expression sum(coef x var) of (var, coef) terms."""
    return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms])


def upper_bound(var: cp_model.IntVar) -> int:
    """Largest value in a variable's domain (the proto's repeated field has no [-1])."""
    domain = list(var.proto.domain)
    return int(domain[-1])


def _guard(rm: RosterModel, agent_id: str, rule: str) -> list[cp_model.IntVar]:
    if (agent_id, rule) not in rm.guards:
        return []
    return [rm.guards[(agent_id, rule)]]


def add_shift_choices(
    rm: RosterModel, scenario: Scenario, options: Mapping[str, list[ShiftOption]]
) -> None:
    """One boolean per (agent, allowed slot); at most one shift per agent per local day."""
    for agent in scenario.agents:
        per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for o in options[agent.agent_id]:
            var = rm.model.new_bool_var(f"shift_{agent.agent_id}_d{o.day}_{o.template}_{o.start}")
            rm.shifts[(agent.agent_id, o.key)] = var
            per_day[o.day].append(var)
        for day_vars in per_day.values():
            if len(day_vars) > 1:
                rm.model.add_at_most_one(day_vars)


def add_contract_rules(
    rm: RosterModel, scenario: Scenario, options: Mapping[str, list[ShiftOption]]
) -> None:
    """Weekly minutes within [min_minutes, max_minutes] and at most max_days days."""
    for agent in scenario.agents:
        aid, contract = agent.agent_id, agent.contract
        opts = options[aid]
        minutes = sum(o.minutes * rm.shifts[(aid, o.key)] for o in opts)
        days = sum(rm.shifts[(aid, o.key)] for o in opts)
        if contract.min_minutes > 0:
            rm.model.add(minutes >= contract.min_minutes).only_enforce_if(
                _guard(rm, aid, "contract.min_minutes")
            )
        rm.model.add(minutes <= contract.max_minutes).only_enforce_if(
            _guard(rm, aid, "contract.max_minutes")
        )
        if contract.max_days < 7:
            rm.model.add(days <= contract.max_days).only_enforce_if(
                _guard(rm, aid, "contract.max_days")
            )


def add_rest_rules(
    rm: RosterModel,
    scenario: Scenario,
    options: Mapping[str, list[ShiftOption]],
    interval_minutes: int,
    day_starts: tuple[int, ...],
) -> None:
    """Rest between two shifts of an agent >= min_rest_minutes (and shifts never overlap).

    For each shift s and each later day, s excludes every slot of that day starting too soon;
    at most one slot per day is chosen, so one constraint per (s, day) is exact.
    """
    rest = math.ceil(scenario.rules.min_rest_minutes / interval_minutes)
    for agent in scenario.agents:
        aid = agent.agent_id
        by_day: dict[int, list[ShiftOption]] = defaultdict(list)
        for o in options[aid]:
            by_day[o.day].append(o)
        for o in options[aid]:
            for later in range(o.day + 1, 7):
                if day_starts[later] >= o.end + rest:
                    break
                clash = [p for p in by_day.get(later, []) if p.start < o.end + rest]
                if not clash:
                    continue
                terms = [rm.shifts[(aid, o.key)]] + [rm.shifts[(aid, p.key)] for p in clash]
                rm.model.add(sum(terms) <= 1).only_enforce_if(
                    _guard(rm, aid, "rules.min_rest_minutes")
                )


def day_worked(
    rm: RosterModel, agent_id: str, options: Iterable[ShiftOption], day: int
) -> cp_model.LinearExpr:
    """1 when the agent works a shift starting on local day `day`, else 0 (linear expression)."""
    return sum((rm.shifts[(agent_id, o.key)] for o in options if o.day == day), start=0)  # type: ignore[return-value]


def add_consecutive_days_rule(
    rm: RosterModel, scenario: Scenario, options: Mapping[str, list[ShiftOption]]
) -> None:
    """At most max_consecutive_days working days in a row within the week."""
    limit = scenario.rules.max_consecutive_days
    if limit >= 7:
        return
    for agent in scenario.agents:
        aid = agent.agent_id
        worked = [day_worked(rm, aid, options[aid], d) for d in range(7)]
        for first in range(0, 7 - limit):
            window = worked[first : first + limit + 1]
            rm.model.add(sum(window) <= limit).only_enforce_if(
                _guard(rm, aid, "rules.max_consecutive_days")
            )


def add_preference_penalties(
    rm: RosterModel,
    scenario: Scenario,
    options: Mapping[str, list[ShiftOption]],
    week_start_weekday: int,
) -> cp_model.LinearExpr:
    """Penalty terms: one per shift on a preferred day off or starting outside the preferred
    start window. Returns their sum."""
    penalties: list[Any] = []
    for agent in scenario.agents:
        for o in options[agent.agent_id]:
            broken = preferences_broken(agent, o, week_start_weekday)
            if broken:
                penalties.append(broken * rm.shifts[(agent.agent_id, o.key)])
    return sum(penalties, start=0)  # type: ignore[return-value]


def add_fairness_terms(
    rm: RosterModel,
    scenario: Scenario,
    options: Mapping[str, list[ShiftOption]],
    week_start_weekday: int,
) -> cp_model.LinearExpr:
    """Fairness: the largest per-agent number of weekend days, early starts and late ends
    (each pushed down, which shares them evenly). Returns the sum of the three maxima."""
    maxima = []
    for kind, test in fairness_tests(scenario.rules, week_start_weekday).items():
        per_agent = []
        for agent in scenario.agents:
            hits = [(agent.agent_id, o.key) for o in options[agent.agent_id] if test(o)]
            if hits:
                per_agent.append(hits)
        if not per_agent:
            continue
        top = rm.int_var(0, 7, f"max_{kind}_shifts")
        for hits in per_agent:
            rm.model.add(top >= sum(rm.shifts[k] for k in hits))
        rm.maxima[kind] = (top, per_agent)
        maxima.append(top)
    return sum(maxima, start=0)  # type: ignore[return-value]


def add_change_penalty(
    rm: RosterModel,
    scenario: Scenario,
    options: Mapping[str, list[ShiftOption]],
    grid: WeekGrid,
) -> cp_model.LinearExpr:
    """Re-planning: the agent-intervals changed from the scenario's kept shifts
    (:mod:`scheduling.roster.replan`), and each locked kept shift that is still allowed forced
    on. Returns the count (0 without kept shifts)."""
    kept = kept_shifts(scenario)
    if not kept:
        return 0  # type: ignore[return-value]
    at_work = kept_intervals(scenario, grid)
    locked = {(k.agent_id, grid.index_of(k.start), grid.index_of(k.end)) for k in kept if k.locked}
    terms: list[Any] = []
    for agent in scenario.agents:
        mine = at_work.get(agent.agent_id, set())
        terms.append(len(mine))
        for o in options[agent.agent_id]:
            var = rm.shifts[(agent.agent_id, o.key)]
            terms.append(changed_intervals(o, mine) * var)
            if (agent.agent_id, o.start, o.end) in locked:
                rm.model.add(var == 1)
    return sum(terms, start=0)  # type: ignore[return-value]


def add_slot_counts(
    rm: RosterModel,
    scenario: Scenario,
    options: Mapping[str, list[ShiftOption]],
) -> None:
    """count[S, slot] = number of agents of skill set S working the slot."""
    members: dict[tuple[SkillSet, SlotKey], list[cp_model.IntVar]] = defaultdict(list)
    for agent in scenario.agents:
        group = skill_set(agent)
        for o in options[agent.agent_id]:
            members[(group, o.key)].append(rm.shifts[(agent.agent_id, o.key)])
    for (group, key), shift_vars in members.items():
        name = "+".join(sorted(group))
        count = rm.int_var(0, len(shift_vars), f"count_{name}_d{key[0]}_{key[1]}_{key[2]}")
        rm.model.add(count == sum(shift_vars))
        rm.counts[(group, key)] = count


def add_anonymous_counts(
    rm: RosterModel,
    scenario: Scenario,
    options: Mapping[str, list[ShiftOption]],
) -> None:
    """Relaxed counts without named agents (first stage of the decomposition): per skill set,
    slot counts bounded by the agents allowed each slot and by the set's days and minutes."""
    allowed: dict[tuple[SkillSet, SlotKey], int] = defaultdict(int)
    minutes: dict[SlotKey, int] = {}
    for agent in scenario.agents:
        for o in options[agent.agent_id]:
            allowed[(skill_set(agent), o.key)] += 1
            minutes[o.key] = o.minutes
    groups: dict[SkillSet, list[Agent]] = defaultdict(list)
    for agent in scenario.agents:
        groups[skill_set(agent)].append(agent)
    for (group, key), bound in allowed.items():
        name = "+".join(sorted(group))
        rm.counts[(group, key)] = rm.int_var(0, bound, f"count_{name}_d{key[0]}_{key[1]}_{key[2]}")
    for group, agents in groups.items():
        keys = [k for (g, k) in rm.counts if g == group]
        total_minutes = sum(minutes[k] * rm.counts[(group, k)] for k in keys)
        rm.model.add(total_minutes >= sum(a.contract.min_minutes for a in agents))
        rm.model.add(total_minutes <= sum(a.contract.max_minutes for a in agents))
        rm.model.add(
            sum(rm.counts[(group, k)] for k in keys) <= sum(a.contract.max_days for a in agents)
        )
        for day in range(7):
            on_day = [rm.counts[(group, k)] for k in keys if k[0] == day]
            if on_day:
                rm.model.add(sum(on_day) <= len(agents))


def add_break_counts(
    rm: RosterModel, catalogue: ShiftCatalogue
) -> dict[tuple[SkillSet, int], LinearTerms]:
    """Split each slot count over its breaks' start offsets; return the agents at work per
    (skill set, interval) as linear terms (slot counts covering t minus breaks covering t)."""
    working: dict[tuple[SkillSet, int], LinearTerms] = defaultdict(list)
    for (group, key), count in rm.counts.items():
        slot = catalogue.slots[key]
        for t in range(slot.start, slot.end):
            working[(group, t)].append((count, 1))
        for b, rule in enumerate(catalogue.breaks_of(slot, len(group) > 1)):
            parts = []
            for offset in rule.offsets:
                var = rm.int_var(0, rm.upper(count), f"{count.name}_b{b}_at{offset}")
                rm.breaks[(group, key, b, offset)] = var
                parts.append(var)
                for t in range(slot.start + offset, slot.start + offset + rule.length):
                    working[(group, t)].append((var, -1))
            rm.model.add(sum(parts) == count)
    return working


def add_routing(
    rm: RosterModel,
    working: Mapping[tuple[SkillSet, int], LinearTerms],
    week_intervals: int,
) -> dict[tuple[str, int], LinearTerms]:
    """Route the agents at work in each interval to the queues of their skill set, interval by
    interval; return the coverage per (queue, interval) as linear terms."""
    coverage: dict[tuple[str, int], LinearTerms] = defaultdict(list)
    for (group, t), terms in working.items():
        if t >= week_intervals:
            continue
        if len(group) == 1:
            (queue,) = tuple(group)
            coverage[(queue, t)].extend(terms)
            continue
        at_work = linear(terms)
        bound = sum(rm.upper(var) for var, coef in terms if coef > 0)
        name = "+".join(sorted(group))
        parts = []
        for queue in sorted(group):
            var = rm.int_var(0, bound, f"route_{name}_{queue}_t{t}")
            rm.routes[(group, queue, t)] = var
            coverage[(queue, t)].append((var, 1))
            parts.append(var)
        rm.model.add(sum(parts) == at_work)
    return coverage


def add_phase_routing(
    rm: RosterModel, catalogue: ShiftCatalogue, week_intervals: int, block: int
) -> dict[tuple[str, int], LinearTerms]:
    """Queue blocks for the multi-skilled agents of phase-aligned shifts.

    Shifts of one skill set whose starts agree modulo `block` (one *phase*) and whose lengths
    are multiples of it have their queue blocks on one grid of the week: block B of phase p is
    intervals ``[p + B*block, p + (B+1)*block)``. So the agents of all those shifts are routed
    together: ``phase_block[S, p, B, q]`` agents of S on queue q throughout block B (they sum
    to the agents of the phase at work in B), and ``phase_break[S, p, template, b, s, q]`` of
    them taking break b (of that template) starting at interval s. A break serves the queue of
    every block it reaches into, and with separated breaks
    (:func:`~scheduling.roster.options.separate_breaks`) an agent takes at most one break per
    block, so in each block and queue the break takers there number at most the block's agents
    on the queue — which is also enough to hand the counts to named agents. Returns the
    coverage terms.
    """
    coverage: dict[tuple[str, int], LinearTerms] = defaultdict(list)
    present: dict[tuple[SkillSet, int, int], list[cp_model.IntVar]] = defaultdict(list)
    takers: dict[tuple[SkillSet, int, str, int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (group, key), count in rm.counts.items():
        slot = catalogue.slots[key]
        if rm.upper(count) == 0 or not catalogue.phase_routed(slot, len(group) > 1):
            continue
        phase = slot.start % block
        for first in range(slot.start, slot.end, block):
            present[(group, phase, (first - phase) // block)].append(count)
        for b, rule in enumerate(catalogue.breaks_of(slot, True)):
            for offset in rule.offsets:
                taken = rm.breaks[(group, key, b, offset)]
                takers[(group, phase, slot.template, b, slot.start + offset)].append(taken)
    served: dict[tuple[SkillSet, int, int, str], cp_model.IntVar] = {}
    for (group, phase, number), counts in present.items():
        queues = sorted(group)
        bound = sum(rm.upper(c) for c in counts)
        name = f"{'+'.join(queues)}_p{phase}_B{number}"
        parts = []
        for q in queues:
            var = rm.int_var(0, bound, f"phase_block_{name}_{q}")
            rm.phase_blocks[(group, phase, number, q)] = var
            served[(group, phase, number, q)] = var
            parts.append(var)
            first = phase + number * block
            for t in range(first, min(first + block, week_intervals)):
                coverage[(q, t)].append((var, 1))
        rm.model.add(sum(parts) == sum(counts))
    inside: dict[tuple[SkillSet, int, int, str], list[cp_model.IntVar]] = defaultdict(list)
    for (group, phase, template, b, start), breaks in takers.items():
        queues = sorted(group)
        length = (catalogue.separated[template] or [])[b].length
        bound = sum(rm.upper(v) for v in breaks)
        name = f"{'+'.join(queues)}_p{phase}_{template}_b{b}_s{start}"
        blocks = range((start - phase) // block, (start + length - 1 - phase) // block + 1)
        parts = []
        for q in queues:
            var = rm.int_var(0, bound, f"phase_break_{name}_{q}")
            rm.phase_breaks[(group, phase, template, b, start, q)] = var
            parts.append(var)
            for number in blocks:
                inside[(group, phase, number, q)].append(var)
            for t in range(start, min(start + length, week_intervals)):
                coverage[(q, t)].append((var, -1))
        rm.model.add(sum(parts) == sum(breaks))
    for (group, phase, number, q), found in inside.items():
        rm.model.add(sum(found) <= served[(group, phase, number, q)])
    return coverage


def add_block_routing(
    rm: RosterModel, catalogue: ShiftCatalogue, week_intervals: int, block: int
) -> dict[tuple[str, int], LinearTerms]:
    """Queue blocks for the multi-skilled slot counts: per (skill set, slot) the agents serving
    each queue in each block of the shift, and per break offset which queue's agents take it.

    An agent on break b at offset o serves the same queue in every block the break touches, so
    for each break, block and queue the agents on that break there number at most those serving
    the queue in the block. Returns the coverage per (queue, interval) as linear terms.
    """
    coverage: dict[tuple[str, int], LinearTerms] = defaultdict(list)
    for (group, key), count in rm.counts.items():
        slot = catalogue.slots[key]
        if len(group) == 1 or rm.upper(count) == 0 or catalogue.phase_routed(slot, True):
            continue
        queues = sorted(group)
        name = f"{'+'.join(queues)}_d{key[0]}_{key[1]}_{key[2]}"
        bound = rm.upper(count)
        spans = queue_blocks(slot.end - slot.start, block)
        served: dict[tuple[int, str], cp_model.IntVar] = {}
        for j, (first, last) in enumerate(spans):
            parts = []
            for q in queues:
                var = rm.int_var(0, bound, f"block_{name}_j{j}_{q}")
                rm.blocks[(group, key, j, q)] = var
                served[(j, q)] = var
                parts.append(var)
                for t in range(slot.start + first, min(slot.start + last, week_intervals)):
                    coverage[(q, t)].append((var, 1))
            rm.model.add(sum(parts) == count)
        for b, rule in enumerate(catalogue.breaks_of(slot, True)):
            inside: dict[tuple[int, str], list[cp_model.IntVar]] = defaultdict(list)
            for offset in rule.offsets:
                taken = rm.breaks[(group, key, b, offset)]
                touched = [
                    j
                    for j, (first, last) in enumerate(spans)
                    if first < offset + rule.length and offset < last
                ]
                parts = []
                for q in queues:
                    var = rm.int_var(0, rm.upper(taken), f"block_break_{name}_b{b}_at{offset}_{q}")
                    rm.block_breaks[(group, key, b, offset, q)] = var
                    parts.append(var)
                    for j in touched:
                        inside[(j, q)].append(var)
                    start = slot.start + offset
                    for t in range(start, min(start + rule.length, week_intervals)):
                        coverage[(q, t)].append((var, -1))
                rm.model.add(sum(parts) == taken)
            for (j, q), takers in inside.items():
                rm.model.add(sum(takers) <= served[(j, q)])
    return coverage


def add_queue_routing(
    rm: RosterModel,
    catalogue: ShiftCatalogue,
    working: Mapping[tuple[SkillSet, int], LinearTerms],
    block: int,
) -> dict[tuple[str, int], LinearTerms]:
    """Coverage per (queue, interval) with the scenario's queue blocks of `block` intervals:
    interval by interval routing when `block` is 1; otherwise single-skilled agents cover their
    queue and the multi-skilled slot counts are routed in blocks (:func:`add_block_routing`).
    Working terms that are not slot counts (fixed agents of a re-timing model) are routed
    interval by interval."""
    week_intervals = catalogue.grid.week_intervals
    if block <= 1:
        return add_routing(rm, working, week_intervals)
    slot_vars = {var.index for (group, _), var in rm.counts.items() if len(group) > 1} | {
        var.index for (group, *_), var in rm.breaks.items() if len(group) > 1
    }
    rest: dict[tuple[SkillSet, int], LinearTerms] = {}
    for key, terms in working.items():
        others = [(var, coef) for var, coef in terms if var.index not in slot_vars]
        if others:
            rest[key] = others
    coverage = add_routing(rm, rest, week_intervals)
    for family in (
        add_phase_routing(rm, catalogue, week_intervals, block),
        add_block_routing(rm, catalogue, week_intervals, block),
    ):
        for cell, terms in family.items():
            coverage.setdefault(cell, []).extend(terms)
    return coverage


def add_shortfall_penalty(
    rm: RosterModel, cell: CellKey, under: cp_model.IntVar, value: CellValue
) -> cp_model.LinearExpr:
    """The convex shortfall penalty of one cell as a linear expression of its under-coverage:
    weight x under when every agent weighs the same, else an epigraph variable above the
    penalty's linear pieces (exact at the optimum, since the penalty is convex and minimised)."""
    weights = value.weights
    need = value.need
    if weights[0] == weights[-1]:
        return weights[0] * under  # type: ignore[return-value]
    penalty = rm.int_var(0, value.penalty(0), f"penalty_{cell[0]}_t{cell[1]}")
    # Penalty with `missing` agents short: the weights of the last `missing` agents.
    short = [0]
    for k in range(need):
        short.append(short[-1] + weights[need - k - 1])
    previous = None
    for missing in range(need):
        slope = weights[need - missing - 1]
        if slope == previous:
            continue
        previous = slope
        rm.model.add(penalty >= short[missing] + slope * (under - missing))
    rm.penalties[cell] = penalty
    return penalty  # type: ignore[return-value]


def add_coverage_objective(
    rm: RosterModel,
    coverage: Mapping[tuple[str, int], LinearTerms],
    values: Mapping[CellKey, CellValue],
    queues: Iterable[str],
    week_intervals: int,
) -> tuple[cp_model.LinearExpr, cp_model.LinearExpr, cp_model.LinearExpr]:
    """Under- and over-coverage per (queue, interval) against each cell's need, the shortfall
    valued by its :class:`~scheduling.roster.objective.CellValue`.

    Returns
    -------
    tuple
        (shortfall penalty, under-coverage, over-coverage) as linear expressions (agent-
        intervals for the last two).
    """
    weighted: list[Any] = []
    under_all: list[Any] = []
    over_all: list[Any] = []
    for queue in queues:
        for t in range(week_intervals):
            cell = (queue, t)
            value = values.get(cell)
            need = value.need if value is not None else 0
            terms = coverage.get(cell, [])
            if not terms:
                if value is not None:
                    weighted.append(value.penalty(0))
                    under_all.append(need)
                continue
            have = linear(terms)
            if value is None:
                over_all.append(have)
                continue
            bound = sum(rm.upper(var) for var, coef in terms if coef > 0)
            under = rm.int_var(0, need, f"under_{queue}_t{t}")
            over = rm.int_var(0, max(bound, 0), f"over_{queue}_t{t}")
            rm.model.add(have + under - over == need)
            rm.under[cell] = under
            rm.over[cell] = over
            weighted.append(add_shortfall_penalty(rm, cell, under, value))
            under_all.append(under)
            over_all.append(over)
    return (
        sum(weighted, start=0),  # type: ignore[return-value]
        sum(under_all, start=0),  # type: ignore[return-value]
        sum(over_all, start=0),  # type: ignore[return-value]
    )


def build_roster_model(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    values: Mapping[CellKey, CellValue],
    options: Mapping[str, list[ShiftOption]] | None = None,
    *,
    anonymous: bool = False,
) -> RosterModel:
    """Build the whole roster model.

    Parameters
    ----------
    scenario, catalogue:
        The scenario and its shift slots.
    values:
        What each agent is worth per (queue, grid interval index) that needs agents
        (:func:`~scheduling.roster.objective.coverage_values`).
    options:
        Slots each agent may work (default: the catalogue's); the decomposition passes a subset.
    anonymous:
        Build only the relaxed anonymous count model (no named agents), the first stage of the
        decomposition for large centres.
    """
    options = options if options is not None else catalogue.by_agent
    rm = RosterModel(model=cp_model.CpModel())
    weekday = catalogue.grid.week_start.weekday()
    if anonymous:
        add_anonymous_counts(rm, scenario, options)
        prefs: cp_model.LinearExpr = 0  # type: ignore[assignment]
        fair: cp_model.LinearExpr = 0  # type: ignore[assignment]
        changes: cp_model.LinearExpr = 0  # type: ignore[assignment]
    else:
        add_shift_choices(rm, scenario, options)
        add_contract_rules(rm, scenario, options)
        add_rest_rules(rm, scenario, options, scenario.interval_minutes, catalogue.grid.day_starts)
        add_consecutive_days_rule(rm, scenario, options)
        add_slot_counts(rm, scenario, options)
        prefs = add_preference_penalties(rm, scenario, options, weekday)
        fair = add_fairness_terms(rm, scenario, options, weekday)
        changes = add_change_penalty(rm, scenario, options, catalogue.grid)
    working = add_break_counts(rm, catalogue)
    coverage = add_queue_routing(rm, catalogue, working, scenario.queue_block_intervals())
    weighted, under, over = add_coverage_objective(
        rm, coverage, values, scenario.queue_names(), catalogue.grid.week_intervals
    )
    rm.terms = {
        "under_coverage": under,
        "over_coverage": over,
        "preferences": prefs,
        "fairness": fair,
        "weighted_under_coverage": weighted,
        "changes": changes,
    }
    rm.model.minimize(weighted_total(weighted, over, prefs, fair, changes))
    return rm


DIAGNOSED_RULES = (
    "contract.min_minutes",
    "contract.max_minutes",
    "contract.max_days",
    "rules.min_rest_minutes",
    "rules.max_consecutive_days",
)


def build_diagnosis_model(
    scenario: Scenario, catalogue: ShiftCatalogue, options: Mapping[str, list[ShiftOption]]
) -> RosterModel:
    """The hard rules alone, each (agent, rule) guarded by a literal to assume: an infeasible
    answer's sufficient assumptions name the agents and rules that clash."""
    rm = RosterModel(model=cp_model.CpModel())
    for agent in scenario.agents:
        for rule in DIAGNOSED_RULES:
            rm.guards[(agent.agent_id, rule)] = rm.model.new_bool_var(
                f"keep_{agent.agent_id}_{rule}"
            )
    add_shift_choices(rm, scenario, options)
    add_contract_rules(rm, scenario, options)
    add_rest_rules(rm, scenario, options, scenario.interval_minutes, catalogue.grid.day_starts)
    add_consecutive_days_rule(rm, scenario, options)
    rm.model.add_assumptions(list(rm.guards.values()))
    return rm
