"""A global LightGBM model across queues with calendar, holiday and weekly lag features.

One model learns every queue at once. Each row is a (queue, local day, slot) of an open slot;
its target and its volume features are divided by the queue's trailing level (mean contacts per
interval over days t-34..t-7), so queues of any size share one model. All lags are at least a
week, so one week is forecast directly; longer horizons are forecast week by week, each week's
forecast becoming the next week's lags.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np

from forecasting.base import Forecaster
from forecasting.features_calendar import FEATURE_NAMES, holiday_mask, lag_features
from forecasting.history import PreparedHistory, weekday_of

CHUNK_DAYS = 56
"""Feature rows are built this many target days at a time (bounds memory)."""


class LightGBMForecaster(Forecaster):
    """Global gradient-boosted model of scaled volume (see the module docstring).

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves, min_child_samples:
        LightGBM hyperparameters.
    train_weeks:
        Only the latest this-many weeks are training targets (older data still feeds lags).
    n_jobs:
        LightGBM threads (0: all cores). One by default: on a small, shared machine OpenMP
        threads that wait on each other cost more than they save.
    seed:
        Random seed (training is deterministic for a given seed).
    country:
        ISO country code for public holidays (holiday features; None: none).
    calibration_folds:
        Rolling origins inside the training history that calibrate the band.
    """

    name = "lightgbm"

    def __init__(
        self,
        *,
        n_estimators: int = 200,
        learning_rate: float = 0.08,
        num_leaves: int = 15,
        min_child_samples: int = 100,
        train_weeks: int = 26,
        n_jobs: int = 1,
        seed: int = 0,
        country: str | None = None,
        calibration_folds: int = 2,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.train_weeks = train_weeks
        self.n_jobs = n_jobs
        self.seed = seed
        self.country = country
        self.calibration_folds = calibration_folds

    def _fit_point(self, prepared: PreparedHistory) -> None:
        self.train_ = prepared
        n_days = prepared.volume.shape[1]
        first = max(7, n_days - 7 * self.train_weeks)
        rows: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        for lo in range(first, n_days, CHUNK_DAYS):
            days = np.arange(lo, min(lo + CHUNK_DAYS, n_days))
            features, scale = lag_features(
                prepared.volume, prepared.reference, prepared.holiday, prepared.start_day, days
            )
            y = prepared.volume[:, days, :] / scale[:, :, None]
            keep = self._row_mask(prepared, days, scale) & prepared.observed[:, days, None]
            keep &= ~np.isnan(y) & ~np.isnan(features[..., FEATURE_NAMES.index("lag_mean")])
            rows.append(features[keep])
            targets.append(y[keep])
        x = np.concatenate(rows) if rows else np.empty((0, len(FEATURE_NAMES)))
        y_all = np.concatenate(targets) if targets else np.empty(0)
        self.booster_: lgb.Booster | None = None
        if y_all.size >= 50:
            params = {
                "objective": "regression",
                "learning_rate": self.learning_rate,
                "num_leaves": self.num_leaves,
                "min_data_in_leaf": self.min_child_samples,
                "feature_fraction": 0.9,
                "bagging_fraction": 0.5,
                "bagging_freq": 1,
                "seed": self.seed,
                "deterministic": True,
                "num_threads": self.n_jobs,
                "max_bin": 63,
                "verbosity": -1,
            }
            data = lgb.Dataset(x, y_all, feature_name=list(FEATURE_NAMES), free_raw_data=True)
            self.booster_ = lgb.train(params, data, num_boost_round=self.n_estimators)

    @staticmethod
    def _row_mask(prepared: PreparedHistory, days: np.ndarray, scale: np.ndarray) -> np.ndarray:
        weekday = weekday_of(prepared.start_day + days)
        open_slot = prepared.open_slot[:, weekday, :]
        return open_slot & (np.nan_to_num(scale) > 0)[:, :, None]

    def _predict_point(self, days: np.ndarray) -> np.ndarray:
        prepared = self.train_
        targets = prepared.day_index(days)
        n_queues, n_days, n_slots = prepared.volume.shape
        horizon_end = max(int(targets.max()) + 1, n_days)
        volume = np.full((n_queues, horizon_end, n_slots), np.nan)
        volume[:, :n_days] = prepared.volume
        reference = np.zeros((n_queues, horizon_end), dtype=bool)
        reference[:, :n_days] = prepared.reference
        holiday = holiday_mask(prepared.start_day + np.arange(horizon_end), prepared.country)
        # Forecast the future a week at a time so that later weeks lag on earlier forecasts.
        for lo in range(n_days, horizon_end, 7):
            block = np.arange(lo, min(lo + 7, horizon_end))
            volume[:, block] = self._predict_days(volume, reference, holiday, block)
            reference[:, block] = ~holiday[block][None, :]
        out = np.zeros((n_queues, targets.size, n_slots))
        past = (targets >= 0) & (targets < n_days)
        if past.any():
            out[:, past] = self._predict_days(volume, reference, holiday, targets[past])
        future = targets >= n_days
        out[:, future] = volume[:, targets[future]]
        return out

    def _predict_days(
        self, volume: np.ndarray, reference: np.ndarray, holiday: np.ndarray, days: np.ndarray
    ) -> np.ndarray:
        prepared = self.train_
        features, scale = lag_features(volume, reference, holiday, prepared.start_day, days)
        out = np.zeros(features.shape[:3])
        if self.booster_ is None:
            return out
        keep = self._row_mask(prepared, days, scale)
        if keep.any():
            predicted = np.asarray(self.booster_.predict(features[keep]))
            row_scale = np.broadcast_to(scale[:, :, None], keep.shape)[keep]
            out[keep] = np.maximum(predicted, 0.0) * row_scale
        return out
