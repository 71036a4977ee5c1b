"""What actually happened, beside what was forecast.

:func:`read_actuals` measures the interval history of the stored contacts;
:func:`with_actuals` is the one join of a forecast-shaped frame with it (``actual_offered``,
``actual_aht_s``), used by ``GET /v1/forecasts`` (and through it the dashboard's forecast page)
and by the intraday reforecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from api.services.site import Site
from features.calendar import infer_interval_minutes
from features.measures.intervals import build_intervals
from features.schema import DEFAULT_INTERVAL_MINUTES, HISTORY_COLUMNS, INTERVAL_START, QUEUE
from features.store.intraday_store import read_forecast
from features.store.records_store import Store

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


@dataclass(frozen=True)
class ForecastReads:
    """A stored forecast and the actuals of its queues, at the forecast's interval length."""

    forecast: pd.DataFrame
    actuals: pd.DataFrame
    minutes: int


def read_forecast_and_actuals(
    site: Site,
    queues: Sequence[str] | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    freq_minutes: int | None = None,
    actuals_end: pd.Timestamp | None = None,
) -> ForecastReads | None:
    """The newest stored forecast of ``[start, end)`` on `queues` (None: every queue) and the
    interval history of its queues' contacts.

    Parameters
    ----------
    freq_minutes:
        Interval length of the actuals, minutes; the forecast's spacing when None.
    actuals_end:
        Contacts are read up to this instant (default `end`).

    Returns
    -------
    ForecastReads or None
        None when no forecast is stored for the range.
    """
    forecast = read_forecast(site.service, queues, start, end, site.timezone)
    if forecast.empty:
        return None
    minutes = freq_minutes or infer_interval_minutes(forecast, default=DEFAULT_INTERVAL_MINUTES)
    seen = sorted(forecast[QUEUE].unique())
    upto = end if actuals_end is None else actuals_end
    actuals = read_actuals(site.records, start, upto, seen, site.timezone, minutes)
    return ForecastReads(forecast, actuals, minutes)


def forecast_with_actuals(
    site: Site,
    queues: Sequence[str] | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    freq_minutes: int = DEFAULT_INTERVAL_MINUTES,
) -> pd.DataFrame:
    """The newest stored forecast of every interval in ``[start, end)`` with its actuals.

    Returns
    -------
    pandas.DataFrame
        FORECAST_COLUMNS, ``run_id``, ``actual_offered`` and ``actual_aht_s`` (see
        :func:`with_actuals`), instants in the site's zone; no rows without a forecast.
    """
    reads = read_forecast_and_actuals(site, queues, start, end, freq_minutes=freq_minutes)
    if reads is None:
        return pd.DataFrame()
    return with_actuals(reads.forecast, reads.actuals, pd.Timestamp.now(tz="UTC"), reads.minutes)
