"""The roster objective, defined once: every weight and penalty, the priority -> weight formula,
the valuation of coverage by the service it buys, the preference and fairness tests, and the
recomputation of the objective on a finished roster.

The CP-SAT model (:mod:`scheduling.roster.model`), the greedy hint (:mod:`scheduling.roster.hint`),
the day re-timing (:mod:`scheduling.roster.refine`), the solver's recomputation on the finished
roster (:func:`plan_objective_terms`) and the report (:mod:`scheduling.roster.report`) all take
their terms from here, so the value the solver minimises and the value reported for a roster are
the same function. (The extraction of roster rows needs none: it hands the solver's counts to
named agents exactly.)

Coverage. Each (queue, interval) that needs ``N`` agents gets a :class:`CellValue`: the weight of
the 1st, 2nd, ... N-th agent there, non-increasing, so the penalty of a shortfall is convex
(the k-th missing agent costs at least as much as the one before) and scarce agents go where
they buy the most:

* with a forecast and service targets, the weight of an agent is the gain in expected service
  level (Erlang C, or Erlang A with a patience, after shrinkage) it brings to that interval,
  carried down below the stable point (:func:`carried_gains`), times :data:`SERVICE_WEIGHT` x
  priority. Every interval's service counts alike, as in the share of intervals meeting the
  target that planners report, so a small queue's agents are not outweighed by a large
  queue's just because it has more contacts;
* with requirements alone, the j-th missing agent of ``N`` costs
  ``UNDER_WEIGHT x priority x (1 + j / N)``: the base weight plus the share of the requirement
  missing, so a shortfall is spread in proportion to the requirement, small queues included.

No weight is below :data:`UNDER_FLOOR`, which keeps under-coverage ahead of over-coverage
(:data:`OVER_WEIGHT` per agent-interval), preferences and fairness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.calendar import WEEKDAYS
from scheduling.erlang import queue_metrics
from scheduling.roster.options import ShiftOption, WeekGrid, build_week_grid
from scheduling.roster.replan import kept_intervals, kept_shifts
from scheduling.roster.scenario import Agent, Rules, Scenario, ServiceTarget, clock_minutes

CellKey = tuple[str, int]
"""(queue, grid interval index)."""

UNDER_WEIGHT = 1000
"""Base weight of one missing agent-interval on a queue of priority 1 (requirements alone)."""
SERVICE_WEIGHT = 20_000
"""Weight of one whole unit (100 percentage points) of expected service level in one interval on
a queue of priority 1."""
UNDER_FLOOR = 100
"""Least weight of one missing agent-interval."""
OVER_WEIGHT = 10
"""Objective weight of one agent-interval of over-coverage."""
PREFERENCE_WEIGHT = 1
"""Objective weight of one shift against an agent's preferences."""
FAIRNESS_WEIGHT = 1
"""Objective weight of one unit of the largest per-agent count of weekend/early/late shifts."""

CHANGE_WEIGHT = 50
"""Objective weight of one agent-interval a re-plan changes from the kept (published) shifts:
below every shortfall weight (:data:`UNDER_FLOOR`), so a change that fills a gap is made, and
above over-coverage, preferences and fairness, so no change is made for them alone."""

FAIRNESS_KINDS = ("weekend", "early", "late")
"""The shift kinds shared out evenly: weekend days, early starts and late ends."""


@dataclass(frozen=True)
class CellValue:
    """What each agent is worth in one (queue, interval).

    Attributes
    ----------
    weights:
        ``weights[k]``: objective weight of the (k+1)-th agent, for k = 0 .. need - 1;
        non-increasing (a convex shortfall penalty).
    service:
        Expected service level (0..1) with 0 .. need agents, when the cell has a forecast.
    """

    weights: tuple[int, ...]
    service: tuple[float, ...] | None = None

    @property
    def need(self) -> int:
        """Agents required."""
        return len(self.weights)

    def penalty(self, have: int) -> int:
        """Shortfall penalty with `have` agents scheduled (0 once the need is met)."""
        return int(sum(self.weights[max(0, have) :]))

    def gain(self, have: int) -> int:
        """Objective gain of one more agent on top of `have`: its weight while short, minus
        the over-coverage weight once the need is met."""
        return self.weights[have] if 0 <= have < self.need else -OVER_WEIGHT


