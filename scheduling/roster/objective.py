"""The roster objective, defined once: every weight and penalty, the priority -> weight formula,
the preference and fairness tests, and the recomputation of the objective on a finished roster.

The CP-SAT model (:mod:`scheduling.roster.model`), the greedy hint (:mod:`scheduling.roster.hint`),
the day re-timing (:mod:`scheduling.roster.refine`) and the solver's report all take their terms
from here, so the value the solver minimises and the value reported for a roster are the same
function.

The objective minimises priority-weighted under-coverage first (:data:`UNDER_WEIGHT` x priority
per agent-interval), then over-coverage, then soft preferences and fairness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from features.calendar import WEEKDAYS
from scheduling.roster.options import ShiftOption
from scheduling.roster.scenario import Agent, Rules, Scenario, clock_minutes

UNDER_WEIGHT = 1000
"""Objective weight of one agent-interval of under-coverage on a queue of priority 1."""
OVER_WEIGHT = 10
"""Objective weight of one agent-interval of over-coverage."""
PREFERENCE_WEIGHT = 1
"""Objective weight of one shift against an agent's preferences."""
FAIRNESS_WEIGHT = 1
"""Objective weight of one unit of the largest per-agent count of weekend/early/late shifts."""

FAIRNESS_KINDS = ("weekend", "early", "late")
"""The shift kinds shared out evenly: weekend days, early starts and late ends."""


def under_weight(priority: float) -> int:
    """Objective weight of one agent-interval of under-coverage on a queue of `priority`."""
    return max(1, round(UNDER_WEIGHT * priority))


def queue_under_weights(scenario: Scenario) -> dict[str, int]:
    """Under-coverage weight per queue (scenario order)."""
    return {q.name: under_weight(q.priority) for q in scenario.queues}


def weekday_of(option: ShiftOption, week_start_weekday: int) -> str:
    """Weekday (``"mon"`` .. ``"sun"``) of the local day a shift starts on."""
    return WEEKDAYS[(week_start_weekday + option.day) % 7]


def on_preferred_day_off(agent: Agent, option: ShiftOption, week_start_weekday: int) -> bool:
    """Whether the shift falls on one of the agent's preferred days off."""
    return weekday_of(option, week_start_weekday) in agent.preferences.days_off


def outside_preferred_start(agent: Agent, option: ShiftOption) -> bool:
    """Whether the shift starts before `start_after` or after `start_before` (local clock)."""
    prefs = agent.preferences
    if prefs.start_after is not None and option.start_clock < clock_minutes(prefs.start_after):
        return True
    return prefs.start_before is not None and option.start_clock > clock_minutes(prefs.start_before)


def preferences_broken(agent: Agent, option: ShiftOption, week_start_weekday: int) -> int:
    """Preferences a shift breaks (0, 1 or 2): a preferred day off, the preferred start window."""
    return int(on_preferred_day_off(agent, option, week_start_weekday)) + int(
        outside_preferred_start(agent, option)
    )


def fairness_tests(
    rules: Rules, week_start_weekday: int
) -> dict[str, Callable[[ShiftOption], bool]]:
    """Per fairness kind, the test of a shift: weekend day, early start, late end."""
    early = clock_minutes(rules.early_start_before)
    late = clock_minutes(rules.late_end_after)
    return {
        "weekend": lambda o: weekday_of(o, week_start_weekday) in ("sat", "sun"),
        "early": lambda o: o.start_clock < early,
        "late": lambda o: o.end_clock > late,
    }


def weighted_total(weighted_under: Any, over: Any, preferences: Any, fairness: Any) -> Any:
    """The objective from its terms (numbers or CP-SAT linear expressions alike)."""
    return (
        weighted_under
        + OVER_WEIGHT * over
        + PREFERENCE_WEIGHT * preferences
        + FAIRNESS_WEIGHT * fairness
    )


def plan_objective_terms(
    scenario: Scenario,
    shifts: Mapping[str, list[ShiftOption]],
    coverage_gaps: Iterable[tuple[str, int]],
    week_start_weekday: int,
) -> dict[str, float]:
    """The objective's terms measured on a finished roster (the same definitions as the model).

    Parameters
    ----------
    shifts:
        Shifts worked per agent.
    coverage_gaps:
        (queue, scheduled - required) per queue and interval, in agents.

    Returns
    -------
    dict
        under_coverage, over_coverage (agent-intervals), weighted_under_coverage, preferences,
        fairness, and ``objective`` (the weighted total).
    """
    weights = queue_under_weights(scenario)
    under = over = weighted = 0.0
    for queue, gap in coverage_gaps:
        if gap < 0:
            under -= gap
            weighted -= gap * weights[queue]
        else:
            over += gap
    tests = fairness_tests(scenario.rules, week_start_weekday)
    prefs = 0
    counts: dict[str, list[int]] = {kind: [0] for kind in FAIRNESS_KINDS}
    for agent in scenario.agents:
        mine = shifts.get(agent.agent_id, [])
        prefs += sum(preferences_broken(agent, o, week_start_weekday) for o in mine)
        for kind, test in tests.items():
            counts[kind].append(sum(test(o) for o in mine))
    fairness = float(sum(max(values) for values in counts.values()))
    return {
        "under_coverage": under,
        "over_coverage": over,
        "weighted_under_coverage": weighted,
        "preferences": float(prefs),
        "fairness": fairness,
        "objective": weighted_total(weighted, over, prefs, fairness),
    }
