"""The model registry and the automatic selector.

``auto`` backtests its candidate models on the latest weeks of the training history (rolling
origin, one-week folds), scores each candidate and the equal-weight ensemble of all candidates by
WAPE per queue, and keeps, per queue, the best of them. Its p10-p90 band is calibrated on the
residuals of exactly those held-out forecasts of the chosen model, so no extra fit is needed.
"""

from __future__ import annotations

from itertools import combinations
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


class AutoForecaster(Forecaster):
    """Per-queue choice among candidate models and their ensembles, by held-out WAPE.

    Every non-empty subset of the candidates is an option (a single model, or the equal-weight
    mean of several). Each option is scored per queue by WAPE on the last `selection_folds`
    held-out weeks; the queue gets the largest ensemble whose WAPE is within `tolerance` of the
    best option (averaging is preferred unless a smaller option is clearly better, because a few
    weeks of scores are noisy). The p10-p90 band is calibrated on the chosen option's held-out
    residuals.

    Parameters
    ----------
    candidates:
        Names of the models to choose among (see :data:`FORECASTERS`).
    selection_folds:
        Held-out one-week folds at the end of the history used to score the options.
    tolerance:
        Relative WAPE margin within which a larger ensemble is preferred to the best option.
    country:
        ISO country code for public holidays, passed to every candidate.
    calibration_folds:
        Unused (the selection folds calibrate the band); kept for the common contract.
    candidate_params:
        Extra hyperparameters per candidate name, e.g. ``{"lightgbm": {"n_estimators": 100}}``.
    """

    name = "auto"

    def __init__(
        self,
        *,
        candidates: tuple[str, ...] = ("seasonal_average", "ets", "lightgbm"),
        selection_folds: int = 3,
        tolerance: float = 0.05,
        country: str | None = None,
        calibration_folds: int = 0,
        candidate_params: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.candidates = candidates
        self.selection_folds = selection_folds
        self.tolerance = tolerance
        self.country = country
        self.calibration_folds = calibration_folds
        self.candidate_params = candidate_params

    def _make(self, name: str) -> Forecaster:
        params = dict((self.candidate_params or {}).get(name, {}))
        params.setdefault("country", self.country)
        return make_forecaster(name, **params)

    def fit_prepared(self, prepared: PreparedHistory, *, calibrate: bool = True) -> AutoForecaster:
        """Score the options on held-out weeks, choose per queue, refit the chosen models."""
        names = list(dict.fromkeys(self.candidates))
        if not names or "auto" in names:
            raise InvalidInput(
                "auto needs at least one candidate model other than auto",
                [FieldError(None, "candidates", "name other models", self.candidates)],
            )
        options = [
            subset for size in range(1, len(names) + 1) for subset in combinations(names, size)
        ]
        end = prepared.start_day + prepared.volume.shape[1]
        held: dict[str, list[np.ndarray]] = {n: [] for n in names}
        actuals: list[np.ndarray] = []
        masks: list[np.ndarray] = []
        for fold in range(self.selection_folds):
            cutoff = end - CALIBRATION_DAYS * (fold + 1)
            if (cutoff - prepared.start_day).astype(np.int64) < MIN_TRAINING_DAYS:
                break
            training = prepared.until(cutoff)
            days = cutoff + np.arange(CALIBRATION_DAYS)
            for name in names:
                model = self._make(name).fit_prepared(training, calibrate=False)
                held[name].append(model.point_forecast(days))
            actuals.append(prepared.volume[:, prepared.day_index(days), :])
            masks.append(scoring_mask(prepared, days))
        choice: list[tuple[str, ...]] = [tuple(names)] * len(prepared.queues)
        self.scores_: dict[str, list[float]] = {}
        if actuals:
            actual = np.concatenate(actuals, axis=1)
            mask = np.concatenate(masks, axis=1) & ~np.isnan(actual)
            stacked = {n: np.concatenate(held[n], axis=1) for n in names}
            option_forecasts = {o: np.mean([stacked[n] for n in o], axis=0) for o in options}
            for option, forecast in option_forecasts.items():
                self.scores_["+".join(option)] = [
                    _wape(actual[q][mask[q]], forecast[q][mask[q]])
                    for q in range(len(prepared.queues))
                ]
            for q in range(len(prepared.queues)):
                best = min(self.scores_["+".join(o)][q] for o in options)
                close = [
                    o
                    for o in options
                    if self.scores_["+".join(o)][q] <= best * (1 + self.tolerance)
                ]
                choice[q] = max(close, key=lambda o: (len(o), -self.scores_["+".join(o)][q]))
        self.choice_ = dict(zip(prepared.queues, choice, strict=True))
        needed = sorted({n for option in choice for n in option})
        self.models_ = {n: self._make(n).fit_prepared(prepared, calibrate=False) for n in needed}
        self.history_ = prepared
        self.aht_profile_ = aht_profile(prepared)
        if calibrate and actuals:
            queues, act, fc = [], [], []
            q_names = np.array(prepared.queues, dtype=object)
            for q, option in enumerate(choice):
                keep = mask[q]
                queues.append(np.repeat(q_names[q], int(keep.sum())))
                act.append(actual[q][keep])
                fc.append(option_forecasts[option][q][keep])
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
            out[q] = np.mean([forecasts[name][q] for name in self.choice_[queue]], axis=0)
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
