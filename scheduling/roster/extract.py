"""Turn a solved model into roster rows: hand the anonymous break, routing and queue-block
counts to the named agents working each slot, then merge each agent's intervals into contiguous
activities.

With queue blocks, the counts of each multi-skilled group (the shifts of one skill set and one
phase, or one slot when its length is not a whole number of blocks) are handed to its agents'
shifts by a greedy matching: break offsets per slot first, then block by block in time order the
break takers' queues and then the rest, keeping each agent on its previous block's queue where
the counts allow (fewer queue changes). The rare group it cannot match exactly goes to a small
deterministic CP-SAT model matching the counts as closely as possible. Everything iterates in
sorted order, so the same plan always gives the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from features.schema import ROSTER_COLUMNS
from scheduling.roster.model import SkillSet, SlotKey
from scheduling.roster.options import BreakSlots, ShiftCatalogue, ShiftOption, queue_blocks
from scheduling.roster.scenario import Scenario

MATCH_WORK_LIMIT = 1.0
"""Deterministic work limit of the fallback matching model of one group."""
MISMATCH_WEIGHT = 1000
"""Weight of one agent off the plan's counts in the fallback matching (one queue change
weighs 1)."""


@dataclass(frozen=True)
class SolvedPlan:
    """The solver's answer in plain values.

    Attributes
    ----------
    shifts:
        agent_id -> the shifts that agent works.
    breaks:
        (skill set, slot, break index, offset) -> agents of that set taking the break there.
    routes:
        (skill set, queue, interval index) -> agents of that set serving the queue then
        (interval-by-interval routing).
    blocks:
        (skill set, slot, block index, queue) -> agents of the slot serving the queue in that
        queue block (block routing).
    block_breaks:
        (skill set, slot, break index, offset, queue) -> those of them taking the break there.
    phase_blocks:
        (skill set, phase, block, queue) -> agents of the phase-aligned shifts serving the
        queue in that block of the week.
    phase_breaks:
        (skill set, phase, template, break index, start interval, queue) -> those of them
        taking the break at that start.
    """

    shifts: Mapping[str, list[ShiftOption]]
    breaks: Mapping[tuple[SkillSet, SlotKey, int, int], int]
    routes: Mapping[tuple[SkillSet, str, int], int]
    blocks: Mapping[tuple[SkillSet, SlotKey, int, str], int] = field(default_factory=dict)
    block_breaks: Mapping[tuple[SkillSet, SlotKey, int, int, str], int] = field(
        default_factory=dict
    )
    phase_blocks: Mapping[tuple[SkillSet, int, int, str], int] = field(default_factory=dict)
    phase_breaks: Mapping[tuple[SkillSet, int, str, int, int, str], int] = field(
        default_factory=dict
    )


def _place_breaks(
    scenario: Scenario, catalogue: ShiftCatalogue, plan: SolvedPlan
) -> dict[tuple[str, int], dict[int, str]]:
    """(agent, day) -> {interval index: break activity}."""
    members: dict[tuple[SkillSet, SlotKey], list[str]] = defaultdict(list)
    for agent in scenario.agents:
        for o in plan.shifts.get(agent.agent_id, []):
            members[(frozenset(agent.skills), o.key)].append(agent.agent_id)
    placed: dict[tuple[str, int], dict[int, str]] = defaultdict(dict)
    for (group, key), agents in members.items():
        slot = catalogue.slots[key]
        for b, rule in enumerate(catalogue.breaks[slot.template]):
            offsets = [
                off for off in rule.offsets for _ in range(plan.breaks.get((group, key, b, off), 0))
            ]
            # Counts always sum to the slot's agents; pad defensively with the first offset.
            offsets += [rule.offsets[0]] * (len(agents) - len(offsets))
            for agent_id, off in zip(agents, offsets, strict=False):
                for t in range(slot.start + off, slot.start + off + rule.length):
                    placed[(agent_id, key[0])][t] = rule.activity
    return placed


def _route(
    scenario: Scenario,
    working: Mapping[int, list[str]],
    plan: SolvedPlan,
    week_intervals: int,
) -> dict[tuple[str, int], str]:
    """(agent, interval) -> queue served, following the solver's counts per skill set and
    keeping each agent on its previous queue when the counts allow (fewer switches)."""
    skills = {a.agent_id: a.skills for a in scenario.agents}
    group_of = {a.agent_id: frozenset(a.skills) for a in scenario.agents}
    served: dict[tuple[str, int], str] = {}
    favourite = {a: max(sorted(s), key=s.__getitem__) for a, s in skills.items()}
    for t in sorted(working):
        by_group: dict[SkillSet, list[str]] = defaultdict(list)
        for agent_id in working[t]:
            by_group[group_of[agent_id]].append(agent_id)
        for group, agents in by_group.items():
            best = {a: favourite[a] for a in agents}
            if len(group) == 1 or t >= week_intervals:
                for a in agents:
                    served[(a, t)] = served.get((a, t - 1), best[a])
                continue
            room = {q: plan.routes.get((group, q, t), 0) for q in sorted(group)}
            waiting = []
            for a in sorted(agents):
                previous = served.get((a, t - 1))
                if previous is not None and room.get(previous, 0) > 0:
                    served[(a, t)] = previous
                    room[previous] -= 1
                else:
                    waiting.append(a)
            for a in waiting:
                open_queues = [q for q in room if room[q] > 0]
                pick = max(open_queues, key=skills[a].__getitem__) if open_queues else best[a]
                served[(a, t)] = pick
                if open_queues:
                    room[pick] -= 1
    return served


@dataclass(frozen=True)
class _Unit:
    """One agent's shift in a matching: its queue blocks as (block id, first, last) offsets."""

    agent_id: str
    option: ShiftOption
    blocks: tuple[tuple[Hashable, int, int], ...]
    rules: tuple[BreakSlots, ...]

    def touched(self, b: int, offset: int) -> list[int]:
        """Positions of the blocks that break b at `offset` reaches into."""
        end = offset + self.rules[b].length
        return [
            k for k, (_, first, last) in enumerate(self.blocks) if first < end and offset < last
        ]


