"""Reads behind the intraday pages: the newest stored forecast and the published roster of a
range, as frames in the site's zone.

Thin compositions of :class:`features.store.service_store.ServiceStore` (forecasts, rosters);
reading only. What actually happened (interval histories of the stored contacts) is measured
by :mod:`features.measures.intervals`, not here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from features.schema import FORECAST_COLUMNS, INTERVAL_START, QUEUE, ROSTER_COLUMNS
from features.store.service_store import ServiceStore

FORECAST_NUMBERS = ("volume", "volume_p10", "volume_p50", "volume_p90", "aht_s")
"""Forecast columns read as floats (contacts per interval; seconds for ``aht_s``)."""


def read_forecast(
    service: ServiceStore,
    queues: Sequence[str] | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    timezone: str,
) -> pd.DataFrame:
    """The newest stored forecast of every (queue, interval) in ``[start, end)``, in `timezone`.

    Returns
    -------
    pandas.DataFrame
        FORECAST_COLUMNS plus ``run_id`` (the training job that made the row); numbers as
        floats (missing quantiles and handle times NaN).
    """
    wanted = list(queues) if queues is not None else None
    frame = service.read_latest_forecast(wanted, start.to_pydatetime(), end.to_pydatetime())
    if wanted is not None and not wanted:
        frame = frame.iloc[0:0]
    frame[INTERVAL_START] = frame[INTERVAL_START].dt.tz_convert(timezone)
    for column in FORECAST_NUMBERS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame[[*FORECAST_COLUMNS, "run_id"]].reset_index(drop=True)


def read_roster(
    service: ServiceStore,
    agent_ids: Sequence[str] | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    timezone: str,
) -> pd.DataFrame:
    """Published roster rows (ROSTER_COLUMNS) overlapping ``[start, end)``, in `timezone`."""
    rows = service.read_schedule(
        list(agent_ids) if agent_ids is not None else None,
        start.to_pydatetime(),
        end.to_pydatetime(),
    )
    rows["start"] = rows["start"].dt.tz_convert(timezone)
    rows["end"] = rows["end"].dt.tz_convert(timezone)
    rows[QUEUE] = rows[QUEUE].fillna("").astype(str)
    return rows[ROSTER_COLUMNS].reset_index(drop=True)
