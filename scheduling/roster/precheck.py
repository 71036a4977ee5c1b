"""Cheap per-agent checks run before solving: a contract that no week of shifts can fill."""

from __future__ import annotations

from collections.abc import Mapping

from features.errors import Conflict
from scheduling.roster.options import ShiftOption
from scheduling.roster.scenario import Scenario


def most_days(max_days: int, max_consecutive_days: int) -> int:
    """The most days an agent can work in 7 with both day limits."""
    pattern_limit = 7 - 7 // (max_consecutive_days + 1)
    return min(max_days, pattern_limit)


def precheck_agents(scenario: Scenario, options: Mapping[str, list[ShiftOption]]) -> list[Conflict]:
    """Agents whose `min_minutes` exceeds the most minutes their shifts can give.

    The bound takes the longest allowed shift of each day (after availability, time off and
    contract templates) over the best `max_days` days (also capped by max_consecutive_days).

    Returns
    -------
    list of Conflict
        One per agent that cannot reach its contract's minimum, naming the rules involved.
    """
    conflicts = []
    for agent in scenario.agents:
        contract = agent.contract
        if contract.min_minutes == 0:
            continue
        longest: dict[int, int] = {}
        for o in options[agent.agent_id]:
            if o.minutes <= contract.max_minutes:
                longest[o.day] = max(longest.get(o.day, 0), o.minutes)
        days = most_days(contract.max_days, scenario.rules.max_consecutive_days)
        best = sum(sorted(longest.values(), reverse=True)[:days])
        if best < contract.min_minutes:
            detail = (
                f"agent {agent.agent_id}: contract.min_minutes {contract.min_minutes} > at most "
                f"{best} minutes from "
                f"{len(longest)} available day(s) (availability, time_off, contract.templates, "
                f"contract.max_days {contract.max_days}, rules.max_consecutive_days "
                f"{scenario.rules.max_consecutive_days})"
            )
            conflicts.append(
                Conflict("contract.min_minutes vs availability", detail, [agent.agent_id])
            )
    return conflicts
