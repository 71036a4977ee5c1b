"""Service simulation of the demo-centre generator: FCFS queues served by the rostered agents.

Each queue is a first-come-first-served multi-server queue whose servers are the agents whose
main skill it is, each available only inside the work windows of their shifts; when a contact
would wait longer than the queue's overflow delay, agents holding the queue as a second skill
may take it too. Contacts are handled in arrival order across queues. A contact goes to the
agent who can start it soonest (ties: the one idle longest); if that start is later than the
caller's patience allows, the contact is abandoned at arrival + patience and costs nobody
time. An agent who is still busy when a break is due takes the break when the contact ends,
for its full length, so the following work window starts later; an agent busy at the end of
a shift logs off late. Agent-state records are then derived from what happened, so they agree
with the contacts: ``on_contact`` (talk + hold), ``acw``, ``break``/``lunch``, ``available``
in the gaps of a shift, ``offline`` between shifts.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.synthetic.roster import Shift

STATE_NAMES = ("available", "on_contact", "acw", "break", "lunch", "offline", "marker")
CODE = {name: code for code, name in enumerate(STATE_NAMES)}


@dataclass
class ServedQueue:
    """Outcome per contact of one queue (arrays aligned with its arrivals; seconds)."""

    answered: np.ndarray
    agent: np.ndarray
    shift: np.ndarray
    abandoned: np.ndarray


@dataclass
class AgentWindows:
    """Work windows of every agent, mutable while breaks get pushed back."""

    starts: list[list[int]]
    ends: list[list[int]]
    shift: list[list[int]]
    break_start: list[list[int]]


def build_windows(shifts: Sequence[Shift], agents: int) -> AgentWindows:
    """Per-agent lists of work windows in time order (shifts must be sorted by start)."""
    windows = AgentWindows(
        [[] for _ in range(agents)],
        [[] for _ in range(agents)],
        [[] for _ in range(agents)],
        [[] for _ in range(agents)],
    )
    for index, shift in enumerate(shifts):
        for start, end in shift.windows:
            windows.starts[shift.agent].append(start)
            windows.ends[shift.agent].append(end)
            windows.shift[shift.agent].append(index)
            windows.break_start[shift.agent].append(end)
    return windows


def serve_contacts(
    arrivals: np.ndarray,
    queue_of: np.ndarray,
    handle: np.ndarray,
    patience: np.ndarray,
    primary: Sequence[Sequence[int]],
    secondary: Sequence[Sequence[int]],
    overflow_s: Sequence[float],
    windows: AgentWindows,
) -> ServedQueue:
    """Simulate every queue at once, contacts in arrival order (see the module docstring).

    A contact goes to the agent of its queue's main-skill group who can start it soonest
    (ties: the one idle longest). When that start is more than the queue's ``overflow_s``
    after arrival, agents holding the queue as a second skill are considered as well, and the
    soonest of all takes it.

    Parameters
    ----------
    arrivals:
        Arrival instants (seconds since the epoch), sorted.
    queue_of:
        Queue index per contact.
    handle:
        Handle time per contact (seconds).
    patience:
        Patience per contact (seconds; ``inf`` never abandons).
    primary, secondary:
        Per queue, indices of the agents with it as main skill and as second skill.
    overflow_s:
        Per queue, the wait (seconds) after which second-skill agents may take a contact.
    windows:
        Work windows (mutated: breaks pushed back by overrunning contacts).
    """
    n = len(arrivals)
    answered = np.full(n, -1, dtype=np.int64)
    agent_of = np.full(n, -1, dtype=np.int64)
    shift_of = np.full(n, -1, dtype=np.int64)
    abandoned = np.zeros(n, dtype=bool)
    pool = _AgentPool(windows, [*primary, *secondary])
    groups = len(primary)
    arrival_list = arrivals.tolist()
    queue_list = queue_of.tolist()
    handle_list = handle.tolist()
    patience_list = patience.tolist()
    for i in range(n):
        t, q = arrival_list[i], queue_list[i]
        best, best_agent = pool.soonest(q, t)
        if best - t > overflow_s[q] and secondary[q]:
            other, other_agent = pool.soonest(groups + q, t)
            if other < best:
                best, best_agent = other, other_agent
        if best - t > patience_list[i]:
            # gives up waiting; with infinite patience and nobody left to serve it, the
            # contact stays in the backlog (neither answered nor abandoned)
            abandoned[i] = True
            continue
        if best_agent < 0:
            continue
        start = int(best)
        window = pool.window_at(best_agent, start)
        done = start + int(handle_list[i])
        answered[i] = start
        agent_of[i] = best_agent
        shift_of[i] = windows.shift[best_agent][window]
        _push_breaks(windows, best_agent, window, done)
        pool.assign(best_agent, done)
    return ServedQueue(answered, agent_of, shift_of, abandoned)


class _AgentPool:
    """Which agent of a group can start a contact soonest, in O(log agents) per query.

    Per group, a *waiting* heap keyed by the earliest instant each agent could start anything
    (``ready``: the first work-window instant at or after the agent becomes free) and a
    *ready* heap, keyed by when the agent became free (longest idle first), of agents whose
    ``ready`` instant has passed. Queries come in non-decreasing time order; stale heap entries
    are skipped by a per-agent version number.
    """

    def __init__(self, windows: AgentWindows, groups: Sequence[Sequence[int]]) -> None:
        count = len(windows.starts)
        self.windows = windows
        self.free = [-(10**12)] * count
        self.pointer = [0] * count
        self.version = [0] * count
        self.ready_at = [0.0] * count
        self.member_of: list[list[int]] = [[] for _ in range(count)]
        self.waiting: list[list[tuple[float, int, int, int]]] = [[] for _ in groups]
        self.ready: list[list[tuple[int, int, int]]] = [[] for _ in groups]
        for g, members in enumerate(groups):
            for a in members:
                self.member_of[a].append(g)
        for a in range(count):
            self.ready_at[a] = self._first_instant(a, self.free[a])
            self._enqueue(a)

    def _first_instant(self, agent: int, x: int) -> float:
        """First instant at or after `x` inside one of the agent's (non-empty) windows."""
        starts, ends = self.windows.starts[agent], self.windows.ends[agent]
        k = self.pointer[agent]
        while k < len(ends) and (ends[k] <= x or starts[k] >= ends[k]):
            k += 1
        self.pointer[agent] = k
        if k == len(ends):
            return float("inf")
        return float(max(x, starts[k]))

    def _enqueue(self, agent: int) -> None:
        if self.ready_at[agent] == float("inf"):
            return
        entry = (self.ready_at[agent], self.free[agent], agent, self.version[agent])
        for g in self.member_of[agent]:
            heapq.heappush(self.waiting[g], entry)

    def soonest(self, group: int, t: int) -> tuple[float, int]:
        """(start instant, agent) of the agent of `group` able to start soonest at or after
        `t` (ties: the one idle longest); ``(inf, -1)`` when nobody works any more."""
        waiting, ready = self.waiting[group], self.ready[group]
        while waiting and waiting[0][0] <= t:
            _, free, agent, version = heapq.heappop(waiting)
            if version == self.version[agent]:
                heapq.heappush(ready, (free, agent, version))
        while ready:
            free, agent, version = ready[0]
            if version != self.version[agent]:
                heapq.heappop(ready)
                continue
            instant = self._first_instant(agent, t)
            if instant == t:
                return float(t), agent
            # on a break or off shift at t: wait for the next window
            heapq.heappop(ready)
            self.version[agent] += 1
            self.ready_at[agent] = instant
            self._enqueue(agent)
        while waiting:
            instant, _, agent, version = waiting[0]
            if version == self.version[agent]:
                return instant, agent
            heapq.heappop(waiting)
        return float("inf"), -1

    def window_at(self, agent: int, instant: int) -> int:
        """Index of the agent's window containing `instant` (a start chosen by `soonest`)."""
        self._first_instant(agent, instant)
        return self.pointer[agent]

    def assign(self, agent: int, done: int) -> None:
        """The agent is busy until `done`."""
        self.free[agent] = done
        self.version[agent] += 1
        self.ready_at[agent] = self._first_instant(agent, done)
        self._enqueue(agent)


