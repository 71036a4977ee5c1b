"""A solved roster in planner units: :func:`roster_report` and :class:`RosterReport`.

Instead of an objective value and a gap, a planner reads: how many intervals are short on each
queue and by how much (agent-intervals and agent-hours), the hours scheduled above requirement,
the expected service where the scenario has a forecast, the preferences broken, each agent's
weekend, early and late shifts against the team's mean, how often multi-skilled agents change
queue, and what it would take to meet the target ("2 more NE-skilled agents Tue–Thu
09:00–13:00") — plus one plain-English paragraph saying all that.

Everything is read from the roster rows and the coverage table, with the objective module's
definitions (:mod:`scheduling.roster.objective`) of preferences, fairness and expected service.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.calendar import WEEKDAYS
from scheduling.roster.checks import roster_shifts
from scheduling.roster.objective import (
    FAIRNESS_KINDS,
    expected_service_levels,
    fairness_tests,
    forecast_cells,
    on_preferred_day_off,
    outside_preferred_start,
)
from scheduling.roster.options import build_week_grid
from scheduling.roster.scenario import Scenario, clock_minutes

MERGE_GAP_MINUTES = 30
"""Short intervals of one queue and day at most this far apart (end to start) make one staffing
gap."""
SUMMARY_GAPS = 3
"""Staffing gaps named in the summary (all are in :attr:`RosterReport.gaps`)."""


@dataclass(frozen=True)
class SearchSummary:
    """How the search ended: CP-SAT status (or ``GREEDY``), reproducibility, seed, work (CP-SAT
    deterministic units) and seconds."""

    status: str
    reproducible: bool
    seed: int
    work_limit: float
    work_used: float
    seconds: float


@dataclass(frozen=True)
class QueueCoverage:
    """Coverage of one queue over the week.

    Attributes
    ----------
    required_agent_intervals:
        Agents required, summed over the week's intervals.
    intervals_short, agent_intervals_short, hours_short:
        Intervals with fewer agents than required; the missing agents summed over them; the
        same in agent-hours.
    intervals_over, agent_intervals_over, hours_over:
        The same above requirement.
    worst_interval, worst_short:
        Start (ISO, local) of the interval missing most agents, and how many (None, 0 if none).
    service_level:
        Volume-weighted expected service level at the scheduled agents (forecast scenarios).
    intervals_meeting_target:
        Share of intervals with contacts whose expected service level meets the queue's target
        (forecast scenarios).
    """

    queue: str
    required_agent_intervals: int
    intervals_short: int
    agent_intervals_short: int
    hours_short: float
    intervals_over: int
    agent_intervals_over: int
    hours_over: float
    worst_interval: str | None
    worst_short: int
    service_level: float | None = None
    intervals_meeting_target: float | None = None


@dataclass(frozen=True)
class StaffingGap:
    """Extra agents that would close a recurring shortfall.

    Attributes
    ----------
    queue:
        The skill needed.
    days:
        Local dates (ISO) with this shortfall window.
    start, end:
        Local clock times of the window (``"09:00"``, ``"13:00"``).
    agents:
        Most agents missing at once in the window (the extra agents needed).
    agent_hours:
        Missing agent-hours over all its days.
    text:
        ``"2 more NE-skilled agents Tue–Thu 09:00–13:00"``.
    """

    queue: str
    days: list[str]
    start: str
    end: str
    agents: int
    agent_hours: float
    text: str


@dataclass(frozen=True)
class PreferenceBreak:
    """One shift against an agent's preferences."""

    agent_id: str
    date: str
    preference: str


@dataclass(frozen=True)
class AgentFairness:
    """An agent's weekend days, early starts and late ends, and their team's means."""

    agent_id: str
    team: str
    weekend: int
    early: int
    late: int
    team_weekend: float
    team_early: float
    team_late: float


