"""The forecaster contract shared by every model.

``fit(history) -> self`` learns from an interval history of many queues; ``predict(start,
periods) -> frame`` returns FORECAST_COLUMNS for every fitted queue and each of the `periods`
intervals from `start`. A subclass only supplies point forecasts per (queue, local day, slot);
this base adds the calendar (closed slots, closed weekdays and the holidays each queue has been
seen closed on are zero; missing days are skipped and listed in ``missing_days_``), bands
calibrated out of sample at many rolling origins (wider with the horizon day, and on holidays
never seen and days next to holidays), the handle-time forecast and the long output frame.

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
from features.schema import FORECAST_COLUMNS, INTERVAL_START, QUEUE
from forecasting.features_calendar import holiday_names
from forecasting.handle_time import handle_time_forecast
from forecasting.history import PreparedHistory, prepare_history, weekday_of
from forecasting.quantiles import ResidualQuantiles

CALIBRATION_DAYS = 7
"""Horizon of each calibration origin (one week)."""
MIN_TRAINING_DAYS = 14
"""A calibration origin is used only when at least this many days precede it."""
UNSEEN_HOLIDAY_VARIANCE = 0.25
"""Relative level variance added to the band on a holiday the queue has never met: a 50 %
level error, so that p10 falls to about a third of an ordinary day (the day may be quiet or
closed) while the point forecast stays an ordinary day's."""
NEAR_HOLIDAY_VARIANCE = 0.04
"""Relative level variance added on a holiday the queue was open on and on opening days right
before or after a holiday (a 20 % level error: catch-up and early quiet days)."""


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

        With ``calibrate=False`` the band uses :data:`forecasting.quantiles.DEFAULT_DISPERSION`
        instead of being calibrated at rolling origins (cheaper; used at the origins
        themselves).
        """
        self._fit_point(prepared)
        self.history_ = prepared
        self.missing_days_ = prepared.missing_days
        self.aht_profile_ = handle_time_forecast(prepared)
        if calibrate:
            self.quantiles_ = ResidualQuantiles.fit(*self._held_out_pairs(prepared))
        else:
            self.quantiles_ = ResidualQuantiles()
        self.model_version_ = self._version(prepared)
        return self

    def model_names(self) -> dict[str, str]:
        """What produced each queue's forecast (the ``model`` column); the model's name here."""
        return {queue: self.name for queue in self._fitted_history().queues}

    def point_forecast(self, days: np.ndarray) -> np.ndarray:
        """Point forecasts (contacts per interval, >= 0) per (queue, day, slot) for local days.

        Closed slots and weekdays of each queue, and the holidays whose latest occurrence the
        queue was closed on, are zero.
        """
        prepared = self._fitted_history()
        days = np.asarray(days, dtype="datetime64[D]")
        raw = np.nan_to_num(self._predict_point(days), nan=0.0)
        open_slot = prepared.open_slot[:, weekday_of(days), :]
        closed = prepared.holiday_status(days)["closed"]
        open_slot = open_slot & ~closed[:, :, None]
        return np.where(open_slot, np.maximum(raw, 0.0), 0.0)

    def horizon_days(self, days: np.ndarray) -> np.ndarray:
        """Horizon day of each local day: 1 for the first day after the history (at least 1)."""
        prepared = self._fitted_history()
        end = prepared.volume.shape[1]
        return np.maximum(prepared.day_index(np.asarray(days, dtype="datetime64[D]")) - end + 1, 1)

    def extra_variance(self, days: np.ndarray) -> np.ndarray:
        """(queue, day) relative level variance added to the band on unusual days: holidays
        never met (:data:`UNSEEN_HOLIDAY_VARIANCE`), holidays met open and days next to a
        holiday (:data:`NEAR_HOLIDAY_VARIANCE`)."""
        status = self._fitted_history().holiday_status(days)
        near = status["seen_open"] | status["adjacent"]
        return UNSEEN_HOLIDAY_VARIANCE * status["unseen"] + NEAR_HOLIDAY_VARIANCE * near

    def calendar_notes(self, days: np.ndarray) -> pd.DataFrame:
        """The holidays among local `days` and how each queue's forecast treats them.

        Returns
        -------
        pandas.DataFrame
            ``queue``, ``date``, ``holiday`` (name) and ``treatment``: ``closed`` (the latest
            occurrence was closed), ``open (seen open)`` or ``open (never seen: band
            widened)``; one row per queue and holiday on one of its opening weekdays.
        """
        prepared = self._fitted_history()
        days = np.asarray(days, dtype="datetime64[D]")
        status = prepared.holiday_status(days)
        names = holiday_names(days, prepared.country)
        rows = []
        labels = (
            ("closed", "closed"),
            ("seen_open", "open (seen open)"),
            ("unseen", "open (never seen: band widened)"),
        )
        for q, queue in enumerate(prepared.queues):
            for key, label in labels:
                for i in np.flatnonzero(status[key][q]):
                    rows.append(
                        {
                            QUEUE: queue,
                            "date": days[i].item(),
                            "holiday": names[i],
                            "treatment": label,
                        }
                    )
        frame = pd.DataFrame(rows, columns=[QUEUE, "date", "holiday", "treatment"])
        return frame.sort_values([QUEUE, "date"], ignore_index=True)

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
        extra_cube = self.extra_variance(unique_days)
        day_pos = np.searchsorted(unique_days, days)
        point = cube[:, day_pos, slots]
        n_queues = len(prepared.queues)
        queues = np.repeat(np.array(prepared.queues, dtype=object), len(instants))
        flat = point.reshape(-1)
        horizon = np.tile(self.horizon_days(days), n_queues)
        extra = extra_cube[:, day_pos].reshape(-1)
        p10, p90 = self.quantiles_.band(queues, flat, horizon, extra)
        aht = self.aht_profile_[:, weekday_of(days), slots].reshape(-1)
        names = self.model_names()
        frame = pd.DataFrame(
            {
                QUEUE: pd.array(queues, dtype="str"),
                INTERVAL_START: np.tile(instants, n_queues),
                "volume": flat,
                "volume_p10": p10,
                "volume_p50": flat,
                "volume_p90": p90,
                "aht_s": aht,
                "model": [names[q] for q in queues],
                "model_version": self.model_version_,
            }
        )
        frame[INTERVAL_START] = frame[INTERVAL_START].dt.tz_convert(prepared.grid.tz)
        return frame[FORECAST_COLUMNS]

    def _fitted_history(self) -> PreparedHistory:
        history = getattr(self, "history_", None)
        if history is None:
            raise NotFitted(f"{type(self).__name__} is not fitted: call fit(history) first")
        return history

    def _held_out_pairs(
        self, prepared: PreparedHistory
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(queue, actual, forecast, horizon day) of the calibration intervals: forecasts made
        at :func:`calibration_origins` by clones fitted only on the days before each origin."""
        pairs = []
        for origin, length in calibration_origins(prepared, self.calibration_folds):
            model = self.clone().fit_prepared(prepared.until(origin), calibrate=False)
            days = origin + np.arange(length)
            pairs.append(held_out_pairs(prepared, days, model.point_forecast(days), origin))
        return concat_pairs(pairs)

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


