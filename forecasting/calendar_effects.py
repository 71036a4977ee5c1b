"""Calendar effects on a queue's daily totals: weekday, turn of the month and open holidays.

Every effect is a multiplicative factor on the day's contacts, learned from ordinary days only
(:attr:`forecasting.history.PreparedHistory.training`) as the ratio of a day's total to the
local level around it (the rolling median of the de-seasonalised totals of nearby days):

* **weekday index**: the median ratio of each opening weekday over the latest
  :data:`WEEKDAY_INDEX_WEEKS` weeks (a median of weeks, so one odd day does not move it),
  scaled to average 1 over the opening weekdays;
* **turn of the month**: the first three and the last two opening days of a calendar month
  (statements, salaries and payments cluster there in banking); once a position has been seen
  in :data:`MIN_TURN_MONTHS` months, its mean log ratio is shrunk towards zero by its James-Stein
  weight ``tau^2 / (tau^2 + s^2 / n)`` (``s^2`` the day-to-day variance of ordinary days of the
  same weekdays, ``n`` the occurrences), so a weak or noisy effect is ignored;
* **open holidays**: a holiday the queue was open on gets the same shrunk ratio per holiday
  name, so next year's occurrence is forecast at its own level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.history import PreparedHistory, weekday_of

WEEKDAY_INDEX_WEEKS = 12
"""Weeks of ordinary days behind the weekday index."""
LOCAL_LEVEL_DAYS = 15
"""Calendar days in the centred window of the rolling median that sets a day's local level."""
TURN_OF_MONTH = (("first", 0), ("first", 1), ("first", 2), ("last", 0), ("last", 1))
"""Opening-day positions in the calendar month that get their own factor (0 = first/last)."""
MIN_TURN_MONTHS = 3
"""A turn-of-the-month position gets a factor only once seen in at least this many months."""
DEFAULT_NOISE = 0.01
"""Day-to-day variance of log totals assumed with fewer than three plain days."""


@dataclass
class DailyCalendar:
    """Multiplicative calendar factors of one queue's daily totals.

    Attributes
    ----------
    opening:
        (7,) flags of the queue's opening weekdays (Monday first).
    weekday:
        (7,) weekday index (mean 1 over opening weekdays; 1 on closed weekdays).
    month:
        Factor per :data:`TURN_OF_MONTH` position.
    holiday:
        Factor per holiday name of the holidays the queue was open on.
    """

    opening: np.ndarray
    weekday: np.ndarray = field(default_factory=lambda: np.ones(7))
    month: np.ndarray = field(default_factory=lambda: np.ones(len(TURN_OF_MONTH)))
    holiday: dict[str, float] = field(default_factory=dict)

    def month_factor(self, days: np.ndarray) -> np.ndarray:
        """Turn-of-the-month factor of each local day (1 away from the turn)."""
        category = turn_of_month_category(days, self.opening)
        return np.where(category >= 0, self.month[np.maximum(category, 0)], 1.0)

    def holiday_factor(self, names: np.ndarray) -> np.ndarray:
        """Factor of each day from its holiday name ("" or a holiday never seen open: 1)."""
        return np.array([self.holiday.get(str(n), 1.0) for n in names], dtype=float)

    def factor(self, days: np.ndarray, names: np.ndarray) -> np.ndarray:
        """Combined factor (weekday x turn of month x holiday) of local days with their
        holiday names."""
        days = np.asarray(days, dtype="datetime64[D]")
        return self.weekday[weekday_of(days)] * self.month_factor(days) * self.holiday_factor(names)


def turn_of_month_category(days: np.ndarray, opening: np.ndarray) -> np.ndarray:
    """Index into :data:`TURN_OF_MONTH` of each local day, -1 for the other days.

    Positions count the opening weekdays (`opening`, Monday first) of each calendar month; a
    day on a closed weekday is -1.
    """
    days = np.asarray(days, dtype="datetime64[D]")
    out = np.full(days.shape, -1, dtype=np.int64)
    if days.size == 0:
        return out
    first = days.min().astype("datetime64[M]").astype("datetime64[D]")
    stop = (days.max().astype("datetime64[M]") + 1).astype("datetime64[D]")
    calendar = np.arange(first, stop, dtype="datetime64[D]")
    is_open = opening[weekday_of(calendar)]
    month = calendar.astype("datetime64[M]")
    from_start = np.full(calendar.size, -1)
    from_end = np.full(calendar.size, -1)
    for value in np.unique(month):
        chosen = np.flatnonzero((month == value) & is_open)
        from_start[chosen] = np.arange(chosen.size)
        from_end[chosen] = np.arange(chosen.size)[::-1]
    category = np.full(calendar.size, -1, dtype=np.int64)
    for k, (side, position) in enumerate(TURN_OF_MONTH):
        hit = (from_start if side == "first" else from_end) == position
        category = np.where((category < 0) & hit, k, category)
    return category[(days - first).astype(np.int64)]


