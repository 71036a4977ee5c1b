"""Rolling-origin backtest of the long-range forecast over weekly totals, error by horizon.

At each origin (a Monday) the long-range forecaster is refitted on the history before it and
forecasts the following weeks; each forecast week is scored against the week's actual total
when the history holds the whole week (complete weeks: no missing day; a holiday the queue is
closed on counts as zero). Origins are the latest ``folds`` Mondays ``step_weeks`` apart, the
newest one week before the history ends, so short horizons are scored at every origin and long
ones only at the older origins; :meth:`LongRangeBacktest.by_horizon` reports how many weeks
stand behind each horizon's figures. Every model is scored on the same weeks, the naive baseline
(the mean of the latest weeks) beside the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import QUEUE, WEEK_START, ProgressCallback
from forecasting import metrics
from forecasting.history import prepare_history
from forecasting.longrange import MIN_WEEKS, MODELS, LongRangeForecaster, coarsen_history
from forecasting.weekly import Event, WeeklyHistory, weekly_history

BACKTEST_COLUMNS = [
    "model",
    QUEUE,
    "fold",
    "origin",
    WEEK_START,
    "horizon_weeks",
    "actual",
    "volume",
    "volume_p10",
    "volume_p90",
]
"""One row per (model, queue, fold, forecast week) scored: contacts per week."""


@dataclass
class LongRangeBacktest:
    """Backtest output: :data:`BACKTEST_COLUMNS` rows in :attr:`forecasts`."""

    forecasts: pd.DataFrame

    def by_horizon(self) -> pd.DataFrame:
        """Errors per model and horizon, pooled over queues and folds.

        Returns
        -------
        pandas.DataFrame
            ``model``, ``horizon_weeks``, ``weeks`` (scored weeks), ``wape`` (sum |error| / sum
            actual), ``bias`` (sum error / sum actual, positive = over-forecast) and
            ``coverage_p10_p90`` (share of actual weeks inside the band).
        """
        return _pooled(self.forecasts, ["model", "horizon_weeks"])

    def summary(self) -> pd.DataFrame:
        """Errors per model pooled over every horizon: ``model``, ``weeks``, ``wape``,
        ``bias``, ``coverage_p10_p90``; best WAPE first."""
        return _pooled(self.forecasts, ["model"]).sort_values("wape").reset_index(drop=True)


def _pooled(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rows = []
    for key, part in frame.groupby(keys, sort=True):
        values = key if isinstance(key, tuple) else (key,)
        a = part["actual"].to_numpy()
        rows.append(
            {
                **dict(zip(keys, values, strict=True)),
                "weeks": len(part),
                "wape": metrics.wape(a, part["volume"].to_numpy()),
                "bias": metrics.bias(a, part["volume"].to_numpy()),
                "coverage_p10_p90": metrics.coverage(
                    a, part["volume_p10"].to_numpy(), part["volume_p90"].to_numpy()
                ),
            }
        )
    return pd.DataFrame(rows, columns=[*keys, "weeks", "wape", "bias", "coverage_p10_p90"])


def _check(name: str, value: object, low: int) -> FieldError | None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        return FieldError(None, name, f"must be an integer >= {low}", value)
    return None


def backtest_longrange(
    history: pd.DataFrame,
    *,
    horizon_weeks: int,
    folds: int,
    step_weeks: int = 1,
    models: Sequence[str] = MODELS,
    country: str | None = None,
    events: Sequence[Event] = (),
    interval_minutes: int | None = None,
    progress: ProgressCallback | None = None,
) -> LongRangeBacktest:
    """Rolling-origin backtest of long-range models on weekly totals.

    Parameters
    ----------
    history:
        Interval history (``queue``, tz-aware ``interval_start``, ``offered`` contacts).
    horizon_weeks:
        Weeks forecast after each origin (>= 1).
    folds:
        Number of origins (>= 1).
    step_weeks:
        Weeks between consecutive origins (>= 1).
    models:
        Long-range model names (``ets``, ``naive``).
    country:
        ISO country code of the public holidays.
    events:
        Known events (see :class:`forecasting.weekly.Event`).
    interval_minutes:
        Interval length the history is summed into first (None keeps its own).
    progress:
        Optional callback (fraction done, message).

    Returns
    -------
    LongRangeBacktest

    Raises
    ------
    InvalidInput
        Bad settings, an unknown model, or a history too short for the folds (the oldest
        origin needs :data:`~forecasting.longrange.MIN_WEEKS` weeks before it).
    """
    errors = [
        e
        for e in (
            _check("horizon_weeks", horizon_weeks, 1),
            _check("folds", folds, 1),
            _check("step_weeks", step_weeks, 1),
        )
        if e is not None
    ]
    errors += [
        FieldError(None, "models", f"must be among {', '.join(MODELS)}", m)
        for m in models
        if m not in MODELS
    ]
    if not models:
        errors.append(FieldError(None, "models", "name at least one model", []))
    if errors:
        raise InvalidInput("invalid long-range backtest settings", errors)
    if interval_minutes is not None:
        history = coarsen_history(history, interval_minutes)
    prepared = prepare_history(history, country=country, minutes=interval_minutes)
    truth = weekly_history(prepared, events)
    n_weeks = truth.clean.shape[1]
    origins = [n_weeks - 1 - step_weeks * (folds - 1 - k) for k in range(folds)]
    if origins[0] < MIN_WEEKS + 1:
        need = MIN_WEEKS + 2 + step_weeks * (folds - 1)
        raise InvalidInput(
            f"history of {n_weeks} weeks is too short for {folds} origins {step_weeks} week(s) "
            f"apart (need {need} weeks)",
            [FieldError(None, "folds", "history too short for these folds", folds)],
        )
    rows: list[pd.DataFrame] = []
    total = len(origins) * len(models)
    done = 0
    for fold, origin in enumerate(origins):
        monday = truth.week_starts[origin]
        training = prepared.until(monday)
        steps = min(horizon_weeks, n_weeks - origin)
        for model in models:
            forecaster = LongRangeForecaster(model=model, country=country, events=events)
            try:
                forecast = forecaster.fit_prepared(training).predict(
                    pd.Timestamp(monday).date(), steps, handle_time=False
                )
            except InvalidInput:
                done += 1
                continue
            rows.append(_scored(forecast, truth, origin, fold, model))
            done += 1
            if progress is not None:
                progress(done / total, f"origin {fold + 1}/{len(origins)}: {model}")
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=BACKTEST_COLUMNS)
    return LongRangeBacktest(forecasts=frame[BACKTEST_COLUMNS])


def _scored(
    forecast: pd.DataFrame, truth: WeeklyHistory, origin: int, fold: int, model: str
) -> pd.DataFrame:
    mondays = np.array(
        [np.datetime64(pd.Timestamp(w).date(), "D") for w in forecast[WEEK_START]],
        dtype="datetime64[D]",
    )
    position = ((mondays - truth.first_week).astype(np.int64) // 7).astype(np.int64)
    q_index = pd.Index(truth.queues).get_indexer(pd.Index(forecast[QUEUE]))
    actual = truth.actual[q_index, position]
    complete = truth.complete[q_index, position]
    out = forecast.loc[complete, [QUEUE, WEEK_START, "volume", "volume_p10", "volume_p90"]]
    out = out.assign(
        model=model,
        fold=fold,
        origin=forecast[WEEK_START].iloc[0],
        horizon_weeks=position[complete] - origin + 1,
        actual=actual[complete],
    )
    return out
