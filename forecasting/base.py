"""The forecaster contract shared by every model.

``fit(history) -> self`` learns from an interval history of many queues; ``predict(start,
periods) -> frame`` returns FORECAST_COLUMNS for every fitted queue and each of the `periods`
intervals from `start`. A subclass only supplies point forecasts per (queue, local day, slot);
this base adds the calendar (closed slots, closed weekdays, closed holidays are zero), calibrated
quantiles from held-out weeks, the handle-time profile and the long output frame.

Estimator rules (scikit-learn): ``__init__`` takes keyword-only hyperparameters and only stores
them, learned state ends in ``_``, ``predict`` before ``fit`` raises
:class:`features.errors.NotFitted`, ``get_params()`` lists the hyperparameters.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput, NotFitted
from features.schema import FORECAST_COLUMNS
from forecasting.features_calendar import holiday_mask
from forecasting.history import PreparedHistory, prepare_history, weekday_of
from forecasting.quantiles import ResidualQuantiles

CALIBRATION_DAYS = 7
"""Length of each held-out window used to calibrate the quantiles (one week)."""
MIN_TRAINING_DAYS = 14
"""A held-out window is used only when at least this many days precede it."""
AHT_WEEKS = 8
"""Weeks of history behind the handle-time profile."""
AHT_SHRINK_CONTACTS = 30.0
"""Pseudo-contacts at the queue's mean handle time added to every slot of the profile."""


