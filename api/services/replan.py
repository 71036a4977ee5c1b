"""Re-planning a published week: the roster's scenario with the approved time off added and the
published shifts to keep (:mod:`scheduling.roster.replan`), solved as a new roster job; and the
changes a re-planned roster makes, per agent.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from features.calendar import local_midnight
from features.store.people_store import PeopleStore
from features.store.service_store import ServiceStore
from features.store.tables.service import Roster
from scheduling.roster.builder import contract_after_leave
from scheduling.roster.replan import (
    KEEP_FIELD,
    changed_agent_intervals,
    keep_entries,
    shift_changes,
)


def week_bounds(scenario: Mapping[str, Any]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The scenario's local week as ``[start, end)`` instants (one spill-over day included, for
    shifts that end after midnight)."""
    start = local_midnight(str(scenario["week_start"]), str(scenario["timezone"]))
    return start, local_midnight(
        (start + pd.Timedelta(days=8)).date().isoformat(), str(scenario["timezone"])
    )


def with_leave(
    scenario: Mapping[str, Any], approved: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """`scenario` with each agent's approved leave days of its week added to their
    ``time_off`` (their contract minimum and days adjusted by
    :func:`scheduling.roster.builder.contract_after_leave`); also returns the days added."""
    out = copy.deepcopy(dict(scenario))
    first = dt.date.fromisoformat(str(out["week_start"]))
    week = {(first + dt.timedelta(days=n)).isoformat() for n in range(7)}
    added: dict[str, list[str]] = {}
    for agent in out.get("agents", []):
        known = {str(d) for d in agent.get("time_off") or []}
        new = sorted(d for d in approved.get(str(agent["agent_id"]), []) if d in week - known)
        if not new:
            continue
        agent["time_off"] = sorted(known | set(new))
        contract = agent.setdefault("contract", {})
        contract["min_minutes"], contract["max_days"] = contract_after_leave(
            int(contract.get("min_minutes", 0)), int(contract.get("max_days", 5)), len(new)
        )
        added[str(agent["agent_id"])] = new
    return out, added


def replan_scenario(
    roster: Roster,
    service: ServiceStore,
    people: PeopleStore,
    locked: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The scenario re-planning `roster`'s week: approved time off added, the agents'
    currently published shifts of the week kept (`locked` ones fixed); and the leave days
    added per agent."""
    base = {k: v for k, v in (roster.scenario or {}).items() if k != KEEP_FIELD}
    agents = [str(a["agent_id"]) for a in base.get("agents", [])]
    scenario, added = with_leave(base, people.approved_days(agents))
    low, high = week_bounds(scenario)
    published = service.read_schedule(agents, low.to_pydatetime(), high.to_pydatetime())
    scenario[KEEP_FIELD] = keep_entries(published, locked)
    return scenario, added


def roster_changes(roster: Roster) -> list[dict[str, Any]]:
    """Per agent, what a re-planned roster changes from the shifts its scenario kept:
    ``agent_id``, ``changed_intervals`` (agent-intervals whose at-work state differs),
    ``removed`` and ``added`` shifts."""
    scenario = roster.scenario or {}
    kept = pd.DataFrame(scenario.get(KEEP_FIELD) or [], columns=["agent_id", "start", "end"])
    rows = pd.DataFrame(roster.rows or [], columns=["agent_id", "start", "end"])
    for frame in (kept, rows):
        frame["start"] = pd.to_datetime(frame["start"], utc=True)
        frame["end"] = pd.to_datetime(frame["end"], utc=True)
    minutes = int(scenario.get("interval_minutes", 15))
    counts = changed_agent_intervals(kept, rows, minutes)
    shifts = shift_changes(kept, rows)
    return [
        {"agent_id": agent, "changed_intervals": counts.get(agent, 0), **shifts[agent]}
        for agent in sorted(shifts)
    ]
