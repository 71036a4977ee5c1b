"""Exponential smoothing (statsmodels) of daily totals, spread over the day by the weekday profile.

Per queue, the totals of the queue's opening weekdays (the latest :data:`ETS_MAX_WEEKS` weeks)
form one series whose season is the number of opening weekdays (5 for a weekday-only bank),
divided by the turn-of-the-month factors. Holidays, days next to them and missing days are
replaced by their ordinary value (the local level times the weekday index) before fitting, so
neither a closure nor the catch-up after it becomes a level shift and the seasonal phase never
slips. Holt-Winters with a damped additive trend and multiplicative weekday season
(``statsmodels.tsa.holtwinters.ExponentialSmoothing``, parameters by maximum likelihood; the
damped trend is the robust default of Gardner & McKenzie) forecasts the totals, which the
weekday profile spreads over the day (see :mod:`forecasting.daily_models`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecasting.calendar_effects import local_level
from forecasting.daily_models import DailyProfileForecaster, deseasonalised, robust_level
from forecasting.history import PreparedHistory, weekday_of
from forecasting.profiles import PROFILE_WEEKS

MIN_SEASONS = 3
"""Fewer whole seasons of totals than this: the level is the robust recent level instead."""
ETS_MAX_WEEKS = 26
"""Only the latest this-many weeks of totals are smoothed (older ones barely weigh anyway)."""
INITIALIZATION = "heuristic"
"""Initial states from the first seasons (statsmodels' heuristic), not estimated with the
smoothing parameters: much faster, and the maximum-likelihood fit of the smoothing parameters
soon forgets where the states started."""


class ExponentialSmoothingForecaster(DailyProfileForecaster):
    """Holt-Winters on daily totals of opening days times the shrunk weekday profile.

    Parameters
    ----------
    profile_weeks:
        Ordinary days per weekday behind the intraday profile.
    trend:
        Add a damped additive trend to the daily totals (default); False for level and season
        only.
    country:
        ISO country code for public holidays (None: no holiday handling).
    calibration_folds:
        Rolling origins inside the training history that calibrate the band.
    """

    name = "ets"

    def __init__(
        self,
        *,
        profile_weeks: int = PROFILE_WEEKS,
        trend: bool = True,
        country: str | None = None,
        calibration_folds: int = 8,
    ) -> None:
        self.profile_weeks = profile_weeks
        self.trend = trend
        self.country = country
        self.calibration_folds = calibration_folds

    def _fit_totals(self, prepared: PreparedHistory) -> None:
        self.series_: list[tuple[np.ndarray, Any, float]] = []
        for q in range(len(prepared.queues)):
            positions, totals = self._series(prepared, q)
            season = int(self.calendars_[q].opening.sum())
            fallback = robust_level(
                deseasonalised(prepared, q, self.calendars_[q])[1][-2 * season :]
            )
            fitted = None
            if season >= 1 and totals.size >= MIN_SEASONS * max(season, 2):
                fitted = self._smooth(totals, season)
            self.series_.append((positions, fitted, fallback))

    def _series(self, prepared: PreparedHistory, queue: int) -> tuple[np.ndarray, np.ndarray]:
        """Opening-day positions and their totals over the turn-of-month factor, with unusual
        days replaced by their ordinary value."""
        calendar = self.calendars_[queue]
        ordinary = prepared.training[queue]
        if not ordinary.any():
            return np.array([], dtype=np.int64), np.array([])
        first = max(int(np.flatnonzero(ordinary)[0]), prepared.volume.shape[1] - 7 * ETS_MAX_WEEKS)
        positions = np.flatnonzero(calendar.opening[prepared.weekday])
        positions = positions[positions >= first]
        days = prepared.days[positions]
        month = calendar.month_factor(days)
        index = calendar.weekday[weekday_of(days)]
        totals = prepared.daily[queue, positions] / month
        usual = ordinary[positions]
        level = local_level(np.where(usual, totals / index, np.nan))
        fill = np.where(
            np.isnan(level), np.nanmedian(np.where(usual, totals / index, np.nan)), level
        )
        return positions, np.where(usual, totals, fill * index)

    def _smooth(self, totals: np.ndarray, season: int) -> Any:
        seasonal = None if season < 2 else ("mul" if totals.min() > 0 else "add")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return ExponentialSmoothing(
                    totals,
                    trend="add" if self.trend else None,
                    damped_trend=self.trend,
                    seasonal=seasonal,
                    seasonal_periods=season if seasonal else None,
                    initialization_method=INITIALIZATION,
                ).fit(use_brute=False)
            except (ValueError, np.linalg.LinAlgError):
                return None

    def _level_path(self, queue: int, days: np.ndarray) -> np.ndarray:
        positions, fitted, fallback = self.series_[queue]
        calendar = self.calendars_[queue]
        if fitted is None or positions.size == 0:
            return np.full(days.size, fallback)
        prepared = self.train_
        targets = prepared.day_index(days)
        n_days = prepared.volume.shape[1]
        ahead = np.arange(n_days, max(int(targets.max()) + 1, n_days + 1))
        ahead = ahead[calendar.opening[weekday_of(prepared.start_day + ahead)]]
        path = np.concatenate([fitted.fittedvalues, fitted.forecast(max(ahead.size, 1))])
        every = np.concatenate([positions, ahead])
        k = np.clip(np.searchsorted(every, targets), 0, path.size - 1)
        index = calendar.weekday[weekday_of(days)]
        return path[k] / np.where(index > 0, index, 1.0)