def local_level(values: np.ndarray) -> np.ndarray:
    """Centred rolling median of a daily series with gaps (NaN), over
    :data:`LOCAL_LEVEL_DAYS` calendar days (at least 3 known values)."""
    series = pd.Series(values, dtype=float)
    rolled = series.rolling(LOCAL_LEVEL_DAYS, center=True, min_periods=3).median()
    return rolled.to_numpy()


def shrunk_log_mean(log_ratios: np.ndarray, noise_var: float) -> float:
    """James-Stein estimate of a mean log effect: ``w * mean`` with
    ``w = tau^2 / (tau^2 + noise_var / n)`` and ``tau^2 = max(mean^2 - noise_var / n, 0)``."""
    n = log_ratios.size
    if n == 0:
        return 0.0
    mean = float(log_ratios.mean())
    sampling = noise_var / n
    signal = max(mean**2 - sampling, 0.0)
    weight = signal / (signal + sampling) if signal + sampling > 0 else 0.0
    return weight * mean


def fit_daily_calendar(prepared: PreparedHistory, queue: int) -> DailyCalendar:
    """Learn the calendar factors of one queue's daily totals (see the module docstring).

    Parameters
    ----------
    prepared:
        The training history.
    queue:
        Position of the queue in ``prepared.queues``.

    Returns
    -------
    DailyCalendar
        All factors 1 when the queue has fewer than three ordinary days.
    """
    opening = prepared.open_weekday[queue].copy()
    result = DailyCalendar(opening=opening)
    daily = prepared.daily[queue]
    ordinary = prepared.training[queue]
    if ordinary.sum() < 3:
        return result
    weekday = prepared.weekday
    n_days = daily.size
    recent = np.arange(n_days) >= n_days - 7 * WEEKDAY_INDEX_WEEKS
    category = turn_of_month_category(prepared.days, opening)
    in_turn = category >= 0
    for _ in range(3):
        adjusted = daily / (result.weekday[weekday] * result.month_factor(prepared.days))
        level = local_level(np.where(ordinary, adjusted, np.nan))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = daily / level
        usable = ordinary & np.isfinite(ratio) & (ratio > 0)
        index = np.ones(7)
        month = result.month_factor(prepared.days)
        for w in np.flatnonzero(opening):
            chosen = usable & recent & (weekday == w)
            if chosen.any():
                index[w] = float(np.median(ratio[chosen] / month[chosen]))
        index[opening] /= index[opening].mean()
        result.weekday = index
        residual = np.full(n_days, np.nan)
        residual[usable] = np.log(ratio[usable] / index[weekday[usable]])
        noise = _weekday_noise(residual, usable & ~in_turn, weekday)
        month_of_day = prepared.days.astype("datetime64[M]")
        factors = np.ones(len(TURN_OF_MONTH))
        for k in range(len(TURN_OF_MONTH)):
            hits = usable & (category == k)
            if np.unique(month_of_day[hits]).size >= MIN_TURN_MONTHS:
                spread = float(noise[weekday[hits]].mean())
                factors[k] = np.exp(shrunk_log_mean(residual[hits], spread))
        result.month = factors
    result.holiday = _holiday_factors(prepared, queue, result, noise)
    return result


def _weekday_noise(residual: np.ndarray, plain: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """(7,) day-to-day variance of the log residuals of plain days of each weekday (a small
    weekday such as a half-day Friday is noisier), the all-weekday variance where a weekday has
    fewer than three plain days."""
    overall = float(np.var(residual[plain], ddof=1)) if plain.sum() > 2 else DEFAULT_NOISE
    out = np.full(7, overall)
    for w in range(7):
        mine = plain & (weekday == w)
        if mine.sum() >= 3:
            out[w] = max(float(np.var(residual[mine], ddof=1)), overall / 4)
    return out


def _holiday_factors(
    prepared: PreparedHistory, queue: int, calendar: DailyCalendar, noise: np.ndarray
) -> dict[str, float]:
    """Shrunk ratio of each holiday the queue was open on to the day's ordinary forecast."""
    daily = prepared.daily[queue]
    ordinary = prepared.training[queue]
    names = prepared.holiday_name
    expected_shape = calendar.weekday[prepared.weekday] * calendar.month_factor(prepared.days)
    level = local_level(np.where(ordinary, daily / expected_shape, np.nan))
    open_holiday = prepared.holiday & prepared.observed[queue] & (np.nan_to_num(daily) > 0)
    open_holiday &= calendar.opening[prepared.weekday] & np.isfinite(level)
    logs: dict[str, list[float]] = {}
    spreads: dict[str, list[float]] = {}
    for i in np.flatnonzero(open_holiday):
        logs.setdefault(str(names[i]), []).append(
            float(np.log(daily[i] / (level[i] * expected_shape[i])))
        )
        spreads.setdefault(str(names[i]), []).append(float(noise[prepared.weekday[i]]))
    return {
        name: float(np.exp(shrunk_log_mean(np.array(values), float(np.mean(spreads[name])))))
        for name, values in logs.items()
    }