def requirement_weights(need: int, priority: float) -> tuple[int, ...]:
    """Weights of the 1st .. `need`-th agent of a requirement without a forecast.

    The j-th missing agent (counted from the requirement down) costs
    ``UNDER_WEIGHT x priority x (1 + j / need)``; returned in agent order (first agent first,
    which is the `need`-th missing one), so non-increasing.
    """
    base = UNDER_WEIGHT * priority
    return tuple(max(UNDER_FLOOR, round(base * (1.0 + (need - k) / need))) for k in range(need))


def carried_gains(levels: Sequence[float] | np.ndarray) -> np.ndarray:
    """Gains of the 1st .. N-th agent from the expected service level with 0 .. N agents, each
    at least the gain of the agent above it.

    Near the target the gain is the curve's own (Erlang C is concave above the stable point);
    further down, where the curve flattens into overload (no service until the queue is
    stable), an agent is worth no less than the one above it, so the shortfall penalty is
    convex and the first agents missing on a large queue are valued at what they really cost.
    """
    gains = np.maximum(np.diff(np.asarray(levels, dtype=float)), 0.0)
    return np.maximum.accumulate(gains[::-1])[::-1]


def service_weights(levels: Sequence[float] | np.ndarray, priority: float) -> tuple[int, ...]:
    """Weights of the 1st .. N-th agent from the expected service level with 0 .. N agents:
    :func:`carried_gains` in :data:`SERVICE_WEIGHT` units per whole service level, times the
    queue's priority, at least :data:`UNDER_FLOOR`."""
    return tuple(
        max(UNDER_FLOOR, round(SERVICE_WEIGHT * priority * g)) for g in carried_gains(levels)
    )


def expected_service_levels(
    agents: Sequence[float] | np.ndarray,
    volume: float | np.ndarray,
    aht_s: float | np.ndarray,
    target: ServiceTarget,
    interval_minutes: int,
) -> np.ndarray:
    """Expected service level with `agents` scheduled in an interval (arrays broadcast).

    Parameters
    ----------
    agents:
        Scheduled agents on the queue; ``agents x (1 - shrinkage)`` are productive.
    volume:
        Contacts offered in the interval.
    aht_s:
        Mean handle time, seconds.
    target:
        Threshold (s), shrinkage and patience (s; Erlang A when set, else Erlang C).
    interval_minutes:
        Interval length, minutes.

    Returns
    -------
    numpy.ndarray
        Share of contacts answered within the threshold (1.0 where there are no contacts).
    """
    counts, volumes, handle = np.broadcast_arrays(
        np.asarray(agents, dtype=float),
        np.asarray(volume, dtype=float),
        np.asarray(aht_s, dtype=float),
    )
    busy = (volumes > 0) & (handle > 0)
    levels = np.ones(counts.shape)
    if not busy.any():
        return levels
    productive = counts[busy] * (1.0 - target.shrinkage)
    patience = None if target.patience_s is None else np.full(productive.shape, target.patience_s)
    metrics = queue_metrics(
        productive,
        volumes[busy] / (interval_minutes * 60.0),
        handle[busy],
        target.threshold_s,
        patience_s=patience,
        with_asa=False,
    )
    levels[busy] = np.where(productive > 0, metrics.service_level, 0.0)
    return levels


def forecast_cells(scenario: Scenario, grid: WeekGrid) -> dict[CellKey, tuple[float, float]]:
    """(volume in contacts, aht_s in seconds) per (queue, interval) of the scenario's forecast."""
    out: dict[CellKey, tuple[float, float]] = {}
    for row in scenario.forecast or []:
        at = pd.Timestamp(row.interval_start).tz_convert(scenario.timezone)
        out[(row.queue, grid.index_of(at))] = (float(row.volume), float(row.aht_s))
    return out


