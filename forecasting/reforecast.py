"""Intraday reforecast: scale the rest of today's forecast by what has arrived so far.

For each queue, the intervals of the day already over (ending at or before `now`) give the
actual volume so far ``A`` and the forecast volume so far ``F``. The raw ratio ``A / F`` is
clipped to `bounds` and shrunk towards 1 by a credibility weight ``w``::

    ratio = 1 + w * (clip(A / F, low, high) - 1)

so early in the day, when little volume has been seen, the forecast barely moves. The weight is
the share of the day's forecast volume already observed (``F / day total``) by default, or
``F / (F + k)`` (Bühlmann credibility with `k` pseudo-contacts) when `credibility_k` is given.
The remaining intervals of that day (and their quantiles) are multiplied by the ratio; the
intervals already over and other days are returned unchanged with ratio 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import FORECAST_COLUMNS, frame_errors

REFORECAST_COLUMNS = [*FORECAST_COLUMNS, "volume_original", "ratio"]
"""The reforecast frame: the forecast columns, the original point volume and the factor."""

RATIO_COLUMNS = [
    "queue",
    "actual_so_far",
    "forecast_so_far",
    "forecast_day",
    "raw_ratio",
    "weight",
    "ratio",
]
"""Per-queue ratio table of :func:`queue_ratios`."""

_SCALED = ("volume", "volume_p10", "volume_p50", "volume_p90")


def _check(forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp) -> None:
    errors = frame_errors("forecast", forecast, ("queue", "interval_start", "volume"))
    errors += frame_errors("actuals", actuals, ("queue", "interval_start", "offered"))
    if pd.Timestamp(now).tzinfo is None:
        errors.append(FieldError(None, "now", "must be timezone-aware", str(now)))
    if errors:
        raise InvalidInput("cannot reforecast", errors)


def _check_settings(bounds: tuple[float, float], credibility_k: float | None) -> None:
    errors: list[FieldError] = []
    low, high = bounds
    if not 0 < low <= 1 <= high:
        errors.append(FieldError(None, "bounds", "must satisfy 0 < low <= 1 <= high", bounds))
    if credibility_k is not None and not credibility_k > 0:
        errors.append(FieldError(None, "credibility_k", "must be > 0 contacts", credibility_k))
    if errors:
        raise InvalidInput("invalid reforecast settings", errors)


def interval_length(forecast: pd.DataFrame) -> pd.Timedelta:
    """The most common spacing of consecutive intervals of a queue (15 minutes when unknown)."""
    ordered = forecast.sort_values(["queue", "interval_start"])
    gaps = ordered.groupby("queue", sort=False)["interval_start"].diff().dropna()
    gaps = gaps[gaps > pd.Timedelta(0)]
    return pd.Timedelta(gaps.mode().iloc[0]) if len(gaps) else pd.Timedelta(minutes=15)


def queue_ratios(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    now: pd.Timestamp,
    *,
    bounds: tuple[float, float] = (0.5, 2.0),
    credibility_k: float | None = None,
    interval: pd.Timedelta | None = None,
) -> pd.DataFrame:
    """Per queue: volume so far (actual and forecast), the raw ratio, the weight and the ratio.

    Only the forecast rows on the local day of `now` (in the forecast's zone) count.

    Returns
    -------
    pandas.DataFrame
        ``queue, actual_so_far, forecast_so_far, forecast_day, raw_ratio, weight, ratio``
        (contacts; ratios unitless). ``raw_ratio`` is NaN when nothing was forecast so far.
    """
    _check(forecast, actuals, now)
    _check_settings(bounds, credibility_k)
    step = interval if interval is not None else interval_length(forecast)
    zone = forecast["interval_start"].dt.tz
    local_now = pd.Timestamp(now).tz_convert(zone)
    today = forecast[forecast["interval_start"].dt.date == local_now.date()]
    over = today["interval_start"] + step <= local_now
    seen = today.loc[over, ["queue", "interval_start", "volume"]]
    actual = actuals[["queue", "interval_start", "offered"]].copy()
    actual["interval_start"] = actual["interval_start"].dt.tz_convert(zone)
    joined = seen.merge(actual, on=["queue", "interval_start"], how="left")
    # An interval already over without an actual row had no contacts (DESIGN: absent = 0).
    joined["offered"] = joined["offered"].fillna(0.0)
    sums = joined.groupby("queue")[["offered", "volume"]].sum()
    day_total = today.groupby("queue")["volume"].sum()
    table = pd.DataFrame({"forecast_day": day_total.astype(float)})
    table["actual_so_far"] = sums["offered"].reindex(table.index).fillna(0.0).astype(float)
    table["forecast_so_far"] = sums["volume"].reindex(table.index).fillna(0.0).astype(float)
    so_far = table["forecast_so_far"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(so_far > 0, table["actual_so_far"].to_numpy() / so_far, np.nan)
        if credibility_k is None:
            total = table["forecast_day"].to_numpy()
            weight = np.where(total > 0, so_far / total, 0.0)
        else:
            weight = so_far / (so_far + credibility_k)
    weight = np.clip(np.nan_to_num(weight, nan=0.0), 0.0, 1.0)
    clipped = np.clip(np.nan_to_num(raw, nan=1.0), bounds[0], bounds[1])
    table["raw_ratio"] = raw
    table["weight"] = weight
    table["ratio"] = 1.0 + weight * (clipped - 1.0)
    table = table.rename_axis("queue").reset_index()
    return table[RATIO_COLUMNS]


def reforecast_intraday(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    now: pd.Timestamp,
    *,
    bounds: tuple[float, float] = (0.5, 2.0),
    credibility_k: float | None = None,
) -> pd.DataFrame:
    """Re-forecast the rest of `now`'s local day per queue from the volume seen so far.

    Parameters
    ----------
    forecast:
        FORECAST_COLUMNS (``volume`` and quantiles in contacts per interval, ``aht_s`` seconds),
        ``interval_start`` tz-aware in the site's zone.
    actuals:
        Interval history (``queue``, tz-aware ``interval_start``, ``offered`` contacts per
        interval); an interval already over and absent from it had no contacts.
    now:
        The current instant (tz-aware); intervals ending at or before it are "so far".
    bounds:
        ``(low, high)`` limits of the ratio applied, with ``0 < low <= 1 <= high``.
    credibility_k:
        When given, the weight of the observed ratio is ``F / (F + k)`` with ``F`` the forecast
        contacts of the intervals already over; otherwise ``F`` divided by the day's forecast.

    Returns
    -------
    pandas.DataFrame
        :data:`REFORECAST_COLUMNS`: the forecast with the remaining intervals of the day scaled
        (point volume and quantiles; handle time unchanged), ``volume_original`` and ``ratio``
        (the factor applied to the row; 1 for intervals already over and for other days).

    Raises
    ------
    InvalidInput
        Missing columns, naive timestamps, or bounds/credibility outside their ranges.

    Examples
    --------
    Forecast 10 contacts in each of four intervals; 30 arrived in the first two (ratio 1.5);
    half the day's forecast is seen, so the remaining intervals get ``1 + 0.5 * 0.5 = 1.25``:

    >>> import pandas as pd
    >>> starts = pd.date_range("2026-11-30 08:00", periods=4, freq="15min", tz="UTC")
    >>> fc = pd.DataFrame({"queue": "q", "interval_start": starts, "volume": 10.0})
    >>> act = pd.DataFrame({"queue": "q", "interval_start": starts[:2], "offered": [14, 16]})
    >>> out = reforecast_intraday(fc, act, pd.Timestamp("2026-11-30 08:30", tz="UTC"))
    >>> out["volume"].tolist()
    [10.0, 10.0, 12.5, 12.5]
    """
    step = interval_length(forecast) if not forecast.empty else pd.Timedelta(minutes=15)
    ratios = queue_ratios(
        forecast, actuals, now, bounds=bounds, credibility_k=credibility_k, interval=step
    )
    out = forecast.reindex(columns=FORECAST_COLUMNS).copy()
    out["volume_original"] = out["volume"].astype(float)
    zone = out["interval_start"].dt.tz
    local_now = pd.Timestamp(now).tz_convert(zone)
    ahead = (out["interval_start"] + step > local_now) & (
        out["interval_start"].dt.date == local_now.date()
    )
    factor = out["queue"].map(dict(zip(ratios["queue"], ratios["ratio"], strict=True)))
    out["ratio"] = factor.where(ahead, 1.0).fillna(1.0).astype(float)
    for column in _SCALED:
        out[column] = out[column].astype(float) * out["ratio"]
    return out[REFORECAST_COLUMNS].reset_index(drop=True)