class Forecaster:
    """Base class of Seatwise forecasters (see the module docstring for the contract).

    Subclasses implement :meth:`_fit_point` and :meth:`_predict_point`.
    """

    name: ClassVar[str] = ""

    country: str | None
    calibration_folds: int

    def get_params(self) -> dict[str, Any]:
        """The keyword-only hyperparameters given to ``__init__`` and their values."""
        signature = inspect.signature(type(self).__init__)
        return {
            p.name: getattr(self, p.name)
            for p in signature.parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }

    def clone(self) -> Self:
        """An unfitted copy with the same hyperparameters."""
        return type(self)(**self.get_params())

    def fit(self, history: pd.DataFrame) -> Self:
        """Learn from an interval history (``queue``, tz-aware ``interval_start``, ``offered``
        contacts per interval, optional ``aht_s`` seconds) of one or many queues.

        Raises
        ------
        InvalidInput
            When the history breaks a rule (every broken row is listed).
        """
        return self.fit_prepared(prepare_history(history, country=self.country))

    def fit_prepared(self, prepared: PreparedHistory, *, calibrate: bool = True) -> Self:
        """Learn from a history already on the local grid (see :func:`prepare_history`).

        With ``calibrate=False`` the quantile band is a Poisson-like fallback instead of being
        learned from held-out weeks (cheaper; used inside backtests of the auto selector).
        """
        self._fit_point(prepared)
        self.history_ = prepared
        self.aht_profile_ = aht_profile(prepared)
        if calibrate:
            queues, actual, forecast = self._held_out_pairs(prepared)
            self.quantiles_ = ResidualQuantiles.fit(queues, actual, forecast)
        else:
            self.quantiles_ = ResidualQuantiles.fit(np.array([]), np.array([]), np.array([]))
        self.model_version_ = self._version(prepared)
        return self

    def point_forecast(self, days: np.ndarray) -> np.ndarray:
        """Point forecasts (contacts per interval, >= 0) per (queue, day, slot) for local days.

        Closed slots and weekdays of each queue, and public holidays of a queue closed on
        holidays, are zero.
        """
        prepared = self._fitted_history()
        days = np.asarray(days, dtype="datetime64[D]")
        raw = np.nan_to_num(self._predict_point(days), nan=0.0)
        weekday = weekday_of(days)
        open_slot = prepared.open_slot[:, weekday, :]
        on_holiday = holiday_mask(days, prepared.country)
        closed = prepared.closed_on_holidays[:, None] & on_holiday[None, :]
        open_slot = open_slot & ~closed[:, :, None]
        return np.where(open_slot, np.maximum(raw, 0.0), 0.0)

    def predict(self, start: pd.Timestamp, periods: int) -> pd.DataFrame:
        """Forecast every fitted queue for `periods` intervals from `start`.

        Parameters
        ----------
        start:
            Timezone-aware first interval start (converted to the history's zone).
        periods:
            Number of intervals (of the history's length) to forecast.

        Returns
        -------
        pandas.DataFrame
            FORECAST_COLUMNS: ``volume`` (= ``volume_p50``), ``volume_p10``, ``volume_p90`` in
            contacts per interval and ``aht_s`` in seconds (NaN for a queue whose history has
            no handle times), one row per (queue, interval), queues in sorted order.
        """
        prepared = self._fitted_history()
        _check_horizon(start, periods)
        instants = prepared.grid.instants(pd.Timestamp(start), int(periods))
        days, slots = prepared.grid.locate(instants)
        unique_days = np.unique(days)
        cube = self.point_forecast(unique_days)
        day_pos = np.searchsorted(unique_days, days)
        point = cube[:, day_pos, slots]
        n_queues = len(prepared.queues)
        queues = np.repeat(np.array(prepared.queues, dtype=object), len(instants))
        flat = point.reshape(-1)
        p10, p90 = self.quantiles_.band(queues, flat)
        aht = self.aht_profile_[:, weekday_of(days), slots].reshape(-1)
        frame = pd.DataFrame(
            {
                "queue": pd.array(queues, dtype="str"),
                "interval_start": np.tile(instants, n_queues),
                "volume": flat,
                "volume_p10": p10,
                "volume_p50": flat,
                "volume_p90": p90,
                "aht_s": aht,
                "model": self.name,
                "model_version": self.model_version_,
            }
        )
        frame["interval_start"] = frame["interval_start"].dt.tz_convert(prepared.grid.tz)
        return frame[FORECAST_COLUMNS]

    def _fitted_history(self) -> PreparedHistory:
        history = getattr(self, "history_", None)
        if history is None:
            raise NotFitted(f"{type(self).__name__} is not fitted: call fit(history) first")
        return history

    def _held_out_pairs(
        self, prepared: PreparedHistory
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(queue, actual, forecast) of open intervals in the last held-out weeks."""
        end = prepared.start_day + prepared.volume.shape[1]
        queues: list[np.ndarray] = []
        actuals: list[np.ndarray] = []
        forecasts: list[np.ndarray] = []
        for fold in range(self.calibration_folds):
            cutoff = end - CALIBRATION_DAYS * (fold + 1)
            if (cutoff - prepared.start_day).astype(np.int64) < MIN_TRAINING_DAYS:
                break
            model = self.clone()
            model.fit_prepared(prepared.until(cutoff), calibrate=False)
            days = cutoff + np.arange(CALIBRATION_DAYS)
            forecast = model.point_forecast(days)
            actual = prepared.volume[:, prepared.day_index(days), :]
            scored = scoring_mask(prepared, days) & ~np.isnan(actual)
            q_grid = np.broadcast_to(
                np.array(prepared.queues, dtype=object)[:, None, None], actual.shape
            )
            queues.append(q_grid[scored])
            actuals.append(actual[scored])
            forecasts.append(forecast[scored])
        if not queues:
            return np.array([]), np.array([]), np.array([])
        return np.concatenate(queues), np.concatenate(actuals), np.concatenate(forecasts)

    def _version(self, prepared: PreparedHistory) -> str:
        payload = json.dumps(
            {
                "model": self.name,
                "params": self.get_params(),
                "queues": prepared.queues,
                "first_day": str(prepared.start_day),
                "days": int(prepared.volume.shape[1]),
                "total": float(np.nansum(prepared.volume)),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha1(payload.encode()).hexdigest()[:12]

    def _fit_point(self, prepared: PreparedHistory) -> None:
        raise NotImplementedError

    def _predict_point(self, days: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def scoring_mask(prepared: PreparedHistory, days: np.ndarray) -> np.ndarray:
    """(queue, day, slot) flags of intervals worth scoring: open slots of the queue's open
    weekdays (per `prepared`), plus any interval with contacts; never a missing day."""
    pos = prepared.day_index(days)
    inside = (pos >= 0) & (pos < prepared.volume.shape[1])
    actual = np.full((len(prepared.queues), len(days), prepared.grid.slots), np.nan)
    actual[:, inside, :] = prepared.volume[:, pos[inside], :]
    open_slot = prepared.open_slot[:, weekday_of(days), :]
    return ~np.isnan(actual) & (open_slot | (np.nan_to_num(actual) > 0))


def aht_profile(prepared: PreparedHistory) -> np.ndarray:
    """Handle-time forecast in seconds per (queue, weekday, slot).

    The volume-weighted mean handle time of each weekday and slot over the latest
    :data:`AHT_WEEKS` weeks, shrunk towards the queue's volume-weighted mean by
    :data:`AHT_SHRINK_CONTACTS` pseudo-contacts. NaN for a queue without handle times.
    """
    n_queues, n_days, n_slots = prepared.volume.shape
    recent = slice(max(0, n_days - 7 * AHT_WEEKS), n_days)
    volume = np.nan_to_num(prepared.volume[:, recent, :], nan=0.0)
    aht = prepared.aht[:, recent, :]
    known = ~np.isnan(aht) & (volume > 0) & prepared.reference[:, recent, None]
    weight = np.where(known, volume, 0.0)
    seconds = np.where(known, np.nan_to_num(aht) * volume, 0.0)
    weekday = weekday_of(prepared.days[recent])
    num = np.zeros((n_queues, 7, n_slots))
    den = np.zeros((n_queues, 7, n_slots))
    for w in range(7):
        num[:, w, :] = seconds[:, weekday == w, :].sum(axis=1)
        den[:, w, :] = weight[:, weekday == w, :].sum(axis=1)
    total = den.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(total > 0, num.sum(axis=(1, 2)) / total, np.nan)
    k = AHT_SHRINK_CONTACTS
    return (num + k * mean[:, None, None]) / (den + k)


def _check_horizon(start: Any, periods: Any) -> None:
    errors: list[FieldError] = []
    if not isinstance(start, pd.Timestamp) or start.tzinfo is None:
        errors.append(FieldError(None, "start", "must be a timezone-aware pandas Timestamp", start))
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 1:
        errors.append(FieldError(None, "periods", "must be an integer >= 1", periods))
    if errors:
        raise InvalidInput("invalid forecast horizon", errors)
