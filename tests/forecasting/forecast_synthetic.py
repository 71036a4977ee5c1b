"""Small synthetic interval histories for the forecasting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

TZ = "Europe/Berlin"


def make_history(
    start: str = "2026-02-09",
    end: str = "2026-03-28",
    seed: int = 7,
    drop_days: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Two queues on 15-minute intervals in Berlin, closed intervals absent.

    ``billing`` opens Monday-Friday 08:00-18:00 with handle times; ``sales`` opens Monday-Saturday
    09:00-17:00 without handle times. Volumes are Poisson around a midday hump.
    """
    rng = np.random.default_rng(seed)
    instants = pd.date_range(
        pd.Timestamp(start, tz=TZ), pd.Timestamp(end, tz=TZ), freq="15min", inclusive="left"
    )
    local = instants.tz_localize(None)
    hours = local.hour + local.minute / 60
    rows = []
    for queue, days, (open_h, close_h), level in (
        ("billing", range(5), (8, 18), 40.0),
        ("sales", range(6), (9, 17), 12.0),
    ):
        is_open = np.isin(local.day_of_week, list(days)) & (hours >= open_h) & (hours < close_h)
        shape = np.exp(-(((hours - 12.5) / 3.0) ** 2))
        day_factor = 1.0 + 0.15 * (local.day_of_week == 0)
        offered = rng.poisson(level * shape * day_factor)
        frame = pd.DataFrame(
            {"queue": queue, "interval_start": instants, "offered": offered.astype(float)}
        )
        frame["aht_s"] = 240.0 + 30 * np.sin(hours) if queue == "billing" else np.nan
        rows.append(frame[is_open])
    history = pd.concat(rows, ignore_index=True)
    dates = history["interval_start"].dt.strftime("%Y-%m-%d")
    history = history[~dates.isin(drop_days)].reset_index(drop=True)
    return history
