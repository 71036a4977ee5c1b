"""Daily totals times intraday profile: the structure of Weinberg, Brown & Stroud (2007), Shen &
Huang (2008) and Ibrahim & L'Ecuyer (2013) for call arrivals.

A subclass forecasts each queue's total of a future day from its de-seasonalised daily series;
this base spreads it over the day with the shrunk weekday profile
(:func:`forecasting.profiles.weekday_profile`) and applies the calendar factors
(:mod:`forecasting.calendar_effects`: weekday, turn of the month, holidays seen open). Only
ordinary days (no holiday, no day next to one, no missing day) shape the estimates.

:class:`WeekdayLevelForecaster` is the robust member: the level is a Huber M-estimate of the
de-seasonalised totals of the latest :data:`LEVEL_WEEKS` weeks of ordinary days (whole weeks, so
an error in the weekday index cancels), so a single odd day (an unknown holiday, an outage) moves
it little.
"""

from __future__ import annotations

import warnings

import numpy as np
from statsmodels.robust.scale import Huber

from forecasting.base import Forecaster
from forecasting.calendar_effects import DailyCalendar, fit_daily_calendar
from forecasting.features_calendar import holiday_names
from forecasting.history import PreparedHistory, weekday_of
from forecasting.profiles import PROFILE_WEEKS, weekday_profile

LEVEL_WEEKS = 2
"""Weeks of ordinary days behind the robust level."""


class DailyProfileForecaster(Forecaster):
    """Base of the daily-total models (see the module docstring).

    Subclasses implement :meth:`_fit_totals` (learn from the de-seasonalised daily series) and
    :meth:`_level_path` (the de-seasonalised level of each queue on future days).
    """

    profile_weeks: int

    def _fit_point(self, prepared: PreparedHistory) -> None:
        self.train_ = prepared
        self.calendars_ = [fit_daily_calendar(prepared, q) for q in range(len(prepared.queues))]
        self.profile_ = weekday_profile(prepared, self.profile_weeks)
        self._fit_totals(prepared)

    def daily_totals(self, days: np.ndarray) -> np.ndarray:
        """(queue, day) forecast contacts of each local day (0 on closed weekdays)."""
        days = np.asarray(days, dtype="datetime64[D]")
        names = holiday_names(days, self.train_.country)
        weekday = weekday_of(days)
        out = np.zeros((len(self.train_.queues), days.size))
        for q, calendar in enumerate(self.calendars_):
            level = self._level_path(q, days)
            factor = calendar.factor(days, names)
            out[q] = np.where(calendar.opening[weekday], np.maximum(level, 0.0) * factor, 0.0)
        return out

    def _predict_point(self, days: np.ndarray) -> np.ndarray:
        totals = self.daily_totals(days)
        return totals[:, :, None] * self.profile_[:, weekday_of(days), :]

    def _fit_totals(self, prepared: PreparedHistory) -> None:
        raise NotImplementedError

    def _level_path(self, queue: int, days: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def deseasonalised(
    prepared: PreparedHistory, queue: int, calendar: DailyCalendar
) -> tuple[np.ndarray, np.ndarray]:
    """Day positions of the queue's ordinary days and their totals divided by the calendar
    factors (weekday x turn of month)."""
    positions = np.flatnonzero(prepared.training[queue])
    days = prepared.days[positions]
    factor = calendar.weekday[weekday_of(days)] * calendar.month_factor(days)
    return positions, prepared.daily[queue, positions] / factor


def robust_level(values: np.ndarray) -> float:
    """Huber M-estimate of location (``statsmodels.robust.scale.Huber``); the median when the
    values are too few or too alike for a scale."""
    if values.size == 0:
        return 0.0
    if values.size < 4 or np.ptp(values) <= 0:
        return float(np.median(values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            location, _ = Huber()(values)
        except (ValueError, FloatingPointError):
            return float(np.median(values))
    location = float(location)
    return location if np.isfinite(location) else float(np.median(values))


class WeekdayLevelForecaster(DailyProfileForecaster):
    """Robust recent level x weekday index x turn of month x shrunk weekday profile.

    Parameters
    ----------
    level_weeks:
        Weeks of ordinary days behind the level.
    profile_weeks:
        Ordinary days per weekday behind the intraday profile.
    country:
        ISO country code for public holidays (None: no holiday handling).
    calibration_folds:
        Rolling origins inside the training history that calibrate the band.
    """

    name = "weekday_level"

    def __init__(
        self,
        *,
        level_weeks: int = LEVEL_WEEKS,
        profile_weeks: int = PROFILE_WEEKS,
        country: str | None = None,
        calibration_folds: int = 8,
    ) -> None:
        self.level_weeks = level_weeks
        self.profile_weeks = profile_weeks
        self.country = country
        self.calibration_folds = calibration_folds

    def _fit_totals(self, prepared: PreparedHistory) -> None:
        self.levels_ = np.zeros(len(prepared.queues))
        for q, calendar in enumerate(self.calendars_):
            _, values = deseasonalised(prepared, q, calendar)
            per_week = max(int(calendar.opening.sum()), 1)
            self.levels_[q] = robust_level(values[-self.level_weeks * per_week :])

    def _level_path(self, queue: int, days: np.ndarray) -> np.ndarray:
        return np.full(days.size, self.levels_[queue])
