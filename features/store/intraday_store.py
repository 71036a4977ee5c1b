"""Reads behind the intraday endpoints: a day's forecast, actuals, published roster and coverage.

Thin compositions of :class:`features.store.records_store.Store` (records) and
:class:`features.store.service_store.ServiceStore` (forecasts, rosters), returning frames in the
site's zone, plus the count of scheduled agents per queue and interval from published roster rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from features.measures.intervals import build_intervals
from features.schema import FORECAST_COLUMNS, HISTORY_COLUMNS, ROSTER_COLUMNS
from features.store.records_store import Store
from features.store.service_store import ServiceStore


def read_forecast(
    service: ServiceStore,
    queues: Sequence[str] | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    timezone: str,
) -> pd.DataFrame:
    """The newest stored forecast of every (queue, interval) in ``[start, end)``, in `timezone`
    (FORECAST_COLUMNS)."""
    frame = service.read_latest_forecast(
        list(queues) if queues is not None else None, start.to_pydatetime(), end.to_pydatetime()
    )
    if queues is not None and not list(queues):
        frame = frame.iloc[0:0]
    frame["interval_start"] = frame["interval_start"].dt.tz_convert(timezone)
    for column in ("volume", "volume_p10", "volume_p50", "volume_p90", "aht_s"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame[FORECAST_COLUMNS].reset_index(drop=True)


def read_actuals(
    store: Store,
    start: pd.Timestamp,
    end: pd.Timestamp,
    queues: Sequence[str] | None,
    timezone: str,
    freq_minutes: int = 15,
) -> pd.DataFrame:
    """Interval history (HISTORY_COLUMNS) of the contacts stored for ``[start, end)``; empty
    when none arrived."""
    contacts = store.read_contacts(start, end, list(queues) if queues is not None else None)
    if contacts.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in HISTORY_COLUMNS})
        empty["queue"] = empty["queue"].astype(str)
        empty["interval_start"] = pd.Series(dtype=f"datetime64[ns, {timezone}]")
        return empty
    return build_intervals(contacts, freq_minutes=freq_minutes, timezone=timezone)


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
    rows["queue"] = rows["queue"].fillna("").astype(str)
    return rows[ROSTER_COLUMNS].reset_index(drop=True)