@dataclass(frozen=True)
class RosterReport:
    """A roster in planner units. See the module docstring; `summary` says it in one paragraph.

    Attributes
    ----------
    search:
        How the search ended (:class:`SearchSummary`).
    required_agent_intervals, agent_intervals_short, hours_short, agent_intervals_over,
    hours_over:
        Week totals over all queues.
    coverage_share:
        Share of the required agent-intervals scheduled (1.0 when nothing is required).
    scheduled_hours, paid_hours:
        Agent-hours at work on queues, and of whole shifts (breaks included).
    queues:
        Per queue (:class:`QueueCoverage`).
    gaps:
        What it would take to meet the requirement (:class:`StaffingGap`), largest first.
    hours_short_by_skill:
        Missing agent-hours per queue.
    preferences:
        Every shift against a preference (:class:`PreferenceBreak`).
    fairness:
        Per agent (:class:`AgentFairness`).
    most_queue_changes:
        Most queue changes within one shift.
    headline:
        One line: status and coverage.
    summary:
        The plain-English paragraph.
    """

    search: SearchSummary
    required_agent_intervals: int
    agent_intervals_short: int
    hours_short: float
    agent_intervals_over: int
    hours_over: float
    coverage_share: float
    scheduled_hours: float
    paid_hours: float
    queues: list[QueueCoverage] = field(default_factory=list)
    gaps: list[StaffingGap] = field(default_factory=list)
    hours_short_by_skill: dict[str, float] = field(default_factory=dict)
    preferences: list[PreferenceBreak] = field(default_factory=list)
    fairness: list[AgentFairness] = field(default_factory=list)
    most_queue_changes: int = 0
    headline: str = ""
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready built-in types."""
        return dataclasses.asdict(self)


def _hours(agent_intervals: float, interval_minutes: int) -> float:
    return float(round(agent_intervals * interval_minutes / 60.0, 2))


def _day_label(date: pd.Timestamp) -> str:
    return WEEKDAYS[date.weekday()].capitalize()


def _day_runs(dates: Sequence[pd.Timestamp]) -> str:
    """``"Tue–Thu"``, ``"Mon, Wed–Fri"``: consecutive local dates collapsed into runs."""
    ordered = sorted(dates)
    runs: list[list[pd.Timestamp]] = []
    for d in ordered:
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        first, last = _day_label(run[0]), _day_label(run[-1])
        parts.append(first if len(run) == 1 else f"{first}–{last}")
    return ", ".join(parts)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def staffing_gaps(coverage: pd.DataFrame, interval_minutes: int) -> list[StaffingGap]:
    """Recurring shortfall windows per queue, as extra agents needed (largest first).

    Within each local day, short intervals of a queue at most :data:`MERGE_GAP_MINUTES` apart
    form a window needing its peak shortfall in extra agents; windows with the same queue, clock
    times and agents on several days are one gap over those days.
    """
    short = coverage[coverage["gap"] < 0]
    windows: dict[tuple[str, int, int, int], list[tuple[pd.Timestamp, float]]] = defaultdict(list)
    step = pd.Timedelta(minutes=interval_minutes)
    for (queue, _), rows in short.groupby(
        [short["queue"], short["interval_start"].dt.date], sort=True
    ):
        rows = rows.sort_values("interval_start")
        current: list[tuple[pd.Timestamp, int]] = []

        def close(run: list[tuple[pd.Timestamp, int]], queue: str = str(queue)) -> None:
            first, last = run[0][0], run[-1][0] + step
            begin = first.hour * 60 + first.minute
            end = begin + int((last - first) / pd.Timedelta(minutes=1))
            peak = max(n for _, n in run)
            day = first.normalize().tz_localize(None)
            windows[(queue, begin, end, peak)].append((day, float(sum(n for _, n in run))))

        for at, gap in rows[["interval_start", "gap"]].itertuples(index=False):
            missing = int(-gap)
            if current and at - (current[-1][0] + step) > pd.Timedelta(minutes=MERGE_GAP_MINUTES):
                close(current)
                current = []
            current.append((at, missing))
        if current:
            close(current)
    gaps = []
    for (queue, begin, end, peak), days in windows.items():
        hours = _hours(sum(n for _, n in days), interval_minutes)
        plural = "s" if peak > 1 else ""
        label = _day_runs([d for d, _ in days])
        text = (
            f"{peak} more {queue}-skilled agent{plural} {label} "
            f"{_clock(begin)}–{_clock(min(end, 24 * 60))}"
        )
        gaps.append(
            StaffingGap(
                queue=queue,
                days=[d.date().isoformat() for d, _ in sorted(days)],
                start=_clock(begin),
                end=_clock(min(end, 24 * 60)),
                agents=peak,
                agent_hours=hours,
                text=text,
            )
        )
    return sorted(gaps, key=lambda g: (-g.agent_hours, g.queue, g.days[0], g.start))


def _queue_coverage(scenario: Scenario, coverage: pd.DataFrame) -> list[QueueCoverage]:
    grid = build_week_grid(scenario)
    forecast = forecast_cells(scenario, grid)
    minutes = scenario.interval_minutes
    out = []
    for queue in scenario.queue_names():
        rows = coverage[coverage["queue"] == queue]
        gap = rows["gap"].to_numpy()
        short = np.maximum(-gap, 0)
        over = np.maximum(gap, 0)
        worst_at, worst = None, 0
        if short.any():
            k = int(np.argmax(short))
            worst_at, worst = rows["interval_start"].iloc[k].isoformat(), int(short[k])
        level = meeting = None
        cells = [
            (grid.index_of(t), int(n))
            for t, n in zip(rows["interval_start"], rows["scheduled"], strict=True)
        ]
        volumes = np.array([forecast.get((queue, t), (0.0, 0.0)) for t, _ in cells]).reshape(-1, 2)
        busy = (volumes[:, 0] > 0) & (volumes[:, 1] > 0)
        if busy.any():
            target = scenario.service_for(queue)
            counts = np.array([n for _, n in cells], dtype=float)[busy]
            levels = expected_service_levels(
                counts, volumes[busy, 0], volumes[busy, 1], target, minutes
            )
            level = float(np.average(levels, weights=volumes[busy, 0]))
            meeting = float(np.mean(levels >= target.service_level - 1e-9))
        out.append(
            QueueCoverage(
                queue=queue,
                required_agent_intervals=int(rows["required"].sum()),
                intervals_short=int((short > 0).sum()),
                agent_intervals_short=int(short.sum()),
                hours_short=_hours(short.sum(), minutes),
                intervals_over=int((over > 0).sum()),
                agent_intervals_over=int(over.sum()),
                hours_over=_hours(over.sum(), minutes),
                worst_interval=worst_at,
                worst_short=worst,
                service_level=level,
                intervals_meeting_target=meeting,
            )
        )
    return out


def _preferences_and_fairness(
    scenario: Scenario, roster: pd.DataFrame
) -> tuple[list[PreferenceBreak], list[AgentFairness]]:
    weekday = scenario.week_start.weekday()
    shifts = roster_shifts(scenario, roster)
    tests = fairness_tests(scenario.rules, weekday)
    breaks: list[PreferenceBreak] = []
    counts: dict[str, dict[str, int]] = {}
    for agent in scenario.agents:
        mine = sorted(shifts.get(agent.agent_id, []), key=lambda o: o.start)
        prefs = agent.preferences
        for o in mine:
            date = (scenario.week_start + pd.Timedelta(days=o.day)).isoformat()
            if on_preferred_day_off(agent, o, weekday):
                day = WEEKDAYS[(weekday + o.day) % 7]
                breaks.append(
                    PreferenceBreak(agent.agent_id, date, f"works {day}, a preferred day off")
                )
            if outside_preferred_start(agent, o):
                wish = (
                    f"after {prefs.start_after}"
                    if prefs.start_after is not None
                    and o.start_clock < clock_minutes(prefs.start_after)
                    else f"before {prefs.start_before}"
                )
                breaks.append(
                    PreferenceBreak(
                        agent.agent_id,
                        date,
                        f"starts {_clock(o.start_clock)}, preferred {wish}",
                    )
                )
        counts[agent.agent_id] = {kind: sum(tests[kind](o) for o in mine) for kind in tests}
    teams: dict[str, list[str]] = defaultdict(list)
    for agent in scenario.agents:
        teams[agent.team or ""].append(agent.agent_id)
    means = {
        team: {kind: float(np.mean([counts[a][kind] for a in members])) for kind in FAIRNESS_KINDS}
        for team, members in teams.items()
    }
    fairness = [
        AgentFairness(
            agent_id=agent.agent_id,
            team=agent.team or "",
            weekend=int(counts[agent.agent_id]["weekend"]),
            early=int(counts[agent.agent_id]["early"]),
            late=int(counts[agent.agent_id]["late"]),
            team_weekend=means[agent.team or ""]["weekend"],
            team_early=means[agent.team or ""]["early"],
            team_late=means[agent.team or ""]["late"],
        )
        for agent in scenario.agents
    ]
    return breaks, fairness


def most_queue_changes(roster: pd.DataFrame) -> int:
    """Most queue changes within one shift (contiguous rows), counted over its work rows."""
    most = 0
    work = roster.sort_values(["agent_id", "start"])
    for _, rows in work.groupby("agent_id", sort=True):
        previous_end = None
        queues: list[str] = []
        for row in rows.itertuples(index=False):
            if previous_end is not None and row.start != previous_end:
                most = max(most, _changes(queues))
                queues = []
            if row.activity == "work":
                queues.append(str(row.queue))
            previous_end = row.end
        most = max(most, _changes(queues))
    return most


def _changes(queues: list[str]) -> int:
    return sum(a != b for a, b in zip(queues, queues[1:], strict=False))


_STATUS_TEXT = {
    "OPTIMAL": "Proven the best roster for the objective",
    "FEASIBLE": "Best roster found within the work budget",
    "GREEDY": "The search found nothing better than its greedy start",
}


def _search_text(search: SearchSummary) -> str:
    status = _STATUS_TEXT.get(search.status, f"Solver status {search.status}")
    if search.reproducible:
        tail = (
            f"reproducible: the same scenario with seed {search.seed} and "
            f"{search.work_limit:.1f} work units gives this roster"
        )
    else:
        tail = (
            "stopped by the time limit before its work budget, so another run may differ; "
            "allow more time for a reproducible roster"
        )
    return (
        f"{status} ({search.work_used:.1f} of {search.work_limit:.1f} work units, "
        f"{search.seconds:.0f} s; {tail})."
    )


def _spread_text(fairness: list[AgentFairness], kind: str, label: str) -> str | None:
    values = [getattr(a, kind) for a in fairness]
    if not values or max(values) == 0:
        return None
    return f"{label} {min(values)}–{max(values)} per agent (mean {np.mean(values):.1f})"


def _summary(report: RosterReport, search: SearchSummary) -> str:
    parts = [_search_text(search)]
    if report.required_agent_intervals:
        short_queues = [q for q in report.queues if q.intervals_short]
        text = (
            f"It covers {report.coverage_share:.1%} of the "
            f"{report.required_agent_intervals:,} agent-intervals required"
        )
        if short_queues:
            worst = max(short_queues, key=lambda q: (q.worst_short, q.agent_intervals_short))
            by_queue = ", ".join(
                f"{q.queue} {q.hours_short:g} h"
                for q in sorted(short_queues, key=lambda q: -q.hours_short)
            )
            when = pd.Timestamp(worst.worst_interval)
            text += (
                f"; {sum(q.intervals_short for q in short_queues):,} queue-intervals are short, "
                f"{report.hours_short:g} agent-hours in all ({by_queue}), the worst "
                f"{_day_label(when)} {when:%d %b %H:%M} on {worst.queue}, "
                f"{worst.worst_short} agent{'s' if worst.worst_short > 1 else ''} short"
            )
        else:
            text += "; no interval is short"
        parts.append(text + ".")
    parts.append(
        f"{report.scheduled_hours:,.1f} agent-hours are scheduled on queues "
        f"({report.paid_hours:,.1f} paid), {report.hours_over:g} of them above requirement."
    )
    served = [q for q in report.queues if q.intervals_meeting_target is not None]
    if served:
        listing = ", ".join(f"{q.queue} {q.intervals_meeting_target:.0%}" for q in served)
        parts.append(f"Expected service meets its target in {listing} of intervals.")
    if report.preferences:
        agents = len({p.agent_id for p in report.preferences})
        broken = len(report.preferences)
        verb = "preferences are" if broken > 1 else "preference is"
        parts.append(f"{broken} shift {verb} broken ({agents} agent{'s' if agents > 1 else ''}).")
    else:
        parts.append("No preference is broken.")
    spreads = [
        t
        for t in (
            _spread_text(report.fairness, "weekend", "weekend days"),
            _spread_text(report.fairness, "early", "early starts"),
            _spread_text(report.fairness, "late", "late ends"),
        )
        if t
    ]
    if spreads:
        parts.append("Fairness: " + "; ".join(spreads) + ".")
    if report.most_queue_changes:
        parts.append(
            f"Multi-skilled agents change queue at most {report.most_queue_changes} "
            f"time{'s' if report.most_queue_changes > 1 else ''} in a shift."
        )
    if report.gaps:
        named = "; ".join(g.text for g in report.gaps[:SUMMARY_GAPS])
        more = len(report.gaps) - SUMMARY_GAPS
        skills = ", ".join(f"{q} {h:g} h" for q, h in report.hours_short_by_skill.items() if h)
        parts.append(
            f"To meet the requirement: {named}"
            + (f" (and {more} smaller gap{'s' if more > 1 else ''})" if more > 0 else "")
            + f"; by skill {skills}."
        )
    return " ".join(parts)


def roster_report(
    scenario: Scenario, roster: pd.DataFrame, coverage: pd.DataFrame, search: SearchSummary
) -> RosterReport:
    """The roster in planner units.

    Parameters
    ----------
    scenario:
        The planning problem.
    roster:
        Roster rows (ROSTER_COLUMNS, tz-aware).
    coverage:
        COVERAGE_COLUMNS of the roster (agents required and scheduled per queue and interval).
    search:
        How the search ended.

    Returns
    -------
    RosterReport
    """
    minutes = scenario.interval_minutes
    queues = _queue_coverage(scenario, coverage)
    required = sum(q.required_agent_intervals for q in queues)
    short = sum(q.agent_intervals_short for q in queues)
    over = sum(q.agent_intervals_over for q in queues)
    durations = (roster["end"] - roster["start"]) / pd.Timedelta(hours=1)
    preferences, fairness = _preferences_and_fairness(scenario, roster)
    gaps = staffing_gaps(coverage, minutes)
    search = dataclasses.replace(
        search,
        work_limit=round(search.work_limit, 3),
        work_used=round(search.work_used, 3),
        seconds=round(search.seconds, 1),
    )
    report = RosterReport(
        search=search,
        required_agent_intervals=required,
        agent_intervals_short=short,
        hours_short=_hours(short, minutes),
        agent_intervals_over=over,
        hours_over=_hours(over, minutes),
        coverage_share=1.0 - short / required if required else 1.0,
        scheduled_hours=round(float(durations[roster["activity"] == "work"].sum()), 2),
        paid_hours=round(float(durations.sum()), 2),
        queues=queues,
        gaps=gaps,
        hours_short_by_skill={q.queue: q.hours_short for q in queues},
        preferences=preferences,
        fairness=fairness,
        most_queue_changes=most_queue_changes(roster),
    )
    headline = (
        f"{search.status}: {report.coverage_share:.1%} of required agent-intervals covered, "
        f"{report.hours_short:g} agent-hours short, {report.hours_over:g} over"
    )
    return dataclasses.replace(report, headline=headline, summary=_summary(report, search))
