"""The forecaster registry and ``auto``, the default forecaster.

``auto`` is a fixed, equal-weight combination of two daily-total models that the call-arrival
literature finds robust (daily totals x a shrunk intraday profile, see
:mod:`forecasting.daily_models`): ``ets`` (damped Holt-Winters on daily totals) and
``weekday_level`` (a robust recent level with a weekday index). A simple average of good
components is hard to beat and cannot overfit a few held-out weeks, so nothing is selected per
queue. Two things are learned, both only from data before the fit's own end:

* **pooling across queues** (several queues): each queue's forecast is the mean of its own
  forecast and its share of the total (the sum of the queues' own forecasts) at that weekday and
  slot, reconciled so that the queues add up to the total; a small queue thus borrows the
  total's intraday shape and its share's stability, a large one barely moves;
* **LightGBM** joins the average only on many-queue histories (at least
  :data:`LIGHTGBM_MIN_QUEUES` queues, where one global model can learn across them) and only when
  the average with it beats the average without it over every queue at rolling origins inside
  the training history.

The p10-p90 band is calibrated on the combination's own forecasts at rolling origins inside the
training history (:func:`forecasting.base.calibration_origins`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from features.errors import FieldError, InvalidInput
from forecasting.base import (
    Forecaster,
    calibration_origins,
    concat_pairs,
    held_out_pairs,
    scoring_mask,
)
from forecasting.baselines import SeasonalAverage, SeasonalNaive
from forecasting.daily_models import WeekdayLevelForecaster
from forecasting.gbm import LightGBMForecaster
from forecasting.handle_time import handle_time_forecast
from forecasting.history import PreparedHistory, weekday_of
from forecasting.names import FORECASTER_NAMES
from forecasting.quantiles import ResidualQuantiles
from forecasting.statistical import ExponentialSmoothingForecaster

LIGHTGBM = "lightgbm"
LIGHTGBM_MIN_QUEUES = 20
"""LightGBM is considered for ``auto`` only on histories of at least this many queues."""
SHARE_WEEKS = 4
"""Ordinary days per weekday behind a queue's share of the total."""
SHARE_PRIOR_CONTACTS = 50.0
"""Contacts of the total with which a slot's queue share is shrunk towards the queue's share of
the whole weekday."""


