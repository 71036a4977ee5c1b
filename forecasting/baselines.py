"""Seasonal baselines: the same interval last week, and the mean of recent weeks.

Both work on local calendar days and wall-clock slots, so "last week" is the same local time
seven local days earlier, across DST changes. Reference days are observed days that are not
public holidays; a missing day (data gap) is skipped and the week before it is used instead.
"""

from __future__ import annotations

import numpy as np

from forecasting.base import Forecaster
from forecasting.history import PreparedHistory, weekday_of


def same_weekday_mean(prepared: PreparedHistory, days: np.ndarray, weeks: int) -> np.ndarray:
    """Mean of the latest `weeks` reference days of the same weekday, per target day.

    For a target day ``d`` only reference days on or before ``d - 7`` (and inside the history)
    count; a day before the history uses its earliest same-weekday days.

    Parameters
    ----------
    prepared:
        The training history.
    days:
        Local calendar days to forecast (``datetime64[D]``).
    weeks:
        How many same-weekday days to average (1 = seasonal naive).

    Returns
    -------
    numpy.ndarray
        (queue, day, slot) contacts per interval; zero for a weekday with no reference day.
    """
    n_queues, n_days, n_slots = prepared.volume.shape
    targets = prepared.day_index(np.asarray(days, dtype="datetime64[D]"))
    target_weekday = weekday_of(np.asarray(days, dtype="datetime64[D]"))
    history_weekday = prepared.weekday
    reference = prepared.reference
    out = np.zeros((n_queues, targets.size, n_slots))
    for q in range(n_queues):
        for w in np.unique(target_weekday):
            candidates = np.flatnonzero(reference[q] & (history_weekday == w))
            if candidates.size == 0:
                continue
            for i in np.flatnonzero(target_weekday == w):
                bound = min(int(targets[i]) - 7, n_days - 1)
                stop = int(np.searchsorted(candidates, bound, side="right"))
                if stop == 0:
                    stop = min(weeks, candidates.size)
                chosen = candidates[max(0, stop - weeks) : stop]
                out[q, i, :] = prepared.volume[q, chosen, :].mean(axis=0)
    return out


class SeasonalNaive(Forecaster):
    """Same interval last week: the volume at the same local wall-clock time seven days earlier.

    Parameters
    ----------
    country:
        ISO country code for public holidays (None: no holiday handling).
    calibration_folds:
        Rolling origins inside the training history that calibrate the band.
    """

    name = "seasonal_naive"

    def __init__(self, *, country: str | None = None, calibration_folds: int = 8) -> None:
        self.country = country
        self.calibration_folds = calibration_folds

    def _fit_point(self, prepared: PreparedHistory) -> None:
        self.train_ = prepared

    def _predict_point(self, days: np.ndarray) -> np.ndarray:
        return same_weekday_mean(self.train_, days, weeks=1)


class SeasonalAverage(Forecaster):
    """Mean of the same interval over the latest `weeks` same-weekday reference days.

    Parameters
    ----------
    weeks:
        Number of recent weeks averaged.
    country:
        ISO country code for public holidays (None: no holiday handling).
    calibration_folds:
        Rolling origins inside the training history that calibrate the band.
    """

    name = "seasonal_average"

    def __init__(
        self, *, weeks: int = 4, country: str | None = None, calibration_folds: int = 8
    ) -> None:
        self.weeks = weeks
        self.country = country
        self.calibration_folds = calibration_folds

    def _fit_point(self, prepared: PreparedHistory) -> None:
        self.train_ = prepared

    def _predict_point(self, days: np.ndarray) -> np.ndarray:
        return same_weekday_mean(self.train_, days, weeks=self.weeks)
