"""Decomposition for large centres: the named agents' shifts come from the greedy
agent-by-agent search first (see :mod:`scheduling.roster.hint`); CP-SAT then only places
breaks and routes queues over those shifts (and may drop surplus shifts the contracts allow)."""

from __future__ import annotations

from collections.abc import Mapping

from ortools.sat.python import cp_model

from scheduling.roster.budget import SearchBudget
from scheduling.roster.model import build_roster_model
from scheduling.roster.objective import CellKey, CellValue
from scheduling.roster.options import ShiftCatalogue, ShiftOption
from scheduling.roster.scenario import Scenario

DECOMPOSE_ABOVE_AGENTS = 600
"""Centres with more agents than this are solved in stages (shifts first, then breaks and
routing)."""
BOUND_SHARE = 0.03
"""Share of the work budget spent on the relaxation that gives the reported lower bound."""


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


def relaxation_bound(
    scenario: Scenario,
    catalogue: ShiftCatalogue,
    values: Mapping[CellKey, CellValue],
    budget: SearchBudget,
    work: float,
) -> float:
    """A valid lower bound on the roster objective from the anonymous shift-count relaxation
    (per skill set: slot counts, breaks and routing, with the agents' minutes, days and
    per-slot availability only in aggregate). Preferences and fairness are bounded by 0.

    Returns 0.0 when the relaxation gives nothing better within `work` deterministic units
    (one worker: deterministic).
    """
    rm = build_roster_model(scenario, catalogue, values, anonymous=True)
    solver = cp_model.CpSolver()
    budget.prepare(solver, work)
    status = solver.solve(rm.model)
    budget.charge(solver, status, "relaxation bound")
    if status == cp_model.OPTIMAL:
        return float(solver.objective_value)
    if status == cp_model.FEASIBLE or status == cp_model.UNKNOWN:
        return max(0.0, float(solver.best_objective_bound))
    return 0.0
