"""Calendar, holiday and lag features on the (queue, day, slot) cube of a prepared history.

Every lag is at least seven days, so a feature row for a target day only uses data known at a
forecast origin up to a week earlier; longer horizons are forecast week by week, feeding the
previous week's forecast back in as history.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput

LAG_WEEKS = (1, 2, 3, 4)
"""Same wall-clock slot this many weeks before the target day."""
LEVEL_DAYS = 28
"""Days in the trailing window (ending seven days before the target) that set a row's scale."""

FEATURE_NAMES = (
    "slot",
    "weekday",
    "holiday",
    "holiday_near",
    *[f"lag_{k}w" for k in LAG_WEEKS],
    "lag_mean",
    "lag_std",
    "lag_1w_prev_slot",
    "lag_1w_next_slot",
    "day_share_1w",
    "week_trend",
)


OBSERVED_SUFFIX = " (observed)"
"""Suffix the ``holidays`` package gives a holiday moved off a weekend; the holiday is the same."""


@lru_cache(maxsize=64)
def _holiday_table(country: str, first_year: int, last_year: int) -> dict[np.datetime64, str]:
    try:
        table = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError as exc:
        raise InvalidInput(
            f"unknown holiday country {country!r}; use an ISO code such as 'US' or 'DE'",
            [FieldError(None, "country", "must be a country known to `holidays`", country)],
        ) from exc
    return {np.datetime64(day, "D"): _canonical_name(str(name)) for day, name in table.items()}


def _canonical_name(name: str) -> str:
    """The first of a day's holiday names without the "(observed)" suffix."""
    first = name.split("; ")[0]
    return first.removesuffix(OBSERVED_SUFFIX).strip()


def holiday_names(days: np.ndarray, country: str | None) -> np.ndarray:
    """Name of the public holiday on each local day (``datetime64[D]``), "" on other days.

    An observed holiday (moved off a weekend) carries the holiday's own name, so "Independence
    Day (observed)" and "Independence Day" are the same holiday. Without a country every name
    is "".
    """
    days = np.asarray(days, dtype="datetime64[D]")
    names = np.full(days.shape, "", dtype=object)
    if country is None or days.size == 0:
        return names
    years = pd.DatetimeIndex(days).year
    table = _holiday_table(country, int(years.min()), int(years.max()))
    for i, day in enumerate(days):
        names[i] = table.get(day, "")
    return names


def holiday_mask(days: np.ndarray, country: str | None) -> np.ndarray:
    """Flag public holidays among local days (``datetime64[D]``); all False without a country."""
    return holiday_names(days, country) != ""


def trailing_level(volume: np.ndarray, reference: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Mean contacts per interval over the reference days in ``[t - 34, t - 7]``, per target t.

    Parameters
    ----------
    volume:
        (queue, day, slot) contacts per interval, NaN on unknown days.
    reference:
        (queue, day) flags of days that count (observed, not holidays).
    targets:
        Day positions on the second axis.

    Returns
    -------
    numpy.ndarray
        (queue, len(targets)) mean contacts per interval, NaN when the window holds no day.
    """
    daily = np.where(reference, np.nansum(volume, axis=2), 0.0)
    counts = reference.astype(float)
    cum_total = np.concatenate([np.zeros((daily.shape[0], 1)), np.cumsum(daily, axis=1)], axis=1)
    cum_count = np.concatenate([np.zeros((daily.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)
    hi = np.clip(targets - 7 + 1, 0, daily.shape[1])
    lo = np.clip(targets - 7 - LEVEL_DAYS + 1, 0, daily.shape[1])
    total = cum_total[:, hi] - cum_total[:, lo]
    n = cum_count[:, hi] - cum_count[:, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / (n * volume.shape[2])


def lag_features(
    volume: np.ndarray,
    reference: np.ndarray,
    holiday: np.ndarray,
    start_day: np.datetime64,
    targets: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature cube for target days, scaled by each row's trailing level.

    Parameters
    ----------
    volume:
        (queue, day, slot) contacts per interval; NaN where unknown (gaps, future days).
    reference:
        (queue, day) flags of reference days (observed, not holidays).
    holiday:
        (day,) public holiday flags; must cover every target day.
    start_day:
        Calendar day of position 0.
    targets:
        Day positions to build rows for.

    Returns
    -------
    features:
        (queue, len(targets), slot, len(FEATURE_NAMES)) float array (NaN = unknown).
    scale:
        (queue, len(targets)) contacts per interval that volume features were divided by.
    """
    n_queues, n_days, n_slots = volume.shape
    masked = np.where(reference[:, :, None], volume, np.nan)
    scale = trailing_level(volume, reference, targets)
    safe_scale = np.where(scale > 0, scale, np.nan)[:, :, None]

    def lag(weeks: int) -> np.ndarray:
        pos = targets - 7 * weeks
        ok = (pos >= 0) & (pos < n_days)
        out = np.full((n_queues, targets.size, n_slots), np.nan)
        out[:, ok, :] = masked[:, pos[ok], :]
        return out / safe_scale

    lags = [lag(k) for k in LAG_WEEKS]
    stacked = np.stack(lags, axis=-1)
    count = np.sum(~np.isnan(stacked), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        lag_mean = np.nansum(stacked, axis=-1) / count
        lag_sq = np.nansum(stacked**2, axis=-1) / count
    lag_std = np.sqrt(np.maximum(lag_sq - lag_mean**2, 0.0))
    prev_slot = np.roll(lags[0], 1, axis=2)
    next_slot = np.roll(lags[0], -1, axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        day_total = np.nansum(lags[0], axis=2, keepdims=True)
        day_share = lags[0] / np.where(day_total > 0, day_total, np.nan)
        trend = np.nansum(lags[0], axis=2) / np.nansum(lags[1], axis=2)
    days = start_day + targets
    weekday = (days.astype(np.int64) + 3) % 7
    on_holiday = holiday[targets]
    near = np.zeros(targets.size, dtype=bool)
    for shift in (-1, 1):
        pos = np.clip(targets + shift, 0, holiday.size - 1)
        near |= holiday[pos]

    def broadcast(values: np.ndarray) -> np.ndarray:
        return np.broadcast_to(values[None, :, None], (n_queues, targets.size, n_slots))

    slot = np.broadcast_to(np.arange(n_slots)[None, None, :], (n_queues, targets.size, n_slots))
    columns = [
        slot,
        broadcast(weekday),
        broadcast(on_holiday.astype(float)),
        broadcast(near.astype(float)),
        *lags,
        lag_mean,
        lag_std,
        prev_slot,
        next_slot,
        day_share,
        np.broadcast_to(trend[:, :, None], (n_queues, targets.size, n_slots)),
    ]
    features = np.stack([np.asarray(c, dtype=float) for c in columns], axis=-1)
    return features, scale
