"""What actually happened, beside what was forecast.

:func:`read_actuals` measures the interval history of the stored contacts;
:func:`with_actuals` is the one join of a forecast-shaped frame with it (``actual_offered``,
``actual_aht_s``), used by ``GET /v1/forecasts`` (and through it the dashboard's forecast page)
and by the intraday reforecast.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from features.measures.intervals import build_intervals
from features.schema import DEFAULT_INTERVAL_MINUTES, HISTORY_COLUMNS, INTERVAL_START, QUEUE
from features.store.intraday_store import read_forecast
from features.store.records_store import Store
from features.store.service_store import ServiceStore

ACTUAL_COLUMNS = {"offered": "actual_offered", "aht_s": "actual_aht_s"}
"""History measure -> the column it becomes beside a forecast."""


def empty_history(timezone: str) -> pd.DataFrame:
    """An interval history (HISTORY_COLUMNS) without rows, instants in `timezone`."""
    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in HISTORY_COLUMNS})
    empty[QUEUE] = empty[QUEUE].astype(str)
    empty[INTERVAL_START] = pd.Series(dtype=f"datetime64[ns, {timezone}]")
    return empty


def read_actuals(
    store: Store,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    queues: Sequence[str] | None,
    timezone: str,
    freq_minutes: int = DEFAULT_INTERVAL_MINUTES,
) -> pd.DataFrame:
    """Interval history of the contacts stored for ``[start, end)``.

    Parameters
    ----------
    store:
        The records store.
    start, end:
        Range of arrival instants (tz-aware); None leaves that side open.
    queues:
        Queues to read; None reads every queue.
    timezone:
        The site's zone; intervals are aligned on its wall clock.
    freq_minutes:
        Interval length, minutes.

    Returns
    -------
    pandas.DataFrame
        HISTORY_COLUMNS (contacts per interval, seconds, shares); no rows when no contact
        arrived.
    """
    contacts = store.read_contacts(start, end, list(queues) if queues is not None else None)
    if contacts.empty:
        return empty_history(timezone)
    return build_intervals(contacts, freq_minutes=freq_minutes, timezone=timezone)


def with_actuals(
    frame: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp, interval_minutes: int
) -> pd.DataFrame:
    """`frame` (one row per ``queue``, ``interval_start``) with what actually happened beside it.

    Parameters
    ----------
    frame:
        A forecast or reforecast frame (``queue``, tz-aware ``interval_start``).
    actuals:
        Interval history of the same range (:func:`read_actuals`).
    now:
        The current instant: an interval over by then without a stored contact had none.
    interval_minutes:
        Interval length, minutes.

    Returns
    -------
    pandas.DataFrame
        `frame` plus ``actual_offered`` (contacts that arrived; 0 for an interval over with
        none, NaN for one not over yet) and ``actual_aht_s`` (mean handle time, seconds; NaN
        where nothing was handled).
    """
    observed = actuals[[QUEUE, INTERVAL_START, *ACTUAL_COLUMNS]].rename(columns=ACTUAL_COLUMNS)
    joined = frame.merge(observed, on=[QUEUE, INTERVAL_START], how="left")
    ends = joined[INTERVAL_START] + pd.Timedelta(minutes=interval_minutes)
    over = (ends <= now).to_numpy()
    offered = joined["actual_offered"]
    joined["actual_offered"] = np.where(over, offered.fillna(0.0), offered)
    return joined


def forecast_with_actuals(
    service: ServiceStore,
    store: Store,
    queues: Sequence[str] | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    timezone: str,
    freq_minutes: int = DEFAULT_INTERVAL_MINUTES,
    now: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The newest stored forecast of every interval in ``[start, end)`` with its actuals.

    Returns
    -------
    pandas.DataFrame
        FORECAST_COLUMNS, ``run_id``, ``actual_offered`` and ``actual_aht_s`` (see
        :func:`with_actuals`); instants in `timezone`.
    """
    forecast = read_forecast(service, queues, start, end, timezone)
    if forecast.empty:
        return forecast
    seen = sorted(forecast[QUEUE].unique())
    actuals = read_actuals(store, start, end, seen, timezone, freq_minutes)
    moment = pd.Timestamp.now(tz="UTC") if now is None else now
    return with_actuals(forecast, actuals, moment, freq_minutes)