def _push_breaks(windows: AgentWindows, agent: int, window: int, done: int) -> None:
    """A contact ending at `done` after its window's end delays the following break(s)."""
    starts, ends, shift = windows.starts[agent], windows.ends[agent], windows.shift[agent]
    k, t_end = window, done
    while t_end > ends[k]:
        planned_end = ends[k]
        windows.break_start[agent][k] = t_end
        ends[k] = t_end
        if k + 1 >= len(ends) or shift[k + 1] != shift[k]:
            break
        starts[k + 1] = max(starts[k + 1], t_end + starts[k + 1] - planned_end)
        k += 1
        t_end = starts[k]


def agent_state_records(
    shifts: Sequence[Shift],
    windows: AgentWindows,
    agent_ids: Sequence[str],
    contacts: pd.DataFrame,
    period: tuple[int, int],
) -> pd.DataFrame:
    """Agent-state records consistent with the simulated contacts.

    Parameters
    ----------
    shifts:
        The worked shifts.
    windows:
        Work windows after the simulation (breaks as actually taken).
    agent_ids:
        Agent id per agent index.
    contacts:
        Handled contacts with integer columns ``agent`` (index), ``shift``, ``answered``,
        ``talk_end`` and ``done`` (seconds since the epoch).
    period:
        ``(start, end)`` of the generated period (seconds); agents are offline outside shifts.

    Returns
    -------
    pandas.DataFrame
        ``agent``, ``state``, ``start``, ``end`` (seconds), sorted by agent and start, with no
        gaps or overlaps from the period start to its end.
    """
    busy = [
        pd.DataFrame(
            {
                "agent": contacts["agent"],
                "shift": contacts["shift"],
                "state": CODE["on_contact"],
                "start": contacts["answered"],
                "end": contacts["talk_end"],
            }
        ),
        pd.DataFrame(
            {
                "agent": contacts["agent"],
                "shift": contacts["shift"],
                "state": CODE["acw"],
                "start": contacts["talk_end"],
                "end": contacts["done"],
            }
        ),
    ]
    break_rows = []
    for a in range(len(agent_ids)):
        starts, shift_ids = windows.starts[a], windows.shift[a]
        for k in range(len(starts) - 1):
            if shift_ids[k] == shift_ids[k + 1]:
                b_start, b_end = windows.break_start[a][k], starts[k + 1]
                kind = CODE["lunch"] if b_end - b_start >= 1800 else CODE["break"]
                break_rows.append((a, shift_ids[k], kind, b_start, b_end))
    busy.append(pd.DataFrame(break_rows, columns=["agent", "shift", "state", "start", "end"]))
    segments = pd.concat(busy, ignore_index=True)
    segments = segments[segments["end"] > segments["start"]]
    shift_frame = pd.DataFrame(
        {
            "agent": [s.agent for s in shifts],
            "shift": np.arange(len(shifts)),
            "start": [s.start for s in shifts],
            "end": [s.end for s in shifts],
        }
    )
    last_busy = segments.groupby("shift")["end"].max()
    shift_frame["end"] = np.maximum(
        shift_frame["end"].to_numpy(),
        shift_frame["shift"].map(last_busy).fillna(0).to_numpy(dtype=np.int64),
    )
    markers = pd.concat(
        [
            shift_frame.assign(state=CODE["marker"], end=shift_frame["start"]),
            shift_frame.assign(state=CODE["marker"], start=shift_frame["end"]),
        ],
        ignore_index=True,
    )
    timeline = pd.concat([segments, markers], ignore_index=True)
    timeline = timeline.sort_values(["agent", "shift", "start", "end"], ignore_index=True)
    prev_end = timeline.groupby("shift")["end"].shift(1)
    gap = timeline[(timeline["start"] > prev_end) & prev_end.notna()]
    available = pd.DataFrame(
        {
            "agent": gap["agent"],
            "state": CODE["available"],
            "start": prev_end[gap.index].astype(np.int64),
            "end": gap["start"],
        }
    )
    offline = _offline(shift_frame, len(agent_ids), period)
    records = pd.concat([segments.drop(columns="shift"), available, offline], ignore_index=True)
    records = records.astype(
        {"agent": np.int64, "state": np.int64, "start": np.int64, "end": np.int64}
    )
    records = records.sort_values(["agent", "start", "end"], ignore_index=True)
    records["state"] = pd.Categorical.from_codes(records["state"].to_numpy(), STATE_NAMES)
    return records


