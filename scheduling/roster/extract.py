"""Turn a solved model into roster rows: hand the anonymous break and routing counts to the
named agents working each slot, then merge each agent's intervals into contiguous activities."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from features.schema import ROSTER_COLUMNS
from scheduling.roster.model import SkillSet, SlotKey
from scheduling.roster.options import ShiftCatalogue, ShiftOption
from scheduling.roster.scenario import Scenario


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
        (skill set, queue, interval index) -> agents of that set serving the queue then.
    """

    shifts: Mapping[str, list[ShiftOption]]
    breaks: Mapping[tuple[SkillSet, SlotKey, int, int], int]
    routes: Mapping[tuple[SkillSet, str, int], int]


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


def plan_to_roster(scenario: Scenario, catalogue: ShiftCatalogue, plan: SolvedPlan) -> pd.DataFrame:
    """Roster rows (ROSTER_COLUMNS) of a solved plan: one row per contiguous activity; work rows
    carry the queue served, break rows an empty queue. `start`/`end` are local tz-aware."""
    grid = catalogue.grid
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