@dataclass
class _Matching:
    """Counts of one group of shifts to hand out: agents per (block id, queue), per (slot,
    break, offset), and per (break class, queue)."""

    units: list[_Unit]
    queues: list[str]
    serve: dict[tuple[Hashable, str], int]
    take: dict[tuple[SlotKey, int, int], int]
    token: dict[tuple[Hashable, str], int]
    break_class: Callable[[_Unit, int, int], Hashable]


Handout = tuple[list[int], list[str]]
"""A shift's break offsets (one per template break) and queue per block."""


def _hand_out_offsets(matching: _Matching) -> list[list[int]]:
    """Break offsets per unit following the per-slot counts (units of a slot in order)."""
    by_slot: dict[SlotKey, list[int]] = defaultdict(list)
    for i, unit in enumerate(matching.units):
        by_slot[unit.option.key].append(i)
    offsets: list[list[int]] = [[0] * len(u.rules) for u in matching.units]
    for key, members in by_slot.items():
        rules = matching.units[members[0]].rules
        for b, rule in enumerate(rules):
            pool = [o for o in rule.offsets for _ in range(matching.take.get((key, b, o), 0))]
            pool += [rule.offsets[0]] * (len(members) - len(pool))
            for i, o in zip(members, pool, strict=False):
                offsets[i][b] = o
    return offsets


