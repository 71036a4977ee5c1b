"""Decomposition for large centres: choose anonymous shift counts first, then let the named
agents model pick only among the slots the counts use (breaks and routing stay in it)."""

from __future__ import annotations

from collections.abc import Mapping

from scheduling.roster_model import SkillSet, SlotKey, skill_set
from scheduling.roster_options import ShiftCatalogue, ShiftOption
from scheduling.roster_precheck import most_days
from scheduling.scenario import Scenario

DECOMPOSE_ABOVE_AGENTS = 600
"""Centres with more agents than this are solved in two stages."""


def restrict_options(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    counts: Mapping[tuple[SkillSet, SlotKey], int],
    neighbours: int = 1,
) -> dict[str, list[ShiftOption]]:
    """Each agent's allowed slots cut down to those the first stage used for its skill set
    (and slots within `neighbours` start steps of them, for room to fit contracts).

    An agent whose cut-down slots could no longer reach its contract's minimum keeps all its
    slots, so the restriction never makes a feasible scenario infeasible for that reason.
    """
    used: dict[SkillSet, set[tuple[int, str, int]]] = {}
    for (group, key), n in counts.items():
        if n > 0:
            used.setdefault(group, set()).add(key)
    starts_by_template: dict[tuple[int, str], list[int]] = {}
    for day, template, start in catalogue.slots:
        starts_by_template.setdefault((day, template), []).append(start)
    for values in starts_by_template.values():
        values.sort()
    widened: dict[SkillSet, set[tuple[int, str, int]]] = {}
    for group, keys in used.items():
        out = set(keys)
        for day, template, start in keys:
            starts = starts_by_template[(day, template)]
            i = starts.index(start)
            for j in range(max(0, i - neighbours), min(len(starts), i + neighbours + 1)):
                out.add((day, template, starts[j]))
        widened[group] = out
    restricted: dict[str, list[ShiftOption]] = {}
    for agent in scenario.agents:
        allowed = catalogue.by_agent[agent.agent_id]
        keep = widened.get(skill_set(agent), set())
        cut = [o for o in allowed if o.key in keep]
        if _reachable_minutes(cut, agent.contract.max_days, scenario) < agent.contract.min_minutes:
            cut = list(allowed)
        restricted[agent.agent_id] = cut
    return restricted


def _reachable_minutes(options: list[ShiftOption], max_days: int, scenario: Scenario) -> int:
    longest: dict[int, int] = {}
    for o in options:
        longest[o.day] = max(longest.get(o.day, 0), o.minutes)
    days = most_days(max_days, scenario.rules.max_consecutive_days)
    return sum(sorted(longest.values(), reverse=True)[:days])
