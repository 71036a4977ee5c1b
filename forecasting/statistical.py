"""Exponential smoothing (statsmodels) of daily totals, spread over the day by a weekday profile.

Per queue, the totals of the queue's open weekdays form one series whose season is the number of
open weekdays (5 for a weekday-only bank); missing days and public holidays inside it are filled
with the same weekday one week earlier before fitting, so the seasonal phase never slips. The
damped-trend Holt-Winters model (``statsmodels.tsa.holtwinters.ExponentialSmoothing``) forecasts
the totals; each day's total is spread over its slots by the mean intraday shares of the latest
reference days of the same weekday.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecasting.base import Forecaster
from forecasting.history import PreparedHistory, weekday_of

MIN_SEASONS = 3
"""Fewer whole seasons of totals than this: the total is the mean of the latest season."""


def weekday_profile(
    prepared: PreparedHistory, weeks: int, pooled_weight: float = 0.0
) -> np.ndarray:
    """Intraday shares per (queue, weekday, slot) (rows sum to 1, or 0 on closed weekdays).

    The mean of ``volume / daily total`` over the latest `weeks` reference days with contacts of
    each weekday, blended with weight `pooled_weight` with the mean shares of all open days of
    the latest `weeks` weeks (less noisy, blind to weekday differences).
    """
    n_queues, n_days, n_slots = prepared.volume.shape
    daily = np.nansum(prepared.volume, axis=2)
    usable = prepared.reference & (daily > 0)
    weekday = prepared.weekday
    recent = np.arange(n_days) >= n_days - 7 * weeks
    profile = np.zeros((n_queues, 7, n_slots))
    for q in range(n_queues):
        pooled_days = np.flatnonzero(usable[q] & recent)
        pooled = np.zeros(n_slots)
        if pooled_days.size:
            pooled = (prepared.volume[q, pooled_days, :] / daily[q, pooled_days, None]).mean(0)
        for w in range(7):
            chosen = np.flatnonzero(usable[q] & (weekday == w))[-weeks:]
            if chosen.size:
                shares = (prepared.volume[q, chosen, :] / daily[q, chosen, None]).mean(axis=0)
                blended = (1 - pooled_weight) * shares + pooled_weight * pooled
                profile[q, w, :] = blended / blended.sum()
    return profile


def open_day_series(prepared: PreparedHistory, queue: int) -> tuple[np.ndarray, np.ndarray]:
    """Day positions of the queue's open weekdays (from its first reference day on) and their
    totals, with gaps and holidays filled from the same weekday a week earlier (or later)."""
    open_weekday = prepared.open_weekday[queue]
    reference = prepared.reference[queue]
    on_open = open_weekday[prepared.weekday]
    if not reference.any() or not open_weekday.any():
        return np.array([], dtype=np.int64), np.array([])
    first = int(np.flatnonzero(reference)[0])
    positions = np.flatnonzero(on_open)
    positions = positions[positions >= first]
    totals = np.nansum(prepared.volume[queue, positions, :], axis=1)
    totals = np.where(reference[positions], totals, np.nan)
    season = int(open_weekday.sum())
    for direction in (1, -1):
        for i in range(totals.size)[::direction]:
            j = i - season * direction
            if np.isnan(totals[i]) and 0 <= j < totals.size:
                totals[i] = totals[j]
    return positions, np.nan_to_num(totals, nan=float(np.nanmean(totals)))


class ExponentialSmoothingForecaster(Forecaster):
    """Holt-Winters on daily totals of open days times a weekday intraday profile.

    Parameters
    ----------
    profile_weeks:
        Recent same-weekday days averaged into the intraday profile.
    pooled_weight:
        Weight of the all-weekday intraday profile blended into each weekday's profile.
    trend:
        Add a damped additive trend to the daily totals (default: level and season only).
    country:
        ISO country code for public holidays (None: no holiday handling).
    calibration_folds:
        Held-out weeks used to calibrate the p10-p90 band.
    """

    name = "ets"

    def __init__(
        self,
        *,
        profile_weeks: int = 6,
        pooled_weight: float = 0.3,
        trend: bool = False,
        country: str | None = None,
        calibration_folds: int = 4,
    ) -> None:
        self.profile_weeks = profile_weeks
        self.pooled_weight = pooled_weight
        self.trend = trend
        self.country = country
        self.calibration_folds = calibration_folds

    def _fit_point(self, prepared: PreparedHistory) -> None:
        self.train_ = prepared
        self.profile_ = weekday_profile(prepared, self.profile_weeks, self.pooled_weight)
        self.models_: list[tuple[np.ndarray, np.ndarray, Any, int]] = []
        for q in range(len(prepared.queues)):
            positions, totals = open_day_series(prepared, q)
            season = int(prepared.open_weekday[q].sum())
            fitted = None
            if season > 1 and totals.size >= MIN_SEASONS * season:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fitted = ExponentialSmoothing(
                        totals,
                        trend="add" if self.trend else None,
                        damped_trend=self.trend,
                        seasonal="add",
                        seasonal_periods=season,
                        initialization_method="estimated",
                    ).fit()
            self.models_.append((positions, totals, fitted, season))

    def _predict_point(self, days: np.ndarray) -> np.ndarray:
        prepared = self.train_
        targets = prepared.day_index(days)
        n_days = prepared.volume.shape[1]
        weekday = weekday_of(days)
        out = np.zeros((len(prepared.queues), targets.size, prepared.grid.slots))
        for q, (positions, totals, fitted, season) in enumerate(self.models_):
            if positions.size == 0:
                continue
            on_open = prepared.open_weekday[q][weekday]
            future = np.arange(n_days, max(int(targets.max()) + 1, n_days))
            future = future[prepared.open_weekday[q][(future + 3 + _epoch(prepared)) % 7]]
            if fitted is not None:
                path = np.concatenate([fitted.fittedvalues, fitted.forecast(max(future.size, 1))])
            else:
                last = totals[-max(season, 1) :]
                reps = int(np.ceil((totals.size + future.size + 1) / max(last.size, 1)))
                path = np.concatenate([totals, np.tile(last, reps)])
            all_positions = np.concatenate([positions, future])
            for i in np.flatnonzero(on_open):
                k = int(np.searchsorted(all_positions, targets[i]))
                k = min(max(k, 0), all_positions.size - 1)
                out[q, i, :] = max(float(path[k]), 0.0) * self.profile_[q, weekday[i], :]
        return out


def _epoch(prepared: PreparedHistory) -> int:
    """Days from 1970-01-01 to the history's first day (weekday arithmetic on positions)."""
    return int(prepared.start_day.astype("datetime64[D]").astype(np.int64))
