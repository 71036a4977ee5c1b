"""Deferred work (e-mail): agents per interval from a backlog recursion, and the service it gives.

E-mail does not wait on a line: work arriving in one interval may be answered in any later one
within the response-time target (say 95% within 4 hours), and what is not done carries over as
backlog. Staffing it with Erlang C at a threshold of seconds (as if it were a call) asks for agents
the instant an e-mail lands; this module spreads the work over the time the target allows.

**The recursion** (at interval resolution, work measured in agent-seconds). With intervals of
length ``T`` and a target of ``threshold_s``, the window is ``H = floor(threshold_s / T)``
intervals: work arriving in interval ``u`` is due by the end of interval ``u + H - 1`` (for work
arriving at the very start of ``u`` that is exactly the target; later arrivals have slack). With a
target share ``p``, FIFO answers ``p`` of interval ``u``'s work by then when the cumulative work
done reaches ``due(u + H - 1) = W(u - 1) + p w(u)`` (``W`` cumulative arrivals, the initial backlog
first). In each open interval ``t`` the recursion works at the pace that meets every deadline of
the coming window if kept up evenly::

    need(t) = max over d in [t, t + H - 1] of (due(d) - D(t - 1)) / (open intervals in [t, d])

(``D`` the work done so far; deadlines already missed make ``due(t) - D(t - 1)`` due at once),
staffs ``ceil(need / (T * max_occupancy))`` agents, and does what they can of the work that has
arrived. This is the "optimal available" pace of deadline scheduling (Yao, Demers and Shenker,
FOCS 1995): it uses only work that has arrived, levels the load over the window, and never misses
a deadline it can meet. Closed intervals (no forecast row) do no work; intervals past the horizon
count as open with no new arrivals, so the week's carry-over is cleared after it (the backlog at
the horizon's end is reported).

**The service** of a staffing (:func:`deferred_service`) is evaluated as a fluid FIFO queue on a
one-minute grid: arrivals spread evenly over each interval, capacity ``agents * max_occupancy``
agent-seconds per second, and each minute's work answered when the cumulative work done reaches
it. It gives the share of each interval's contacts answered within the target, their mean response
time and the work done per interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from features.errors import FieldError, InvalidInput

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_TOLERANCE = 1e-9


@dataclass(frozen=True)
class DeferredPlan:
    """Agents and work per queue (row) and grid interval (column), horizon plus one window.

    Attributes
    ----------
    agents:
        Productive agents per interval (int64; 0 in closed intervals).
    done_s:
        Agent-seconds of work done in the interval.
    backlog_s:
        Agent-seconds of work waiting at the interval's end.
    """

    agents: IntArray
    done_s: FloatArray
    backlog_s: FloatArray


@dataclass(frozen=True)
class DeferredService:
    """Service of deferred work per queue (row) and grid interval (column) of the horizon.

    Attributes
    ----------
    service_level:
        Share of the interval's contacts answered within the target (1 with nothing arriving).
    response_s:
        Mean response time of the interval's contacts, seconds (0 with nothing arriving, NaN when
        some of its work is never answered).
    done_s:
        Agent-seconds of work done in the interval.
    backlog_s:
        Agent-seconds of work waiting at the interval's end.
    """

    service_level: FloatArray
    response_s: FloatArray
    done_s: FloatArray
    backlog_s: FloatArray


def response_window(threshold_s: float, interval_s: float) -> int:
    """Whole intervals within the response-time target, ``floor(threshold_s / interval_s)``.

    Raises
    ------
    InvalidInput
        The target is shorter than one interval (such work is live, not deferred).
    """
    window = int(np.floor(threshold_s / interval_s + _TOLERANCE))
    if window < 1:
        raise InvalidInput(
            f"a response-time target of {threshold_s:g} s is shorter than one "
            f"{interval_s / 60:g}-minute interval; deferred work needs a target of at least one "
            "interval (staff near-real-time work as chat or voice)",
            [FieldError(None, "threshold_s", "must be >= the interval length", threshold_s)],
        )
    return window


def _as_grid(values: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    grid: np.ndarray = np.asarray(values, dtype=dtype)
    return grid[None, :] if grid.ndim == 1 else grid


def deferred_agents(
    work_s: np.ndarray,
    open_intervals: np.ndarray,
    window: int,
    service_level: np.ndarray | float,
    capacity_s: np.ndarray | float,
    initial_backlog_s: np.ndarray | float = 0.0,
) -> DeferredPlan:
    """Agents per interval from the deadline recursion (see the module docstring).

    Parameters
    ----------
    work_s:
        Agent-seconds of work arriving per interval (contacts x handle time), shape
        (queues, intervals) or (intervals,).
    open_intervals:
        True where agents may work (same shape).
    window:
        Intervals within the target, ``H`` (:func:`response_window`), >= 1.
    service_level:
        Share ``p`` of each interval's work due within the window, per queue, in [0, 1].
    capacity_s:
        Agent-seconds one agent works in one interval (interval length x max occupancy), > 0.
    initial_backlog_s:
        Work waiting before the first interval, agent-seconds, due in full by the end of the
        first window.

    Returns
    -------
    DeferredPlan
        Arrays of shape (queues, intervals + window): the horizon, then one window of open
        intervals without new arrivals in which the carry-over is cleared.
    """
    work = _as_grid(work_s)
    open_ = _as_grid(open_intervals, bool)
    queues, horizon = work.shape
    total = horizon + window
    share = np.broadcast_to(np.asarray(service_level, dtype=np.float64), (queues,))
    capacity = np.broadcast_to(np.asarray(capacity_s, dtype=np.float64), (queues,))
    backlog0 = np.broadcast_to(np.asarray(initial_backlog_s, dtype=np.float64), (queues,))

    padded = np.zeros((queues, total))
    padded[:, :horizon] = work
    is_open = np.ones((queues, total), dtype=bool)
    is_open[:, :horizon] = open_
    arrived = backlog0[:, None] + np.cumsum(padded, axis=1)
    before = arrived - padded
    # due[:, d] is the work that must be done by the end of interval d (d < window: nothing).
    due = np.zeros((queues, total + window))
    due[:, window - 1 : window - 1 + total] = before + share[:, None] * padded
    due[:, window - 1 + total :] = arrived[:, -1:]
    open_count = np.concatenate(
        [np.zeros((queues, 1)), np.cumsum(np.pad(is_open, ((0, 0), (0, window))), axis=1)], axis=1
    )
    open_count[:, total + 1 :] = open_count[:, total : total + 1] + np.arange(1, window + 1)

    agents = np.zeros((queues, total), dtype=np.int64)
    done = np.zeros((queues, total))
    backlog = np.zeros((queues, total))
    finished = np.zeros(queues)
    ahead = np.arange(window)
    for t in range(total):
        deadlines = t + ahead
        slots = open_count[:, deadlines + 1] - open_count[:, t : t + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            pace = (due[:, deadlines] - finished[:, None]) / slots
        pace = np.where(slots > 0, pace, 0.0)
        need = np.maximum(pace.max(axis=1), 0.0)
        available = arrived[:, t] - finished
        staffed = np.ceil(np.minimum(need, available) / capacity - _TOLERANCE)
        staffed = np.where(is_open[:, t], np.maximum(staffed, 0.0), 0.0)
        agents[:, t] = staffed.astype(np.int64)
        done[:, t] = np.minimum(staffed * capacity, np.maximum(available, 0.0))
        finished = finished + done[:, t]
        backlog[:, t] = arrived[:, t] - finished
    return DeferredPlan(agents=agents, done_s=done, backlog_s=np.maximum(backlog, 0.0))


def deferred_service(
    work_s: np.ndarray,
    agents: np.ndarray,
    interval_s: float,
    threshold_s: float,
    capacity_s: np.ndarray | float,
    initial_backlog_s: np.ndarray | float = 0.0,
    steps_per_interval: int | None = None,
) -> DeferredService:
    """Fluid FIFO service of deferred work under a staffing (see the module docstring).

    Parameters
    ----------
    work_s:
        Agent-seconds of work arriving per interval, shape (queues, horizon) or (horizon,).
    agents:
        Agents per interval, shape (queues, horizon + extra) with ``extra >= 0`` intervals after
        the horizon (without arrivals) in which the carry-over may still be answered.
    interval_s:
        Interval length, seconds.
    threshold_s:
        Response-time target, seconds.
    capacity_s:
        Agent-seconds one agent works per interval (interval length x max occupancy), per queue.
    initial_backlog_s:
        Work waiting before the first interval, agent-seconds (answered first).
    steps_per_interval:
        Grid steps per interval; default one per minute.

    Returns
    -------
    DeferredService
        Arrays of shape (queues, horizon).
    """
    work = _as_grid(work_s)
    staff = _as_grid(agents)
    queues, horizon = work.shape
    total = staff.shape[1]
    steps = steps_per_interval or max(int(round(interval_s / 60.0)), 1)
    step_s = interval_s / steps
    capacity = np.broadcast_to(np.asarray(capacity_s, dtype=np.float64), (queues,))
    backlog0 = np.broadcast_to(np.asarray(initial_backlog_s, dtype=np.float64), (queues,))

    padded = np.zeros((queues, total))
    padded[:, :horizon] = work
    inflow = np.repeat(padded / steps, steps, axis=1)
    supply = np.repeat(staff * capacity[:, None] / steps, steps, axis=1)
    arrived = backlog0[:, None] + np.cumsum(inflow, axis=1)
    supplied = np.cumsum(supply, axis=1)
    # Fluid FIFO: D_j = min(A_j, D_{j-1} + c_j)  <=>  D = K + min(0, cummin(A - K)).
    lag = np.minimum(np.minimum.accumulate(arrived - supplied, axis=1), 0.0)
    answered = supplied + lag

    mid_position = arrived - inflow / 2.0
    mid_time = (np.arange(total * steps) + 0.5) * step_s
    finish = np.full(mid_position.shape, np.inf)
    for q in range(queues):
        done_path = np.concatenate([[0.0], answered[q]])
        index = np.searchsorted(done_path, mid_position[q] - _TOLERANCE, side="left")
        reachable = index < done_path.size
        j = np.clip(index, 1, done_path.size - 1)
        low, high = done_path[j - 1], done_path[j]
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(high > low, (mid_position[q] - low) / (high - low), 1.0)
        at = (j - 1 + np.clip(fraction, 0.0, 1.0)) * step_s
        finish[q] = np.where(reachable, np.where(index == 0, 0.0, at), np.inf)
    wait = np.maximum(finish - mid_time, 0.0)[:, : horizon * steps].reshape(queues, horizon, steps)
    within = (wait <= threshold_s + _TOLERANCE).mean(axis=2)
    with np.errstate(invalid="ignore"):
        response = np.where(np.isfinite(wait).all(axis=2), wait.mean(axis=2), np.nan)
    quiet = work <= 0
    ends = answered[:, steps - 1 :: steps][:, :horizon]
    starts = np.concatenate([np.zeros((queues, 1)), ends[:, :-1]], axis=1)
    waiting = arrived[:, steps - 1 :: steps][:, :horizon] - ends
    return DeferredService(
        service_level=np.where(quiet, 1.0, within),
        response_s=np.where(quiet, 0.0, response),
        done_s=ends - starts,
        backlog_s=np.maximum(waiting, 0.0),
    )