def coverage_values(
    scenario: Scenario, required: Mapping[CellKey, int], grid: WeekGrid
) -> dict[CellKey, CellValue]:
    """The value of each agent in every (queue, interval) that needs agents.

    Parameters
    ----------
    scenario:
        Gives queue priorities, the forecast and service targets, the interval length.
    required:
        Agents needed per (queue, grid interval index).
    grid:
        The week's grid (to place forecast rows).

    Returns
    -------
    dict
        (queue, interval index) -> :class:`CellValue`, valued by expected service where the
        forecast has the cell with contacts, else by the requirement-only convex penalty.
    """
    priority = {q.name: q.priority for q in scenario.queues}
    forecast = forecast_cells(scenario, grid)
    values: dict[CellKey, CellValue] = {}
    for cell, need in sorted(required.items()):
        if need <= 0:
            continue
        queue = cell[0]
        volume, aht_s = forecast.get(cell, (0.0, 0.0))
        if volume > 0 and aht_s > 0:
            levels = expected_service_levels(
                np.arange(need + 1),
                volume,
                aht_s,
                scenario.service_for(queue),
                scenario.interval_minutes,
            )
            values[cell] = CellValue(
                service_weights(levels, priority[queue]), tuple(float(v) for v in levels)
            )
        else:
            values[cell] = CellValue(requirement_weights(need, priority[queue]))
    return values


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


def weighted_total(
    weighted_under: Any, over: Any, preferences: Any, fairness: Any, changes: Any = 0
) -> Any:
    """The objective from its terms (numbers or CP-SAT linear expressions alike); `changes`:
    agent-intervals changed from a re-plan's kept shifts."""
    return (
        weighted_under
        + OVER_WEIGHT * over
        + PREFERENCE_WEIGHT * preferences
        + FAIRNESS_WEIGHT * fairness
        + CHANGE_WEIGHT * changes
    )


def changed_intervals(option: ShiftOption, kept: set[int]) -> int:
    """How much choosing `option` changes an agent's week from its `kept` intervals (grid
    indices): its intervals outside them less those it keeps. With the agent's kept intervals
    added once, the sum over their chosen shifts is the changed agent-intervals,
    ``|kept XOR worked|``."""
    span = range(option.start, option.end)
    inside = sum(1 for t in span if t in kept)
    return len(span) - 2 * inside


def plan_objective_terms(
    scenario: Scenario,
    shifts: Mapping[str, list[ShiftOption]],
    scheduled: Iterable[tuple[CellKey, int]],
    values: Mapping[CellKey, CellValue],
    week_start_weekday: int,
) -> dict[str, float]:
    """The objective's terms measured on a finished roster (the same definitions as the model).

    Parameters
    ----------
    shifts:
        Shifts worked per agent.
    scheduled:
        ((queue, interval index), agents scheduled) for every queue and interval of the week.
    values:
        :func:`coverage_values` of the cells that need agents.

    Returns
    -------
    dict
        under_coverage, over_coverage (agent-intervals), weighted_under_coverage (the
        service-valued shortfall penalty), preferences (broken), fairness (sum of the largest
        per-agent weekend/early/late counts), and ``objective`` (the weighted total).
    """
    under = over = weighted = 0
    for cell, have in scheduled:
        value = values.get(cell)
        need = value.need if value is not None else 0
        under += max(0, need - have)
        over += max(0, have - need)
        if value is not None:
            weighted += value.penalty(have)
    tests = fairness_tests(scenario.rules, week_start_weekday)
    prefs = 0
    counts: dict[str, list[int]] = {kind: [0] for kind in FAIRNESS_KINDS}
    for agent in scenario.agents:
        mine = shifts.get(agent.agent_id, [])
        prefs += sum(preferences_broken(agent, o, week_start_weekday) for o in mine)
        for kind, test in tests.items():
            counts[kind].append(sum(test(o) for o in mine))
    fairness = sum(max(values) for values in counts.values())
    changes = changed_agent_intervals(scenario, shifts)
    terms = {
        "under_coverage": float(under),
        "over_coverage": float(over),
        "weighted_under_coverage": float(weighted),
        "preferences": float(prefs),
        "fairness": float(fairness),
        "objective": float(weighted_total(weighted, over, prefs, fairness, changes)),
    }
    if kept_shifts(scenario):
        terms["changes"] = float(changes)
    return terms


def changed_agent_intervals(scenario: Scenario, shifts: Mapping[str, list[ShiftOption]]) -> int:
    """Agent-intervals at work in `shifts` or in the scenario's kept shifts but not both (0
    without kept shifts: a plain solve)."""
    if not kept_shifts(scenario):
        return 0
    kept = kept_intervals(scenario, build_week_grid(scenario))
    total = 0
    for agent in scenario.agents:
        mine = kept.get(agent.agent_id, set())
        total += len(mine) + sum(changed_intervals(o, mine) for o in shifts.get(agent.agent_id, []))
    return total
