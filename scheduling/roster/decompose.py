"""Decomposition for large centres: the named agents' shifts come from the greedy
agent-by-agent search first (see :mod:`scheduling.roster.hint`); CP-SAT then only places
breaks and routes queues over those shifts (and may drop surplus shifts the contracts allow)."""

from __future__ import annotations

from collections.abc import Mapping

from scheduling.roster.options import ShiftCatalogue, ShiftOption

DECOMPOSE_ABOVE_AGENTS = 600
"""Centres with more agents than this are solved in stages (shifts first, then breaks and
routing)."""


def restrict_to_chosen(
    catalogue: ShiftCatalogue,
    options: Mapping[str, list[ShiftOption]],
    chosen: Mapping[str, list[ShiftOption]],
    neighbours: int = 0,
) -> dict[str, list[ShiftOption]]:
    """Each agent's allowed slots cut down to its chosen shifts (and, with `neighbours` > 0,
    the allowed slots of the same day and template within that many start steps)."""
    starts: dict[tuple[int, str], list[int]] = {}
    for day, template, start in catalogue.slots:
        starts.setdefault((day, template), []).append(start)
    for values in starts.values():
        values.sort()
    restricted: dict[str, list[ShiftOption]] = {}
    for agent_id, allowed in options.items():
        keep = set()
        for o in chosen.get(agent_id, []):
            row = starts[(o.day, o.template)]
            i = row.index(o.start)
            for j in range(max(0, i - neighbours), min(len(row), i + neighbours + 1)):
                keep.add((o.day, o.template, row[j]))
        restricted[agent_id] = [o for o in allowed if o.key in keep]
    return restricted