def _offline(shift_frame: pd.DataFrame, agents: int, period: tuple[int, int]) -> pd.DataFrame:
    """Offline spans: outside every shift of each agent, within `period`."""
    ordered = shift_frame.sort_values(["agent", "start"])
    rows = []
    cursor = {a: period[0] for a in range(agents)}
    for agent, start, end in zip(
        ordered["agent"].tolist(), ordered["start"].tolist(), ordered["end"].tolist(), strict=True
    ):
        if start > cursor[agent]:
            rows.extend(_offline_pieces(agent, cursor[agent], start))
        cursor[agent] = max(cursor[agent], end)
    for agent, since in cursor.items():
        if period[1] > since:
            rows.extend(_offline_pieces(agent, since, period[1]))
    return pd.DataFrame(rows, columns=["agent", "state", "start", "end"])


OFFLINE_PIECE_S = 7 * 24 * 3600
"""Longest generated offline span, seconds: an agent away for weeks gets one span a week, so
every span stays under :data:`features.records.plausibility.MAX_OFFLINE_S`."""


def _offline_pieces(agent: int, start: int, end: int) -> list[tuple[int, int, int, int]]:
    cuts = [*range(start, end, OFFLINE_PIECE_S), end]
    return [(agent, CODE["offline"], a, b) for a, b in itertools.pairwise(cuts)]
