"""Local-time interval grids (DST-aware) and public-holiday lookup.

Intervals are aligned on the site's local wall clock: a 15-minute interval starts at :00, :15,
:30 or :45 local time. Every interval lasts the same number of real minutes, so a day on which
clocks go forward has 92 fifteen-minute intervals and a day on which they go back has 100.
Holidays come from the `holidays` package (country and optional subdivision configurable).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable

import holidays
import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import ALLOWED_INTERVAL_MINUTES, INTERVAL_START, QUEUE

NS_PER_MINUTE = 60 * 1_000_000_000
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday keys of availability, preferences and profiles, Monday first (``date.weekday()``)."""


def check_freq_minutes(freq_minutes: int) -> int:
    """Return `freq_minutes` when it is an allowed interval length (5, 10, 15, 30 or 60 minutes).

    Raises
    ------
    InvalidInput
        For any other value.
    """
    if isinstance(freq_minutes, bool) or freq_minutes not in ALLOWED_INTERVAL_MINUTES:
        allowed = ", ".join(str(m) for m in ALLOWED_INTERVAL_MINUTES)
        raise InvalidInput(
            f"interval length must be one of {allowed} minutes, got {freq_minutes!r}",
            [FieldError(None, "freq_minutes", f"must be one of {allowed}", freq_minutes)],
        )
    return int(freq_minutes)


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_timezone(name: object) -> bool:
    """Whether `name` is an IANA zone name (``Europe/Berlin``, ``UTC``); the zone list is read
    once per process, so this is cheap enough to call per record."""
    if not isinstance(name, str) or not name:
        return False
    if name in _zone_names():
        return True
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_timezone(timezone: str, field: str = "timezone") -> str:
    """Return `timezone` when it names an IANA zone (``Europe/Berlin``, ``UTC``), else raise
    :class:`InvalidInput` naming `field`."""
    if not is_timezone(timezone):
        raise InvalidInput(
            f"unknown timezone {timezone!r}; use an IANA name such as 'Europe/Berlin'",
            [FieldError(None, field, "must be an IANA timezone name", timezone)],
        )
    return timezone


def is_holiday_country(code: object) -> bool:
    """Whether `code` is a country (ISO 3166 alpha-2 or alpha-3, any case) whose public holidays
    the `holidays` package knows."""
    return isinstance(code, str) and code.upper() in holidays.list_supported_countries()


def floor_local(instants: pd.Series, freq_minutes: int, timezone: str) -> pd.Series:
    """Start of the local-time interval containing each instant.

    Parameters
    ----------
    instants:
        Timezone-aware timestamps (any zone); NaT stays NaT.
    freq_minutes:
        Interval length in minutes (5, 10, 15, 30 or 60).
    timezone:
        The site's IANA zone; intervals are aligned on its wall clock.

    Returns
    -------
    pandas.Series
        Interval starts as timezone-aware timestamps in `timezone`, same index as `instants`.
        Each instant keeps its own UTC offset, so the repeated hour of a fall-back night maps
        to two distinct sets of intervals.
    """
    start = floor_local_ns(instants, freq_minutes, timezone)
    return pd.Series(ns_to_instants(start, timezone), index=instants.index)


def floor_local_ns(instants: pd.Series, freq_minutes: int, timezone: str) -> np.ndarray:
    """Like :func:`floor_local`, as int64 nanoseconds since the epoch (NaT -> NaT's int)."""
    check_freq_minutes(freq_minutes)
    local = instants.dt.tz_convert(timezone)
    utc_ns = local.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    wall_ns = local.dt.tz_localize(None).to_numpy("datetime64[ns]")
    missing = np.isnat(utc_ns)
    utc_i = utc_ns.astype(np.int64)
    offset = wall_ns.astype(np.int64) - utc_i
    step = freq_minutes * NS_PER_MINUTE
    wall = utc_i + offset
    start = wall - np.mod(wall, step) - offset
    start[missing] = np.iinfo(np.int64).min
    return start


