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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.generator_roster import Shift


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
    agents = len(windows.starts)
    free = [-(10**12)] * agents
    pointer = [0] * agents
    starts, ends = windows.starts, windows.ends

    def soonest(members: Sequence[int], t: int) -> tuple[float, int, int]:
        best, best_agent, best_window = float("inf"), -1, -1
        for a in members:
            x = free[a] if free[a] > t else t
            own_ends, own_starts = ends[a], starts[a]
            k = pointer[a]
            while k < len(own_ends) and (own_ends[k] <= x or own_starts[k] >= own_ends[k]):
                k += 1
            pointer[a] = k
            if k == len(own_ends):
                continue
            s = x if x > own_starts[k] else own_starts[k]
            if s < best or (s == best and free[a] < free[best_agent]):
                best, best_agent, best_window = s, a, k
        return best, best_agent, best_window

    arrival_list = arrivals.tolist()
    queue_list = queue_of.tolist()
    handle_list = handle.tolist()
    patience_list = patience.tolist()
    for i in range(n):
        t, q = arrival_list[i], queue_list[i]
        best, best_agent, best_window = soonest(primary[q], t)
        if best - t > overflow_s[q] and secondary[q]:
            other = soonest(secondary[q], t)
            if other[0] < best:
                best, best_agent, best_window = other
        if best - t > patience_list[i]:
            # gives up waiting; with infinite patience and nobody left to serve it, the
            # contact stays in the backlog (neither answered nor abandoned)
            abandoned[i] = True
            continue
        if best_agent < 0:
            continue
        done = int(best) + int(handle_list[i])
        answered[i] = int(best)
        agent_of[i] = best_agent
        shift_of[i] = windows.shift[best_agent][best_window]
        free[best_agent] = done
        _push_breaks(windows, best_agent, best_window, done)
    return ServedQueue(answered, agent_of, shift_of, abandoned)


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
                "state": "on_contact",
                "start": contacts["answered"],
                "end": contacts["talk_end"],
            }
        ),
        pd.DataFrame(
            {
                "agent": contacts["agent"],
                "shift": contacts["shift"],
                "state": "acw",
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
                kind = "lunch" if b_end - b_start >= 1800 else "break"
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
            shift_frame.assign(state="marker", end=shift_frame["start"]),
            shift_frame.assign(state="marker", start=shift_frame["end"]),
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
            "state": "available",
            "start": prev_end[gap.index].astype(np.int64),
            "end": gap["start"],
        }
    )
    offline = _offline(shift_frame, len(agent_ids), period)
    records = pd.concat([segments.drop(columns="shift"), available, offline], ignore_index=True)
    records = records.astype({"agent": np.int64, "start": np.int64, "end": np.int64})
    return records.sort_values(["agent", "start", "end"], ignore_index=True)


def _offline(shift_frame: pd.DataFrame, agents: int, period: tuple[int, int]) -> pd.DataFrame:
    ordered = shift_frame.sort_values(["agent", "start"])
    rows = []
    for a in range(agents):
        own = ordered[ordered["agent"] == a]
        cursor = period[0]
        for start, end in zip(own["start"].tolist(), own["end"].tolist(), strict=True):
            if start > cursor:
                rows.append((a, "offline", cursor, start))
            cursor = max(cursor, end)
        if period[1] > cursor:
            rows.append((a, "offline", cursor, period[1]))
    return pd.DataFrame(rows, columns=["agent", "state", "start", "end"])