def calibration_origins(prepared: PreparedHistory, count: int) -> list[tuple[np.datetime64, int]]:
    """Up to `count` rolling origins inside a training history, oldest first, with the number
    of days each forecasts.

    Every origin keeps at least :data:`MIN_TRAINING_DAYS` days before it and, when the history
    allows, forecasts a whole week (:data:`CALIBRATION_DAYS`): the latest origin is a week before
    the end and the others a week apart (closer together when the history is too short for
    `count` whole weeks). A history with no room for a whole week gets origins on its last days,
    each forecasting up to the end.
    """
    n_days = prepared.volume.shape[1]
    if count < 1 or n_days <= MIN_TRAINING_DAYS:
        return []
    latest = n_days - CALIBRATION_DAYS
    if latest >= MIN_TRAINING_DAYS:
        room = latest - MIN_TRAINING_DAYS
        step = CALIBRATION_DAYS if count == 1 else min(CALIBRATION_DAYS, room // (count - 1))
        offsets = sorted(
            {latest - max(step, 1) * k for k in range(count)} - set(range(MIN_TRAINING_DAYS))
        )
    else:
        offsets = list(range(MIN_TRAINING_DAYS, n_days))[-count:]
    return [
        (prepared.start_day + offset, min(CALIBRATION_DAYS, n_days - offset)) for offset in offsets
    ]


def held_out_pairs(
    prepared: PreparedHistory, days: np.ndarray, forecast: np.ndarray, origin: np.datetime64
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(queue, actual, forecast, horizon day) of the scored intervals of `days` forecast from
    `origin`, leaving out holidays, days next to them and missing days (their band is set
    apart; see :meth:`Forecaster.extra_variance`)."""
    pos = prepared.day_index(days)
    actual = prepared.volume[:, pos, :]
    ordinary = prepared.observed & ~prepared.holiday[None, :] & ~prepared.adjacent
    scored = scoring_mask(prepared, days) & ~np.isnan(actual) & ordinary[:, pos, None]
    shape = actual.shape
    queue_grid = np.broadcast_to(np.array(prepared.queues, dtype=object)[:, None, None], shape)
    horizon = (days - origin).astype(np.int64) + 1
    horizon_grid = np.broadcast_to(horizon[None, :, None], shape)
    return queue_grid[scored], actual[scored], forecast[scored], horizon_grid[scored]


def concat_pairs(
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate (queue, actual, forecast, horizon) tuples (empty arrays when none)."""
    if not pairs:
        empty = np.array([])
        return np.array([], dtype=object), empty, empty, np.array([], dtype=np.int64)
    queues, actual, forecast, horizon = (np.concatenate([p[k] for p in pairs]) for k in range(4))
    return queues, actual, forecast, horizon


def _check_horizon(start: Any, periods: Any) -> None:
    errors: list[FieldError] = []
    if not isinstance(start, pd.Timestamp) or start.tzinfo is None:
        errors.append(FieldError(None, "start", "must be a timezone-aware pandas Timestamp", start))
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 1:
        errors.append(FieldError(None, "periods", "must be an integer >= 1", periods))
    if errors:
        raise InvalidInput("invalid forecast horizon", errors)
