"""Staffing of the demo-centre generator: the agents it employs and the shifts they worked.

Planners in the simulated centre staff each queue from the *planned* arrival rate (they do not
know the day's random level or injected anomalies):

- voice and chat: agents per 15-minute interval by the square-root staffing rule
  ``N = ceil(a + beta * sqrt(a))`` with offered load ``a = lambda * AHT / 900`` (Halfin-Whitt;
  ``beta`` about 1 gives roughly 80 % answered within 20 s at call-centre scales);
- e-mail: a flat head-count over opening hours that clears the week's expected work.

Shifts are then laid greedily from the first uncovered interval of each day, one agent at a
time (fewest days worked this week first), respecting each contract's shift length, at most
five days a week, eleven hours of rest, planned vacations and random sick days. Breaks are
placed inside each shift: a 30-minute lunch mid-shift for shifts of six hours or more and
15-minute breaks about two hours from either end. Coverage therefore follows demand with the
lumpiness of real rosters, which is what makes waits realistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.calendar import WEEKDAYS
from features.synthetic.profiles import QueueProfile

INTERVAL_S = 900
MIN_REST_S = 11 * 3600

CONTRACTS: tuple[dict[str, int | float], ...] = (
    {"share": 0.65, "shift_intervals": 32, "min_hours": 36, "max_hours": 40},
    {"share": 0.2, "shift_intervals": 24, "min_hours": 25, "max_hours": 30},
    {"share": 0.15, "shift_intervals": 16, "min_hours": 16, "max_hours": 20},
)
"""Full time (8-hour shifts incl. a 30-minute lunch), 30-hour and 20-hour part time."""


@dataclass
class Agent:
    """One employee of the simulated centre."""

    agent_id: str
    queue: int
    skills: dict[str, int]
    team: str
    shift_intervals: int
    min_hours: int
    max_hours: int
    max_days: int = 5
    time_off: list[str] = field(default_factory=list)
    days_off: list[int] = field(default_factory=list)


@dataclass
class Shift:
    """One worked shift: instants in whole seconds since the epoch (UTC)."""

    agent: int
    start: int
    end: int
    windows: list[tuple[int, int]]
    breaks: list[tuple[int, int, str]]


def make_agents(
    profiles: Sequence[QueueProfile],
    count: int,
    dates: Sequence[pd.Timestamp],
    rng: np.random.Generator,
) -> list[Agent]:
    """Employ `count` agents, spread over queues by the profiles' ``agent_share``.

    Each agent's main skill is their queue (proficiency 4-5); about 40 % have a second skill
    (proficiency 2-3). About 30 % take one planned week of vacation in the period.
    """
    shares = np.array([p.agent_share for p in profiles], dtype=float)
    per_queue = np.maximum(1, np.floor(shares / shares.sum() * count)).astype(int)
    while per_queue.sum() < count:
        per_queue[int(np.argmax(shares / shares.sum() * count - per_queue))] += 1
    while per_queue.sum() > count and per_queue.max() > 1:
        per_queue[int(np.argmax(per_queue))] -= 1
    contract_share = np.array([c["share"] for c in CONTRACTS], dtype=float)
    agents: list[Agent] = []
    weekdays = [d for d in dates if d.day_of_week < 5]
    for q, profile in enumerate(profiles):
        for k in range(int(per_queue[q])):
            contract = CONTRACTS[int(rng.choice(len(CONTRACTS), p=contract_share))]
            skills = {profile.name: int(rng.integers(4, 6))}
            others = [p.name for i, p in enumerate(profiles) if i != q]
            if others and rng.random() < 0.4:
                skills[others[int(rng.integers(len(others)))]] = int(rng.integers(2, 4))
            time_off: list[str] = []
            if rng.random() < 0.3 and len(weekdays) >= 5:
                first = int(rng.integers(0, len(weekdays) - 4))
                time_off = [weekdays[first + i].date().isoformat() for i in range(5)]
            agents.append(
                Agent(
                    agent_id="",
                    queue=q,
                    skills=skills,
                    team=f"{profile.name}-{k // 12 + 1}",
                    shift_intervals=int(contract["shift_intervals"]),
                    min_hours=int(contract["min_hours"]),
                    max_hours=int(contract["max_hours"]),
                    time_off=time_off,
                )
            )
    for i, agent in enumerate(agents):
        agent.agent_id = f"a{i + 1:03d}"
    return agents


def requirements(
    profiles: Sequence[QueueProfile],
    planned15: np.ndarray,
    open15: np.ndarray,
    week15: np.ndarray,
    beta: float,
) -> np.ndarray:
    """Agents wanted per queue (rows) and 15-minute interval (columns).

    `planned15` holds planned contacts per interval, `open15` whether the queue is staffed
    then, `week15` the week number of each interval.
    """
    wanted = np.zeros(planned15.shape, dtype=int)
    for q, profile in enumerate(profiles):
        if profile.arrivals_when_closed:
            for week in np.unique(week15):
                in_week = week15 == week
                work_s = float((planned15[q, in_week]).sum()) * profile.aht_s * 1.1
                open_s = float(open15[q, in_week].sum()) * INTERVAL_S
                if open_s > 0:
                    heads = int(np.ceil(work_s / open_s))
                    wanted[q, in_week & open15[q]] = max(heads, 1)
            continue
        load = planned15[q] * profile.aht_s / INTERVAL_S
        heads = np.ceil(load + beta * np.sqrt(load))
        wanted[q] = np.where(open15[q] & (planned15[q] > 0.05), np.maximum(heads, 1), 0)
    return wanted


def open_intervals(profiles: Sequence[QueueProfile], grid15: pd.DatetimeIndex) -> np.ndarray:
    """Whether each queue (rows) is open in each local 15-minute interval (columns)."""
    wall = grid15.tz_localize(None)
    hours = (wall.hour + wall.minute / 60.0).to_numpy(dtype=float)
    weekdays = wall.day_of_week.to_numpy()
    result = np.zeros((len(profiles), len(grid15)), dtype=bool)
    for q, profile in enumerate(profiles):
        for index, day in enumerate(WEEKDAYS):
            window = profile.open_hours.get(day)
            if window is not None:
                result[q] |= (weekdays == index) & (hours >= window[0]) & (hours < window[1])
    return result


def lay_shifts(
    agents: Sequence[Agent],
    wanted: np.ndarray,
    open15: np.ndarray,
    grid15: pd.DatetimeIndex,
    *,
    sick_rate: float,
    rng: np.random.Generator,
) -> list[Shift]:
    """Greedy day-by-day rostering of `agents` against `wanted` (see the module docstring)."""
    starts_s = grid15.as_unit("ns").asi8 // 10**9
    wall = grid15.tz_localize(None)
    assign_days_off(agents, wanted, wall.day_of_week.to_numpy(), rng)
    day_of = wall.normalize()
    days = day_of.unique()
    week_of = ((day_of - days[0]).days // 7).to_numpy()
    shifts: list[Shift] = []
    days_worked = np.zeros((len(agents), int(week_of.max()) + 1), dtype=int)
    minutes_worked = np.zeros_like(days_worked)
    last_end = np.full(len(agents), -(10**12), dtype=np.int64)
    for day in days:
        in_day = np.flatnonzero(day_of == day)
        first, last = int(in_day[0]), int(in_day[-1]) + 1
        week = int(week_of[first])
        iso = day.date().isoformat()
        present = [
            i for i, a in enumerate(agents) if iso not in a.time_off and rng.random() >= sick_rate
        ]
        for q in range(wanted.shape[0]):
            open_idx = np.flatnonzero(open15[q, first:last])
            if open_idx.size == 0:
                continue
            o0, o1 = first + int(open_idx[0]), first + int(open_idx[-1]) + 1
            cover = np.zeros(last - first, dtype=int)
            weekday = day.day_of_week
            pool = [
                i for i in present if agents[i].queue == q and weekday not in agents[i].days_off
            ]
            order = sorted(pool, key=lambda i: (days_worked[i, week], rng.random()))
            candidates = [
                i
                for i in order
                if days_worked[i, week] < agents[i].max_days
                and minutes_worked[i, week] + min(agents[i].shift_intervals, o1 - o0) * 15
                <= agents[i].max_hours * 60
            ]
            while candidates:
                deficit = wanted[q, first:last] - cover
                if not (deficit > 0).any():
                    break
                i, start, length = _best_assignment(
                    candidates, agents, deficit, o0 - first, o1 - first
                )
                candidates.remove(i)
                start += first
                if starts_s[start] - last_end[i] < MIN_REST_S:
                    continue
                cover[start - first : start - first + length] += 1
                shift = _shift_with_breaks(i, start, length, starts_s, rng)
                shifts.append(shift)
                days_worked[i, week] += 1
                minutes_worked[i, week] += length * 15
                last_end[i] = shift.end
    return shifts


def assign_days_off(
    agents: Sequence[Agent], wanted: np.ndarray, weekdays: np.ndarray, rng: np.random.Generator
) -> None:
    """Fixed weekly days off per agent: closed days, plus the days where the queue's demand
    leaves the most agents to spare, so weekends and Mondays are covered as well."""
    demand = np.zeros((wanted.shape[0], 7))
    for d in range(7):
        demand[:, d] = wanted[:, weekdays == d].sum(axis=1)
    for q in range(wanted.shape[0]):
        members = [a for a in agents if a.queue == q]
        open_days = np.flatnonzero(demand[q] > 0)
        working = np.where(demand[q] > 0, float(len(members)), 0.0)
        for agent in members:
            extra = max(0, len(open_days) - agent.max_days)
            chosen = [int(d) for d in np.flatnonzero(demand[q] == 0)]
            for _ in range(extra):
                ratio = np.full(7, -np.inf)
                ratio[open_days] = working[open_days] / demand[q, open_days]
                ratio[chosen] = -np.inf
                ratio += rng.random(7) * 1e-9
                day = int(np.argmax(ratio))
                chosen.append(day)
                working[day] -= 1
            agent.days_off = sorted(chosen)


def _best_assignment(
    candidates: list[int], agents: Sequence[Agent], deficit: np.ndarray, first: int, last: int
) -> tuple[int, int, int]:
    """The next shift to lay: for each shift length among the candidates, the start covering
    the most missing agent-intervals; the length with the best covered share wins, and the
    first candidate (in priority order) with that length takes it."""
    best: tuple[float, int, int] | None = None
    for length in sorted({min(agents[i].shift_intervals, last - first) for i in candidates}):
        start, covered = _best_start(deficit, first, last, length)
        score = covered / length
        if best is None or score > best[0] + 1e-9:
            best = (score, start, length)
    _, start, length = best if best is not None else (0.0, first, last - first)
    agent = next(i for i in candidates if min(agents[i].shift_intervals, last - first) == length)
    return agent, start, length


def _best_start(deficit: np.ndarray, first: int, last: int, length: int) -> tuple[int, int]:
    """Start index in [first, last - length] whose shift covers the most missing agents."""
    positive = np.concatenate([[0], np.cumsum(np.maximum(deficit, 0))])
    starts = np.arange(first, last - length + 1)
    covered = positive[starts + length] - positive[starts]
    best = int(np.argmax(covered))
    return int(starts[best]), int(covered[best])


def _shift_with_breaks(
    agent: int, start: int, length: int, starts_s: np.ndarray, rng: np.random.Generator
) -> Shift:
    """A shift of `length` intervals from grid index `start`, with its planned breaks."""
    breaks: list[tuple[int, int]] = []  # (first interval offset, intervals)
    if length >= 24:
        breaks.append((length // 2 - 1 + int(rng.integers(0, 2)), 2))
        breaks.append((8 - int(rng.integers(0, 2)), 1))
        if length >= 28:
            breaks.append((length - 8 + int(rng.integers(-1, 2)), 1))
    elif length >= 16:
        breaks.append((length // 2 + int(rng.integers(-1, 1)), 1))
    breaks.sort()
    shift_start = int(starts_s[start])
    shift_end = shift_start + length * INTERVAL_S
    windows: list[tuple[int, int]] = []
    planned: list[tuple[int, int, str]] = []
    cursor = shift_start
    for offset, size in breaks:
        b_start = shift_start + offset * INTERVAL_S
        b_end = b_start + size * INTERVAL_S
        windows.append((cursor, b_start))
        planned.append((b_start, b_end, "lunch" if size >= 2 else "break"))
        cursor = b_end
    windows.append((cursor, shift_end))
    return Shift(agent, shift_start, shift_end, windows, planned)


def staffed_counts(
    shifts: Sequence[Shift], agents: Sequence[Agent], grid15: pd.DatetimeIndex, queues: int
) -> np.ndarray:
    """Agents on duty (in a work window) per queue and 15-minute interval, as planned."""
    starts_s = grid15.as_unit("ns").asi8 // 10**9
    delta = np.zeros((queues, len(grid15) + 1), dtype=int)
    for shift in shifts:
        q = agents[shift.agent].queue
        for w_start, w_end in shift.windows:
            i0 = int(np.searchsorted(starts_s, w_start))
            i1 = int(np.searchsorted(starts_s, w_end))
            delta[q, i0] += 1
            delta[q, i1] -= 1
    return np.cumsum(delta, axis=1)[:, :-1]
