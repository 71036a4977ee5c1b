"""The model registry and the automatic selector.

``auto`` backtests its candidate models on the latest weeks of the training history (rolling
origin, one-week folds), scores each candidate and the equal-weight ensemble of all candidates by
WAPE per queue, and keeps, per queue, the best of them. Its p10-p90 band is calibrated on the
residuals of exactly those held-out forecasts of the chosen model, so no extra fit is needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from features.errors import FieldError, InvalidInput
from forecasting.base import (
    CALIBRATION_DAYS,
    MIN_TRAINING_DAYS,
    Forecaster,
    aht_profile,
    scoring_mask,
)
from forecasting.baselines import SeasonalAverage, SeasonalNaive
from forecasting.gbm import LightGBMForecaster
from forecasting.history import PreparedHistory
from forecasting.quantiles import ResidualQuantiles
from forecasting.statistical import ExponentialSmoothingForecaster

ENSEMBLE = "ensemble"


class AutoForecaster(Forecaster):
    """Per-queue choice among candidate models and their ensemble, by held-out WAPE.

    Parameters
    ----------
    candidates:
        Names of the models to choose among (see :data:`FORECASTERS`).
    selection_folds:
        Held-out one-week folds at the end of the history used to score the candidates.
    country:
        ISO country code for public holidays, passed to every candidate.
    calibration_folds:
        Unused by the selector's own band (the selection folds calibrate it); kept for the
        common contract.
    candidate_params:
        Extra hyperparameters per candidate name, e.g. ``{"lightgbm": {"n_estimators": 100}}``.
    """

    name = "auto"

    def __init__(
        self,
        *,
        candidates: tuple[str, ...] = ("seasonal_average", "ets", "lightgbm"),
        selection_folds: int = 3,
        country: str | None = None,
        calibration_folds: int = 0,
        candidate_params: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.candidates = candidates
        self.selection_folds = selection_folds
        self.country = country
        self.calibration_folds = calibration_folds
        self.candidate_params = candidate_params

    def _make(self, name: str) -> Forecaster:
        params = dict((self.candidate_params or {}).get(name, {}))
        params.setdefault("country", self.country)
        return make_forecaster(name, **params)

    def fit_prepared(self, prepared: PreparedHistory, *, calibrate: bool = True) -> AutoForecaster:
        """Score the candidates on held-out weeks, keep the best per queue, refit on everything."""
        names = list(self.candidates)
        if not names:
            raise InvalidInput(
                "auto needs at least one candidate model",
                [FieldError(None, "candidates", "name at least one model", self.candidates)],
            )
        n_queues = len(prepared.queues)
        end = prepared.start_day + prepared.volume.shape[1]
        held: dict[str, list[np.ndarray]] = {n: [] for n in [*names, ENSEMBLE]}
        actuals: list[np.ndarray] = []
        masks: list[np.ndarray] = []
        for fold in range(self.selection_folds):
            cutoff = end - CALIBRATION_DAYS * (fold + 1)
            if (cutoff - prepared.start_day).astype(np.int64) < MIN_TRAINING_DAYS:
                break
            training = prepared.until(cutoff)
            days = cutoff + np.arange(CALIBRATION_DAYS)
            per_model = []
            for name in names:
                model = self._make(name).fit_prepared(training, calibrate=False)
                per_model.append(model.point_forecast(days))
                held[name].append(per_model[-1])
            held[ENSEMBLE].append(np.mean(per_model, axis=0))
            actuals.append(prepared.volume[:, prepared.day_index(days), :])
            masks.append(scoring_mask(prepared, days))
        choice = [ENSEMBLE if len(names) > 1 else names[0]] * n_queues
        self.scores_: dict[str, list[float]] = {}
        if actuals:
            actual = np.concatenate(actuals, axis=1)
            mask = np.concatenate(masks, axis=1) & ~np.isnan(actual)
            for name, parts in held.items():
                forecast = np.concatenate(parts, axis=1)
                self.scores_[name] = [
                    _wape(actual[q][mask[q]], forecast[q][mask[q]]) for q in range(n_queues)
                ]
            candidates = [*names, ENSEMBLE] if len(names) > 1 else names
            for q in range(n_queues):
                choice[q] = min(candidates, key=lambda n: self.scores_[n][q])
        self.choice_ = dict(zip(prepared.queues, choice, strict=True))
        needed = set(choice)
        if ENSEMBLE in needed:
            needed |= set(names)
        self.models_ = {
            name: self._make(name).fit_prepared(prepared, calibrate=False)
            for name in names
            if name in needed
        }
        self.history_ = prepared
        self.aht_profile_ = aht_profile(prepared)
        if calibrate and actuals:
            queues, act, fc = [], [], []
            q_names = np.array(prepared.queues, dtype=object)
            for q, name in enumerate(choice):
                forecast = np.concatenate(held[name], axis=1)[q]
                keep = mask[q]
                queues.append(np.repeat(q_names[q], int(keep.sum())))
                act.append(actual[q][keep])
                fc.append(forecast[keep])
            self.quantiles_ = ResidualQuantiles.fit(
                np.concatenate(queues), np.concatenate(act), np.concatenate(fc)
            )
        else:
            self.quantiles_ = ResidualQuantiles.fit(np.array([]), np.array([]), np.array([]))
        self.model_version_ = self._version(prepared)
        return self

    def _fit_point(self, prepared: PreparedHistory) -> None:
        raise NotImplementedError("AutoForecaster overrides fit_prepared")

    def _predict_point(self, days: np.ndarray) -> np.ndarray:
        forecasts = {name: model.point_forecast(days) for name, model in self.models_.items()}
        out = np.zeros((len(self.history_.queues), len(days), self.history_.grid.slots))
        for q, queue in enumerate(self.history_.queues):
            name = self.choice_[queue]
            if name == ENSEMBLE:
                out[q] = np.mean([f[q] for f in forecasts.values()], axis=0)
            else:
                out[q] = forecasts[name][q]
        return out


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    total = np.abs(actual).sum()
    return float(np.abs(actual - forecast).sum() / total) if total > 0 else float("inf")


FORECASTERS: dict[str, type[Forecaster]] = {
    "seasonal_naive": SeasonalNaive,
    "seasonal_average": SeasonalAverage,
    "ets": ExponentialSmoothingForecaster,
    "lightgbm": LightGBMForecaster,
    "auto": AutoForecaster,
}
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