def _match_greedily(matching: _Matching, skills: Mapping[str, Mapping[str, int]]) -> list[Handout]:
    """Offsets from the slot counts, then block by block (time order) the break takers' queues
    by break class, then the others', preferring each shift's previous queue; ValueError when
    the counts cannot be met exactly."""
    units = matching.units
    offsets = _hand_out_offsets(matching)
    queue_of: list[list[str | None]] = [[None] * len(u.blocks) for u in units]
    load: dict[tuple[Hashable, str], int] = defaultdict(int)
    need = dict(matching.token)
    present: dict[Hashable, list[tuple[int, int]]] = defaultdict(list)
    begins: dict[Hashable, int] = {}
    for i, unit in enumerate(units):
        for k, (block_id, first, _) in enumerate(unit.blocks):
            present[block_id].append((i, k))
            begins[block_id] = unit.option.start + first
    classes: dict[Hashable, dict[Hashable, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for i, unit in enumerate(units):
        for b in range(len(unit.rules)):
            first_block = unit.blocks[unit.touched(b, offsets[i][b])[0]][0]
            classes[first_block][matching.break_class(unit, b, offsets[i][b])].append((i, b))

    def assign(i: int, k: int, q: str) -> None:
        queue_of[i][k] = q
        load[(units[i].blocks[k][0], q)] += 1

    def room(block_id: Hashable, q: str) -> int:
        return matching.serve.get((block_id, q), 0) - load[(block_id, q)]

    for block_id in sorted(present, key=lambda x: (begins[x], str(x))):
        for cls in sorted(classes.get(block_id, {}), key=str):
            for i, b in classes[block_id][cls]:
                touched = units[i].touched(b, offsets[i][b])
                fixed = {queue_of[i][k] for k in touched} - {None}
                previous = queue_of[i][touched[0] - 1] if touched[0] else None
                ranked = sorted(
                    (q for q in matching.queues if need.get((cls, q), 0) > 0),
                    key=lambda q: (q not in fixed, q != previous, -need[(cls, q)], q),
                )
                pick = next(
                    (
                        q
                        for q in ranked
                        if all(
                            queue_of[i][k] == q or room(units[i].blocks[k][0], q) > 0
                            for k in touched
                        )
                        and fixed <= {q}
                    ),
                    None,
                )
                if pick is None:
                    raise ValueError(
                        f"break takers of {cls} do not fit the block counts of {block_id}"
                        f" (fixed {fixed}, previous {previous}, ranked {ranked})"
                    )
                need[(cls, pick)] -= 1
                for k in touched:
                    if queue_of[i][k] is None:
                        assign(i, k, pick)
        for i, k in present[block_id]:
            if queue_of[i][k] is not None:
                continue
            previous = queue_of[i][k - 1] if k else None
            agent_skills = skills[units[i].agent_id]
            ranked = sorted(
                (q for q in matching.queues if room(block_id, q) > 0),
                key=lambda q: (q != previous, -agent_skills.get(q, 0), q),
            )
            if not ranked:
                raise ValueError("block counts do not add up to the agents at work")
            assign(i, k, ranked[0])
        if any(room(block_id, q) for q in matching.queues):
            raise ValueError("block counts do not add up to the agents at work")
    if any(need.values()):
        raise ValueError("break counts by queue are not all handed out")
    return [(offsets[i], [str(q) for q in queue_of[i]]) for i in range(len(units))]


def _match_by_search(
    matching: _Matching, seed: int, offsets: list[list[int]] | None = None
) -> list[Handout]:
    """Handouts matching the counts as closely as possible (a small CP-SAT model, exact when
    the counts can be met), with as few queue changes as possible; break offsets fixed to
    `offsets` when given."""
    model = cp_model.CpModel()
    units = matching.units
    serve = {
        (i, k, q): model.new_bool_var(f"serve_{i}_{k}_{q}")
        for i, u in enumerate(units)
        for k in range(len(u.blocks))
        for q in matching.queues
    }
    take = {
        (i, b, o): model.new_bool_var(f"take_{i}_{b}_{o}")
        for i, u in enumerate(units)
        for b, rule in enumerate(u.rules)
        for o in rule.offsets
        if offsets is None or offsets[i][b] == o
    }
    on = {
        (i, b, o, q): model.new_bool_var(f"on_{i}_{b}_{o}_{q}")
        for (i, b, o) in take
        for q in matching.queues
    }
    totals: dict[tuple[str, Hashable, str], list[Any]] = defaultdict(list)
    for i, unit in enumerate(units):
        for k, (block_id, _, _) in enumerate(unit.blocks):
            model.add_exactly_one(serve[(i, k, q)] for q in matching.queues)
            for q in matching.queues:
                totals[("serve", block_id, q)].append(serve[(i, k, q)])
        for b, rule in enumerate(unit.rules):
            allowed = [o for o in rule.offsets if (i, b, o) in take]
            model.add_exactly_one(take[(i, b, o)] for o in allowed)
            for o in allowed:
                totals[("take", (unit.option.key, b, o), "")].append(take[(i, b, o)])
                model.add(sum(on[(i, b, o, q)] for q in matching.queues) == take[(i, b, o)])
                cls = matching.break_class(unit, b, o)
                for q in matching.queues:
                    totals[("token", cls, q)].append(on[(i, b, o, q)])
                    for k in unit.touched(b, o):
                        model.add_implication(on[(i, b, o, q)], serve[(i, k, q)])
    targets: dict[tuple[str, Hashable, str], int] = {}
    for (block_id, q), v in matching.serve.items():
        targets[("serve", block_id, q)] = v
    for slot_break, v in matching.take.items():
        targets[("take", slot_break, "")] = v
    for (cls, q), v in matching.token.items():
        targets[("token", cls, q)] = v
    deviations: list[cp_model.IntVar] = []
    for name, terms in totals.items():
        gap = model.new_int_var(0, len(terms), f"gap_{len(deviations)}")
        model.add(sum(terms) - targets.get(name, 0) <= gap)
        model.add(targets.get(name, 0) - sum(terms) <= gap)
        deviations.append(gap)
    changes = []
    for i, unit in enumerate(units):
        for k in range(len(unit.blocks) - 1):
            for q in matching.queues:
                change = model.new_bool_var(f"change_{i}_{k}_{q}")
                model.add(serve[(i, k, q)] - serve[(i, k + 1, q)] <= change)
                changes.append(change)
    model.minimize(MISMATCH_WEIGHT * sum(deviations) + sum(changes))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = MATCH_WORK_LIMIT
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ValueError(f"no matching of the group's counts ({solver.status_name(status)})")
    return [
        (
            [
                next(
                    o
                    for o in rule.offsets
                    if (i, b, o) in take and solver.boolean_value(take[(i, b, o)])
                )
                for b, rule in enumerate(unit.rules)
            ],
            [
                next(q for q in matching.queues if solver.boolean_value(serve[(i, k, q)]))
                for k in range(len(unit.blocks))
            ],
        )
        for i, unit in enumerate(units)
    ]


def _slot_break_class(unit: _Unit, b: int, offset: int) -> Hashable:
    return (unit.option.key, b, offset)


def _phase_break_class(unit: _Unit, b: int, offset: int) -> Hashable:
    return (unit.option.template, b, unit.option.start + offset)


def _matchings(scenario: Scenario, catalogue: ShiftCatalogue, plan: SolvedPlan) -> list[_Matching]:
    """The plan's shifts grouped for matching: single-skilled slots, multi-skilled slots whose
    length is not a whole number of blocks, and multi-skilled phases."""
    block = scenario.queue_block_intervals()
    groups: dict[tuple[Any, ...], list[_Unit]] = defaultdict(list)
    for agent in scenario.agents:
        skill_group = frozenset(agent.skills)
        for shift in plan.shifts.get(agent.agent_id, []):
            spans = queue_blocks(shift.end - shift.start, block)
            rules = tuple(catalogue.breaks_of(shift, len(skill_group) > 1))
            ids: tuple[Hashable, ...]
            if catalogue.phase_routed(shift, len(skill_group) > 1):
                phase = shift.start % block
                ids = tuple(("B", (shift.start + first - phase) // block) for first, _ in spans)
                name: tuple[Any, ...] = (skill_group, "phase", phase)
            else:
                ids = tuple((shift.key, j) for j in range(len(spans)))
                name = (skill_group, "slot", shift.key)
            blocks = tuple((x, first, last) for x, (first, last) in zip(ids, spans, strict=True))
            groups[name].append(_Unit(agent.agent_id, shift, blocks, rules))
    serve: dict[tuple[Any, ...], dict[tuple[Hashable, str], int]] = defaultdict(dict)
    token: dict[tuple[Any, ...], dict[tuple[Hashable, str], int]] = defaultdict(dict)
    for (group, key, j, q), v in plan.blocks.items():
        serve[(group, "slot", key)][((key, j), q)] = v
    for (group, key, b, o, q), v in plan.block_breaks.items():
        token[(group, "slot", key)][((key, b, o), q)] = v
    for (group, phase, number, q), v in plan.phase_blocks.items():
        serve[(group, "phase", phase)][(("B", number), q)] = v
    for (group, phase, template, b, start, q), v in plan.phase_breaks.items():
        token[(group, "phase", phase)][((template, b, start), q)] = v
    takes: dict[SkillSet, dict[tuple[SlotKey, int, int], int]] = defaultdict(dict)
    for (group, key, b, o), v in plan.breaks.items():
        takes[group][(key, b, o)] = v
    out = []
    for name, units in groups.items():
        skills_of: SkillSet = name[0]
        queues = sorted(skills_of)
        out.append(
            _Matching(
                units=units,
                queues=queues,
                serve=serve.get(name, {}),
                take=takes.get(skills_of, {}),
                token=token.get(name, {}),
                break_class=_phase_break_class if name[1] == "phase" else _slot_break_class,
            )
        )
    return out


def _realise_blocks(
    scenario: Scenario, catalogue: ShiftCatalogue, plan: SolvedPlan, seed: int
) -> tuple[dict[tuple[str, int], dict[int, str]], dict[tuple[str, int], str]]:
    """(agent, day) -> {interval: break activity}, and (agent, interval) -> queue served, from
    the plan's break and queue-block counts."""
    skills = {a.agent_id: a.skills for a in scenario.agents}
    placed: dict[tuple[str, int], dict[int, str]] = defaultdict(dict)
    served: dict[tuple[str, int], str] = {}
    for matching in _matchings(scenario, catalogue, plan):
        handouts: list[Handout]
        if len(matching.queues) == 1:
            offsets = _hand_out_offsets(matching)
            handouts = [
                (offsets[i], [matching.queues[0]] * len(u.blocks))
                for i, u in enumerate(matching.units)
            ]
        else:
            try:
                handouts = _match_greedily(matching, skills)
            except ValueError:
                # Phase groups have separated breaks: which agent of a slot takes which offset
                # does not matter, so only the queues are searched.
                fixed = (
                    _hand_out_offsets(matching)
                    if matching.break_class is _phase_break_class
                    else None
                )
                handouts = _match_by_search(matching, seed, fixed)
        for unit, (chosen, names) in zip(matching.units, handouts, strict=True):
            shift = unit.option
            for rule, offset in zip(unit.rules, chosen, strict=True):
                for t in range(shift.start + offset, shift.start + offset + rule.length):
                    placed[(unit.agent_id, shift.day)][t] = rule.activity
            for (_, first, last), q in zip(unit.blocks, names, strict=True):
                for t in range(shift.start + first, shift.start + last):
                    served[(unit.agent_id, t)] = q
    return placed, served


def plan_to_roster(
    scenario: Scenario, catalogue: ShiftCatalogue, plan: SolvedPlan, seed: int = 0
) -> pd.DataFrame:
    """Roster rows (ROSTER_COLUMNS) of a solved plan: one row per contiguous activity; work rows
    carry the queue served, break rows an empty queue. `start`/`end` are local tz-aware.

    `seed` seeds the fallback matching model of a group whose counts the greedy matching cannot
    hand out exactly."""
    grid = catalogue.grid
    if scenario.queue_block_intervals() > 1:
        placed, served = _realise_blocks(scenario, catalogue, plan, seed)
    else:
        placed = _place_breaks(scenario, catalogue, plan)
        working: dict[int, list[str]] = defaultdict(list)
        for agent_id, shifts in plan.shifts.items():
            for o in shifts:
                breaks = placed.get((agent_id, o.day), {})
                for t in range(o.start, o.end):
                    if t not in breaks:
                        working[t].append(agent_id)
        served = _route(scenario, working, plan, grid.week_intervals)
    step = pd.Timedelta(minutes=grid.interval_minutes)
    origin = grid.starts[0]
    rows = []
    for agent_id in sorted(plan.shifts):
        for o in sorted(plan.shifts[agent_id], key=lambda s: s.start):
            breaks = placed.get((agent_id, o.day), {})
            labels = [
                (breaks[t], None) if t in breaks else ("work", served[(agent_id, t)])
                for t in range(o.start, o.end)
            ]
            run_start = o.start
            for i, label in enumerate(labels):
                last = i + 1 == len(labels)
                if last or labels[i + 1] != label:
                    rows.append(
                        {
                            "agent_id": agent_id,
                            "date": grid.date(o.day),
                            "activity": label[0],
                            "queue": label[1],
                            "start": origin + run_start * step,
                            "end": origin + (o.start + i + 1) * step,
                        }
                    )
                    run_start = o.start + i + 1
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS)
    if not frame.empty:
        frame["start"] = frame["start"].dt.tz_convert(grid.timezone)
        frame["end"] = frame["end"].dt.tz_convert(grid.timezone)
    return frame
