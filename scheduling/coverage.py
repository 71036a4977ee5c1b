"""Coverage: how many agents a roster puts on each queue in each interval — counted once, here.

The roster solver's coverage table, the independent roster checks, the intraday pages (published
roster against the day's requirement) and re-planning all count with :func:`count_coverage`. An
agent counts in an interval when a work row on that queue covers the whole interval; a work row
that starts or ends inside an interval (an edited shift, a break off the grid) does not count
there, so coverage is never overstated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.schema import INTERVAL_START, QUEUE

WORK_ACTIVITY = "work"
"""The roster activity that serves contacts (its ``queue`` is the skill worked)."""


def count_coverage(roster: pd.DataFrame, cells: pd.DataFrame, interval_minutes: int) -> np.ndarray:
    """Agents at work on each cell's queue for the whole of its interval.

    Parameters
    ----------
    roster:
        Roster rows (``activity``, ``queue``, tz-aware ``start``/``end``); only ``work`` rows
        count, each on its ``queue``.
    cells:
        ``queue`` and tz-aware ``interval_start`` rows to count for, in any order (need not be
        consecutive or unique).
    interval_minutes:
        Interval length, minutes.

    Returns
    -------
    numpy.ndarray
        Agents per cell (int64), in the order of `cells`.

    Examples
    --------
    >>> import pandas as pd
    >>> at = pd.Timestamp("2026-11-30 08:00", tz="Europe/Berlin")
    >>> roster = pd.DataFrame({"activity": ["work"], "queue": ["billing"],
    ...     "start": [at], "end": [at + pd.Timedelta(minutes=45)]})
    >>> cells = pd.DataFrame({"queue": ["billing"] * 4,
    ...     "interval_start": [at + pd.Timedelta(minutes=15 * i) for i in range(4)]})
    >>> count_coverage(roster, cells, 15).tolist()
    [1, 1, 1, 0]
    """
    counts = np.zeros(len(cells), dtype=np.int64)
    if roster.empty or cells.empty:
        return counts
    work = roster[roster["activity"] == WORK_ACTIVITY]
    step = np.int64(pd.Timedelta(minutes=interval_minutes).value)
    cell_queue = cells[QUEUE].astype(str).to_numpy()
    cell_start = _ns(cells[INTERVAL_START])
    for queue, rows in work.groupby(work[QUEUE].astype(str), sort=False):
        mine = np.flatnonzero(cell_queue == queue)
        if mine.size == 0:
            continue
        order = mine[np.argsort(cell_start[mine], kind="stable")]
        starts = cell_start[order]
        # A row [s, e) covers the sorted cells i with s <= start_i and start_i + step <= e: one
        # contiguous run per row, added with a difference array and a running sum.
        first = np.searchsorted(starts, _ns(rows["start"]), side="left")
        last = np.searchsorted(starts, _ns(rows["end"]) - step, side="right")
        delta = np.zeros(starts.size + 1, dtype=np.int64)
        keep = last > first
        np.add.at(delta, first[keep], 1)
        np.add.at(delta, last[keep], -1)
        counts[order] = np.cumsum(delta)[: starts.size]
    return counts


def _ns(values: pd.Series) -> np.ndarray:
    """Tz-aware instants as int64 nanoseconds since the epoch (UTC)."""
    return pd.DatetimeIndex(values).tz_convert("UTC").as_unit("ns").asi8