def ns_to_instants(ns: np.ndarray, timezone: str) -> pd.DatetimeIndex:
    """Int64 nanoseconds since the epoch (UTC) -> timezone-aware timestamps in `timezone`."""
    return (
        pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
        .tz_localize("UTC")
        .tz_convert(timezone)
    )


def interval_grid(
    start_date: dt.date | str, days: int, freq_minutes: int = 15, timezone: str = "UTC"
) -> pd.DatetimeIndex:
    """Every local interval start of `days` consecutive local days from `start_date`.

    Parameters
    ----------
    start_date:
        First local date (a date or ``YYYY-MM-DD``).
    days:
        Number of local days (>= 1).
    freq_minutes:
        Interval length in minutes (5, 10, 15, 30 or 60).
    timezone:
        IANA zone of the site.

    Returns
    -------
    pandas.DatetimeIndex
        Timezone-aware interval starts; a spring-forward day contributes 23 hours of intervals
        (92 of 15 minutes), a fall-back day 25 hours (100).

    Examples
    --------
    >>> len(interval_grid("2026-03-29", 1, 15, "Europe/Berlin"))
    92
    """
    check_freq_minutes(freq_minutes)
    check_timezone(timezone)
    if days < 1:
        raise InvalidInput(
            f"days must be at least 1, got {days}", [FieldError(None, "days", ">= 1", days)]
        )
    first = pd.Timestamp(start_date).normalize()
    begin = _local_midnight(first, timezone)
    end = _local_midnight(first + pd.Timedelta(days=days), timezone)
    return pd.date_range(begin, end, freq=f"{freq_minutes}min", inclusive="left").as_unit("ns")


def _local_midnight(day: pd.Timestamp, timezone: str) -> pd.Timestamp:
    # A few zones change clocks at midnight; the day then starts at the first existing instant.
    return day.tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)


def local_midnight(day: dt.date | str, timezone: str) -> pd.Timestamp:
    """The first instant of local day `day` in `timezone` (tz-aware)."""
    return _local_midnight(pd.Timestamp(day).normalize(), timezone)