class AutoForecaster(Forecaster):
    """Equal-weight combination of daily-total models, pooled across queues (module docstring).

    Parameters
    ----------
    candidates:
        Models averaged (see :data:`FORECASTERS`); ``lightgbm`` among them is used only on
        many-queue histories where it earns its place.
    selection_folds:
        Rolling origins at which LightGBM must earn its place (and which then calibrate the
        band, so that it is not refitted again).
    pool_queues:
        Pool each queue with its share of the total (several queues only).
    country:
        ISO country code for public holidays, passed to every candidate.
    calibration_folds:
        Rolling origins inside the training history that calibrate the band.
    candidate_params:
        Extra hyperparameters per candidate name, e.g. ``{"lightgbm": {"n_estimators": 100}}``.
    """

    name = "auto"

    def __init__(
        self,
        *,
        candidates: tuple[str, ...] = ("ets", "weekday_level", LIGHTGBM),
        selection_folds: int = 2,
        pool_queues: bool = True,
        country: str | None = None,
        calibration_folds: int = 8,
        candidate_params: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.candidates = candidates
        self.selection_folds = selection_folds
        self.pool_queues = pool_queues
        self.country = country
        self.calibration_folds = calibration_folds
        self.candidate_params = candidate_params

    def _make(self, name: str) -> Forecaster:
        params = dict((self.candidate_params or {}).get(name, {}))
        params.setdefault("country", self.country)
        return make_forecaster(name, **params)

    def _members(self, prepared: PreparedHistory) -> tuple[list[str], bool]:
        names = list(dict.fromkeys(self.candidates))
        if not names or "auto" in names:
            raise InvalidInput(
                "auto needs at least one candidate model other than auto",
                [FieldError(None, "candidates", "name other models", self.candidates)],
            )
        base = [n for n in names if n != LIGHTGBM] or [LIGHTGBM]
        trial = LIGHTGBM in names and LIGHTGBM not in base
        return base, trial and len(prepared.queues) >= LIGHTGBM_MIN_QUEUES

    def fit_prepared(self, prepared: PreparedHistory, *, calibrate: bool = True) -> AutoForecaster:
        """Fit the members; with `calibrate`, calibrate the band (and try LightGBM on
        many-queue histories) at rolling origins inside `prepared`."""
        base, trial = self._members(prepared)
        considered = [*base, LIGHTGBM] if trial else base
        chosen = base
        pairs: dict[bool, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = {
            False: [],
            True: [],
        }
        scores = {False: [0.0, 0.0], True: [0.0, 0.0]}
        if calibrate or trial:
            count = self.selection_folds if trial else self.calibration_folds
            for origin, length in calibration_origins(prepared, count):
                training = prepared.until(origin)
                days = origin + np.arange(length)
                held = {
                    n: self._make(n).fit_prepared(training, calibrate=False).point_forecast(days)
                    for n in considered
                }
                actual = prepared.volume[:, prepared.day_index(days), :]
                scored = scoring_mask(prepared, days) & ~np.isnan(actual)
                for with_gbm in (False, True) if trial else (False,):
                    members = [*base, LIGHTGBM] if with_gbm else base
                    forecast = self._combine([held[n] for n in members], training, days)
                    pairs[with_gbm].append(held_out_pairs(prepared, days, forecast, origin))
                    scores[with_gbm][0] += float(np.abs(actual - forecast)[scored].sum())
                    scores[with_gbm][1] += float(actual[scored].sum())
            if trial and scores[True][1] > 0 and scores[True][0] < scores[False][0]:
                chosen = [*base, LIGHTGBM]
        self.scores_ = {
            "+".join([*base, LIGHTGBM] if k else base): v[0] / v[1] if v[1] > 0 else float("nan")
            for k, v in scores.items()
            if v[1] > 0
        }
        self.members_ = chosen
        self.models_ = {n: self._make(n).fit_prepared(prepared, calibrate=False) for n in chosen}
        self.history_ = prepared
        self.missing_days_ = prepared.missing_days
        self.aht_profile_ = handle_time_forecast(prepared)
        kept = pairs[LIGHTGBM in chosen and trial]
        self.quantiles_ = (
            ResidualQuantiles.fit(*concat_pairs(kept)) if kept else ResidualQuantiles()
        )
        self.model_version_ = self._version(prepared)
        return self

    def model_names(self) -> dict[str, str]:
        """``auto[<members>]`` per queue, with ``;pooled`` when queues are pooled."""
        prepared = self._fitted_history()
        pooled = ";pooled" if self._pooling(prepared) else ""
        label = f"auto[{'+'.join(self.members_)}{pooled}]"
        return {queue: label for queue in prepared.queues}

    def _pooling(self, prepared: PreparedHistory) -> bool:
        return bool(self.pool_queues) and len(prepared.queues) > 1

    def _combine(
        self, forecasts: list[np.ndarray], prepared: PreparedHistory, days: np.ndarray
    ) -> np.ndarray:
        own = np.mean(forecasts, axis=0)
        if not self._pooling(prepared):
            return own
        total = own.sum(axis=0)
        shared = np.where(own > 0, total[None] * queue_shares(prepared, days), 0.0)
        blended = 0.5 * (own + shared)
        summed = blended.sum(axis=0)
        scale = np.divide(total, summed, out=np.ones_like(total), where=summed > 0)
        return blended * scale[None]

    def _fit_point(self, prepared: PreparedHistory) -> None:
        raise NotImplementedError("AutoForecaster overrides fit_prepared")

    def _predict_point(self, days: np.ndarray) -> np.ndarray:
        forecasts = [self.models_[n].point_forecast(days) for n in self.members_]
        return self._combine(forecasts, self.history_, days)


def queue_shares(prepared: PreparedHistory, days: np.ndarray) -> np.ndarray:
    """Each queue's share of the total contacts per (queue, target day, slot).

    Over the latest :data:`SHARE_WEEKS` ordinary days of the target's weekday (per queue), the
    queue's contacts in a slot divided by every queue's contacts there, shrunk towards the
    queue's share of those whole days by :data:`SHARE_PRIOR_CONTACTS` contacts of the total.
    """
    volume = np.nan_to_num(prepared.volume, nan=0.0)
    total = volume.sum(axis=0)
    ordinary = prepared.training
    weekday = prepared.weekday
    target_weekday = weekday_of(np.asarray(days, dtype="datetime64[D]"))
    n_queues, _, n_slots = volume.shape
    shares = np.zeros((n_queues, len(days), n_slots))
    for w in np.unique(target_weekday):
        rows = target_weekday == w
        for q in range(n_queues):
            chosen = np.flatnonzero(ordinary[q] & (weekday == w))[-SHARE_WEEKS:]
            if chosen.size == 0:
                continue
            mine = volume[q, chosen].sum(axis=0)
            every = total[chosen].sum(axis=0)
            day_share = mine.sum() / every.sum() if every.sum() > 0 else 0.0
            slot_share = (mine + SHARE_PRIOR_CONTACTS * day_share) / (every + SHARE_PRIOR_CONTACTS)
            shares[q, rows] = slot_share
    return shares


FORECASTERS: dict[str, type[Forecaster]] = dict(
    zip(
        FORECASTER_NAMES,
        (
            SeasonalNaive,
            SeasonalAverage,
            ExponentialSmoothingForecaster,
            WeekdayLevelForecaster,
            LightGBMForecaster,
            AutoForecaster,
        ),
        strict=True,
    )
)
"""Every forecaster by name."""


def make_forecaster(name: str, **params: Any) -> Forecaster:
    """A new, unfitted forecaster by registry name with the given hyperparameters.

    Raises
    ------
    InvalidInput
        For an unknown name or a hyperparameter the model does not take.
    """
    if name not in FORECASTERS:
        known = ", ".join(FORECASTERS)
        raise InvalidInput(
            f"unknown model {name!r}; choose one of {known}",
            [FieldError(None, "model", f"must be one of {known}", name)],
        )
    try:
        return FORECASTERS[name](**params)
    except TypeError as exc:
        raise InvalidInput(
            f"model {name!r} does not take these parameters: {exc}",
            [FieldError(None, "params", "unknown hyperparameter", sorted(params))],
        ) from exc
