"""Deterministic interval histories for the long-range tests: known weekly totals, weekday
shares and an even spread over the open hours, so results can be checked by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

TZ = "Europe/Berlin"
WEEKDAY_SHARES = (0.24, 0.2, 0.2, 0.2, 0.16, 0.0, 0.0)
"""Monday to Sunday shares of the week (a weekday-only centre)."""
OPEN_HOURS = (8, 16)
"""Open from 08:00 to 16:00 local: eight hourly intervals."""


def make_weekly_history(
    weeks: int = 20,
    start: str = "2026-01-05",
    levels: Mapping[str, float] | None = None,
    level_of_week: Callable[[int], float] | None = None,
    weekday_shares: tuple[float, ...] = WEEKDAY_SHARES,
    closed_days: Iterable[str] = (),
    day_factors: Mapping[str, float] | None = None,
    aht_s: float | None = None,
    minutes: int = 60,
    tz: str = TZ,
    open_hours: tuple[int, int] = OPEN_HOURS,
) -> pd.DataFrame:
    """An interval history of `weeks` weeks from the Monday `start`.

    Parameters
    ----------
    levels:
        Contacts of a normal week per queue (default ``{"billing": 1000}``).
    level_of_week:
        Multiplier of the level in week ``k`` (trend, season); 1 when None.
    closed_days:
        Local dates (``YYYY-MM-DD``) absent from the history (holidays closed, export gaps).
    day_factors:
        Date -> multiplier of that day's volume (events, holiday carry-over).
    aht_s:
        Handle time of every interval (None: no handle times).
    minutes:
        Interval length.
    open_hours:
        Local opening and closing hour (``(0, 24)`` for round the clock; a DST day then has
        23 or 25 hours of intervals).
    """
    levels = levels or {"billing": 1000.0}
    closed = set(closed_days)
    factors = dict(day_factors or {})
    open_from, open_to = open_hours
    rows = []
    first = pd.Timestamp(start)
    for k in range(weeks):
        scale = level_of_week(k) if level_of_week else 1.0
        for d in range(7):
            day = first + pd.Timedelta(days=7 * k + d)
            text = day.strftime("%Y-%m-%d")
            share = weekday_shares[d]
            if share == 0 or text in closed:
                continue
            starts = pd.date_range(
                (day + pd.Timedelta(hours=open_from)).tz_localize(tz),
                (day + pd.Timedelta(hours=open_to)).tz_localize(tz, nonexistent="shift_forward"),
                freq=f"{minutes}min",
                inclusive="left",
            )
            per_day = len(starts)
            for queue, level in levels.items():
                total = level * scale * share * factors.get(text, 1.0)
                rows.append(
                    pd.DataFrame(
                        {
                            "queue": queue,
                            "interval_start": starts,
                            "offered": np.full(per_day, total / per_day),
                            "aht_s": np.nan if aht_s is None else aht_s,
                        }
                    )
                )
    history = pd.concat(rows, ignore_index=True)
    history["queue"] = history["queue"].astype("str")
    return history