def day_bounds(day: dt.date, timezone: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local midnight of `day` and of the next day in `timezone` (23 or 25 hours apart on DST
    days)."""
    return local_midnight(day, timezone), local_midnight(day + dt.timedelta(days=1), timezone)


def intervals_in_days(start: pd.Timestamp, days: int, interval_minutes: int) -> int:
    """Number of intervals of `interval_minutes` in `days` local calendar days from `start`.

    Parameters
    ----------
    start:
        Timezone-aware first instant, in the site's zone (its wall clock defines the days).
    days:
        Local calendar days (>= 1); DST days last 23 or 25 hours.
    interval_minutes:
        Interval length, minutes.

    Returns
    -------
    int
        Intervals (a 15-minute day has 92, 96 or 100).

    Examples
    --------
    >>> intervals_in_days(pd.Timestamp("2026-03-29", tz="Europe/Berlin"), 1, 15)
    92
    """
    wall = start.tz_localize(None) + pd.Timedelta(days=days)
    end = wall.tz_localize(start.tz, nonexistent="shift_forward", ambiguous=True)
    return int((end - start) / pd.Timedelta(minutes=interval_minutes))


def infer_interval_minutes(frame: pd.DataFrame, default: int | None = None) -> int:
    """Interval length in minutes, from the spacing of ``interval_start`` within each queue.

    Intervals lie on one local grid, so every gap between two starts of a queue is a multiple of
    the interval length; the length is the greatest common divisor of the gaps (idle or closed
    intervals between rows do not mislead it). It must be one of 5, 10, 15, 30 or 60 minutes.

    Parameters
    ----------
    frame:
        Rows with ``queue`` and tz-aware ``interval_start``.
    default:
        Returned when no queue has two intervals; without it that raises.

    Raises
    ------
    InvalidInput
        When the length cannot be inferred (no default) or is not an allowed length.
    """
    gaps = pd.Series(dtype="timedelta64[ns]")
    if len(frame) > 1:
        ordered = frame.sort_values([QUEUE, INTERVAL_START])
        gaps = ordered.groupby(QUEUE, sort=False)[INTERVAL_START].diff().dropna()
        gaps = gaps[gaps > pd.Timedelta(0)]
    if gaps.empty:
        if default is not None:
            return default
        raise InvalidInput(
            "cannot infer the interval length: no queue has two intervals; "
            "give interval_minutes (--interval-minutes)",
            [FieldError(None, INTERVAL_START, "needs two intervals of one queue")],
        )
    seconds = np.unique((gaps.dt.total_seconds()).round().astype(np.int64).to_numpy())
    minutes = float(np.gcd.reduce(seconds)) / 60.0
    if minutes not in ALLOWED_INTERVAL_MINUTES:
        allowed = ", ".join(str(m) for m in ALLOWED_INTERVAL_MINUTES)
        raise InvalidInput(
            f"interval length inferred from the spacing is {minutes:g} minutes; allowed: "
            f"{allowed}; give interval_minutes",
            [FieldError(None, INTERVAL_START, f"spacing must be one of {allowed}", minutes)],
        )
    return int(minutes)


def intervals_per_day(day: dt.date | str, freq_minutes: int = 15, timezone: str = "UTC") -> int:
    """Number of local intervals on one local day (96 of 15 minutes; 92 or 100 on DST days)."""
    return len(interval_grid(day, 1, freq_minutes, timezone))


def holiday_dates(
    country: str, years: Iterable[int], subdiv: str | None = None
) -> dict[dt.date, str]:
    """Public holidays of a country (and optional subdivision) in the given years.

    Parameters
    ----------
    country:
        ISO 3166 code understood by the `holidays` package (``DE``, ``US``, ``IL``).
    years:
        Calendar years to cover.
    subdiv:
        Optional subdivision code (``BY`` for Bavaria, ``NY`` for New York).

    Returns
    -------
    dict
        Date -> holiday name, sorted by date.
    """
    try:
        table = holidays.country_holidays(country, subdiv=subdiv, years=sorted(set(years)))
    except NotImplementedError as exc:
        raise InvalidInput(
            f"unknown holiday country {country!r} (subdivision {subdiv!r})",
            [FieldError(None, "country", "must be a country known to `holidays`", country)],
        ) from exc
    return dict(sorted(table.items()))


def is_holiday(dates: Iterable[dt.date], country: str, subdiv: str | None = None) -> np.ndarray:
    """Boolean array: whether each local date is a public holiday in `country`."""
    values = [pd.Timestamp(d).date() for d in dates]
    if not values:
        return np.zeros(0, dtype=bool)
    table = holiday_dates(country, {d.year for d in values}, subdiv)
    return np.array([d in table for d in values], dtype=bool)


def iso_instants(values: pd.Series) -> pd.Series:
    """Timezone-aware timestamps as ISO 8601 strings with offset, whole seconds
    (``2026-03-29T03:00:00+02:00``), vectorised; NaT becomes a missing value.

    Gives the same text as :func:`features.records.frame_io.format_instants`, many times faster on
    large frames (no per-element ``strftime``).
    """
    utc = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")
    wall = values.dt.tz_localize(None).to_numpy("datetime64[s]")
    missing = np.isnat(utc)
    offset_s = (wall - utc).astype(np.int64)
    offset_s[missing] = 0
    unique, inverse = np.unique(offset_s, return_inverse=True)
    labels = np.array([_offset_label(int(s)) for s in unique], dtype=object)
    text = np.char.add(
        np.datetime_as_string(wall, unit="s").astype(str), labels[inverse].astype(str)
    )
    result = pd.Series(text, index=values.index, dtype="str")
    return result.where(~missing)


def _offset_label(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
